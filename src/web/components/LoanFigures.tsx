import { formatRubles } from '../../core/money';
import type { Quote } from '../../core/pricing/quote';
import { formatDate, formatPaymentLine, formatPskPercent, formatTerm } from '../lib/loan-format';

/** The figures of one priced loan (the kept choice, the questionnaire's loan, the approved offer), each with its raw value. */
export const LoanFigures = ({ quote: q }: { quote: Quote }) => {
  const paymentLine = formatPaymentLine(q);
  return (
    <dl class="facts facts-grid loan-figures">
      <div>
        <dt>Сумма</dt>
        <dd data-figure="amount" data-kopecks={q.amountKopecks}>
          {formatRubles(q.amountKopecks)}
        </dd>
      </div>
      <div>
        <dt>Срок</dt>
        <dd data-figure="term" data-value={q.term} data-unit={q.termUnit}>
          {formatTerm(q.term, q.termUnit)}
        </dd>
      </div>
      <div>
        <dt>Вернуть всего</dt>
        <dd data-figure="total" data-kopecks={q.totalKopecks}>
          {formatRubles(q.totalKopecks)}
        </dd>
      </div>
      <div>
        <dt>Дата возврата</dt>
        <dd data-figure="return-date" data-value={q.returnDate}>
          {formatDate(q.returnDate)}
        </dd>
      </div>
      <div>
        <dt>Переплата</dt>
        <dd data-figure="overpayment" data-kopecks={q.overpaymentKopecks}>
          {formatRubles(q.overpaymentKopecks)}
        </dd>
      </div>
      <div>
        <dt>ПСК</dt>
        <dd>
          <span data-figure="psk" data-value={q.pskPercent}>
            {formatPskPercent(q.pskPercent)}
          </span>{' '}
          <span class="nowrap">
            (<span data-figure="psk-kopecks" data-kopecks={q.pskKopecks}>{formatRubles(q.pskKopecks)}</span>)
          </span>
        </dd>
      </div>
      {paymentLine && (
        <div class="facts-wide">
          <dt>Платежи</dt>
          <dd data-figure="payments" data-count={q.schedule.length}>
            {paymentLine}
          </dd>
        </div>
      )}
    </dl>
  );
};
