import { z } from 'zod';
import { isRussianMobile, maskPhone } from '../../../core/phone';
import { ProviderError } from '../errors';
import {
  createYooKassaClient,
  isIdempotenceKey,
  kopecksToAmount,
  YOOKASSA_CODE,
  YOOKASSA_MAX_IDEMPOTENCE_KEY_LENGTH,
  YOOKASSA_PROVIDER,
  type YooKassaConnectionOptions,
} from '../yookassa-common';
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
 *
 * The HTTP exchange, the status and error-body rules, redaction, the base URL rules and the amount
 * strings are shared with the acquiring adapter (../yookassa-common.ts).
 */

/** The amount strings are shared with the acquiring adapter; still exported from here. */
export { amountToKopecks, kopecksToAmount } from '../yookassa-common';

/** Growing gaps between the status checks of a pending payout (the docs suggest Fibonacci-like). */
export const YOOKASSA_DEFAULT_POLL_DELAYS_MS: readonly number[] = [1000, 2000, 3000, 5000];
/** A payout object or the list of a few hundred SBP participants is far below this. */
export const YOOKASSA_MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_DESCRIPTION_LENGTH = 128;

/** A ProviderError that says whether repeating the call with the same idempotency key makes sense. */
export class YooKassaPayoutError extends ProviderError {
  constructor(
    message: string,
    /** true: the outcome is unknown or transient, retry with the same key. false: refused, do not repeat as is. */
    override readonly retryable: boolean,
  ) {
    super(YOOKASSA_PROVIDER, message);
    this.name = 'YooKassaPayoutError';
  }
}

// ---------------------------------------------------------------------------------------------
// Response shapes. Unknown fields are ignored; the fields we act on are checked strictly.
// ---------------------------------------------------------------------------------------------

/** Payout ids look like `po-285c0ab7-0003-5000-9000-0e1166498fda`; it goes into a URL path. */
const PAYOUT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BANK_ID = /^[A-Za-z0-9]{1,12}$/;

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

// ---------------------------------------------------------------------------------------------
// The adapter (HTTP plumbing in ../yookassa-common.ts).
// ---------------------------------------------------------------------------------------------

export type YooKassaPayoutsOptions = YooKassaConnectionOptions & {
  /** The payout gateway id (agentId), the Basic auth user name. */
  agentId: string;
  /** The gateway's secret key, the Basic auth password. */
  secretKey: string;
  /** Gaps before each status check of a pending payout. Defaults to 1, 2, 3, 5 s. */
  pollDelaysMs?: readonly number[];
  /** Injected for tests; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
};

export function createYooKassaPayouts(options: YooKassaPayoutsOptions): PayoutProvider {
  const { exchange, httpError, parseJson, amountKopecks } = createYooKassaClient({
    user: options.agentId,
    userLabel: 'agentId',
    secretKey: options.secretKey,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    fetchImpl: options.fetchImpl,
    maxResponseBytes: YOOKASSA_MAX_RESPONSE_BYTES,
    redactEncodedCredentials: false,
    error: (message, retryable) => new YooKassaPayoutError(message, retryable),
  });
  const pollDelaysMs = [...(options.pollDelaysMs ?? YOOKASSA_DEFAULT_POLL_DELAYS_MS)];
  if (pollDelaysMs.some((ms) => !Number.isFinite(ms) || ms < 0)) throw new Error('YooKassa pollDelaysMs must be non-negative numbers');
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /** The payout YooKassa holds for this key must be the one we asked for (key reuse, tampering). */
  function checkMatches(what: string, payout: Payout, request: PayoutRequest, bankId: string): void {
    const kopecks = amountKopecks(what, payout.amount.value);
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
      return { providerPayoutId: payout.id, status: 'failed', failureReason: reason && YOOKASSA_CODE.test(reason) ? reason : 'unspecified' };
    }
    throw new YooKassaPayoutError(`${what}: payout ${payout.id} still pending after ${checks} status checks`, true);
  }

  async function payout(request: PayoutRequest): Promise<PayoutResult> {
    const refuse = (message: string) => new YooKassaPayoutError(`payout: ${message}`, false);
    if (request.type !== 'sbp') throw refuse(`type "${request.type === 'cash' ? 'cash' : 'unknown'}" is not supported: YooKassa pays out by СБП only`);
    const key = request.idempotencyKey;
    if (!isIdempotenceKey(key)) {
      throw refuse(`idempotency key must be 1–${YOOKASSA_MAX_IDEMPOTENCE_KEY_LENGTH} printable ASCII characters`);
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
    if (created.status !== 200) throw httpError(what, created);
    let current = parseJson(what, created.text, payoutSchema);
    checkMatches(what, current, request, bankId);

    let checks = 0;
    for (const delay of pollDelaysMs) {
      if (current.status !== 'pending') break;
      await sleep(delay);
      checks += 1;
      const read = await exchange(what, 'GET', `/payouts/${encodeURIComponent(current.id)}`);
      if (read.status !== 200) throw httpError(what, read, true); // the payout exists; only its outcome is unknown
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
    if (answer.status !== 200) throw httpError(what, answer);
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

  return { name: YOOKASSA_PROVIDER, types: ['sbp'], sbpBanks, sbpRecipientName, payout };
}
