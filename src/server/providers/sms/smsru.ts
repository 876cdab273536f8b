import { maskPhone } from '../../../core/phone';
import { InvalidResponse, readBodyLimited } from '../http-body';
import { SmsDeliveryError, type SmsMessage, type SmsProvider, type SmsSendResult } from './port';

/**
 * SMS.ru adapter (https://sms.ru/api/send).
 *
 * One call = one `POST {baseUrl}/sms/send` with an `application/x-www-form-urlencoded` body:
 * `api_id`, `to` (E.164 digits without '+'), `msg`, `json=1`, optional `from`, optional `test=1`.
 * The api_id travels only in the body, never in the URL, so it cannot leak into access logs of
 * proxies. Redirects are not followed: a redirected POST would either lose its body or resend
 * the api_id to another host.
 *
 * Idempotency: SMS.ru has no idempotency key (there is no request id it would deduplicate on), so
 * `idempotencyKey` is not sent. The outbox deduplicates on our side: once a providerMessageId is
 * recorded the message is never sent again. An ambiguous failure (timeout, dropped connection or an
 * unreadable reply after SMS.ru already accepted the message) is reported as retryable and may
 * therefore, rarely, produce a duplicate SMS; we prefer that to silently losing a message.
 *
 * Privacy: error messages never contain the api_id, the message text or the full phone number;
 * the phone is masked as `+7******6789`. Vendor `status_text` is included only after redaction.
 *
 * Mapping of outcomes to SmsDeliveryError.retryable:
 *
 * | Outcome                                                       | Result / retryable            |
 * |---------------------------------------------------------------|-------------------------------|
 * | per-number status "OK" with a non-empty `sms_id`              | { providerMessageId: sms_id } |
 * | network error (DNS, refused, reset)                           | true                          |
 * | timeout (AbortSignal.timeout, covers headers and body)        | true                          |
 * | HTTP 5xx, 408, 429                                            | true                          |
 * | HTTP 3xx (not followed), other 4xx                            | false (misconfiguration)      |
 * | body > 64 KiB, not UTF-8, not JSON, wrong shape               | true (proxy hiccup?)          |
 * | 200 invalid api_id, 300/301/302 auth failures                 | false                         |
 * | 201 insufficient funds                                        | false                         |
 * | 202 bad recipient, 207 no route, 150 no route                 | false                         |
 * | 203 no text, 205 text too long, 212 not UTF-8, 216 forbidden  | false                         |
 * | 204 sender name not approved                                  | false                         |
 * | 209 / 215 number in our / SMS.ru stop list, 214 foreign number| false                         |
 * | 210 wrong HTTP method, 211 unknown method, 213 too many nums  | false                         |
 * | 206 daily account limit, 230 daily limit for the number       | true (throttling)             |
 * | 231 / 232 identical message limit per minute / day            | true (throttling)             |
 * | 233 too many codes to the number, 503 / 505 rate limits       | true (throttling)             |
 * | 220 service temporarily unavailable, 500 server error         | true                          |
 * | any other status_code                                         | false (definitive refusal)    |
 *
 * Unknown codes are treated as definitive: SMS.ru understood the request and said no; the code is
 * in the error message so the table can be extended.
 */

export type SmsRuProviderOptions = {
  apiId: string;
  /** Defaults to https://sms.ru. A path prefix (e.g. an egress proxy) is kept. */
  baseUrl?: string;
  /** Approved sender name; SMS.ru's default sender is used when absent. */
  from?: string;
  /** Whole-call deadline (connect, headers and body). Defaults to 5000 ms. */
  timeoutMs?: number;
  /** SMS.ru test mode: the request is validated and billed at 0, nothing is delivered. */
  test?: boolean;
  fetchImpl?: typeof fetch;
};

const DEFAULT_BASE_URL = 'https://sms.ru';
const DEFAULT_TIMEOUT_MS = 5000;
/** Replies larger than this are not SMS.ru replies to a single-recipient send. */
export const SMSRU_MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_SMS_ID_LENGTH = 256;
const MAX_VENDOR_TEXT_LENGTH = 200;

type CodeInfo = { description: string; retryable: boolean };

const STATUS_CODES: ReadonlyMap<number, CodeInfo> = new Map<number, CodeInfo>([
  [150, { description: 'no route to this number', retryable: false }],
  [200, { description: 'invalid api_id', retryable: false }],
  [201, { description: 'insufficient funds', retryable: false }],
  [202, { description: 'invalid recipient number', retryable: false }],
  [203, { description: 'no message text', retryable: false }],
  [204, { description: 'sender name not approved', retryable: false }],
  [205, { description: 'message too long', retryable: false }],
  [206, { description: 'daily sending limit reached', retryable: true }],
  [207, { description: 'cannot deliver to this number', retryable: false }],
  [209, { description: 'number is in the account stop list', retryable: false }],
  [210, { description: 'wrong HTTP method', retryable: false }],
  [211, { description: 'method not found', retryable: false }],
  [212, { description: 'text must be UTF-8', retryable: false }],
  [213, { description: 'too many recipients', retryable: false }],
  [214, { description: 'number is abroad and the account sends to Russia only', retryable: false }],
  [215, { description: 'number is in the SMS.ru spam stop list', retryable: false }],
  [216, { description: 'text contains a forbidden word', retryable: false }],
  [220, { description: 'service temporarily unavailable', retryable: true }],
  [230, { description: 'daily limit for this number reached', retryable: true }],
  [231, { description: 'identical messages per minute limit reached', retryable: true }],
  [232, { description: 'identical messages per day limit reached', retryable: true }],
  [233, { description: 'too many code messages to this number', retryable: true }],
  [300, { description: 'invalid token', retryable: false }],
  [301, { description: 'invalid credentials', retryable: false }],
  [302, { description: 'account not confirmed', retryable: false }],
  [500, { description: 'server error', retryable: true }],
  [503, { description: 'too many messages to this country', retryable: true }],
  [505, { description: 'too many messages from one IP address', retryable: true }],
]);

function describeCode(code: number): CodeInfo {
  return STATUS_CODES.get(code) ?? { description: 'unknown status code', retryable: false };
}


const E164 = /^\+[1-9]\d{7,14}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStatusCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** Parsed `sms/send` reply; anything else is an invalid response. */
type SendReply =
  | { status: 'ERROR'; statusCode: number; statusText: string | undefined }
  | { status: 'OK'; sms: Record<string, unknown> };

type NumberResult =
  | { status: 'OK'; smsId: string }
  | { status: 'ERROR'; statusCode: number; statusText: string | undefined };

function parseSendReply(value: unknown): SendReply | undefined {
  if (!isRecord(value) || !isStatusCode(value.status_code)) return undefined;
  const statusText = typeof value.status_text === 'string' ? value.status_text : undefined;
  if (value.status === 'ERROR') return { status: 'ERROR', statusCode: value.status_code, statusText };
  if (value.status === 'OK' && isRecord(value.sms)) return { status: 'OK', sms: value.sms };
  return undefined;
}

function parseNumberResult(value: unknown): NumberResult | undefined {
  if (!isRecord(value) || !isStatusCode(value.status_code)) return undefined;
  if (value.status === 'OK') {
    const smsId = value.sms_id;
    if (typeof smsId !== 'string' || smsId.length === 0 || smsId.length > MAX_SMS_ID_LENGTH) return undefined;
    return { status: 'OK', smsId };
  }
  if (value.status === 'ERROR') {
    const statusText = typeof value.status_text === 'string' ? value.status_text : undefined;
    return { status: 'ERROR', statusCode: value.status_code, statusText };
  }
  return undefined;
}

function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('SMS.ru baseUrl is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('SMS.ru baseUrl must be http(s)');
  if (url.username || url.password || url.search || url.hash) {
    throw new Error('SMS.ru baseUrl must not contain credentials, a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
}

/** Network-level error code (ECONNREFUSED, ...) without the message, which may carry the URL. */
function networkErrorCode(error: unknown): string | undefined {
  const cause = isRecord(error) ? error.cause : undefined;
  const code = isRecord(cause) ? cause.code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}



export function createSmsRuProvider(options: SmsRuProviderOptions): SmsProvider {
  const apiId = options.apiId;
  if (typeof apiId !== 'string' || apiId.trim().length === 0) throw new Error('SMS.ru apiId is required');
  const endpoint = `${normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL)}/sms/send`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('SMS.ru timeoutMs must be a positive number');
  const fetchImpl = options.fetchImpl ?? fetch;

  /** Vendor text may echo request data; strip secrets and anything that looks like a phone. */
  function redact(text: string | undefined, message: SmsMessage): string {
    if (text === undefined) return '';
    let out = text.split(apiId).join('[redacted]');
    if (message.text.length >= 4) out = out.split(message.text).join('[redacted]');
    out = out.replace(/\+?\d[\d\s()-]{5,}\d/g, '[number]');
    out = out.replace(/[\r\n\t]+/g, ' ').trim();
    if (out.length > MAX_VENDOR_TEXT_LENGTH) out = `${out.slice(0, MAX_VENDOR_TEXT_LENGTH)}…`;
    return out ? `: ${out}` : '';
  }

  function refusal(scope: string, code: number, statusText: string | undefined, message: SmsMessage): SmsDeliveryError {
    const info = describeCode(code);
    return new SmsDeliveryError(
      `SMS.ru refused ${scope}: status_code ${code} (${info.description})${redact(statusText, message)}`,
      info.retryable,
    );
  }

  async function send(message: SmsMessage): Promise<SmsSendResult> {
    if (typeof message.to !== 'string' || !E164.test(message.to)) {
      throw new SmsDeliveryError('SMS.ru send: recipient is not an E.164 phone number', false);
    }
    if (typeof message.text !== 'string' || message.text.trim().length === 0) {
      throw new SmsDeliveryError('SMS.ru send: message text is empty', false);
    }
    const digits = message.to.slice(1);
    const masked = maskPhone(message.to);

    const form = new URLSearchParams();
    form.set('api_id', apiId);
    form.set('to', digits);
    form.set('msg', message.text);
    form.set('json', '1');
    if (options.from) form.set('from', options.from);
    if (options.test) form.set('test', '1');

    const signal = AbortSignal.timeout(timeoutMs);
    let bodyText: string;
    try {
      const response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
          accept: 'application/json',
        },
        body: form.toString(),
        redirect: 'manual',
        signal,
      });
      if (response.status < 200 || response.status > 299) {
        await response.body?.cancel().catch(() => undefined);
        const status = response.status;
        const retryable = status >= 500 || status === 408 || status === 429;
        throw new SmsDeliveryError(`SMS.ru send to ${masked}: HTTP ${status}`, retryable);
      }
      bodyText = await readBodyLimited(response, SMSRU_MAX_RESPONSE_BYTES);
    } catch (error) {
      if (error instanceof SmsDeliveryError) throw error;
      if (error instanceof InvalidResponse) {
        throw new SmsDeliveryError(`SMS.ru send to ${masked}: invalid response (${error.message})`, true);
      }
      if (isTimeout(error) || signal.aborted) {
        throw new SmsDeliveryError(`SMS.ru send to ${masked}: timed out after ${timeoutMs} ms`, true);
      }
      const code = networkErrorCode(error);
      throw new SmsDeliveryError(`SMS.ru send to ${masked}: network error${code ? ` (${code})` : ''}`, true);
    }

    let json: unknown;
    try {
      json = JSON.parse(bodyText);
    } catch {
      throw new SmsDeliveryError(`SMS.ru send to ${masked}: invalid response (not JSON)`, true);
    }
    const reply = parseSendReply(json);
    if (!reply) throw new SmsDeliveryError(`SMS.ru send to ${masked}: invalid response (unexpected shape)`, true);
    if (reply.status === 'ERROR') throw refusal('the request', reply.statusCode, reply.statusText, message);

    // We send exactly one recipient. SMS.ru keys results by the normalized number, which for E.164
    // input is our digits; if it normalized differently, the sole entry is still unambiguously ours.
    const entries = Object.values(reply.sms);
    const raw = Object.hasOwn(reply.sms, digits) ? reply.sms[digits] : entries.length === 1 ? entries[0] : undefined;
    const result = parseNumberResult(raw);
    if (!result) {
      throw new SmsDeliveryError(`SMS.ru send to ${masked}: invalid response (no result for the recipient)`, true);
    }
    if (result.status === 'ERROR') throw refusal(`the message to ${masked}`, result.statusCode, result.statusText, message);
    return { providerMessageId: result.smsId };
  }

  return { name: 'smsru', send };
}
