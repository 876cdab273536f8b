import { z } from 'zod';
import { InvalidResponse, readBodyLimited } from '../http-body';
import { isRussianMobile, maskPhone } from '../../../core/phone';
import { ProviderError, withTimeout } from '../errors';
import type { PayoutProvider, PayoutRequest, PayoutResult, SbpBank } from './port';

/**
 * YooKassa payouts adapter (API v3, «Выплаты»): СБП transfers to the borrower's bank by phone.
 *
 * What YooKassa's documentation says and this adapter relies on (yookassa.ru/developers: "Формат
 * взаимодействия", "Коды ответа HTTP", "Общие правила обработки ответов", "Выплаты через СБП",
 * "Проверка получателя выплаты"; field-level details from the official SDKs
 * yoomoney/yookassa-sdk-php and yookassa-sdk-python, which are generated from the API reference):
 *
 * - Endpoint `https://api.yookassa.ru/v3/`, HTTP Basic auth: the payout gateway's id (`agentId`) as
 *   the user name, the gateway's secret key as the password. POST bodies are JSON.
 * - `POST /payouts`, header `Idempotence-Key` (not `Idempotency-Key`), body
 *   `{ amount: { value: "1234.56", currency: "RUB" }, payout_destination_data: { type: "sbp",
 *   phone: "79000000000", bank_id }, description (≤ 128 chars), metadata }`. The phone is digits only
 *   (SDK: `^[0-9]{4,15}$`); `bank_id` is at most 12 characters and comes from `GET /sbp_banks`.
 * - The payout object: `{ id, amount, status: pending | succeeded | canceled, payout_destination:
 *   { type: "sbp", phone, bank_id, recipient_checked }, description, created_at,
 *   cancellation_details?: { party: yoo_money | payout_network, reason }, metadata, test }`.
 *   `succeeded` and `canceled` are final. `GET /payouts/{id}` returns the same object.
 * - `GET /sbp_banks` → `{ type: "list", items: [{ bank_id, name (≤ 128), bic (9 digits) }] }`, "all
 *   SBP participants" in one list (no paging is described for it).
 * - Response handling: 200 + pending → unknown yet: repeat with the same key or GET, with growing
 *   intervals; 200 + canceled → failed (a new attempt needs a new key); 4xx → failed (new key, new
 *   data); 500 → unknown, repeat with the same key or GET; 202 → accepted, processing not finished,
 *   repeat after `retry_after` ms (the SDKs repeat 202 and 500 with the same key).
 * - Error body for 400/401/403/404/429/500: `{ type: "error", id, code, description, parameter }`.
 * - Notifications are unsigned (SECURITY.md PAY-5): this adapter never trusts a pushed status, it
 *   only reads payouts through the API.
 *
 * Not confirmed (the pages could not be read in full, or the docs are silent):
 * - the `Idempotence-Key` length limit — we refuse keys longer than 64 characters, the limit we
 *   recall; loan ids (UUIDs) are 36. The key lifetime (~24 h) is not confirmed either;
 * - what YooKassa answers to a known key with a different body. Either way we compare the answer
 *   with the request (amount, currency, destination) and refuse a mismatch;
 * - whether a 429 answer is remembered under the key. We treat 429 as "not processed, retry with
 *   the same key";
 * - the SBP payout limits (1 ₽ minimum, 500 000 ₽ per payout) are documented but not enforced here:
 *   YooKassa refuses (4xx) or cancels (`one_time_limit_exceeded`) and we report that.
 *
 * СБП name lookup (`sbpRecipientName`): YooKassa has no call that returns the account holder's name
 * for a phone and bank. What it documents instead is a recipient check at payout time: save the
 * borrower's full name as personal data (`POST /personal_data`, type `sbp_payout_recipient`), pass
 * its id in the payout (`personal_data: [{ id }]`); YooKassa asks NSPK for the holder and cancels the
 * payout with reason `recipient_check_failed` when the names differ (enabled by the YooKassa
 * manager). That is a different flow from the port's lookup, so `sbpRecipientName` throws a
 * non-retryable ProviderError and makes no request.
 *
 * Mapping of outcomes (YooKassaPayoutError.retryable — "retry with the same idempotency key"):
 *
 * | Outcome                                                          | Result / retryable                        |
 * |------------------------------------------------------------------|-------------------------------------------|
 * | payout `succeeded` (from the POST or a later GET)                | { providerPayoutId, status: 'succeeded' } |
 * | payout `canceled`                                                | { status: 'failed', failureReason }       |
 * | payout `pending`: GET /payouts/{id} after each `pollDelaysMs` gap | still pending at the end → true           |
 * | type `cash`, bad key / amount / phone / bank id (nothing sent)   | false                                     |
 * | network error, timeout (headers and body)                        | true                                      |
 * | HTTP 202 (or another non-200 2xx), 5xx, 408, 429                 | true                                      |
 * | HTTP 3xx (not followed), other 4xx on POST or GET /sbp_banks     | false (refused or misconfigured)          |
 * | any non-200 while polling an existing payout                     | true (it exists, its outcome is unknown)  |
 * | body > 1 MiB, not UTF-8, not JSON, wrong shape                   | true                                      |
 * | payout held for this key has another amount/currency/destination | false (key reused with other data)        |
 * | `sbpRecipientName`                                               | false (not supported, see above)          |
 *
 * Privacy: error messages never contain the secret key, the Authorization header or the full phone
 * (masked as `+7******6789`); YooKassa's `description` is shown only after redaction of digit runs.
 */

const PROVIDER = 'yookassa';
const DEFAULT_BASE_URL = 'https://api.yookassa.ru/v3';
const DEFAULT_TIMEOUT_MS = 5000;
/** Growing gaps between the status checks of a pending payout (the docs suggest Fibonacci-like). */
export const YOOKASSA_DEFAULT_POLL_DELAYS_MS: readonly number[] = [1000, 2000, 3000, 5000];
/** A payout object or the list of a few hundred SBP participants is far below this. */
export const YOOKASSA_MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_IDEMPOTENCE_KEY_LENGTH = 64;
const MAX_DESCRIPTION_LENGTH = 128;
const MAX_VENDOR_TEXT_LENGTH = 200;

/** A ProviderError that says whether repeating the call with the same idempotency key makes sense. */
export class YooKassaPayoutError extends ProviderError {
  constructor(
    message: string,
    /** true: the outcome is unknown or transient, retry with the same key. false: refused, do not repeat as is. */
    override readonly retryable: boolean,
  ) {
    super(PROVIDER, message);
    this.name = 'YooKassaPayoutError';
  }
}

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

// ---------------------------------------------------------------------------------------------
// Response shapes. Unknown fields are ignored; the fields we act on are checked strictly.
// ---------------------------------------------------------------------------------------------

/** Payout ids look like `po-285c0ab7-0003-5000-9000-0e1166498fda`; it goes into a URL path. */
const PAYOUT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BANK_ID = /^[A-Za-z0-9]{1,12}$/;
const CODE = /^[a-z0-9_]{1,64}$/;

const payoutSchema = z.object({
  id: z.string().regex(PAYOUT_ID),
  status: z.enum(['pending', 'succeeded', 'canceled']),
  amount: z.object({ value: z.string(), currency: z.string() }),
  payout_destination: z.object({ type: z.string(), bank_id: z.string().optional() }),
  cancellation_details: z.object({ party: z.string().optional(), reason: z.string().optional() }).optional(),
});
type Payout = z.infer<typeof payoutSchema>;

const sbpBanksSchema = z.object({
  type: z.literal('list'),
  items: z
    .array(
      z.object({
        bank_id: z.string().regex(BANK_ID),
        name: z.string().trim().min(1).max(128),
        bic: z.string().optional(),
      }),
    )
    .max(10_000),
});

const errorBodySchema = z.object({
  type: z.literal('error').optional(),
  code: z.string().optional(),
  description: z.string().optional(),
  parameter: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------
// HTTP plumbing.
// ---------------------------------------------------------------------------------------------

export type YooKassaPayoutsOptions = {
  /** The payout gateway id (agentId), the Basic auth user name. */
  agentId: string;
  /** The gateway's secret key, the Basic auth password. */
  secretKey: string;
  /** Defaults to https://api.yookassa.ru/v3. Plain http only for loopback hosts (tests). */
  baseUrl?: string;
  /** Deadline of each HTTP call (connect, headers and body). Defaults to 5000 ms. */
  timeoutMs?: number;
  /** Gaps before each status check of a pending payout. Defaults to 1, 2, 3, 5 s. */
  pollDelaysMs?: readonly number[];
  /** Injected for tests; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  fetchImpl?: typeof fetch;
};


/** Which request failed: decides how a non-200 status maps to `retryable`. */
type Phase = 'create' | 'poll' | 'banks';

type HttpAnswer = { status: number; text: string | undefined };

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


function isRetryableStatus(status: number, phase: Phase): boolean {
  if (phase === 'poll') return true; // the payout exists; only its outcome is unknown
  // Any 2xx other than 200 (202 "still processing" in particular) means "accepted, outcome unknown".
  return (status >= 200 && status < 300) || status === 408 || status === 429 || status >= 500;
}

export function createYooKassaPayouts(options: YooKassaPayoutsOptions): PayoutProvider {
  const { agentId, secretKey } = options;
  if (typeof agentId !== 'string' || !/^[\x21-\x39\x3b-\x7e]{1,64}$/.test(agentId)) {
    throw new Error('YooKassa agentId is required (printable ASCII, no colon)');
  }
  if (typeof secretKey !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(secretKey)) {
    throw new Error('YooKassa secretKey is required (printable ASCII)');
  }
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('YooKassa timeoutMs must be a positive number');
  const pollDelaysMs = [...(options.pollDelaysMs ?? YOOKASSA_DEFAULT_POLL_DELAYS_MS)];
  if (pollDelaysMs.some((ms) => !Number.isFinite(ms) || ms < 0)) throw new Error('YooKassa pollDelaysMs must be non-negative numbers');
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const fetchImpl = options.fetchImpl ?? fetch;
  const authorization = `Basic ${Buffer.from(`${agentId}:${secretKey}`, 'utf8').toString('base64')}`;

  /** Vendor text may echo request data: strip credentials and anything that looks like a number. */
  function redact(text: string): string {
    let out = text;
    for (const secret of [secretKey, authorization, agentId]) {
      if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    out = out.replace(/\+?\d[\d\s()-]{3,}\d/g, '[number]');
    out = out.replace(/\p{Cc}+/gu, ' ').trim();
    return out.length > MAX_VENDOR_TEXT_LENGTH ? `${out.slice(0, MAX_VENDOR_TEXT_LENGTH)}…` : out;
  }

  /** One HTTP exchange under the deadline. Only transport-level failures throw here. */
  async function exchange(
    what: string,
    method: 'GET' | 'POST',
    path: string,
    body?: { json: unknown; idempotenceKey: string },
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { authorization, accept: 'application/json' };
    if (body) {
      headers['content-type'] = 'application/json';
      headers['idempotence-key'] = body.idempotenceKey;
    }
    try {
      return await withTimeout(PROVIDER, timeoutMs, async (signal) => {
        const response = await fetchImpl(`${baseUrl}${path}`, {
          method,
          headers,
          ...(body ? { body: JSON.stringify(body.json) } : {}),
          redirect: 'manual',
          signal,
        });
        if (response.status !== 200) {
          // The error body is only decoration for the message; never fail on it.
          const text = await readBodyLimited(response, 64 * 1024).catch(() => undefined);
          return { status: response.status, text };
        }
        return { status: 200, text: await readBodyLimited(response, YOOKASSA_MAX_RESPONSE_BYTES) };
      });
    } catch (error) {
      if (error instanceof InvalidResponse) throw new YooKassaPayoutError(`${what}: invalid response (${error.message})`, true);
      if (error instanceof ProviderError) throw new YooKassaPayoutError(`${what}: no answer within ${timeoutMs} ms`, true);
      const code = networkErrorCode(error);
      throw new YooKassaPayoutError(`${what}: network error${code ? ` (${code})` : ''}`, true);
    }
  }

  function httpError(what: string, phase: Phase, answer: HttpAnswer): YooKassaPayoutError {
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
        if (parsed.code && CODE.test(parsed.code)) parts.push(parsed.code);
        if (parsed.parameter && /^[A-Za-z0-9_.[\]]{1,100}$/.test(parsed.parameter)) parts.push(`parameter ${parsed.parameter}`);
        const description = parsed.description ? redact(parsed.description) : '';
        if (description) parts.push(description);
        if (parts.length > 0) detail = ` (${parts.join('; ')})`;
      }
    }
    return new YooKassaPayoutError(`${what}: HTTP ${answer.status}${detail}`, isRetryableStatus(answer.status, phase));
  }

  function parseJson<T>(what: string, text: string | undefined, schema: z.ZodType<T>): T {
    let json: unknown;
    try {
      json = JSON.parse(text ?? '');
    } catch {
      throw new YooKassaPayoutError(`${what}: invalid response (not JSON)`, true);
    }
    const result = schema.safeParse(json);
    if (!result.success) throw new YooKassaPayoutError(`${what}: invalid response (unexpected shape)`, true);
    return result.data;
  }

  /** The payout YooKassa holds for this key must be the one we asked for (key reuse, tampering). */
  function checkMatches(what: string, payout: Payout, request: PayoutRequest, bankId: string): void {
    let kopecks: number;
    try {
      kopecks = amountToKopecks(payout.amount.value);
    } catch {
      throw new YooKassaPayoutError(`${what}: invalid response (amount)`, true);
    }
    const mismatch =
      kopecks !== request.amountKopecks
        ? 'amount'
        : payout.amount.currency !== 'RUB'
          ? 'currency'
          : payout.payout_destination.type !== 'sbp'
            ? 'destination type'
            : payout.payout_destination.bank_id !== undefined && payout.payout_destination.bank_id !== bankId
              ? 'bank'
              : undefined;
    if (mismatch) {
      throw new YooKassaPayoutError(
        `${what}: payout ${payout.id} held for this idempotency key differs in ${mismatch}; not retrying with this key`,
        false,
      );
    }
  }

  function settle(what: string, payout: Payout, checks: number): PayoutResult {
    if (payout.status === 'succeeded') return { providerPayoutId: payout.id, status: 'succeeded' };
    if (payout.status === 'canceled') {
      const reason = payout.cancellation_details?.reason;
      return { providerPayoutId: payout.id, status: 'failed', failureReason: reason && CODE.test(reason) ? reason : 'unspecified' };
    }
    throw new YooKassaPayoutError(`${what}: payout ${payout.id} still pending after ${checks} status checks`, true);
  }

  async function payout(request: PayoutRequest): Promise<PayoutResult> {
    const refuse = (message: string) => new YooKassaPayoutError(`payout: ${message}`, false);
    if (request.type !== 'sbp') throw refuse(`type "${request.type === 'cash' ? 'cash' : 'unknown'}" is not supported: YooKassa pays out by СБП only`);
    const key = request.idempotencyKey;
    if (typeof key !== 'string' || !/^[\x21-\x7e]+$/.test(key) || key.length > MAX_IDEMPOTENCE_KEY_LENGTH) {
      throw refuse(`idempotency key must be 1–${MAX_IDEMPOTENCE_KEY_LENGTH} printable ASCII characters`);
    }
    if (!Number.isSafeInteger(request.amountKopecks) || request.amountKopecks <= 0) throw refuse('amount must be a positive whole number of kopecks');
    const phone = request.recipient?.phone;
    if (typeof phone !== 'string' || !isRussianMobile(phone)) throw refuse('recipient phone is not a Russian mobile number');
    const bankId = request.bankId;
    if (typeof bankId !== 'string' || !BANK_ID.test(bankId)) throw refuse('СБП bank id is missing or malformed');

    const what = `payout to ${maskPhone(phone)}`;
    const created = await exchange(what, 'POST', '/payouts', {
      idempotenceKey: key,
      json: {
        amount: { value: kopecksToAmount(request.amountKopecks), currency: 'RUB' },
        payout_destination_data: { type: 'sbp', phone: phone.slice(1), bank_id: bankId },
        description: `Loan disbursement ${key}`.slice(0, MAX_DESCRIPTION_LENGTH),
        metadata: { loan_id: key },
      },
    });
    if (created.status !== 200) throw httpError(what, 'create', created);
    let current = parseJson(what, created.text, payoutSchema);
    checkMatches(what, current, request, bankId);

    let checks = 0;
    for (const delay of pollDelaysMs) {
      if (current.status !== 'pending') break;
      await sleep(delay);
      checks += 1;
      const read = await exchange(what, 'GET', `/payouts/${encodeURIComponent(current.id)}`);
      if (read.status !== 200) throw httpError(what, 'poll', read);
      const next = parseJson(what, read.text, payoutSchema);
      if (next.id !== current.id) throw new YooKassaPayoutError(`${what}: invalid response (another payout id)`, true);
      checkMatches(what, next, request, bankId);
      current = next;
    }
    return settle(what, current, checks);
  }

  async function sbpBanks(): Promise<SbpBank[]> {
    const what = 'list of СБП banks';
    const answer = await exchange(what, 'GET', '/sbp_banks');
    if (answer.status !== 200) throw httpError(what, 'banks', answer);
    const list = parseJson(what, answer.text, sbpBanksSchema);
    return list.items.map((item) => ({ id: item.bank_id, name: item.name }));
  }

  async function sbpRecipientName(): Promise<string> {
    throw new YooKassaPayoutError(
      'СБП recipient name lookup is not supported by this adapter: YooKassa does not return the account holder name; ' +
        'it can only check the recipient at payout time (personal_data type sbp_payout_recipient, cancel reason recipient_check_failed)',
      false,
    );
  }

  return { name: PROVIDER, types: ['sbp'], sbpBanks, sbpRecipientName, payout };
}
