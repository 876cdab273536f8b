/**
 * A sum typed in rubles and kopecks («3 000», «2500,5», «2 500.50») as integer kopecks, without
 * floating point; and the check of a payment amount against today's debt.
 */
import { formatRubles } from '../../core/money';

const AMOUNT = /^(\d{1,11})(?:[.,](\d{1,2}))?$/;

/** «2 500,5» → 250050; null when it is not a sum of rubles with at most two kopeck digits. */
export const parseRubles = (text: string): number | null => {
  const match = AMOUNT.exec(text.replace(/[\s\u00a0\u202f]/g, ''));
  if (!match) return null;
  const kopecks = (match[2] ?? '').padEnd(2, '0');
  return Number(match[1]) * 100 + Number(kopecks);
};

const MIN_PAYMENT_KOPECKS = 100;

/** The amount of a part payment, or why it cannot be paid: between 1 ₽ and the debt. */
export const checkPaymentAmount = (text: string, debtKopecks: number): { kopecks: number } | { error: string } => {
  if (text.trim() === '') return { error: 'Введите сумму платежа.' };
  const kopecks = parseRubles(text);
  if (kopecks === null) return { error: 'Сумма — в рублях и копейках, например 3000 или 2500,50.' };
  if (kopecks < MIN_PAYMENT_KOPECKS) return { error: `Сумма — не меньше ${formatRubles(MIN_PAYMENT_KOPECKS)}.` };
  if (kopecks > debtKopecks) return { error: `Сумма больше долга: сегодня нужно ${formatRubles(debtKopecks)}.` };
  return { kopecks };
};
