/**
 * Idempotency keys for payments (SECURITY.md PAY-1): one key per intent of the borrower — this
 * loan, this amount, this method. Retrying the same intent (after a lost reply, a 503, a reload)
 * sends the same key, so the server answers with the payment it already made instead of a second
 * one; another amount or method is another intent with a new key. Kept in sessionStorage, so a
 * reload of the tab retries with the same key; forgotten once the payment was made.
 */

type Stored = { intent: string; key: string };

const memory = new Map<string, Stored>();
const storageKey = (scope: string) => `carcapital:intent:${scope}`;

const read = (scope: string): Stored | undefined => {
  try {
    const raw = window.sessionStorage.getItem(storageKey(scope));
    if (raw) return JSON.parse(raw) as Stored;
  } catch {
    // Storage refused (a privacy mode): the in-memory copy serves this page's lifetime.
  }
  return memory.get(scope);
};

const write = (scope: string, stored: Stored | undefined) => {
  if (stored) memory.set(scope, stored);
  else memory.delete(scope);
  try {
    if (stored) window.sessionStorage.setItem(storageKey(scope), JSON.stringify(stored));
    else window.sessionStorage.removeItem(storageKey(scope));
  } catch {
    // See read().
  }
};

/** A random UUID v4; `crypto.randomUUID` needs a secure context, `getRandomValues` does not. */
const uuid = (): string => {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** The key for `intent` within `scope` (a loan): the same while the intent is the same. */
export const intentKey = (scope: string, intent: string): string => {
  const stored = read(scope);
  if (stored?.intent === intent) return stored.key;
  const fresh = { intent, key: uuid() };
  write(scope, fresh);
  return fresh.key;
};

/** Forgets the scope's key: the payment was made, the next one is a new intent. */
export const forgetIntentKey = (scope: string): void => write(scope, undefined);
