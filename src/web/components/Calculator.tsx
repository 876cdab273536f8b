import type { TargetedEvent } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatRubles } from '../../core/money';
import { pskRange } from '../../core/pricing/catalogue';
import type { Product } from '../../core/pricing/products';
import { quote, type Quote, type QuoteResult } from '../../core/pricing/quote';
import {
  type LoanChoice,
  defaultChoice,
  initialChoice,
  parseWholeNumber,
  snapToRange,
} from '../lib/loan-choice';
import {
  formatCapNote,
  formatDate,
  formatInputNumber,
  formatPaymentLine,
  formatPskPercent,
  formatPskRange,
  formatRate,
  formatTerm,
  formatTermAccusative,
  productRate,
  rublesWords,
  unitGenitivePlural,
} from '../lib/loan-format';
import { fitAmount, fitTerm } from '../lib/loan-fit';
import { usePricing } from '../lib/pricing';
import { Link } from '../lib/router';
import { RangeField } from './RangeField';

/** The calculator's inputs as the visitor has them, typed text included. */
type Draft = {
  product: string;
  /** Whole rubles; null while the field holds no number. */
  amount: number | null;
  term: number | null;
  amountText: string;
  termText: string;
  amountNote: string | null;
  termNote: string | null;
};

const draftOf = (choice: LoanChoice): Draft => ({
  product: choice.product,
  amount: choice.amount,
  term: choice.term,
  amountText: formatInputNumber(choice.amount),
  termText: formatInputNumber(choice.term),
  amountNote: null,
  termNote: null,
});

/** How long the result summary waits for the figures to settle before a screen reader hears it. */
const ANNOUNCE_DELAY_MS = 900;

type CalculatorProps = {
  /** The choice from the address (`/?product=…&amount=…&term=…`), if any. */
  fromQuery: LoanChoice | null;
  /** Where «Получить займ» goes with a choice (the login, or the cabinet when signed in). */
  loanHref: (choice: LoanChoice) => string;
  /** Every priceable choice, so the page's other «Получить займ» carries it too. */
  onChoiceChange: (choice: LoanChoice) => void;
};

const safeQuote = (input: Parameters<typeof quote>[0]): QuoteResult => {
  try {
    return quote(input);
  } catch {
    return { ok: false, errors: { product: 'Не удалось рассчитать займ. Попробуйте другую сумму или срок.' } };
  }
};

/**
 * The loan calculator: product, amount and term in, every figure of the loan out, computed in the
 * browser by the same `quote()` the server uses. The advertising rule (DOMAIN R6) fixes the order:
 * the product's ПСК range first, in a font no smaller than the rate's, then the rate.
 */
export const Calculator = ({ fromQuery, loanHref, onChoiceChange }: CalculatorProps) => {
  const pricing = usePricing();
  const [draft, setDraft] = useState<Draft>(() => draftOf(initialChoice(pricing.products, fromQuery)!));
  const [announcement, setAnnouncement] = useState('');
  // Kept here so the schedule stays open while the figures change.
  const [isScheduleOpen, setScheduleOpen] = useState(false);
  const hasUserChanged = useRef(false);

  const product: Product = pricing.products.find((p) => p.code === draft.product) ?? pricing.products[0]!;

  // The server's catalogue may lack the product picked from the bundled one: start over with its first.
  useEffect(() => {
    if (!pricing.products.some((p) => p.code === draft.product)) setDraft(draftOf(defaultChoice(pricing.products[0]!)));
  }, [pricing]);

  const result = useMemo(
    () =>
      safeQuote({
        product,
        amountRubles: draft.amount ?? Number.NaN,
        term: draft.term ?? Number.NaN,
        startDate: pricing.today,
        rules: pricing.rules,
      }),
    [product, draft.amount, draft.term, pricing.today, pricing.rules],
  );

  const serverRange = pricing.pskRanges?.[product.code];
  const localRange = useMemo(
    () => (serverRange ? null : pskRange(product, pricing.rules, pricing.today)),
    [serverRange, product, pricing.rules, pricing.today],
  );
  const range = serverRange ?? localRange!;

  // The last choice that priced, for the «Получить займ» links (a field being typed in may not).
  const lastValid = useRef<LoanChoice>(initialChoice(pricing.products, fromQuery)!);
  if (result.ok) lastValid.current = { product: product.code, amount: draft.amount!, term: draft.term! };
  const choice = lastValid.current;

  useEffect(() => {
    onChoiceChange(choice);
  }, [choice.product, choice.amount, choice.term]);

  const summary = result.ok ? summaryText(result.quote, product) : 'Расчёт недоступен: исправьте сумму или срок.';
  useEffect(() => {
    if (!hasUserChanged.current) return;
    const timer = window.setTimeout(() => setAnnouncement(summary), ANNOUNCE_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [summary]);

  const change = (next: Partial<Draft>) => {
    hasUserChanged.current = true;
    setDraft((current) => ({ ...current, ...next }));
  };

  const selectProduct = (code: string) => {
    const next = pricing.products.find((p) => p.code === code);
    if (!next) return;
    hasUserChanged.current = true;
    setDraft(draftOf(defaultChoice(next)));
  };

  const { amount: amountRange, term: termRange } = product;
  const commitAmount = () => {
    const fitted = fitAmount(draft.amountText, amountRange, choice.amount);
    if (fitted.typedExactly && draft.amountText === formatInputNumber(fitted.value)) return;
    change({ amount: fitted.value, amountText: formatInputNumber(fitted.value), amountNote: fitted.note });
  };

  const commitTerm = () => {
    const fitted = fitTerm(draft.termText, termRange, choice.term);
    if (fitted.typedExactly && draft.termText === formatInputNumber(fitted.value)) return;
    change({ term: fitted.value, termText: formatInputNumber(fitted.value), termNote: fitted.note });
  };

  const errors = result.ok ? {} : result.errors;
  const amountSlider = snapToRange(draft.amount ?? choice.amount, amountRange.minRubles, amountRange.maxRubles, amountRange.stepRubles);
  const termSlider = snapToRange(draft.term ?? choice.term, termRange.min, termRange.max, termRange.step);
  const rate = result.ok ? result.quote.rate : productRate(product);

  return (
    <section
      id="calculator"
      class="section section-muted"
      aria-labelledby="calculator-title"
      tabindex={-1}
      data-source={pricing.source}
      data-start-date={pricing.today}
    >
      <div class="container">
        <h2 id="calculator-title">Калькулятор займа</h2>
        <div class="calc">
          <div class="calc-inputs">
            <fieldset class="segmented">
              <legend class="sr-only">Вид займа</legend>
              {pricing.products.map((p) => (
                <label key={p.code} class={p.code === product.code ? 'segment segment-checked' : 'segment'}>
                  <input
                    type="radio"
                    name="calc-product"
                    value={p.code}
                    checked={p.code === product.code}
                    onChange={() => selectProduct(p.code)}
                  />
                  <span>{p.name}</span>
                </label>
              ))}
            </fieldset>
            <p class="calc-description">{product.description}</p>

            <RangeField
              id="calc-amount"
              label="Сумма, ₽"
              sliderName="Сумма"
              min={amountRange.minRubles}
              max={amountRange.maxRubles}
              step={amountRange.stepRubles}
              sliderValue={amountSlider}
              valueText={rublesWords(amountSlider)}
              text={draft.amountText}
              minLabel={formatRubles(amountRange.minRubles * 100)}
              maxLabel={formatRubles(amountRange.maxRubles * 100)}
              error={errors.amount}
              note={draft.amountNote}
              onSlide={(value) => change({ amount: value, amountText: formatInputNumber(value), amountNote: null })}
              onType={(text) => change({ amount: parseWholeNumber(text), amountText: text, amountNote: null })}
              onCommit={commitAmount}
            />
            <RangeField
              id="calc-term"
              label={`Срок, ${unitGenitivePlural(termRange.unit)}`}
              sliderName="Срок"
              min={termRange.min}
              max={termRange.max}
              step={termRange.step}
              sliderValue={termSlider}
              valueText={formatTerm(termSlider, termRange.unit)}
              text={draft.termText}
              minLabel={formatTerm(termRange.min, termRange.unit)}
              maxLabel={formatTerm(termRange.max, termRange.unit)}
              error={errors.term}
              note={draft.termNote}
              onSlide={(value) => change({ term: value, termText: formatInputNumber(value), termNote: null })}
              onType={(text) => change({ term: parseWholeNumber(text), termText: text, termNote: null })}
              onCommit={commitTerm}
            />
          </div>

          <div class="calc-result">
            {/* DOMAIN R6: the ПСК range comes before the rate, in a font no smaller. */}
            <p class="calc-psk-range" data-figure="psk-range" data-min-percent={range.minPercent} data-max-percent={range.maxPercent}>
              {formatPskRange(range)}
            </p>
            <p class="calc-rate" data-figure="rate" data-value={rate.percent} data-per={rate.per}>
              Ставка {formatRate(rate)}
            </p>

            {result.ok ? (
              <QuoteFigures quote={result.quote} product={product} isScheduleOpen={isScheduleOpen} onScheduleToggle={setScheduleOpen} />
            ) : (
              <div class="calc-unavailable" role="alert">
                {errors.product ?? errors.date ?? 'Укажите сумму и срок в пределах условий — расчёт появится здесь.'}
              </div>
            )}

            <Link href={loanHref(choice)} class="btn btn-primary btn-large btn-block calc-cta">
              Получить займ
            </Link>
            <p class="calc-footnote">
              Расчёт — для займа, выданного{' '}
              <span data-figure="start-date" data-value={pricing.today}>
                {formatDate(pricing.today)}
              </span>{' '}
              Решение о выдаче и окончательные условия — после заявки, в договоре.
            </p>
          </div>
        </div>
        <p class="sr-only" aria-live="polite">
          {announcement}
        </p>
      </div>
    </section>
  );
};

const summaryText = (q: Quote, product: Product): string =>
  `${product.name}: ${formatRubles(q.amountKopecks)} на ${formatTermAccusative(q.term, q.termUnit)}. ` +
  `Вернуть ${formatRubles(q.totalKopecks)} до ${formatDate(q.returnDate)}, переплата ${formatRubles(q.overpaymentKopecks)}, ` +
  `ПСК ${formatPskPercent(q.pskPercent)}.`;

// Made on first use: an Intl formatter costs milliseconds to build, and most visits never open the schedule.
let shortDate: Intl.DateTimeFormat | undefined;
/** 2026-12-25 → «25.12.2026». */
const formatShortDate = (date: string) => {
  shortDate ??= new Intl.DateTimeFormat('ru-RU', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
  return shortDate.format(new Date(`${date}T00:00:00Z`));
};

type QuoteFiguresProps = {
  quote: Quote;
  product: Product;
  isScheduleOpen: boolean;
  onScheduleToggle: (open: boolean) => void;
};

/** The figures of one priced loan, each carrying its raw value for tests and tools. */
const QuoteFigures = ({ quote: q, product, isScheduleOpen, onScheduleToggle }: QuoteFiguresProps) => {
  const first = q.schedule[0]!;
  const last = q.schedule[q.schedule.length - 1]!;
  const paymentLine = formatPaymentLine(q);
  const capNote = formatCapNote(q);
  const isInstalment = product.repayment !== 'bullet' && q.schedule.length > 1;
  return (
    <>
      <p class="calc-loan">
        <span data-figure="amount" data-kopecks={q.amountKopecks}>
          {formatRubles(q.amountKopecks)}
        </span>{' '}
        на{' '}
        <span data-figure="term" data-value={q.term} data-unit={q.termUnit}>
          {formatTermAccusative(q.term, q.termUnit)}
        </span>
      </p>
      <dl class="calc-figures">
        <div class="calc-figure">
          <dt>ПСК этого займа</dt>
          <dd>
            <span data-figure="psk" data-value={q.pskPercent}>
              {formatPskPercent(q.pskPercent)}
            </span>
            <span class="calc-figure-sub">
              {' '}
              или{'\u00a0'}
              <span data-figure="psk-kopecks" data-kopecks={q.pskKopecks}>
                {formatRubles(q.pskKopecks)}
              </span>
            </span>
          </dd>
        </div>
        <div class="calc-figure">
          <dt>Переплата</dt>
          <dd data-figure="overpayment" data-kopecks={q.overpaymentKopecks}>
            {formatRubles(q.overpaymentKopecks)}
          </dd>
        </div>
        <div class="calc-figure calc-figure-main">
          <dt>Вернуть всего</dt>
          <dd data-figure="total" data-kopecks={q.totalKopecks}>
            {formatRubles(q.totalKopecks)}
          </dd>
        </div>
        <div class="calc-figure">
          <dt>Дата возврата</dt>
          <dd data-figure="return-date" data-value={q.returnDate}>
            {formatDate(q.returnDate)}
          </dd>
        </div>
        <div class="calc-figure calc-figure-wide">
          <dt>{isInstalment ? 'Платежи' : 'Как вернуть'}</dt>
          <dd
            data-figure="payments"
            data-count={q.schedule.length}
            data-first-kopecks={first.totalKopecks}
            data-last-kopecks={last.totalKopecks}
          >
            {paymentLine ?? `Одним платежом ${formatRubles(last.totalKopecks)} в дату возврата`}
          </dd>
        </div>
      </dl>

      {isInstalment && (
        <details
          class="calc-schedule"
          open={isScheduleOpen}
          onToggle={(event: TargetedEvent<HTMLDetailsElement>) => onScheduleToggle(event.currentTarget.open)}
        >
          <summary>График платежей</summary>
          {/* Rows are built only while open: up to 60 of them, redone on every slider step otherwise. */}
          {isScheduleOpen && (
            <div class="table-scroll" tabindex={0} role="region" aria-label="График платежей">
              <table data-figure="schedule" data-count={q.schedule.length}>
                <thead>
                  <tr>
                    <th scope="col">Дата</th>
                    <th scope="col">Платёж</th>
                    <th scope="col">из них проценты</th>
                  </tr>
                </thead>
                <tbody>
                  {q.schedule.map((item) => (
                    <tr key={item.date} data-date={item.date} data-kopecks={item.totalKopecks}>
                      <td>{formatShortDate(item.date)}</td>
                      <td>{formatRubles(item.totalKopecks)}</td>
                      <td>{formatRubles(item.interestKopecks)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </details>
      )}

      {capNote && (
        <p class="calc-cap" data-figure="cap" data-value={q.cap.overpaymentCapPercent ?? undefined}>
          {capNote}
          {q.cap.applied && (product.repayment === 'bullet' ? ': начисления остановлены на этом пределе.' : ': ставка снижена, чтобы уложиться в предел.')}
        </p>
      )}
    </>
  );
};
