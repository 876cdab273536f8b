import { createHash } from 'node:crypto';
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
import type { PayoutProvider, PayoutRequest, PayoutResult, PersonName, SbpBank } from './port';

/**
 * YooKassa payouts adapter (API v3, «Выплаты»): СБП transfers to the borrower's bank by phone, with
 * YooKassa's recipient check (the account holder must be the borrower, DOMAIN.md R13).
 *
 * What YooKassa's documentation says and this adapter relies on (yookassa.ru/developers: "Формат
 * взаимодействия", "Коды ответа HTTP", "Общие правила обработки ответов", "Выплаты через СБП",
 * "Проверка получателя выплаты"; field-level details from the official SDKs
 * yoomoney/yookassa-sdk-php and yookassa-sdk-python and the `yoomoney` Ruby gem, which are generated
 * from the API reference):
 *
 * - Endpoint `https://api.yookassa.ru/v3/`, HTTP Basic auth: the payout gateway's id (`agentId`) as
 *   the user name, the gateway's secret key as the password. POST bodies are JSON.
 * - Recipient check ("Проверка получателя выплаты", СБП only): save the borrower's last name, first
 *   name and patronymic as personal data, pass the record's id in the payout; YooKassa asks NSPK for
 *   the holder of the account behind the phone and bank, compares, and either sends the money or
 *   cancels the payout with reason `recipient_check_failed`. The check is switched on by the
 *   YooKassa manager for the gateway.
 * - `POST /personal_data`, header `Idempotence-Key`, body `{ type: "sbp_payout_recipient",
 *   last_name, first_name, middle_name? }` (the patronymic "if it is in the passport"). Answer: the
 *   personal data object `{ id, type, status: waiting_for_operation | active | canceled,
 *   cancellation_details?: { party: yoo_money, reason: expired_by_timeout }, created_at,
 *   expires_at?, metadata? }`: `waiting_for_operation` — saved, not used in a payout yet; `active` —
 *   used in a payout, reusable until `expires_at`; `canceled` — final, the data is deleted. Ids look
 *   like `pd-22e12f66-000f-5000-8000-18db351245c7`.
 * - `POST /payouts`, header `Idempotence-Key` (not `Idempotency-Key`), body
 *   `{ amount: { value: "1234.56", currency: "RUB" }, payout_destination_data: { type: "sbp",
 *   phone: "79000000000", bank_id }, personal_data: [{ id }], description (≤ 128 chars), metadata }`.
 *   The phone is digits only (SDK: `^[0-9]{4,15}$`); `bank_id` is at most 12 characters and comes
 *   from `GET /sbp_banks`.
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
 * How this adapter uses it (`sbpRecipientCheck: 'at_payout'`): every payout first saves the name
 * (the port's structured `recipient.name`, NFC, trimmed) under the Idempotence-Key `${key}-pd` (when
 * that exceeds 64 characters: `pd-` and the first 61 hex digits of SHA-256 of the key), so a retry
 * of the payout finds the same record instead of saving a second one; then creates the payout with
 * that record's id. Nothing is paid when saving the name fails. Before anything is sent each name
 * part must be letters (Latin or Cyrillic), single words joined by spaces or hyphens, last and
 * middle name ≤ 200 characters, first name ≤ 100 (the PHP SDK's checks: `^[—–‐-a-zA-Zа-яёА-ЯЁ ]*$`
 * and these lengths); an empty patronymic is left out.
 *
 * Not confirmed (the pages could not be read in full, or the docs are silent):
 * - the `Idempotence-Key` length limit — we refuse keys longer than 64 characters, the limit we
 *   recall; loan ids (UUIDs) are 36. The key lifetime (~24 h) is not confirmed either, nor whether
 *   keys are scoped per endpoint (ours cannot collide: a UUID never ends in `-pd`);
 * - what YooKassa answers to a known key with a different body. Either way we compare the answer
 *   with the request (amount, currency, destination; the personal data type) and refuse a mismatch.
 *   The personal data answer does not echo the name, so a name changed under the same key is not
 *   detected: YooKassa keeps checking the first one;
 * - whether a 429 answer is remembered under the key. We treat 429 as "not processed, retry with
 *   the same key";
 * - the personal data field limits and character set: only the SDKs state them, the API reference
 *   page could not be read; how long a `waiting_for_operation` record lives (the lifecycle section
 *   could not be read). A record already `canceled` is refused as is; should that happen on the
 *   retry of a payout that was in fact made, the caller sees a refusal for a key whose payout exists;
 * - what YooKassa does with `personal_data` when the manager has not switched the check on for the
 *   gateway (ignore it, or refuse the payout). The payout's `payout_destination.recipient_checked`
 *   is not enforced here: a `succeeded` payout is reported as such, whatever that flag says;
 * - which party a `recipient_check_failed` cancellation names;
 * - the SBP payout limits (1 ₽ minimum, 500 000 ₽ per payout) are documented but not enforced here:
 *   YooKassa refuses (4xx) or cancels (`one_time_limit_exceeded`) and we report that.
 *
 * СБП name lookup (`sbpRecipientName`): YooKassa has no call that returns the account holder's name
 * for a phone and bank, only the check at payout time above, so `sbpRecipientName` throws a
 * non-retryable ProviderError and makes no request.
 *
 * Mapping of outcomes (YooKassaPayoutError.retryable — "retry with the same idempotency key"):
 *
 * | Outcome                                                          | Result / retryable                        |
 * |------------------------------------------------------------------|-------------------------------------------|
 * | payout `succeeded` (from the POST or a later GET)                | { providerPayoutId, status: 'succeeded' } |
 * | payout `canceled`, reason `recipient_check_failed` (not the      | { status: 'failed', failureReason:        |
 * | borrower's account)                                              |   'recipient_check_failed' }              |
 * | payout `canceled`, another reason (or none: 'unspecified')       | { status: 'failed', failureReason }       |
 * | payout `pending`: GET /payouts/{id} after each `pollDelaysMs` gap | still pending at the end → true           |
 * | type `cash`, bad key / amount / phone / bank id / name part      | false (nothing sent)                      |
 * | network error, timeout (headers and body)                        | true                                      |
 * | HTTP 202 (or another non-200 2xx), 5xx, 408, 429                 | true                                      |
 * | HTTP 3xx (not followed), other 4xx on a POST or GET /sbp_banks   | false (refused or misconfigured)          |
 * | any non-200 while polling an existing payout                     | true (it exists, its outcome is unknown)  |
 * | body > 1 MiB, not UTF-8, not JSON, wrong shape                   | true                                      |
 * | payout held for this key has another amount/currency/destination | false (key reused with other data)        |
 * | personal data record `canceled`, or of another type for this key | false                                     |
 * | any failure of POST /personal_data (the rows above)              | as above; no payout is created            |
 * | `sbpRecipientName`                                               | false (not supported, see above)          |
 *
 * Privacy: error messages never contain the secret key, the Authorization header, the full phone
 * (masked as `+7******6789`) or the borrower's name; YooKassa's `description` is shown only after
 * redaction of digit runs and of the name's words.
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
/** The personal data type of YooKassa's recipient check. */
const SBP_PAYOUT_RECIPIENT = 'sbp_payout_recipient';
/** The SDKs' limits of the personal data fields (characters). */
const MAX_LAST_NAME_LENGTH = 200;
const MAX_FIRST_NAME_LENGTH = 100;
const MAX_MIDDLE_NAME_LENGTH = 200;

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
/** Personal data ids look like `pd-22e12f66-000f-5000-8000-18db351245c7` (SDK: 36–50 characters). */
const PERSONAL_DATA_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A name part: Latin or Cyrillic words joined by spaces or hyphens (the SDK also allows ‐ – —). */
const NAME_PART = /^[A-Za-zА-Яа-яЁё]+(?:[ \u2010\u2013\u2014-]+[A-Za-zА-Яа-яЁё]+)*$/u;

const personalDataSchema = z.object({
  id: z.string().regex(PERSONAL_DATA_ID),
  type: z.string(),
  status: z.enum(['waiting_for_operation', 'active', 'canceled']),
  cancellation_details: z.object({ party: z.string().optional(), reason: z.string().optional() }).optional(),
});

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
// The recipient's name as personal data.
// ---------------------------------------------------------------------------------------------

/**
 * The Idempotence-Key of the personal data saved for a payout: derived from the payout's key, so a
 * retry finds the same record; `pd-` and SHA-256 hex when `${key}-pd` would exceed the key limit.
 */
export function personalDataIdempotenceKey(key: string): string {
  const plain = `${key}-pd`;
  if (plain.length <= YOOKASSA_MAX_IDEMPOTENCE_KEY_LENGTH) return plain;
  return `pd-${createHash('sha256').update(key, 'utf8').digest('hex')}`.slice(0, YOOKASSA_MAX_IDEMPOTENCE_KEY_LENGTH);
}

type RecipientName = { last_name: string; first_name: string; middle_name?: string };

/**
 * The port's name as YooKassa's personal data fields (NFC, trimmed; an empty patronymic left out),
 * or why it is refused. The reason never contains the name.
 */
function recipientName(name: PersonName | undefined): RecipientName | { refused: string } {
  if (typeof name !== 'object' || name === null) return { refused: 'recipient name is missing' };
  const fields = [
    ['last_name', 'last name', name.lastName, MAX_LAST_NAME_LENGTH, true],
    ['first_name', 'first name', name.firstName, MAX_FIRST_NAME_LENGTH, true],
    ['middle_name', 'middle name', name.middleName, MAX_MIDDLE_NAME_LENGTH, false],
  ] as const;
  const parts = new Map<string, string>();
  for (const [field, label, value, max, required] of fields) {
    const text: unknown = typeof value === 'string' ? value.normalize('NFC').trim() : value;
    if (text === undefined || text === null || text === '') {
      if (required) return { refused: `recipient ${label} is missing` };
      continue;
    }
    if (typeof text !== 'string') return { refused: `recipient ${label} is not text` };
    if (text.length > max) return { refused: `recipient ${label} is longer than ${max} characters` };
    if (!NAME_PART.test(text)) return { refused: `recipient ${label} may only contain letters, spaces and hyphens` };
    parts.set(field, text);
  }
  const middle = parts.get('middle_name');
  return { last_name: parts.get('last_name') ?? '', first_name: parts.get('first_name') ?? '', ...(middle ? { middle_name: middle } : {}) };
}

/** The words of a name that vendor text must not repeat in our messages. */
function nameWords(request: PayoutRequest): string[] {
  const name = request.recipient?.name;
  const texts = [name?.lastName, name?.firstName, name?.middleName, request.recipient?.fullName];
  return texts.flatMap((text) => (typeof text === 'string' ? text.normalize('NFC').split(/[\s\u2010\u2013\u2014-]+/u) : []));
}

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

  /**
   * Saves the recipient's name for YooKassa's check (POST /personal_data) under a key derived from
   * the payout's, and returns the record's id. Any failure throws: no payout without the check.
   */
  async function savePersonalData(what: string, key: string, name: RecipientName, hidden: readonly string[]): Promise<string> {
    const saved = await exchange(what, 'POST', '/personal_data', {
      idempotenceKey: personalDataIdempotenceKey(key),
      json: { type: SBP_PAYOUT_RECIPIENT, ...name },
    });
    if (saved.status !== 200) throw httpError(what, saved, undefined, hidden);
    const record = parseJson(what, saved.text, personalDataSchema);
    if (record.type !== SBP_PAYOUT_RECIPIENT) {
      throw new YooKassaPayoutError(`${what}: record ${record.id} held for this idempotency key differs in type; not retrying with this key`, false);
    }
    if (record.status === 'canceled') {
      const reason = record.cancellation_details?.reason;
      throw new YooKassaPayoutError(
        `${what}: record ${record.id} is canceled (${reason && YOOKASSA_CODE.test(reason) ? reason : 'unspecified'}); not retrying with this key`,
        false,
      );
    }
    return record.id;
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
    const name = recipientName(request.recipient.name);
    if ('refused' in name) throw refuse(name.refused);
    const hidden = nameWords(request);

    const personalDataId = await savePersonalData(`personal data for payout to ${maskPhone(phone)}`, key, name, hidden);

    const what = `payout to ${maskPhone(phone)}`;
    const created = await exchange(what, 'POST', '/payouts', {
      idempotenceKey: key,
      json: {
        amount: { value: kopecksToAmount(request.amountKopecks), currency: 'RUB' },
        payout_destination_data: { type: 'sbp', phone: phone.slice(1), bank_id: bankId },
        personal_data: [{ id: personalDataId }],
        description: `Loan disbursement ${key}`.slice(0, MAX_DESCRIPTION_LENGTH),
        metadata: { loan_id: key },
      },
    });
    if (created.status !== 200) throw httpError(what, created, undefined, hidden);
    let current = parseJson(what, created.text, payoutSchema);
    checkMatches(what, current, request, bankId);

    let checks = 0;
    for (const delay of pollDelaysMs) {
      if (current.status !== 'pending') break;
      await sleep(delay);
      checks += 1;
      const read = await exchange(what, 'GET', `/payouts/${encodeURIComponent(current.id)}`);
      if (read.status !== 200) throw httpError(what, read, true, hidden); // the payout exists; only its outcome is unknown
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
      'СБП recipient name lookup is not supported by this adapter (sbpRecipientCheck is at_payout): YooKassa does not return ' +
        'the account holder name; it checks the recipient at payout time (personal_data type sbp_payout_recipient, cancel reason recipient_check_failed)',
      false,
    );
  }

  return { name: YOOKASSA_PROVIDER, types: ['sbp'], sbpBanks, sbpRecipientCheck: 'at_payout', sbpRecipientName, payout };
}
