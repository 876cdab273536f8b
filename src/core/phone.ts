/**
 * Russian mobile numbers. The login only accepts `+79XXXXXXXXX` (OTP-7): SMS pumping to foreign or
 * premium numbers is the main abuse of an SMS login, so anything else is refused before any send.
 */

export type RussianMobile = string & { readonly __brand: 'RussianMobile' };

const CANONICAL = /^\+79\d{9}$/;

/** Characters people type between digits: spaces, dashes, dots, brackets. */
const SEPARATORS = /[\s\-().\u00a0\u2010-\u2015]/g;

/**
 * Accepts the common spellings — `+7 (912) 345-67-89`, `8 912 345 67 89`, `79123456789`,
 * `9123456789` — and returns `+79123456789`, or null for anything that is not a Russian mobile.
 */
export function normalizeRussianMobile(input: string): RussianMobile | null {
  if (input.length > 40) return null;
  const compact = input.trim().replace(SEPARATORS, '');
  let digits: string;
  if (/^\+7\d{10}$/.test(compact)) digits = compact.slice(2);
  else if (/^[78]\d{10}$/.test(compact)) digits = compact.slice(1);
  else if (/^9\d{9}$/.test(compact)) digits = compact;
  else return null;
  const phone = `+7${digits}`;
  return CANONICAL.test(phone) ? (phone as RussianMobile) : null;
}

export function isRussianMobile(value: string): value is RussianMobile {
  return CANONICAL.test(value);
}

/** `+79123456789` → `+7******6789`: what logs and support screens may show. */
export function maskPhone(phone: string): string {
  if (!CANONICAL.test(phone)) return '***';
  return `+7******${phone.slice(-4)}`;
}

/** `+79123456789` → `+7 (912) 345-67-89`, for people. */
export function formatPhone(phone: string): string {
  if (!CANONICAL.test(phone)) return phone;
  const d = phone.slice(2);
  return `+7 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8, 10)}`;
}

/** The "1k prefix": the number without its last three digits, the unit SMS pumping rotates within. */
export function phonePrefix(phone: RussianMobile): string {
  return phone.slice(0, -3);
}
