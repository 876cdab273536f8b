import { z } from 'zod';
import { ProviderError } from '../errors';
import {
  createYooKassaClient,
  isIdempotenceKey,
  kopecksToAmount,
  YOOKASSA_MAX_IDEMPOTENCE_KEY_LENGTH,
  YOOKASSA_PROVIDER,
  type YooKassaConnectionOptions,
} from '../yookassa-common';
import type {
  AcquiringPayment,
  AcquiringProvider,
  AcquiringStatus,
  CreatePaymentRequest,
  NotificationRequest,
  VerifiedNotification,
} from './port';

/**
 * YooKassa acquiring adapter (API v3, «Приём платежей»): the borrower pays a repayment on
 * YooKassa's hosted page, by card (`bank_card`) or by СБП (`sbp`). We never see card data (PAY-3).
 *
 * What YooKassa's documentation says and this adapter relies on (yookassa.ru/developers: "Формат
 * взаимодействия", "Коды ответа HTTP", "Общие правила обработки ответов", "Банковская карта",
 * "Система быстрых платежей", "Входящие уведомления"; field-level details from the official SDKs
 * yoomoney/yookassa-sdk-php and yookassa-sdk-python, which are generated from the API reference):
 *
 * - Endpoint `https://api.yookassa.ru/v3/`, HTTP Basic auth: the shop id (`shopId`) as the user
 *   name, the shop's secret key as the password. POST bodies are JSON.
 * - `POST /payments`, header `Idempotence-Key` (not `Idempotency-Key`), body `{ amount: { value:
 *   "1234.56", currency: "RUB" }, capture: true, confirmation: { type: "redirect", return_url },
 *   payment_method_data: { type: "bank_card" | "sbp" }, description (≤ 128 chars), metadata }`.
 *   `capture: true` is a one-stage payment: once the borrower pays it goes straight to `succeeded`
 *   (СБП cannot be paid in two stages anyway).
 * - The payment object: `{ id, status: pending | waiting_for_capture | succeeded | canceled, paid,
 *   amount, confirmation?: { type: "redirect", confirmation_url }, payment_method?: { type },
 *   created_at, captured_at?, cancellation_details?: { party, reason }, metadata, test }`.
 *   `succeeded` and `canceled` are final. `GET /payments/{id}` returns the same object.
 * - Response handling: 200 → the payment; 4xx → refused (new key, new data); 500 → unknown, repeat
 *   with the same key or GET; 202 → accepted, processing not finished, repeat after `retry_after`
 *   ms with the same key (the SDKs repeat 202 and 500 with the same key).
 * - Error body for 400/401/403/404/429/500: `{ type: "error", id, code, description, parameter }`.
 * - Notifications (webhooks) are NOT signed. YooKassa documents authenticating them by the source
 *   address: 185.71.76.0/27, 185.71.77.0/27, 77.75.153.0/25, 77.75.156.11, 77.75.156.35,
 *   77.75.154.128/25, 2a02:5180::/32. The body is `{ type: "notification", event, object }` where
 *   `event` is `<object>.<status>` and `object` is the whole object "at the moment its status
 *   changed" (a payment, or a refund with `payment_id` for `refund.succeeded`); YooKassa only needs
 *   an HTTP 200 to stop re-sending it.
 *
 * How notifications are used (PAY-5, PAY-6): `verifyNotification` accepts only an allowlisted
 * source address (IPv4, IPv6 or IPv4-mapped IPv6, CIDR-matched here) and a strict UTF-8 JSON body of
 * the shape above whose object status agrees with the event; anything else is `null`. It only names
 * the payment — `ip` must be the peer address (or the one our own trusted proxy reports, never a
 * client-supplied header) — and the caller then reads the state with `getPayment`, so even a
 * notification from a compromised or spoofed YooKassa address can credit nothing that the API does
 * not report as paid.
 * YooKassa sends no event id; `${event}:${object.id}` is the dedupe key. That is enough because a
 * payment reaches each status at most once and the state is always re-read, so a repeat of the same
 * event adds nothing. For `refund.succeeded` the event id names the refund and `providerPaymentId`
 * is the refund's `payment_id`.
 *
 * Not confirmed (the pages could not be read in full, or the docs are silent):
 * - the `Idempotence-Key` length limit — we refuse keys longer than 64 characters, the limit we
 *   recall; our payment ids (UUIDs) are 36. The key lifetime (~24 h) is not confirmed either;
 * - what YooKassa answers to a known key with a different body. Either way we compare the answer
 *   with the request (amount, currency, method, confirmation type, metadata) and refuse a mismatch;
 * - whether a 429 answer is remembered under the key. We treat 429 as "not processed, retry with
 *   the same key";
 * - whether the notification addresses change; the list is a constant here and must be updated
 *   from YooKassa's page if they do;
 * - payment limits (1 ₽ minimum; 350 000 ₽ by card, 700 000 ₽ by СБП) are documented but not
 *   enforced here: YooKassa refuses (4xx) and we report that.
 *
 * Mapping of outcomes (YooKassaAcquiringError.retryable — "retry with the same idempotency key"
 * for createPayment, "read again" for getPayment):
 *
 * | Outcome                                                            | Result / retryable                          |
 * |--------------------------------------------------------------------|---------------------------------------------|
 * | payment `pending` or `waiting_for_capture`                         | { status: 'pending' } (+ confirmationUrl)   |
 * | payment `succeeded`                                                | { status: 'succeeded', paidAt: captured_at  |
 * |                                                                    |   (created_at when absent) }                |
 * | payment `canceled`                                                 | { status: 'canceled' } (a new try: new key) |
 * | bad key / amount / return URL / method / payment id (nothing sent) | false                                       |
 * | network error, timeout (headers and body)                          | true                                        |
 * | HTTP 202 (or another non-200 2xx), 5xx, 408, 429                   | true                                        |
 * | HTTP 3xx (not followed), other 4xx (incl. 401, 404)                | false (refused or misconfigured)            |
 * | body > 1 MiB, not UTF-8, not JSON, wrong shape, bad date/amount    | true                                        |
 * | pending payment without an https redirect confirmation_url         | true (invalid response)                     |
 * | GET answering another payment id                                   | true (invalid response)                     |
 * | payment held for this key has another amount / currency / method   | false (key reused with other data)          |
 * | / confirmation type / metadata.paymentId; GET: currency not RUB    |                                             |
 *
 * A final (succeeded or canceled) answer to the POST that carries no confirmation_url (YooKassa
 * replays the original answer for a known key, so this is not expected) returns the request's
 * `returnUrl` as `confirmationUrl`: there is nothing left to confirm, the borrower goes back to us.
 *
 * Privacy: error messages never contain the secret key or the Authorization header; YooKassa's
 * `description` is shown only after redaction of credentials and digit runs.
 *
 * The HTTP exchange, the status and error-body rules, redaction, the base URL rules and the amount
 * strings are shared with the payouts adapter (../yookassa-common.ts).
 */

/** A payment object is a few kilobytes; a reply or a notification larger than this is refused. */
export const YOOKASSA_ACQUIRING_MAX_RESPONSE_BYTES = 1024 * 1024;
export const YOOKASSA_MAX_NOTIFICATION_BYTES = 1024 * 1024;
const MAX_DESCRIPTION_LENGTH = 128;
const MAX_URL_LENGTH = 2048;
const MAX_CONFIRMATION_URL_LENGTH = 4096;

/** Where YooKassa sends notifications from (its "Входящие уведомления" page). */
export const YOOKASSA_NOTIFICATION_SOURCES: readonly string[] = [
  '185.71.76.0/27',
  '185.71.77.0/27',
  '77.75.153.0/25',
  '77.75.156.11',
  '77.75.156.35',
  '77.75.154.128/25',
  '2a02:5180::/32',
];

/** A ProviderError that says whether repeating the call (same idempotency key) makes sense. */
export class YooKassaAcquiringError extends ProviderError {
  /** retryable — true: the outcome is unknown or transient, retry with the same key. false: refused, do not repeat as is. */
  constructor(message: string, retryable: boolean) {
    super(YOOKASSA_PROVIDER, message, { retryable });
    this.name = 'YooKassaAcquiringError';
  }
}

// ---------------------------------------------------------------------------------------------
// IP addresses and CIDR matching (IPv4, IPv6, IPv4-mapped IPv6), for the notification allowlist.
// ---------------------------------------------------------------------------------------------

type IpAddress = { version: 4 | 6; bytes: number[] };
type IpNetwork = IpAddress & { prefix: number };

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Dotted quad, decimal, no leading zeros (so "010" can never be read as octal elsewhere). */
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): number[] | undefined {
  return IPV4.test(text) ? text.split('.').map(Number) : undefined;
}

function parseIpv6Groups(part: string): number[] | undefined {
  if (part === '') return [];
  const groups: number[] = [];
  for (const group of part.split(':')) {
    if (!IPV6_GROUP.test(group)) return undefined;
    groups.push(Number.parseInt(group, 16));
  }
  return groups;
}

/** RFC 4291 text forms: 8 groups, one `::`, an IPv4 tail. No zone ids, brackets or ports. */
function parseIpv6(text: string): number[] | undefined {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let hex = text;
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    if (lastColon < 0) return undefined;
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    hex = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 1) {
    const all = parseIpv6Groups(halves[0] ?? '');
    if (!all || all.length !== 8) return undefined;
    groups = all;
  } else {
    const left = parseIpv6Groups(halves[0] ?? '');
    const right = parseIpv6Groups(halves[1] ?? '');
    if (!left || !right || left.length + right.length > 7) return undefined;
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

/** Parses an IPv4 or IPv6 address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes IPv4. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (typeof text !== 'string') return undefined;
  const v4 = parseIpv4(text);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  if (!v6) return undefined;
  const mapped = v6.slice(0, 10).every((byte) => byte === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? { version: 4, bytes: v6.slice(12) } : { version: 6, bytes: v6 };
}

/** The first `prefix` bits of `bytes`, the rest zero. */
function maskBytes(bytes: readonly number[], prefix: number): number[] {
  return bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
}

/** "a.b.c.d/n", "x::/n" or a single address (a /32 or /128). Host bits must be zero. */
function parseNetwork(cidr: string): IpNetwork {
  const parts = cidr.split('/');
  const [addressText = '', prefixText] = parts;
  const v4 = parseIpv4(addressText);
  const bytes = v4 ?? parseIpv6(addressText);
  if (!bytes || parts.length > 2) throw new Error(`invalid network ${cidr}`);
  const bits = bytes.length * 8;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= bits)) throw new Error(`invalid prefix in ${cidr}`);
  if (maskBytes(bytes, prefix).some((byte, i) => byte !== bytes[i])) throw new Error(`host bits set in ${cidr}`);
  return { version: v4 ? 4 : 6, bytes, prefix };
}

function networkContains(network: IpNetwork, address: IpAddress): boolean {
  if (network.version !== address.version) return false;
  const masked = maskBytes(address.bytes, network.prefix);
  return network.bytes.every((byte, i) => masked[i] === byte);
}

const NOTIFICATION_NETWORKS: readonly IpNetwork[] = YOOKASSA_NOTIFICATION_SOURCES.map(parseNetwork);

/** Whether `ip` (as the socket reports it) is one of YooKassa's notification senders. */
export function isYooKassaNotificationSource(ip: string): boolean {
  const address = parseIpAddress(ip);
  return address !== undefined && NOTIFICATION_NETWORKS.some((network) => networkContains(network, address));
}

// ---------------------------------------------------------------------------------------------
// Response shapes. Unknown fields are ignored; the fields we act on are checked strictly.
// ---------------------------------------------------------------------------------------------

/** Payment ids look like `2419a771-000f-5000-9000-1edaf29243f2`; it goes into a URL path. */
const PAYMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

const paymentSchema = z.object({
  id: z.string().regex(PAYMENT_ID),
  status: z.enum(['pending', 'waiting_for_capture', 'succeeded', 'canceled']),
  paid: z.boolean(),
  amount: z.object({ value: z.string(), currency: z.string() }),
  confirmation: z.object({ type: z.string(), confirmation_url: z.string().optional() }).optional(),
  payment_method: z.object({ type: z.string() }).optional(),
  created_at: z.string(),
  captured_at: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
type Payment = z.infer<typeof paymentSchema>;

const EVENT_STATUS = {
  'payment.succeeded': 'succeeded',
  'payment.canceled': 'canceled',
  'payment.waiting_for_capture': 'waiting_for_capture',
  'refund.succeeded': 'succeeded',
} as const;

const notificationSchema = z.object({
  type: z.literal('notification'),
  event: z.enum(['payment.succeeded', 'payment.canceled', 'payment.waiting_for_capture', 'refund.succeeded']),
  object: z.object({
    id: z.string().regex(PAYMENT_ID),
    status: z.string(),
    payment_id: z.string().regex(PAYMENT_ID).optional(),
  }),
});

/** ISO 8601 with a zone, as YooKassa writes it ("2018-07-18T10:51:18.139Z"); impossible dates refused. */
export function parseTimestamp(text: string): Date | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = fields;
  const local = new Date(Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3))));
  if (
    local.getUTCFullYear() !== y ||
    local.getUTCMonth() !== mo - 1 ||
    local.getUTCDate() !== d ||
    local.getUTCHours() !== h ||
    local.getUTCMinutes() !== mi ||
    local.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const zoneHours = Number(zone.slice(1, 3));
    const zoneMinutes = Number(zone.slice(4, 6));
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  return new Date(local.getTime() - offsetMinutes * 60_000);
}

// ---------------------------------------------------------------------------------------------
// The adapter (HTTP plumbing in ../yookassa-common.ts, the same rules as the payouts adapter).
// ---------------------------------------------------------------------------------------------

export type YooKassaAcquiringOptions = YooKassaConnectionOptions & {
  /** The shop id, the Basic auth user name. */
  shopId: string;
  /** The shop's secret key, the Basic auth password. */
  secretKey: string;
};

/** An absolute http(s) URL without credentials, at most `limit` characters. */
function isWebUrl(text: unknown, limit: number, httpsOnly: boolean): text is string {
  if (typeof text !== 'string' || text.length === 0 || text.length > limit || /[\s\p{Cc}]/u.test(text)) return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password || !url.hostname) return false;
  return url.protocol === 'https:' || (!httpsOnly && url.protocol === 'http:');
}

/** At most 128 characters whether counted in code points or UTF-16 units; control characters → spaces. */
function cleanDescription(text: string): string {
  let out = '';
  for (const char of text.replace(/\p{Cc}+/gu, ' ').trim()) {
    if (out.length + char.length > MAX_DESCRIPTION_LENGTH) break;
    out += char;
  }
  return out.trim();
}

const METHOD_TYPE = { card: 'bank_card', sbp: 'sbp' } as const;

function mapStatus(status: Payment['status']): AcquiringStatus {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'canceled') return 'canceled';
  return 'pending'; // pending, and waiting_for_capture (not expected: we always send capture: true)
}

export function createYooKassaAcquiring(options: YooKassaAcquiringOptions): AcquiringProvider {
  const { exchange, httpError, parseJson, amountKopecks } = createYooKassaClient({
    user: options.shopId,
    userLabel: 'shopId',
    secretKey: options.secretKey,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    fetchImpl: options.fetchImpl,
    maxResponseBytes: YOOKASSA_ACQUIRING_MAX_RESPONSE_BYTES,
    redactEncodedCredentials: true,
    error: (message, retryable) => new YooKassaAcquiringError(message, retryable),
  });

  function parsePayment(what: string, text: string | undefined): Payment {
    const payment = parseJson(what, text, paymentSchema);
    if (payment.status === 'succeeded' && !payment.paid) {
      throw new YooKassaAcquiringError(`${what}: invalid response (succeeded but not paid)`, true);
    }
    return payment;
  }

  /** The payment as the port sees it; the amount and dates are checked here. */
  function toAcquiringPayment(what: string, payment: Payment): AcquiringPayment {
    const kopecks = amountKopecks(what, payment.amount.value);
    const createdAt = parseTimestamp(payment.created_at);
    const capturedAt = payment.captured_at === undefined ? undefined : parseTimestamp(payment.captured_at);
    if (!createdAt || (payment.captured_at !== undefined && !capturedAt)) {
      throw new YooKassaAcquiringError(`${what}: invalid response (timestamp)`, true);
    }
    const status = mapStatus(payment.status);
    const result: AcquiringPayment = { providerPaymentId: payment.id, status, amountKopecks: kopecks };
    if (status === 'succeeded') result.paidAt = capturedAt ?? createdAt;
    return result;
  }

  /** The payment YooKassa holds for this key must be the one we asked for (key reuse, tampering). */
  function checkMatches(what: string, payment: Payment, mapped: AcquiringPayment, request: CreatePaymentRequest): void {
    const paymentIdInMetadata = payment.metadata?.['paymentId'];
    const mismatch =
      mapped.amountKopecks !== request.amountKopecks
        ? 'amount'
        : payment.amount.currency !== 'RUB'
          ? 'currency'
          : payment.payment_method !== undefined && payment.payment_method.type !== METHOD_TYPE[request.method]
            ? 'payment method'
            : payment.confirmation !== undefined && payment.confirmation.type !== 'redirect'
              ? 'confirmation type'
              : paymentIdInMetadata !== undefined && paymentIdInMetadata !== request.idempotencyKey
                ? 'metadata'
                : undefined;
    if (mismatch) {
      throw new YooKassaAcquiringError(
        `${what}: payment ${payment.id} held for this idempotency key differs in ${mismatch}; not retrying with this key`,
        false,
      );
    }
  }

  async function createPayment(request: CreatePaymentRequest): Promise<AcquiringPayment & { confirmationUrl: string }> {
    const refuse = (message: string) => new YooKassaAcquiringError(`payment: ${message}`, false);
    const key = request.idempotencyKey;
    if (!isIdempotenceKey(key)) {
      throw refuse(`idempotency key must be 1–${YOOKASSA_MAX_IDEMPOTENCE_KEY_LENGTH} printable ASCII characters`);
    }
    const what = `payment ${key}`;
    if (!Number.isSafeInteger(request.amountKopecks) || request.amountKopecks <= 0) {
      throw refuse(`${key}: amount must be a positive whole number of kopecks`);
    }
    if (request.method !== 'card' && request.method !== 'sbp') throw refuse(`${key}: method must be card or sbp`);
    if (!isWebUrl(request.returnUrl, MAX_URL_LENGTH, false)) throw refuse(`${key}: return URL must be an absolute http(s) URL`);
    if (typeof request.description !== 'string') throw refuse(`${key}: description must be a string`);
    const description = cleanDescription(request.description);

    const created = await exchange(what, 'POST', '/payments', {
      idempotenceKey: key,
      json: {
        amount: { value: kopecksToAmount(request.amountKopecks), currency: 'RUB' },
        capture: true,
        confirmation: { type: 'redirect', return_url: request.returnUrl },
        payment_method_data: { type: METHOD_TYPE[request.method] },
        ...(description ? { description } : {}),
        metadata: { paymentId: key },
      },
    });
    if (created.status !== 200) throw httpError(what, created);
    const payment = parsePayment(what, created.text);
    const mapped = toAcquiringPayment(what, payment);
    checkMatches(what, payment, mapped, request);

    const confirmationUrl = payment.confirmation?.confirmation_url;
    if (isWebUrl(confirmationUrl, MAX_CONFIRMATION_URL_LENGTH, true)) return { ...mapped, confirmationUrl };
    if (confirmationUrl === undefined && mapped.status !== 'pending') return { ...mapped, confirmationUrl: request.returnUrl };
    throw new YooKassaAcquiringError(`${what}: invalid response (no https confirmation_url)`, true);
  }

  async function getPayment(providerPaymentId: string): Promise<AcquiringPayment> {
    if (typeof providerPaymentId !== 'string' || !PAYMENT_ID.test(providerPaymentId)) {
      throw new YooKassaAcquiringError('payment: malformed YooKassa payment id', false);
    }
    const what = `payment ${providerPaymentId}`;
    const read = await exchange(what, 'GET', `/payments/${encodeURIComponent(providerPaymentId)}`);
    if (read.status !== 200) throw httpError(what, read);
    const payment = parsePayment(what, read.text);
    if (payment.id !== providerPaymentId) throw new YooKassaAcquiringError(`${what}: invalid response (another payment id)`, true);
    const mapped = toAcquiringPayment(what, payment);
    if (payment.amount.currency !== 'RUB') throw new YooKassaAcquiringError(`${what}: currency is not RUB`, false);
    return mapped;
  }

  return {
    name: YOOKASSA_PROVIDER,
    createPayment,
    getPayment,
    verifyNotification,
    notificationReply: { contentType: 'application/json', body: '{}' },
  };
}

/**
 * null unless the request comes from YooKassa's addresses and its body is a strict UTF-8 JSON
 * notification we know. Never throws: the body is attacker-controlled until the address is checked
 * and only a hint afterwards (the caller reads the payment back with getPayment).
 */
export function verifyNotification(request: NotificationRequest): VerifiedNotification | null {
  try {
    if (!isYooKassaNotificationSource(request.ip)) return null;
    const raw = request.rawBody;
    if (!Buffer.isBuffer(raw) || raw.length === 0 || raw.length > YOOKASSA_MAX_NOTIFICATION_BYTES) return null;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
    } catch {
      return null;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return null;
    }
    const result = notificationSchema.safeParse(json);
    if (!result.success) return null;
    const { event, object } = result.data;
    if (object.status !== EVENT_STATUS[event]) return null;
    if (event === 'refund.succeeded') {
      if (object.payment_id === undefined) return null;
      return { eventId: `${event}:${object.id}`, providerPaymentId: object.payment_id };
    }
    return { eventId: `${event}:${object.id}`, providerPaymentId: object.id };
  } catch {
    return null;
  }
}
