/**
 * Putting a typed amount or term right when the field is left: clamped into the product's range,
 * moved onto its step grid, with a message saying what changed. Shared by the landing calculator
 * and the questionnaire's loan step. Pure functions (unit-tested in loan-fit.test.ts).
 */
import { formatRubles } from '../../core/money';
import type { Product } from '../../core/pricing/products';
import { parseWholeNumber, snapToRange } from './loan-choice';
import { formatInteger, formatTerm } from './loan-format';

export type Fitted = {
  value: number;
  /** What was changed and why, or null when the typed value stands. */
  note: string | null;
  /** Whether the typed text was already exactly this value. */
  typedExactly: boolean;
};

/** The amount typed (`text`) fitted to the product; `fallback` stands in for text that is no number. */
export const fitAmount = (text: string, range: Product['amount'], fallback: number): Fitted => {
  const typed = parseWholeNumber(text);
  const value = snapToRange(typed ?? fallback, range.minRubles, range.maxRubles, range.stepRubles);
  let note: string | null = null;
  if (typed === null) note = `Введите сумму цифрами, например ${formatInteger(range.defaultRubles)}. Оставили ${formatRubles(value * 100)}.`;
  else if (typed < range.minRubles || typed > range.maxRubles)
    note = `Сумма — от ${formatRubles(range.minRubles * 100)} до ${formatRubles(range.maxRubles * 100)}. Поставили ${formatRubles(value * 100)}.`;
  else if (typed !== value) note = `Сумма меняется с шагом ${formatRubles(range.stepRubles * 100)}. Поставили ${formatRubles(value * 100)}.`;
  return { value, note, typedExactly: typed === value };
};

/** The term typed fitted to the product, in its unit. */
export const fitTerm = (text: string, range: Product['term'], fallback: number): Fitted => {
  const typed = parseWholeNumber(text);
  const value = snapToRange(typed ?? fallback, range.min, range.max, range.step);
  const unit = range.unit;
  let note: string | null = null;
  if (typed === null) note = `Введите срок цифрами. Оставили ${formatTerm(value, unit)}.`;
  else if (typed < range.min || typed > range.max)
    note = `Срок — от ${formatInteger(range.min)} до ${formatTerm(range.max, unit)}. Поставили ${formatTerm(value, unit)}.`;
  else if (typed !== value) note = `Срок меняется с шагом ${formatTerm(range.step, unit)}. Поставили ${formatTerm(value, unit)}.`;
  return { value, note, typedExactly: typed === value };
};
