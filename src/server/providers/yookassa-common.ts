import { z } from 'zod';
import { ProviderError, withTimeout } from './errors';
import { InvalidResponse, readBodyLimited } from './http-body';

/**
 * YooKassa API v3 plumbing shared by the two YooKassa adapters: payouts (`payouts/yookassa.ts`,
 * «Выплаты») and acquiring (`acquiring/yookassa.ts`, «Приём платежей»). What YooKassa documents and
 * each adapter relies on, and each adapter's full table of outcomes, stay in the adapter's own
 * header; this module only implements the rules the two have in common:
 *
 * - configuration: the Basic auth user (agentId or shopId: printable ASCII, no colon, ≤ 64) and
 *   secret key (printable ASCII, ≤ 256); the base URL, `https://api.yookassa.ru/v3` by default,
 *   https only (plain http only for a loopback test server), no credentials, query or fragment,
 *   trailing slashes dropped; a positive per-call deadline, 5000 ms by default;
 * - one exchange (`exchange`): HTTP Basic auth, `Accept: application/json`; a POST carries a JSON
 *   body and the `Idempotence-Key` header (YooKassa's spelling, not `Idempotency-Key`); redirects
 *   are not followed; the deadline covers connect, headers and body. A 200 body is read strictly
 *   (UTF-8, at most the adapter's limit, `readBodyLimited`); any other status is an answer, not a
 *   throw, with its body read best-effort (≤ 64 KiB) for the error message only;
 * - transport failures → retryable errors: network error (only its code, e.g. ECONNREFUSED, never
 *   the message, which may carry the URL), timeout, a body too large or not UTF-8;
 * - a non-200 status → an error (`httpError`), retryable for any other 2xx (202 "still processing"),
 *   408, 429 and 5xx, not retryable for 3xx and other 4xx unless the adapter knows better (a payout
 *   being polled exists whatever the status). The message names the status and, from YooKassa's
 *   error body `{ type: "error", id, code, description, parameter }`, a well-formed `code` and
 *   `parameter` and the `description` after redaction;
 * - a 200 body that is not JSON or not of the expected shape → a retryable "invalid response";
 * - redaction of vendor text: the secret key, the Authorization header (and, where the adapter asks,
 *   its base64 credentials alone) and the user name become `[redacted]`, and so do the words the
 *   adapter passes for one call (a person's name: matched ignoring case and е/ё); digit runs become
 *   `[number]`, control characters spaces; at most 200 characters;
 * - amounts: integer kopecks ↔ YooKassa's `"1234.56"` strings, by string manipulation only (LED-1);
 *   an amount in an answer that is not of that form → a retryable "invalid response (amount)";
 * - idempotence keys: 1–64 printable ASCII characters (the 64 is not confirmed by the docs).
 *
 * Errors are built by the adapter's own constructor (its ProviderError subclass), so each adapter
 * keeps its error type; `retryable` means "retry with the same idempotency key" (or "read again").
 */

export const YOOKASSA_PROVIDER = 'yookassa';
const DEFAULT_BASE_URL = 'https://api.yookassa.ru/v3';
const DEFAULT_TIMEOUT_MS = 5000;
/** A non-200 body only decorates the error message. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_VENDOR_TEXT_LENGTH = 200;
export const YOOKASSA_MAX_IDEMPOTENCE_KEY_LENGTH = 64;

/** YooKassa's machine codes (error `code`, cancellation `reason`): lower-case words with underscores. */
export const YOOKASSA_CODE = /^[a-z0-9_]{1,64}$/;

// ---------------------------------------------------------------------------------------------
// Amounts: integer kopecks ↔ YooKassa's "1234.56" strings, by string manipulation only (LED-1).
// ---------------------------------------------------------------------------------------------

const AMOUNT_VALUE = /^\d{1,15}\.\d{2}$/;

/** 123456 → "1234.56". Throws a RangeError for anything but a non-negative safe integer. */
export function kopecksToAmount(kopecks: number): string {
  if (!Number.isSafeInteger(kopecks) || kopecks < 0) throw new RangeError('kopecks must be a non-negative safe integer');
  const digits = String(kopecks).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** "1234.56" → 123456. Refuses exponents, signs, spaces, other than two decimals, > 2^53 − 1. */
export function amountToKopecks(value: string): number {
  if (typeof value !== 'string' || !AMOUNT_VALUE.test(value)) throw new RangeError('amount must look like "1234.56"');
  const kopecks = BigInt(value.replace('.', ''));
  if (kopecks > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('amount is too large');
  return Number(kopecks);
}

/** 1–64 printable ASCII characters: safe in a header, within YooKassa's (recalled) limit. */
export function isIdempotenceKey(key: unknown): key is string {
  return typeof key === 'string' && /^[\x21-\x7e]+$/.test(key) && key.length <= YOOKASSA_MAX_IDEMPOTENCE_KEY_LENGTH;
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing.
// ---------------------------------------------------------------------------------------------

/** The connection options both adapters take (next to their own user name and secret key). */
export type YooKassaConnectionOptions = {
  /** Defaults to https://api.yookassa.ru/v3. Plain http only for loopback hosts (tests). */
  baseUrl?: string;
  /** Deadline of each HTTP call (connect, headers and body). Defaults to 5000 ms. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
};

export type YooKassaClientOptions<E extends ProviderError> = YooKassaConnectionOptions & {
  /** The Basic auth user name (agentId or shopId) and what it is called in messages. */
  user: string;
  userLabel: string;
  /** The Basic auth password. */
  secretKey: string;
  /** The largest 200 body read; a larger one is a retryable invalid response. */
  maxResponseBytes: number;
  /** Also redact the base64 `user:secret` alone, not only within the whole Authorization header. */
  redactEncodedCredentials: boolean;
  /** The adapter's error. */
  error: (message: string, retryable: boolean) => E;
};

/** A non-throwing HTTP outcome: the status and the body (undefined when an error body was unreadable). */
export type YooKassaAnswer = { status: number; text: string | undefined };

export type YooKassaClient<E extends ProviderError> = {
  /** One HTTP exchange under the deadline. Only transport-level failures throw here. */
  exchange(what: string, method: 'GET' | 'POST', path: string, body?: { json: unknown; idempotenceKey: string }): Promise<YooKassaAnswer>;
  /**
   * The error for a non-200 answer; `retryable` defaults to the status rule. `alsoRedact`: words of
   * this call that vendor text must not repeat (a person's name), besides the credentials.
   */
  httpError(what: string, answer: YooKassaAnswer, retryable?: boolean, alsoRedact?: readonly string[]): E;
  /** A 200 body as JSON of the given shape, or a retryable invalid response. */
  parseJson<T>(what: string, text: string | undefined, schema: z.ZodType<T>): T;
  /** An amount from an answer in kopecks, or a retryable invalid response. */
  amountKopecks(what: string, value: string): number;
};

const errorBodySchema = z.object({
  type: z.literal('error').optional(),
  code: z.string().optional(),
  description: z.string().optional(),
  parameter: z.string().optional(),
});

function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('YooKassa baseUrl is not a valid URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error('YooKassa baseUrl must be https (plain http only for a loopback test server)');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error('YooKassa baseUrl must not contain credentials, a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
}

/** Network-level error code (ECONNREFUSED, ...) without the message, which may carry the URL. */
function networkErrorCode(error: unknown): string | undefined {
  const cause = typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
}

/**
 * One pattern for the words to hide (≥ 2 letters, longest first), ignoring case and е/ё, or
 * undefined when there are none.
 */
function wordsPattern(words: readonly string[]): RegExp | undefined {
  const parts = [...new Set(words.map((word) => word.normalize('NFC')).filter((word) => word.length >= 2))]
    .sort((a, b) => b.length - a.length)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[её]/giu, '[её]'));
  return parts.length > 0 ? new RegExp(parts.join('|'), 'giu') : undefined;
}

/** Whether a non-200 status means "outcome unknown or transient": repeat with the same key. */
export function isRetryableStatus(status: number): boolean {
  // Any 2xx other than 200 (202 "still processing" in particular) means "accepted, outcome unknown".
  return (status >= 200 && status < 300) || status === 408 || status === 429 || status >= 500;
}

/** Checks the options (throwing plain Errors that never echo the secret) and binds the credentials. */
export function createYooKassaClient<E extends ProviderError>(options: YooKassaClientOptions<E>): YooKassaClient<E> {
  const { user, userLabel, secretKey, maxResponseBytes, error } = options;
  if (typeof user !== 'string' || !/^[\x21-\x39\x3b-\x7e]{1,64}$/.test(user)) {
    throw new Error(`YooKassa ${userLabel} is required (printable ASCII, no colon)`);
  }
  if (typeof secretKey !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(secretKey)) {
    throw new Error('YooKassa secretKey is required (printable ASCII)');
  }
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('YooKassa timeoutMs must be a positive number');
  const fetchImpl = options.fetchImpl ?? fetch;
  const credentials = Buffer.from(`${user}:${secretKey}`, 'utf8').toString('base64');
  const authorization = `Basic ${credentials}`;
  const secrets = [secretKey, authorization, ...(options.redactEncodedCredentials ? [credentials] : []), user];

  /** Vendor text may echo request data: strip credentials, the call's words and anything that looks like a number. */
  function redact(text: string, words: RegExp | undefined): string {
    let out = text;
    for (const secret of secrets) {
      if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    if (words) out = out.normalize('NFC').replace(words, '[redacted]');
    out = out.replace(/\+?\d[\d\s()-]{3,}\d/g, '[number]');
    out = out.replace(/\p{Cc}+/gu, ' ').trim();
    return out.length > MAX_VENDOR_TEXT_LENGTH ? `${out.slice(0, MAX_VENDOR_TEXT_LENGTH)}…` : out;
  }

  async function exchange(
    what: string,
    method: 'GET' | 'POST',
    path: string,
    body?: { json: unknown; idempotenceKey: string },
  ): Promise<YooKassaAnswer> {
    const headers: Record<string, string> = { authorization, accept: 'application/json' };
    if (body) {
      headers['content-type'] = 'application/json';
      headers['idempotence-key'] = body.idempotenceKey;
    }
    try {
      return await withTimeout(YOOKASSA_PROVIDER, timeoutMs, async (signal) => {
        const response = await fetchImpl(`${baseUrl}${path}`, {
          method,
          headers,
          ...(body ? { body: JSON.stringify(body.json) } : {}),
          redirect: 'manual',
          signal,
        });
        if (response.status !== 200) {
          // The error body is only decoration for the message; never fail on it.
          const text = await readBodyLimited(response, MAX_ERROR_BODY_BYTES).catch(() => undefined);
          return { status: response.status, text };
        }
        return { status: 200, text: await readBodyLimited(response, maxResponseBytes) };
      });
    } catch (caught) {
      if (caught instanceof InvalidResponse) throw error(`${what}: invalid response (${caught.message})`, true);
      if (caught instanceof ProviderError) throw error(`${what}: no answer within ${timeoutMs} ms`, true);
      const code = networkErrorCode(caught);
      throw error(`${what}: network error${code ? ` (${code})` : ''}`, true);
    }
  }

  function httpError(
    what: string,
    answer: YooKassaAnswer,
    retryable = isRetryableStatus(answer.status),
    alsoRedact: readonly string[] = [],
  ): E {
    const words = wordsPattern(alsoRedact);
    let detail = '';
    if (answer.text) {
      let parsed: z.infer<typeof errorBodySchema> | undefined;
      try {
        const result = errorBodySchema.safeParse(JSON.parse(answer.text));
        parsed = result.success ? result.data : undefined;
      } catch {
        parsed = undefined;
      }
      if (parsed) {
        const parts: string[] = [];
        if (parsed.code && YOOKASSA_CODE.test(parsed.code)) parts.push(parsed.code);
        if (parsed.parameter && /^[A-Za-z0-9_.[\]]{1,100}$/.test(parsed.parameter)) parts.push(`parameter ${parsed.parameter}`);
        const description = parsed.description ? redact(parsed.description, words) : '';
        if (description) parts.push(description);
        // The code and parameter are machine words, but they must not spell a hidden word either.
        if (parts.length > 0) detail = ` (${words ? parts.join('; ').replace(words, '[redacted]') : parts.join('; ')})`;
      }
    }
    return error(`${what}: HTTP ${answer.status}${detail}`, retryable);
  }

  function parseJson<T>(what: string, text: string | undefined, schema: z.ZodType<T>): T {
    let json: unknown;
    try {
      json = JSON.parse(text ?? '');
    } catch {
      throw error(`${what}: invalid response (not JSON)`, true);
    }
    const result = schema.safeParse(json);
    if (!result.success) throw error(`${what}: invalid response (unexpected shape)`, true);
    return result.data;
  }

  function amountKopecks(what: string, value: string): number {
    try {
      return amountToKopecks(value);
    } catch {
      throw error(`${what}: invalid response (amount)`, true);
    }
  }

  return { exchange, httpError, parseJson, amountKopecks };
}
