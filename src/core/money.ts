/**
 * Money is an integer number of kopecks, everywhere. This module is the one place that converts,
 * multiplies with rounding, and formats. Rounding rule: half up (away from zero for the positive
 * amounts we deal in), applied once per computed amount, on exact integer arithmetic (BigInt).
 */

export type Kopecks = number;

export const KOPECKS_PER_RUBLE = 100;

/** Largest amount we accept anywhere: 10^13 kopecks (100 bn ₽), far inside 2^53. */
export const MAX_KOPECKS = 10 ** 13;

export function assertKopecks(value: number, what = 'amount'): Kopecks {
  if (!Number.isSafeInteger(value) || Math.abs(value) > MAX_KOPECKS) {
    throw new RangeError(`${what} must be a whole number of kopecks, got ${value}`);
  }
  return value;
}

export function rublesToKopecks(rubles: number): Kopecks {
  if (!Number.isSafeInteger(rubles)) throw new RangeError(`rubles must be a whole number, got ${rubles}`);
  return assertKopecks(rubles * KOPECKS_PER_RUBLE);
}

/** round_half_up(a × b / c) for non-negative integers, exactly. */
export function mulDivRoundHalfUp(a: bigint | number, b: bigint | number, c: bigint | number): bigint {
  const num = BigInt(a) * BigInt(b);
  const den = BigInt(c);
  if (num < 0n || den <= 0n) throw new RangeError('mulDivRoundHalfUp takes non-negative operands and a positive divisor');
  return (num * 2n + den) / (den * 2n);
}

/** Exact rational a / b rounded half up to an integer (a ≥ 0, b > 0). */
export function divRoundHalfUp(a: bigint, b: bigint): bigint {
  return mulDivRoundHalfUp(a, 1n, b);
}

export function toSafeNumber(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`value out of safe range: ${value}`);
  return n;
}

const rubleFormat = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
const kopeckFormat = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 1240000 → «12 400 ₽», 1240050 → «12 400,5 ₽»; kopecks shown only when there are any. */
export function formatRubles(kopecks: Kopecks): string {
  const whole = kopecks % 100 === 0;
  const text = (whole ? rubleFormat : kopeckFormat).format(kopecks / 100);
  return `${text.replace(/\u202f|\u00a0/g, '\u00a0')}\u00a0₽`;
}
