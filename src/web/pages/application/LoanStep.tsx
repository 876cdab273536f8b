import { useMemo, useState } from 'preact/hooks';
import { formatRubles } from '../../../core/money';
import type { Product } from '../../../core/pricing/products';
import { quote, type QuoteResult } from '../../../core/pricing/quote';
import { RangeField } from '../../components/RangeField';
import type { Application, LoanFields } from '../../lib/api';
import { personalProduct, type Rate } from '../../../core/loyalty/personal';
import { PromoCodeField, RateLine, personalRateOf } from '../offers/PersonalRate';
import { defaultChoice, parseWholeNumber, snapToRange } from '../../lib/loan-choice';
import { fitAmount, fitTerm } from '../../lib/loan-fit';
import { formatDate, formatInputNumber, formatTerm, rublesWords, unitGenitivePlural } from '../../lib/loan-format';
import type { PricingState } from '../../lib/pricing';
import { LoanFigures } from '../../components/LoanFigures';

/** Prices a loan with the core engine (the server's own), never throwing; at the personal rate when given. */
export const safeQuote = (pricing: PricingState, product: Product | undefined, amount: number, term: number, rate: Rate | null = null): QuoteResult => {
  if (!product) return { ok: false, errors: { product: 'Такого продукта нет. Выберите продукт из списка.' } };
  try {
    return quote({ product: personalProduct(product, rate), amountRubles: amount, term, startDate: pricing.today, rules: pricing.rules });
  } catch {
    return { ok: false, errors: { product: 'Не удалось рассчитать займ. Попробуйте другую сумму или срок.' } };
  }
};

type LoanStepProps = {
  pricing: PricingState;
  loan: LoanFields;
  /** Called with every choice that prices (what is saved). */
  onLoan: (loan: LoanFields) => void;
  /** The server's messages (`product`, `amount`, `term`). */
  serverErrors: Record<string, string>;
  /** The application: its personal rate (modules/loyalty) and promo code. */
  application: Application;
  onApplication: (application: Application) => void;
};

/**
 * The loan of the application, as picked in the calculator and changeable here within the
 * product's ranges: the calculator's fields, priced by the same core `quote()`.
 */
export const LoanStep = ({ pricing, loan, onLoan, serverErrors, application, onApplication }: LoanStepProps) => {
  const product = pricing.products.find((p) => p.code === loan.product) ?? pricing.products[0]!;
  // The application's personal rate, while the server has priced this product (a new product is priced on save).
  const rate = personalRateOf(application, product.code);
  const personal = rate ? application.pricing : null;
  const [amountText, setAmountText] = useState(() => formatInputNumber(loan.amount));
  const [termText, setTermText] = useState(() => formatInputNumber(loan.term));
  const [notes, setNotes] = useState<{ amount: string | null; term: string | null }>({ amount: null, term: null });
  const typedAmount = parseWholeNumber(amountText);
  const typedTerm = parseWholeNumber(termText);

  const result = useMemo(
    () => safeQuote(pricing, product, typedAmount ?? Number.NaN, typedTerm ?? Number.NaN, rate),
    [pricing, product, typedAmount, typedTerm, rate?.ppm, rate?.per],
  );

  const offer = (next: LoanFields) => {
    if (safeQuote(pricing, pricing.products.find((p) => p.code === next.product), next.amount, next.term).ok) onLoan(next);
  };

  const selectProduct = (code: string) => {
    const next = pricing.products.find((p) => p.code === code);
    if (!next || next.code === product.code) return;
    const choice = defaultChoice(next);
    setAmountText(formatInputNumber(choice.amount));
    setTermText(formatInputNumber(choice.term));
    setNotes({ amount: null, term: null });
    offer(choice);
  };

  const { amount: amountRange, term: termRange } = product;
  const setAmount = (value: number) => {
    setAmountText(formatInputNumber(value));
    setNotes((n) => ({ ...n, amount: null }));
    offer({ product: product.code, amount: value, term: typedTerm ?? loan.term });
  };
  const setTerm = (value: number) => {
    setTermText(formatInputNumber(value));
    setNotes((n) => ({ ...n, term: null }));
    offer({ product: product.code, amount: typedAmount ?? loan.amount, term: value });
  };
  const commitAmount = () => {
    const fitted = fitAmount(amountText, amountRange, loan.amount);
    if (fitted.typedExactly && amountText === formatInputNumber(fitted.value)) return;
    setAmount(fitted.value);
    setNotes((n) => ({ ...n, amount: fitted.note }));
  };
  const commitTerm = () => {
    const fitted = fitTerm(termText, termRange, loan.term);
    if (fitted.typedExactly && termText === formatInputNumber(fitted.value)) return;
    setTerm(fitted.value);
    setNotes((n) => ({ ...n, term: fitted.note }));
  };

  const errors = result.ok ? {} : result.errors;
  const amountSlider = snapToRange(typedAmount ?? loan.amount, amountRange.minRubles, amountRange.maxRubles, amountRange.stepRubles);
  const termSlider = snapToRange(typedTerm ?? loan.term, termRange.min, termRange.max, termRange.step);
  const serverProblem = serverErrors.product ?? serverErrors.date;

  return (
    <div class="loan-step">
      <fieldset class="segmented">
        <legend class="sr-only">Вид займа</legend>
        {pricing.products.map((p) => (
          <label key={p.code} class={p.code === product.code ? 'segment segment-checked' : 'segment'}>
            <input
              type="radio"
              name="loan-product"
              value={p.code}
              checked={p.code === product.code}
              onChange={() => selectProduct(p.code)}
            />
            <span>{p.name}</span>
          </label>
        ))}
      </fieldset>
      <p class="muted">{product.description}</p>

      <RangeField
        id="loan-amount"
        label="Сумма, ₽"
        sliderName="Сумма"
        min={amountRange.minRubles}
        max={amountRange.maxRubles}
        step={amountRange.stepRubles}
        sliderValue={amountSlider}
        valueText={rublesWords(amountSlider)}
        text={amountText}
        minLabel={formatRubles(amountRange.minRubles * 100)}
        maxLabel={formatRubles(amountRange.maxRubles * 100)}
        error={errors.amount ?? serverErrors.amount}
        note={notes.amount}
        onSlide={setAmount}
        onType={(text) => {
          setAmountText(text);
          setNotes((n) => ({ ...n, amount: null }));
          const value = parseWholeNumber(text);
          if (value !== null) offer({ product: product.code, amount: value, term: typedTerm ?? loan.term });
        }}
        onCommit={commitAmount}
      />
      <RangeField
        id="loan-term"
        label={`Срок, ${unitGenitivePlural(termRange.unit)}`}
        sliderName="Срок"
        min={termRange.min}
        max={termRange.max}
        step={termRange.step}
        sliderValue={termSlider}
        valueText={formatTerm(termSlider, termRange.unit)}
        text={termText}
        minLabel={formatTerm(termRange.min, termRange.unit)}
        maxLabel={formatTerm(termRange.max, termRange.unit)}
        error={errors.term ?? serverErrors.term}
        note={notes.term}
        onSlide={setTerm}
        onType={(text) => {
          setTermText(text);
          setNotes((n) => ({ ...n, term: null }));
          const value = parseWholeNumber(text);
          if (value !== null) offer({ product: product.code, amount: typedAmount ?? loan.amount, term: value });
        }}
        onCommit={commitTerm}
      />

      <div class="loan-result">
        {result.ok ? (
          <>
            <LoanFigures quote={result.quote} />
            <RateLine rate={personal ? personal.rate : { percent: product.rate.ppm / 10_000, per: product.rate.per }} note={personal?.note} />
          </>
        ) : (
          <p class="calc-unavailable" role="alert">
            {errors.product ?? errors.date ?? 'Укажите сумму и срок в пределах условий — расчёт появится здесь.'}
          </p>
        )}
        {serverProblem && (
          <p class="calc-unavailable" role="alert">
            {serverProblem}
          </p>
        )}
        <p class="muted small">
          Расчёт на сегодня, {formatDate(pricing.today)}: окончательные условия — в договоре после одобрения.
        </p>
      </div>
      <PromoCodeField applicationId={application.id} pricing={application.pricing} onApplication={onApplication} />
    </div>
  );
};
