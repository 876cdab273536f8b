import type { Quote } from '../../core/pricing/quote';
import { formatPaymentLine, formatTerm } from '../lib/loan-format';
import { FigureList, PskValue } from './FigureList';

/** The figures of one priced loan (the kept choice, the questionnaire's loan, the approved offer), each with its raw value. */
export const LoanFigures = ({ quote: q }: { quote: Quote }) => {
  const paymentLine = formatPaymentLine(q);
  return (
    <FigureList
      class="facts facts-grid loan-figures"
      figures={[
        { label: 'Сумма', name: 'amount', kopecks: q.amountKopecks },
        {
          label: 'Срок',
          content: (
            <span data-figure="term" data-value={q.term} data-unit={q.termUnit}>
              {formatTerm(q.term, q.termUnit)}
            </span>
          ),
        },
        { label: 'Вернуть всего', name: 'total', kopecks: q.totalKopecks },
        { label: 'Дата возврата', name: 'return-date', date: q.returnDate },
        { label: 'Переплата', name: 'overpayment', kopecks: q.overpaymentKopecks },
        { label: 'ПСК', content: <PskValue percent={q.pskPercent} kopecks={q.pskKopecks} /> },
        paymentLine !== null && {
          label: 'Платежи',
          class: 'facts-wide',
          content: (
            <span data-figure="payments" data-count={q.schedule.length}>
              {paymentLine}
            </span>
          ),
        },
      ]}
    />
  );
};
