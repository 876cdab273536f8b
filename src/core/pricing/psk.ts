/**
 * ПСК (полная стоимость кредита) by the formula of 353-ФЗ ст. 6 ч. 2:
 *
 *   ПСК = i × ЧБП × 100, where i solves  Σ ДПₖ / ((1 + eₖ·i)(1 + i)^qₖ) = 0,
 *
 * ДПₖ — the k-th cash flow (the loan out negative, payments positive), qₖ — whole base periods from
 * the start to the k-th flow, eₖ — the remaining fraction of a base period, ЧБП — base periods in a
 * 365-day year. The result is rounded to 3 decimals.
 *
 * Solved by bisection using only +, −, × and ÷ (no Math.pow): IEEE 754 makes those exact-same in
 * every engine, so the browser's calculator and the server agree to the last digit.
 */

export type CashFlow = {
  /** Kopecks: negative for money lent, positive for money repaid. */
  amount: number;
  /** Whole base periods since the start. */
  q: number;
  /** Fraction of a base period on top of q (0 ≤ e < 1). */
  e: number;
};

function presentValue(flows: readonly CashFlow[], i: number): number {
  let sum = 0;
  for (const flow of flows) {
    let growth = 1;
    for (let k = 0; k < flow.q; k += 1) growth *= 1 + i;
    sum += flow.amount / ((1 + flow.e * i) * growth);
  }
  return sum;
}

/** The per-period rate i ≥ 0 that makes the flows' present value zero. */
export function solvePeriodRate(flows: readonly CashFlow[]): number {
  if (presentValue(flows, 0) <= 0) return 0;
  let low = 0;
  let high = 1;
  while (presentValue(flows, high) > 0) {
    high *= 2;
    if (high > 1e6) throw new RangeError('ПСК does not converge');
  }
  for (let step = 0; step < 200 && high - low > 1e-15; step += 1) {
    const mid = (low + high) / 2;
    if (presentValue(flows, mid) > 0) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** ПСК in % with 3 decimals; `periodsPerYear` is ЧБП (365 / base period in days, or 12 for months). */
export function pskPercent(flows: readonly CashFlow[], periodsPerYear: number): number {
  const i = solvePeriodRate(flows);
  return Math.round(i * periodsPerYear * 100 * 1000) / 1000;
}
