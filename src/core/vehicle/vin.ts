/**
 * The vehicle identification number (VIN, ISO 3779): 17 characters, digits and Latin capitals
 * without I, O and Q. Position 9 is a check digit (49 CFR 565.15) only where the law of the market
 * makes it one: North America (first character 1–5) and China (L, GB 16735). Elsewhere, Russia
 * included (ГОСТ 33990, WMI X… and Z…), position 9 is a free manufacturer's character, often a
 * filler '0' or 'Z' or a letter, so it must not be checked there: a car built in
 * Russia with a letter there would otherwise be refused.
 *
 * Pure: no clock, no I/O.
 */

/**
 * Cyrillic capitals that look like Latin ones, as a customer on a Russian keyboard types them.
 * О is mapped to the Latin O, which a VIN never contains; validation then says so, rather than
 * guessing that a zero was meant.
 */
const CYRILLIC_LOOKALIKES: Readonly<Record<string, string>> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
};

/** Whitespace (NBSP included) and the dashes people paste: hyphen, non-breaking hyphen, en, em, minus. */
const SEPARATORS = /[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]/g;

/** ' xta-2109 90y 2766389 ' → 'XTA210990Y2766389'; Cyrillic look-alikes become Latin. */
export function normalizeVin(input: string): string {
  const upper = input.replace(SEPARATORS, '').toUpperCase();
  let out = '';
  for (const char of upper) out += CYRILLIC_LOOKALIKES[char] ?? char;
  return out;
}

export const VIN_LENGTH = 17;

/** Position 9 (1-based) holds the check digit where one applies. */
export const CHECK_DIGIT_INDEX = 8;

/** The 49 CFR 565.15 letter values (I, O, Q have none). Digits stand for themselves. */
const TRANSLITERATION: Readonly<Record<string, number>> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8,
  J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};

/** Position weights, 1 to 17; the check digit's own position weighs 0. */
export const VIN_WEIGHTS: readonly number[] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** Every character a VIN may contain. */
export const VIN_ALPHABET = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';

const VIN_RE = /^[0-9A-HJ-NPR-Z]{17}$/;

/** The numeric value of one VIN character (digit or transliterated letter). */
export function vinCharValue(char: string): number {
  if (/^[0-9]$/.test(char)) return Number(char);
  const value = TRANSLITERATION[char];
  if (value === undefined) throw new RangeError(`not a VIN character: ${char}`);
  return value;
}

/**
 * The check digit a VIN should carry at position 9: the weighted sum modulo 11, 10 written 'X'.
 * Takes a normalised 17-character VIN; what is at position 9 does not matter (its weight is 0).
 */
export function vinCheckDigit(vin: string): string {
  if (!VIN_RE.test(vin)) throw new RangeError(`not a normalised 17-character VIN: ${vin}`);
  let sum = 0;
  for (let i = 0; i < VIN_LENGTH; i += 1) sum += vinCharValue(vin[i]!) * VIN_WEIGHTS[i]!;
  const remainder = sum % 11;
  return remainder === 10 ? 'X' : String(remainder);
}

/**
 * Whether position 9 is a mandatory check digit for this VIN's region (its first character,
 * normalised VIN): 1–5 (USA, Canada, Mexico) and L (China). Not for Russia (X, Z), Europe (S–Z,
 * W, V), Japan (J), Korea (K) or the rest, where manufacturers may use it freely.
 */
export function checkDigitApplies(vin: string): boolean {
  return /^[1-5L]/.test(vin);
}

export type VinValidation = { ok: true; vin: string } | { ok: false; error: string };

/** Validates what a customer typed; on success returns the normalised VIN to store. */
export function validateVin(input: string): VinValidation {
  const vin = normalizeVin(input);
  if (vin.length === 0) return { ok: false, error: 'Введите VIN.' };
  if (/[IOQ]/.test(vin)) {
    return { ok: false, error: 'VIN не содержит букв I, O и Q: вместо них, скорее всего, цифры 1 и 0.' };
  }
  if (!/^[0-9A-Z]*$/.test(vin)) {
    return { ok: false, error: 'VIN состоит только из латинских букв и цифр.' };
  }
  if (vin.length !== VIN_LENGTH) {
    return { ok: false, error: `VIN состоит из 17 символов, а введено: ${vin.length}.` };
  }
  if (checkDigitApplies(vin) && vin[CHECK_DIGIT_INDEX] !== vinCheckDigit(vin)) {
    return { ok: false, error: 'В VIN ошибка: не сходится контрольный символ (9-й). Сверьте VIN с ПТС или СТС.' };
  }
  return { ok: true, vin };
}
