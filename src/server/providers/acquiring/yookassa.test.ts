import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { replyJson } from '../../testing/fake-http-server';
import {
  emptyStore,
  expectOneYooKassaPost,
  expectYooKassaError,
  itAppliesYooKassaHttpRules,
  replyCreated,
  replyError,
  useFakeYooKassa,
  type IdempotentStore,
} from '../../testing/fake-yookassa';
import type { CreatePaymentRequest } from './port';
import {
  createYooKassaAcquiring,
  isYooKassaNotificationSource,
  parseIpAddress,
  parseTimestamp,
  verifyNotification,
  YOOKASSA_ACQUIRING_MAX_RESPONSE_BYTES,
  YOOKASSA_MAX_NOTIFICATION_BYTES,
  YOOKASSA_NOTIFICATION_SOURCES,
  YooKassaAcquiringError,
  type YooKassaAcquiringOptions,
} from './yookassa';

const SHOP_ID = 'shop-505050';
const SECRET = 'live_TopSecretShopKey-DoNotLeak_XyZ';
const BASIC = `Basic ${Buffer.from(`${SHOP_ID}:${SECRET}`).toString('base64')}`;
const PAYMENT_ID = 'c4a7e1f2-3b5d-4e6f-8a9b-0c1d2e3f4a5b';
const RETURN_URL = 'https://carcapital.example/cabinet/payments/c4a7e1f2-3b5d-4e6f-8a9b-0c1d2e3f4a5b';
const REQUEST: CreatePaymentRequest = {
  idempotencyKey: PAYMENT_ID,
  amountKopecks: 1_234_567,
  description: 'Погашение по договору 2026-000123',
  returnUrl: RETURN_URL,
  method: 'card',
};
const NEVER_IN_MESSAGES = [SECRET, BASIC, BASIC.slice('Basic '.length)];

// ---------------------------------------------------------------------------------------------
// A fake YooKassa on 127.0.0.1: checks Basic auth, records requests, deduplicates POST /payments by
// Idempotence-Key like YooKassa (a known key answers with the payment it already holds).
// ---------------------------------------------------------------------------------------------

type Status = 'pending' | 'waiting_for_capture' | 'succeeded' | 'canceled';
type StoredPayment = {
  id: string;
  status: Status;
  paid: boolean;
  amount: { value: string; currency: string };
  confirmation: { type: string; confirmation_url: string };
  payment_method: { type: string; id: string; saved: boolean };
  description?: string;
  metadata: Record<string, string>;
  recipient: { account_id: string; gateway_id: string };
  created_at: string;
  captured_at?: string;
  cancellation_details?: { party: string; reason: string };
  refundable: boolean;
  test: boolean;
};

let fake: IdempotentStore<StoredPayment>;

function fakeYooKassa(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = req.url ?? '';
  if (req.method === 'POST' && url === '/v3/payments') {
    return replyCreated(fake, req, res, body, (json): StoredPayment | string => {
      const data = JSON.parse(json) as {
        amount: StoredPayment['amount'];
        capture: boolean;
        confirmation: { type: string; return_url: string };
        payment_method_data: { type: string };
        description?: string;
        metadata: Record<string, string>;
      };
      if (data.capture !== true || data.confirmation.type !== 'redirect') return 'unexpected';
      const id = randomUUID();
      return {
        id,
        status: 'pending',
        paid: false,
        amount: data.amount,
        confirmation: { type: 'redirect', confirmation_url: `https://yoomoney.ru/checkout/payments/v2/contract?orderId=${id}` },
        payment_method: { type: data.payment_method_data.type, id, saved: false },
        ...(data.description === undefined ? {} : { description: data.description }),
        metadata: data.metadata,
        recipient: { account_id: SHOP_ID, gateway_id: '100500' },
        created_at: '2026-03-01T09:00:00.000Z',
        refundable: false,
        test: true,
      };
    });
  }
  const read = /^\/v3\/payments\/([^/?]+)$/.exec(url);
  if (req.method === 'GET' && read) {
    const payment = fake.byId.get(decodeURIComponent(read[1] ?? ''));
    if (!payment) return replyError(res, 404, 'not_found', 'Payment not found');
    const { confirmation: _confirmation, ...withoutConfirmation } = payment;
    return replyJson(res, withoutConfirmation);
  }
  return replyError(res, 404, 'not_found', 'No such endpoint');
}

/** What the borrower does on YooKassa's page. */
function settleStored(id: string, status: 'succeeded' | 'canceled' | 'waiting_for_capture', capturedAt = '2026-03-01T09:03:07.512Z'): void {
  const payment = fake.byId.get(id);
  if (!payment) throw new Error('no such payment');
  payment.status = status;
  payment.paid = status !== 'canceled';
  if (status === 'succeeded') payment.captured_at = capturedAt;
  if (status === 'canceled') payment.cancellation_details = { party: 'yoo_money', reason: 'expired_on_confirmation' };
}

const server = useFakeYooKassa(BASIC, fakeYooKassa);
const { requests } = server;

beforeEach(() => {
  fake = emptyStore();
});

function provider(extra: Partial<YooKassaAcquiringOptions> = {}) {
  return createYooKassaAcquiring({ shopId: SHOP_ID, secretKey: SECRET, baseUrl: `${server.origin}/v3`, ...extra });
}

/** Asserts a YooKassaAcquiringError with the given retryability that leaks no secret. */
function expectYooError(promise: Promise<unknown>, retryable: boolean, extraSecrets: string[] = []): Promise<YooKassaAcquiringError> {
  return expectYooKassaError(promise, YooKassaAcquiringError, retryable, [...NEVER_IN_MESSAGES, ...extraSecrets]);
}

const YOO_ID = '2f5a1b7c-000f-5000-9000-1edaf29243f2';
const CONFIRMATION_URL = `https://yoomoney.ru/checkout/payments/v2/contract?orderId=${YOO_ID}`;

function paymentObject(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: YOO_ID,
    status: 'pending',
    paid: false,
    amount: { value: '12345.67', currency: 'RUB' },
    confirmation: { type: 'redirect', confirmation_url: CONFIRMATION_URL },
    payment_method: { type: 'bank_card', id: YOO_ID, saved: false },
    description: REQUEST.description,
    metadata: { paymentId: PAYMENT_ID },
    recipient: { account_id: SHOP_ID, gateway_id: '100500' },
    created_at: '2026-03-01T09:00:00.000Z',
    refundable: false,
    test: false,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------

describe('createPayment', () => {
  it('sends the exact request YooKassa documents (card) and returns the pending payment with its page', async () => {
    const result = await provider().createPayment(REQUEST);
    const stored = fake.byKey.get(PAYMENT_ID);
    expect(stored).toBeDefined();
    expect(result).toEqual({
      providerPaymentId: stored?.id,
      status: 'pending',
      amountKopecks: 1_234_567,
      confirmationUrl: stored?.confirmation.confirmation_url,
    });
    expect(result).not.toHaveProperty('paidAt');

    const request = expectOneYooKassaPost(requests, '/v3/payments', BASIC, PAYMENT_ID);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      amount: { value: '12345.67', currency: 'RUB' },
      capture: true,
      confirmation: { type: 'redirect', return_url: RETURN_URL },
      payment_method_data: { type: 'bank_card' },
      description: REQUEST.description,
      metadata: { paymentId: PAYMENT_ID },
    });
    // The amount travels as a string, never as a JSON number.
    expect(request?.body).toContain('"value":"12345.67"');
  });

  it('asks for СБП with payment_method_data type sbp', async () => {
    const result = await provider().createPayment({ ...REQUEST, method: 'sbp' });
    expect(result.status).toBe('pending');
    expect(JSON.parse(requests[0]?.body ?? '').payment_method_data).toEqual({ type: 'sbp' });
  });

  it.each([
    [1, '0.01'],
    [99, '0.99'],
    [100, '1.00'],
    [123_456, '1234.56'],
    [70_000_000, '700000.00'],
  ])('sends %i kopecks as "%s" and reads them back', async (kopecks, value) => {
    const result = await provider().createPayment({ ...REQUEST, amountKopecks: kopecks });
    expect(JSON.parse(requests[0]?.body ?? '').amount).toEqual({ value, currency: 'RUB' });
    expect(result.amountKopecks).toBe(kopecks);
  });

  it('cuts the description to 128 characters (no split surrogate pair), drops control characters, omits an empty one', async () => {
    const long = `${'Ж'.repeat(127)}😀tail`;
    await provider().createPayment({ ...REQUEST, description: long });
    const sent = JSON.parse(requests[0]?.body ?? '').description as string;
    expect(sent).toBe('Ж'.repeat(127));

    await provider().createPayment({ ...REQUEST, idempotencyKey: 'k-2', description: 'line1\r\nline2\u0000' });
    expect(JSON.parse(requests[1]?.body ?? '').description).toBe('line1 line2');

    await provider().createPayment({ ...REQUEST, idempotencyKey: 'k-3', description: ' \n ' });
    expect(JSON.parse(requests[2]?.body ?? '')).not.toHaveProperty('description');
  });

  it('a repeated key returns the same payment; parallel calls with one key create one payment', async () => {
    const yookassa = provider();
    const first = await yookassa.createPayment(REQUEST);
    const again = await yookassa.createPayment(REQUEST);
    const parallel = await Promise.all(Array.from({ length: 8 }, () => yookassa.createPayment(REQUEST)));
    for (const result of [again, ...parallel]) expect(result).toEqual(first);
    expect(fake.created).toBe(1);
    expect(fake.byId.size).toBe(1);
    expect(requests).toHaveLength(10);
    expect(new Set(requests.map((r) => r.headers['idempotence-key']))).toEqual(new Set([PAYMENT_ID]));
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);

    const other = await yookassa.createPayment({ ...REQUEST, idempotencyKey: 'another-payment-id' });
    expect(other.providerPaymentId).not.toBe(first.providerPaymentId);
    expect(fake.created).toBe(2);
  });

  it('after a 500 the retry sends the same Idempotence-Key and gets the same payment', async () => {
    fake.failPostsAfterStore = 1; // YooKassa created the payment but the answer was a 500
    const error = await expectYooError(provider().createPayment(REQUEST), true);
    expect(error.message).toContain('HTTP 500');
    expect(error.message).toContain(PAYMENT_ID);

    const result = await provider().createPayment(REQUEST);
    expect(result.providerPaymentId).toBe(fake.byKey.get(PAYMENT_ID)?.id);
    expect(requests.map((r) => [r.method, r.url, r.headers['idempotence-key']])).toEqual([
      ['POST', '/v3/payments', PAYMENT_ID],
      ['POST', '/v3/payments', PAYMENT_ID],
    ]);
    expect(requests[0]?.body).toBe(requests[1]?.body);
    expect(fake.created).toBe(1);
  });

  it('maps waiting_for_capture to pending', async () => {
    server.override = (_req, res) => replyJson(res, paymentObject({ status: 'waiting_for_capture', paid: true }));
    const result = await provider().createPayment(REQUEST);
    expect(result).toEqual({ providerPaymentId: YOO_ID, status: 'pending', amountKopecks: 1_234_567, confirmationUrl: CONFIRMATION_URL });
  });

  it('returns an already succeeded payment with paidAt; without a confirmation the borrower goes back to returnUrl', async () => {
    server.override = (_req, res) =>
      replyJson(res, paymentObject({ status: 'succeeded', paid: true, captured_at: '2026-03-01T09:03:07.512Z', confirmation: undefined }));
    const result = await provider().createPayment(REQUEST);
    expect(result).toEqual({
      providerPaymentId: YOO_ID,
      status: 'succeeded',
      amountKopecks: 1_234_567,
      paidAt: new Date('2026-03-01T09:03:07.512Z'),
      confirmationUrl: RETURN_URL,
    });
  });

  it('returns a canceled payment as canceled (a new attempt needs a new key)', async () => {
    server.override = (_req, res) =>
      replyJson(res, paymentObject({ status: 'canceled', cancellation_details: { party: 'yoo_money', reason: 'expired_on_confirmation' } }));
    const result = await provider().createPayment(REQUEST);
    expect(result).toEqual({ providerPaymentId: YOO_ID, status: 'canceled', amountKopecks: 1_234_567, confirmationUrl: CONFIRMATION_URL });
  });

  itAppliesYooKassaHttpRules({
    server,
    user: SHOP_ID,
    call: (options) => provider(options).createPayment(REQUEST),
    expectError: expectYooError,
    okBody: () => paymentObject(),
    maxResponseBytes: YOOKASSA_ACQUIRING_MAX_RESPONSE_BYTES,
    atLimit: [
      'accepts a reply exactly at the size limit',
      (promise) => expect(promise).resolves.toMatchObject({ providerPaymentId: YOO_ID, status: 'pending' }),
    ],
    refusals: [403, 404, 405, 409, 415, 422],
    notUtf8Body: (() => {
      const json = Buffer.from(JSON.stringify(paymentObject()));
      return Buffer.concat([json.subarray(0, 20), Buffer.from([0xc3, 0x28]), json.subarray(20)]);
    })(),
  });

  it('maps a 400 to a non-retryable error with the code and parameter, redacting the description', async () => {
    server.override = (_req, res) =>
      replyError(res, 400, 'invalid_request', `Bad return_url ${RETURN_URL} for shop ${SHOP_ID}, key ${SECRET}`, 'confirmation.return_url');
    const error = await expectYooError(provider().createPayment(REQUEST), false, [SHOP_ID]);
    expect(error.message).toContain('HTTP 400');
    expect(error.message).toContain('invalid_request');
    expect(error.message).toContain('parameter confirmation.return_url');
    expect(error.message).toContain('[redacted]');
  });

  it('maps a 500 with a body that is not JSON (or empty) to retryable', async () => {
    server.override = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(`<html>${SECRET}</html>`);
    };
    await expectYooError(provider().createPayment(REQUEST), true);
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['an empty object', {}],
    ['an unknown status', paymentObject({ status: 'refunded' })],
    ['no paid flag', paymentObject({ paid: undefined })],
    ['succeeded but not paid', paymentObject({ status: 'succeeded', paid: false })],
    ['a numeric amount', paymentObject({ amount: { value: 12345.67, currency: 'RUB' } })],
    ['an exponent amount', paymentObject({ amount: { value: '1e3', currency: 'RUB' } })],
    ['three decimals', paymentObject({ amount: { value: '12345.670', currency: 'RUB' } })],
    ['an id with a slash', paymentObject({ id: '../payments' })],
    ['an empty id', paymentObject({ id: '' })],
    ['no created_at', paymentObject({ created_at: undefined })],
    ['a created_at without a zone', paymentObject({ created_at: '2026-03-01T09:00:00' })],
    ['an impossible created_at', paymentObject({ created_at: '2026-02-30T09:00:00.000Z' })],
    ['a captured_at that is not a date', paymentObject({ status: 'succeeded', paid: true, captured_at: 'yesterday' })],
    ['a pending payment without confirmation', paymentObject({ confirmation: undefined })],
    ['a confirmation without a URL', paymentObject({ confirmation: { type: 'redirect' } })],
    ['an http confirmation URL', paymentObject({ confirmation: { type: 'redirect', confirmation_url: 'http://yoomoney.ru/checkout' } })],
    ['a javascript: confirmation URL', paymentObject({ confirmation: { type: 'redirect', confirmation_url: 'javascript:alert(1)' } })],
    ['a relative confirmation URL', paymentObject({ confirmation: { type: 'redirect', confirmation_url: '/checkout' } })],
    ['a confirmation URL with credentials', paymentObject({ confirmation: { type: 'redirect', confirmation_url: 'https://a:b@evil.example/' } })],
  ])('maps a payment with %s to a retryable invalid response', async (_label, payload) => {
    server.override = (_req, res) => replyJson(res, payload);
    const error = await expectYooError(provider().createPayment(REQUEST), true);
    expect(error.message).toMatch(/invalid response/);
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['amount', { amount: { value: '12345.68', currency: 'RUB' } }],
    ['currency', { amount: { value: '12345.67', currency: 'USD' } }],
    ['payment method', { payment_method: { type: 'sbp', id: YOO_ID, saved: false } }],
    ['confirmation type', { confirmation: { type: 'qr', confirmation_data: 'https://qr.nspk.ru/x' } }],
    ['metadata', { metadata: { paymentId: 'someone-else' } }],
  ])('refuses (non-retryable) a payment for this key that differs in %s', async (what, extra) => {
    server.override = (_req, res) => replyJson(res, paymentObject(extra));
    const error = await expectYooError(provider().createPayment(REQUEST), false);
    expect(error.message).toContain(`differs in ${what}`);
    expect(error.message).toContain(YOO_ID);
  });

  it('refuses a key reused with another amount on the fake (the held payment is compared, not trusted)', async () => {
    await provider().createPayment(REQUEST);
    const error = await expectYooError(provider().createPayment({ ...REQUEST, amountKopecks: 100 }), false);
    expect(error.message).toContain('differs in amount');
    expect(fake.created).toBe(1);
  });

  it.each<[string, Partial<CreatePaymentRequest>]>([
    ['a zero amount', { amountKopecks: 0 }],
    ['a negative amount', { amountKopecks: -100 }],
    ['a fractional amount', { amountKopecks: 100.5 }],
    ['a NaN amount', { amountKopecks: Number.NaN }],
    ['an unsafe amount', { amountKopecks: 2 ** 53 }],
    ['an empty key', { idempotencyKey: '' }],
    ['a too long key', { idempotencyKey: 'k'.repeat(65) }],
    ['a key with a space', { idempotencyKey: 'pay 1' }],
    ['a key with a newline', { idempotencyKey: 'pay\r\nX-Evil: 1' }],
    ['a non-ASCII key', { idempotencyKey: 'платёж-1' }],
    ['an unknown method', { method: 'cash' as CreatePaymentRequest['method'] }],
    ['a relative return URL', { returnUrl: '/cabinet' }],
    ['a javascript: return URL', { returnUrl: 'javascript:alert(1)' }],
    ['an ftp return URL', { returnUrl: 'ftp://carcapital.example/' }],
    ['a return URL with credentials', { returnUrl: 'https://u:p@carcapital.example/' }],
    ['a return URL with a newline', { returnUrl: 'https://carcapital.example/\nx' }],
    ['a too long return URL', { returnUrl: `https://carcapital.example/${'a'.repeat(2048)}` }],
    ['a non-string description', { description: 42 as unknown as string }],
  ])('refuses %s without calling YooKassa (non-retryable)', async (_label, change) => {
    await expectYooError(provider().createPayment({ ...REQUEST, ...change }), false);
    expect(requests).toHaveLength(0);
  });

  it('accepts a 64-character key and an http return URL (local development)', async () => {
    const key = 'k'.repeat(64);
    await provider().createPayment({ ...REQUEST, idempotencyKey: key, returnUrl: 'http://localhost:3000/cabinet' });
    expect(requests[0]?.headers['idempotence-key']).toBe(key);
  });
});

describe('getPayment', () => {
  async function created(): Promise<string> {
    const { providerPaymentId } = await provider().createPayment(REQUEST);
    requests.length = 0;
    return providerPaymentId;
  }

  it('reads the payment with a plain authenticated GET and maps pending', async () => {
    const id = await created();
    await expect(provider().getPayment(id)).resolves.toEqual({ providerPaymentId: id, status: 'pending', amountKopecks: 1_234_567 });
    expect(requests).toHaveLength(1);
    const [get] = requests;
    expect(get?.method).toBe('GET');
    expect(get?.url).toBe(`/v3/payments/${id}`);
    expect(get?.headers.authorization).toBe(BASIC);
    expect(get?.headers['idempotence-key']).toBeUndefined();
    expect(get?.body).toBe('');
  });

  it('maps succeeded with paidAt = captured_at', async () => {
    const id = await created();
    settleStored(id, 'succeeded', '2026-03-01T09:03:07.512Z');
    await expect(provider().getPayment(id)).resolves.toEqual({
      providerPaymentId: id,
      status: 'succeeded',
      amountKopecks: 1_234_567,
      paidAt: new Date('2026-03-01T09:03:07.512Z'),
    });
  });

  it('maps succeeded without captured_at to paidAt = created_at', async () => {
    server.override = (_req, res) => replyJson(res, paymentObject({ status: 'succeeded', paid: true, confirmation: undefined }));
    const payment = await provider().getPayment(YOO_ID);
    expect(payment.paidAt).toEqual(new Date('2026-03-01T09:00:00.000Z'));
  });

  it('reads captured_at with an offset and with microseconds', async () => {
    server.override = (_req, res) =>
      replyJson(res, paymentObject({ status: 'succeeded', paid: true, captured_at: '2026-03-01T12:03:07.512345+03:00' }));
    const payment = await provider().getPayment(YOO_ID);
    expect(payment.paidAt).toEqual(new Date('2026-03-01T09:03:07.512Z'));
  });

  it('maps canceled and waiting_for_capture (no paidAt)', async () => {
    const id = await created();
    settleStored(id, 'canceled');
    await expect(provider().getPayment(id)).resolves.toEqual({ providerPaymentId: id, status: 'canceled', amountKopecks: 1_234_567 });
    settleStored(id, 'waiting_for_capture');
    await expect(provider().getPayment(id)).resolves.toEqual({ providerPaymentId: id, status: 'pending', amountKopecks: 1_234_567 });
  });

  it('maps an unknown payment (404) to non-retryable and a 500 to retryable', async () => {
    const error = await expectYooError(provider().getPayment(YOO_ID), false);
    expect(error.message).toContain('HTTP 404');
    expect(error.message).toContain('not_found');
    server.override = (_req, res) => replyError(res, 500, 'internal_server_error', 'oops');
    await expectYooError(provider().getPayment(YOO_ID), true);
  });

  it('maps a timeout to retryable', async () => {
    server.override = (_req, res) => server.later(res, 2000, () => replyJson(res, paymentObject()));
    const error = await expectYooError(provider({ timeoutMs: 200 }).getPayment(YOO_ID), true);
    expect(error.message).toMatch(/no answer within 200 ms/);
  });

  it('treats an answer about another payment as a retryable invalid response', async () => {
    server.override = (_req, res) => replyJson(res, paymentObject({ id: 'another-payment' }));
    const error = await expectYooError(provider().getPayment(YOO_ID), true);
    expect(error.message).toMatch(/another payment id/);
  });

  it('refuses (non-retryable) a payment in another currency', async () => {
    server.override = (_req, res) => replyJson(res, paymentObject({ amount: { value: '10.00', currency: 'USD' } }));
    const error = await expectYooError(provider().getPayment(YOO_ID), false);
    expect(error.message).toMatch(/not RUB/);
  });

  it.each([
    ['not JSON', 'oops', 'not JSON'],
    ['an unknown status', JSON.stringify(paymentObject({ status: 'weird' })), 'unexpected shape'],
    ['a bad amount', JSON.stringify(paymentObject({ amount: { value: '1,00', currency: 'RUB' } })), 'amount'],
  ])('maps %s to a retryable invalid response', async (_label, body, detail) => {
    server.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    };
    const error = await expectYooError(provider().getPayment(YOO_ID), true);
    expect(error.message).toContain(detail);
  });

  it.each(['', '../payouts', 'a/b', 'a?b=1', 'a b', 'x'.repeat(65), 'плат'])('refuses the id %j without a request', async (id) => {
    await expectYooError(provider().getPayment(id), false);
    expect(requests).toHaveLength(0);
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['2026-03-01T09:03:07.512Z', '2026-03-01T09:03:07.512Z'],
    ['2026-03-01T09:03:07Z', '2026-03-01T09:03:07.000Z'],
    ['2026-03-01T09:03:07.5Z', '2026-03-01T09:03:07.500Z'],
    ['2026-03-01T00:30:00+03:00', '2026-02-28T21:30:00.000Z'],
    ['2026-03-01T23:30:00-05:30', '2026-03-02T05:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each(['', '2026-03-01', '2026-03-01 09:03:07Z', '2026-13-01T00:00:00Z', '2025-02-29T00:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01T09:60:00Z', '2026-03-01T09:00:00+25:00', '2026-03-01T09:00:00.Z', '1772355787'])(
    'refuses %j',
    (text) => {
      expect(parseTimestamp(text)).toBeUndefined();
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Notifications.
// ---------------------------------------------------------------------------------------------

const YOO_IP = '185.71.76.5';

function notificationBody(event: string, object: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ type: 'notification', event, object }), 'utf8');
}

const SUCCEEDED_BODY = notificationBody('payment.succeeded', {
  ...paymentObject({ status: 'succeeded', paid: true, captured_at: '2026-03-01T09:03:07.512Z', confirmation: undefined }),
  description: 'Погашение по договору',
});

function verify(rawBody: Buffer, ip = YOO_IP) {
  return verifyNotification({ rawBody, headers: { 'content-type': 'application/json' }, ip });
}

describe('notification source addresses', () => {
  it('lists the documented networks', () => {
    expect(YOOKASSA_NOTIFICATION_SOURCES).toEqual([
      '185.71.76.0/27',
      '185.71.77.0/27',
      '77.75.153.0/25',
      '77.75.156.11',
      '77.75.156.35',
      '77.75.154.128/25',
      '2a02:5180::/32',
    ]);
  });

  it.each([
    '185.71.76.0',
    '185.71.76.5',
    '185.71.76.31',
    '185.71.77.0',
    '185.71.77.31',
    '77.75.153.0',
    '77.75.153.127',
    '77.75.156.11',
    '77.75.156.35',
    '77.75.154.128',
    '77.75.154.255',
    '2a02:5180::',
    '2a02:5180::1',
    '2A02:5180::ABCD',
    '2a02:5180:0:0:0:0:0:1',
    '2a02:5180:0000:0000:0000:0000:0000:0001',
    '2a02:5180:ffff:ffff:ffff:ffff:ffff:ffff',
    '2a02:5180::185.71.76.5',
    '::ffff:185.71.76.5',
    '::FFFF:77.75.156.11',
    '::ffff:77.75.154.200',
    '0:0:0:0:0:ffff:185.71.77.10',
    '::ffff:b947:4c05',
  ])('accepts %s', (ip) => {
    expect(isYooKassaNotificationSource(ip)).toBe(true);
  });

  it.each([
    '185.71.78.1',
    '77.75.156.12',
    '185.71.76.32',
    '185.71.75.255',
    '185.71.77.32',
    '77.75.153.128',
    '77.75.154.127',
    '77.75.155.1',
    '77.75.156.10',
    '77.75.156.36',
    '2a02:5181::1',
    '2a02:517f:ffff:ffff:ffff:ffff:ffff:ffff',
    '2a03:5180::1',
    '::ffff:185.71.78.1',
    '::ffff:77.75.156.12',
    '::185.71.76.5',
    '64:ff9b::185.71.76.5',
    '::ffff:0:185.71.76.5',
    '127.0.0.1',
    '::1',
    '::',
    '0.0.0.0',
    '10.0.0.1',
  ])('refuses %s', (ip) => {
    expect(isYooKassaNotificationSource(ip)).toBe(false);
  });

  it.each([
    '',
    'localhost',
    ' 185.71.76.5',
    '185.71.76.5 ',
    '185.71.76.5\n',
    '185.71.76.05',
    '185.71.076.5',
    '185.71.76',
    '185.71.76.5.1',
    '185.71.76.256',
    '185.71.76.-1',
    '185.71.76.5:443',
    '185.71.76.0/27',
    '0xb9.71.76.5',
    '3108457477',
    '[2a02:5180::1]',
    '2a02:5180::1%eth0',
    '2a02:5180:::1',
    '2a02:5180::1::2',
    ':2a02:5180::1',
    '2a02:5180::1:',
    '2a02:5180:0:0:0:0:0:0:1',
    '2a02:5180:0:0:0:0:0',
    '2a02:5180:0:0:0:0:0:0::',
    '2a02:5180::00001',
    '2a02:5180::g',
    '::ffff:185.71.76.256',
    '::ffff:185.71.76',
    '::ffff:185.71.76.5:1',
    '::ffff:185.71.076.5',
    '185.71.76.5::',
    '２a02:5180::1',
    '１８５.71.76.5',
  ])('refuses the malformed address %j', (ip) => {
    expect(isYooKassaNotificationSource(ip)).toBe(false);
    expect(parseIpAddress(ip)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    expect(isYooKassaNotificationSource(undefined as unknown as string)).toBe(false);
    expect(isYooKassaNotificationSource(3108457477 as unknown as string)).toBe(false);
  });

  // Node's own BlockList and URL parser are an independent oracle for the CIDR matching.
  const oracle = new BlockList();
  oracle.addSubnet('185.71.76.0', 27, 'ipv4');
  oracle.addSubnet('185.71.77.0', 27, 'ipv4');
  oracle.addSubnet('77.75.153.0', 25, 'ipv4');
  oracle.addAddress('77.75.156.11', 'ipv4');
  oracle.addAddress('77.75.156.35', 'ipv4');
  oracle.addSubnet('77.75.154.128', 25, 'ipv4');
  oracle.addSubnet('2a02:5180::', 32, 'ipv6');

  function oracleSays(ip: string): boolean {
    if (!ip.includes(':')) return oracle.check(ip, 'ipv4');
    const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
    if (mapped) {
      const high = Number.parseInt(mapped[1] ?? '', 16);
      const low = Number.parseInt(mapped[2] ?? '', 16);
      return oracle.check(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`, 'ipv4');
    }
    return oracle.check(canonical, 'ipv6');
  }

  const nearIpv4 = fc
    .tuple(fc.constantFrom('185.71.75', '185.71.76', '185.71.77', '185.71.78', '77.75.153', '77.75.154', '77.75.155', '77.75.156'), fc.integer({ min: 0, max: 255 }))
    .map(([prefix, last]) => `${prefix}.${last}`);
  const nearIpv6 = fc
    .tuple(fc.constantFrom('2a02:5180', '2a02:5181', '2a02:517f', '2a02:5080', '2a03:5180'), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 6, maxLength: 6 }))
    .map(([prefix, rest]) => `${prefix}:${rest.map((group) => group.toString(16)).join(':')}`);

  it('agrees with node:net BlockList on random and nearby IPv4 addresses, also IPv4-mapped', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), nearIpv4), (ip) => {
        const expected = oracle.check(ip, 'ipv4');
        expect(isYooKassaNotificationSource(ip)).toBe(expected);
        expect(isYooKassaNotificationSource(`::ffff:${ip}`)).toBe(expected);
        const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
        expect(isYooKassaNotificationSource(`::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with node:net BlockList on random and nearby IPv6 addresses in every text form', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV6(), nearIpv6), (ip) => {
        expect(parseIpAddress(ip)).toBeDefined();
        expect(isYooKassaNotificationSource(ip)).toBe(oracleSays(ip));
        expect(isYooKassaNotificationSource(ip.toUpperCase())).toBe(oracleSays(ip));
        const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
        expect(isYooKassaNotificationSource(canonical)).toBe(oracleSays(ip));
      }),
      { numRuns: 3000 },
    );
  });

  it('parses IPv6 to the same bytes as Node does', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const parsed = parseIpAddress(ip);
        expect(parsed).toBeDefined();
        const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
        const reparsed = parseIpAddress(canonical);
        expect(reparsed).toEqual(parsed);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%/[] ') })), (ip) => {
        expect(typeof isYooKassaNotificationSource(ip)).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('verifyNotification', () => {
  it.each([YOO_IP, '77.75.156.35', '2a02:5180::7', '::ffff:185.71.77.20'])('accepts payment.succeeded from %s', (ip) => {
    expect(verify(SUCCEEDED_BODY, ip)).toEqual({ eventId: `payment.succeeded:${YOO_ID}`, providerPaymentId: YOO_ID });
  });

  it.each([
    ['payment.canceled', 'canceled'],
    ['payment.waiting_for_capture', 'waiting_for_capture'],
  ])('accepts %s', (event, status) => {
    expect(verify(notificationBody(event, paymentObject({ status })))).toEqual({ eventId: `${event}:${YOO_ID}`, providerPaymentId: YOO_ID });
  });

  it('names the refunded payment for refund.succeeded (the event id names the refund)', () => {
    const refundId = '216749f7-0016-50be-b000-078d43a63ae4';
    const body = notificationBody('refund.succeeded', {
      id: refundId,
      payment_id: YOO_ID,
      status: 'succeeded',
      amount: { value: '1.00', currency: 'RUB' },
      created_at: '2026-03-02T10:00:00.000Z',
    });
    expect(verify(body)).toEqual({ eventId: `refund.succeeded:${refundId}`, providerPaymentId: YOO_ID });
    expect(verify(notificationBody('refund.succeeded', { id: refundId, status: 'succeeded' }))).toBeNull();
  });

  it('accepts a minimal body and ignores headers', () => {
    const body = Buffer.from(`{"type":"notification","event":"payment.succeeded","object":{"id":"${YOO_ID}","status":"succeeded"}}`);
    expect(verifyNotification({ rawBody: body, headers: {}, ip: YOO_IP })).toEqual({
      eventId: `payment.succeeded:${YOO_ID}`,
      providerPaymentId: YOO_ID,
    });
  });

  it.each(['185.71.78.1', '77.75.156.12', '203.0.113.7', '127.0.0.1', '::1', '2a02:5181::1', '::ffff:185.71.78.1', '', 'garbage'])(
    'returns null for a valid body from %j (not YooKassa)',
    (ip) => {
      expect(verify(SUCCEEDED_BODY, ip)).toBeNull();
    },
  );

  it('ignores X-Forwarded-For style headers: only the given ip counts', () => {
    expect(verifyNotification({ rawBody: SUCCEEDED_BODY, headers: { 'x-forwarded-for': YOO_IP, 'x-real-ip': YOO_IP }, ip: '203.0.113.7' })).toBeNull();
  });

  it.each<[string, Buffer | string]>([
    ['an empty body', Buffer.alloc(0)],
    ['not JSON', Buffer.from('event=payment.succeeded')],
    ['truncated JSON', SUCCEEDED_BODY.subarray(0, SUCCEEDED_BODY.length - 2)],
    ['JSON null', Buffer.from('null')],
    ['a JSON string', Buffer.from('"notification"')],
    ['a JSON array', Buffer.from(`[${SUCCEEDED_BODY.toString()}]`)],
    ['an empty object', Buffer.from('{}')],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"type":"notification","event":"payment.succeeded","object":{"id":"'), Buffer.from([0xff]), Buffer.from('a","status":"succeeded"}}')])],
    ['overlong UTF-8', Buffer.concat([Buffer.from('{"type":"notification","event":"payment.succeeded","object":{"id":"'), Buffer.from([0xc0, 0xae]), Buffer.from('a","status":"succeeded"}}')])],
    ['a UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), SUCCEEDED_BODY])],
    ['UTF-16', Buffer.from(SUCCEEDED_BODY.toString(), 'utf16le')],
    ['a string instead of a Buffer', SUCCEEDED_BODY.toString()],
    ['another type', notificationBody('payment.succeeded', paymentObject({ status: 'succeeded' })).toString().replace('"notification"', '"event"')],
    ['an unknown event', notificationBody('payment.refunded', paymentObject({ status: 'succeeded' }))],
    ['a payout event', notificationBody('payout.succeeded', { id: 'po-285c0ab7-0003-5000-9000-0e1166498fda', status: 'succeeded' })],
    ['a deal event', notificationBody('deal.closed', { id: 'dl-1', status: 'closed' })],
    ['a status that contradicts the event', notificationBody('payment.succeeded', paymentObject({ status: 'canceled' }))],
    ['no status', notificationBody('payment.succeeded', paymentObject({ status: undefined }))],
    ['no object', Buffer.from('{"type":"notification","event":"payment.succeeded"}')],
    ['an object that is a string', Buffer.from(`{"type":"notification","event":"payment.succeeded","object":"${YOO_ID}"}`)],
    ['a numeric id', notificationBody('payment.succeeded', paymentObject({ status: 'succeeded', id: 12345 }))],
    ['an id with a slash', notificationBody('payment.succeeded', paymentObject({ status: 'succeeded', id: '../payouts' }))],
    ['an empty id', notificationBody('payment.succeeded', paymentObject({ status: 'succeeded', id: '' }))],
    ['a too long id', notificationBody('payment.succeeded', paymentObject({ status: 'succeeded', id: 'a'.repeat(65) }))],
    ['deep nesting', Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)],
  ])('returns null for %s', (_label, rawBody) => {
    expect(verify(rawBody as Buffer)).toBeNull();
  });

  it('returns null for a body over the size limit, accepts one at the limit', () => {
    const json = SUCCEEDED_BODY.toString();
    const atLimit = Buffer.from(json + ' '.repeat(YOOKASSA_MAX_NOTIFICATION_BYTES - SUCCEEDED_BODY.length));
    expect(atLimit.length).toBe(YOOKASSA_MAX_NOTIFICATION_BYTES);
    expect(verify(atLimit)).not.toBeNull();
    expect(verify(Buffer.concat([atLimit, Buffer.from(' ')]))).toBeNull();
  });

  it('a flipped bit anywhere in a minimal notification gives null or another payment id, never a crash', () => {
    const body = Buffer.from(`{"type":"notification","event":"payment.succeeded","object":{"id":"${YOO_ID}","status":"succeeded"}}`);
    let accepted = 0;
    for (let i = 0; i < body.length; i += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const flipped = Buffer.from(body);
        flipped[i] = (flipped[i] ?? 0) ^ (1 << bit);
        const result = verify(flipped);
        if (result !== null) {
          accepted += 1;
          expect(result.providerPaymentId).not.toBe(YOO_ID);
          expect(result.eventId).toBe(`payment.succeeded:${result.providerPaymentId}`);
        }
      }
    }
    expect(accepted).toBeGreaterThan(0); // flips inside the id yield another (well-formed) id
  });

  it('random byte changes in a full notification never crash and never produce a malformed result', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: SUCCEEDED_BODY.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(YOO_IP, '2a02:5180::1', '185.71.78.1'),
        (changes, ip) => {
          const body = Buffer.from(SUCCEEDED_BODY);
          for (const [index, value] of changes) body[index] = value;
          const result = verify(body, ip);
          if (ip === '185.71.78.1') expect(result).toBeNull();
          if (result !== null) {
            expect(result.providerPaymentId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
            expect(result.eventId).toMatch(/^(payment\.(succeeded|canceled|waiting_for_capture)|refund\.succeeded):[A-Za-z0-9_-]{1,64}$/);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('is the same function on the provider', () => {
    const yookassa = provider();
    expect(yookassa.verifyNotification({ rawBody: SUCCEEDED_BODY, headers: {}, ip: YOO_IP })).toEqual({
      eventId: `payment.succeeded:${YOO_ID}`,
      providerPaymentId: YOO_ID,
    });
    expect(yookassa.verifyNotification({ rawBody: SUCCEEDED_BODY, headers: {}, ip: '185.71.78.1' })).toBeNull();
  });
});

describe('configuration', () => {
  it('is named yookassa and answers notifications with an empty JSON object', () => {
    const yookassa = provider();
    expect(yookassa.name).toBe('yookassa');
    expect(yookassa.notificationReply).toEqual({ contentType: 'application/json', body: '{}' });
  });

  it('validates its options without echoing the secret', () => {
    expect(() => createYooKassaAcquiring({ shopId: '', secretKey: SECRET })).toThrow(/shopId/);
    expect(() => createYooKassaAcquiring({ shopId: 'a:b', secretKey: SECRET })).toThrow(/shopId/);
    expect(() => createYooKassaAcquiring({ shopId: SHOP_ID, secretKey: '' })).toThrow(/secretKey/);
    expect(() => createYooKassaAcquiring({ shopId: SHOP_ID, secretKey: 'with space' })).toThrow(/secretKey/);
    expect(() => createYooKassaAcquiring({ shopId: SHOP_ID, secretKey: SECRET, baseUrl: 'http://api.yookassa.ru/v3' })).toThrow(/https/);
    expect(() => createYooKassaAcquiring({ shopId: SHOP_ID, secretKey: SECRET, baseUrl: 'https://u:p@api.yookassa.ru/v3' })).toThrow(
      /credentials/,
    );
    expect(() => createYooKassaAcquiring({ shopId: SHOP_ID, secretKey: SECRET, timeoutMs: 0 })).toThrow(/timeoutMs/);
    for (const bad of [{ baseUrl: 'nonsense' }, { timeoutMs: -1 }, { shopId: '' }]) {
      try {
        createYooKassaAcquiring({ shopId: SHOP_ID, secretKey: SECRET, ...bad });
        throw new Error('expected a throw');
      } catch (error) {
        expect(String(error)).not.toContain(SECRET);
      }
    }
  });

  it('defaults to https://api.yookassa.ru/v3', async () => {
    const urls: string[] = [];
    const fetchImpl = (async (input: string | URL | Request) => {
      urls.push(String(input));
      return new Response(JSON.stringify(paymentObject()), { status: 200 });
    }) as typeof fetch;
    await createYooKassaAcquiring({ shopId: SHOP_ID, secretKey: SECRET, fetchImpl }).getPayment(YOO_ID);
    expect(urls).toEqual([`https://api.yookassa.ru/v3/payments/${YOO_ID}`]);
  });
});
