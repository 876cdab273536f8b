import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
import type { PayoutRequest } from './port';
import {
  amountToKopecks,
  createYooKassaPayouts,
  kopecksToAmount,
  YOOKASSA_MAX_RESPONSE_BYTES,
  YooKassaPayoutError,
  type YooKassaPayoutsOptions,
} from './yookassa';

const AGENT_ID = 'agent-505050';
const SECRET = 'live_TopSecretKey-DoNotLeak_XyZ';
const BASIC = `Basic ${Buffer.from(`${AGENT_ID}:${SECRET}`).toString('base64')}`;
const PHONE = '+79123456789';
const DIGITS = '79123456789';
const MASKED = '+7******6789';
const LOAN_ID = 'b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const BANK = '100000000111';
const REQUEST: PayoutRequest = {
  idempotencyKey: LOAN_ID,
  type: 'sbp',
  amountKopecks: 1_234_567,
  recipient: { phone: PHONE, fullName: 'Иванов Иван Иванович' },
  bankId: BANK,
};
const NEVER_IN_MESSAGES = [SECRET, BASIC, BASIC.slice('Basic '.length), DIGITS, PHONE];

// ---------------------------------------------------------------------------------------------
// A fake YooKassa on 127.0.0.1: checks Basic auth, records requests, deduplicates POST /payouts by
// Idempotence-Key like YooKassa (a known key answers with the payout it already holds).
// ---------------------------------------------------------------------------------------------

type Status = 'pending' | 'succeeded' | 'canceled';
type StoredPayout = {
  id: string;
  status: Status;
  amount: { value: string; currency: string };
  payout_destination: { type: string; phone: string; bank_id: string; recipient_checked: boolean };
  description: string;
  metadata: Record<string, string>;
  created_at: string;
  cancellation_details?: { party: string; reason: string };
  test: boolean;
};

type FakeState = IdempotentStore<StoredPayout> & {
  /** Status of a newly created payout. */
  initialStatus: Status;
  /** Where a pending payout goes once `pendingReads` GETs have answered `pending`. */
  finalStatus: 'succeeded' | 'canceled';
  pendingReads: number;
  cancelReason: string;
};

let fake: FakeState;

function fakeYooKassa(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = req.url ?? '';
  if (req.method === 'POST' && url === '/v3/payouts') {
    return replyCreated(fake, req, res, body, (json) => {
      const data = JSON.parse(json) as {
        amount: StoredPayout['amount'];
        payout_destination_data: { type: string; phone: string; bank_id: string };
        description: string;
        metadata: Record<string, string>;
      };
      const payout: StoredPayout = {
        id: `po-${randomUUID()}`,
        status: fake.initialStatus,
        amount: data.amount,
        payout_destination: { ...data.payout_destination_data, recipient_checked: false },
        description: data.description,
        metadata: data.metadata,
        created_at: new Date().toISOString(),
        test: true,
      };
      if (payout.status === 'canceled') payout.cancellation_details = { party: 'payout_network', reason: fake.cancelReason };
      return payout;
    });
  }
  const read = /^\/v3\/payouts\/([^/?]+)$/.exec(url);
  if (req.method === 'GET' && read) {
    const payout = fake.byId.get(decodeURIComponent(read[1] ?? ''));
    if (!payout) return replyError(res, 404, 'not_found', 'Payout not found');
    if (payout.status === 'pending') {
      if (fake.pendingReads > 0) fake.pendingReads -= 1;
      else {
        payout.status = fake.finalStatus;
        if (payout.status === 'canceled') payout.cancellation_details = { party: 'payout_network', reason: fake.cancelReason };
      }
    }
    return replyJson(res, payout);
  }
  if (req.method === 'GET' && url === '/v3/sbp_banks') {
    return replyJson(res, {
      type: 'list',
      items: [
        { bank_id: '100000000111', name: 'Сбербанк', bic: '044525225' },
        { bank_id: '100000000004', name: 'Т-Банк', bic: '044525974' },
      ],
    });
  }
  return replyError(res, 404, 'not_found', 'No such endpoint');
}

const server = useFakeYooKassa(BASIC, fakeYooKassa);
const { requests } = server;

let sleeps: number[] = [];

beforeEach(() => {
  sleeps = [];
  fake = {
    ...emptyStore<StoredPayout>(),
    initialStatus: 'succeeded',
    finalStatus: 'succeeded',
    pendingReads: 0,
    cancelReason: 'general_decline',
  };
});

function provider(extra: Partial<YooKassaPayoutsOptions> = {}) {
  return createYooKassaPayouts({
    agentId: AGENT_ID,
    secretKey: SECRET,
    baseUrl: `${server.origin}/v3`,
    pollDelaysMs: [10, 20, 30],
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
}

/** Asserts a YooKassaPayoutError with the given retryability that leaks no secret or full phone. */
function expectYooError(promise: Promise<unknown>, retryable: boolean, extraSecrets: string[] = []): Promise<YooKassaPayoutError> {
  return expectYooKassaError(promise, YooKassaPayoutError, retryable, [...NEVER_IN_MESSAGES, ...extraSecrets]);
}

function payoutObject(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'po-285c0ab7-0003-5000-9000-0e1166498fda',
    status: 'succeeded',
    amount: { value: '12345.67', currency: 'RUB' },
    payout_destination: { type: 'sbp', phone: DIGITS, bank_id: BANK, recipient_checked: false },
    description: `Loan disbursement ${LOAN_ID}`,
    created_at: '2026-01-01T10:00:00.000Z',
    metadata: { loan_id: LOAN_ID },
    test: false,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------

describe('amounts (kopecks ↔ "1234.56")', () => {
  it.each([
    [0, '0.00'],
    [1, '0.01'],
    [99, '0.99'],
    [100, '1.00'],
    [123_456, '1234.56'],
    [50_000_000, '500000.00'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('%i kopecks ↔ %s', (kopecks, value) => {
    expect(kopecksToAmount(kopecks)).toBe(value);
    expect(amountToKopecks(value)).toBe(kopecks);
  });

  it('round-trips every amount from 1 kopeck to 10^12 kopecks, matching exact integer arithmetic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 12 }), (kopecks) => {
        const value = kopecksToAmount(kopecks);
        expect(value).toMatch(/^\d{1,15}\.\d{2}$/);
        const big = BigInt(kopecks);
        expect(value).toBe(`${big / 100n}.${String(big % 100n).padStart(2, '0')}`);
        expect(amountToKopecks(value)).toBe(kopecks);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([-1, 1.5, 0.1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses %s kopecks', (kopecks) => {
    expect(() => kopecksToAmount(kopecks)).toThrow(RangeError);
  });

  it.each([
    '1e3',
    '1.005',
    '1.5',
    '1.0',
    '1',
    '.50',
    '1.',
    '',
    ' 1.00',
    '1.00 ',
    '-1.00',
    '+1.00',
    '1,00',
    '0x10.00',
    '1_000.00',
    '١.٠٠',
    '1234567890123456.00',
    '90071992547409.92',
    'NaN',
    'Infinity',
  ])('refuses the amount string %j', (value) => {
    expect(() => amountToKopecks(value)).toThrow(RangeError);
  });

  it('refuses every string that is not digits, a dot and two digits', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/^\d{1,15}\.\d{2}$/.test(s)),
        (value) => {
          expect(() => amountToKopecks(value)).toThrow(RangeError);
        },
      ),
    );
  });

  it('refuses non-strings', () => {
    expect(() => amountToKopecks(100 as unknown as string)).toThrow(RangeError);
    expect(() => amountToKopecks(null as unknown as string)).toThrow(RangeError);
  });
});

describe('payout', () => {
  it('sends the exact request YooKassa documents and maps succeeded', async () => {
    const result = await provider().payout(REQUEST);
    const stored = fake.byKey.get(LOAN_ID);
    expect(result).toEqual({ providerPayoutId: stored?.id, status: 'succeeded' });
    expect(result.providerPayoutId).toMatch(/^po-/);

    const request = expectOneYooKassaPost(requests, '/v3/payouts', BASIC, LOAN_ID);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      amount: { value: '12345.67', currency: 'RUB' },
      payout_destination_data: { type: 'sbp', phone: DIGITS, bank_id: BANK },
      description: `Loan disbursement ${LOAN_ID}`,
      metadata: { loan_id: LOAN_ID },
    });
    // The amount travels as a string, never as a JSON number.
    expect(request?.body).toContain('"value":"12345.67"');
  });

  it('after a 500 the retry sends the same Idempotence-Key and gets the same payout', async () => {
    fake.failPostsAfterStore = 1; // YooKassa created the payout but the answer was a 500
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toContain('HTTP 500');
    expect(error.message).toContain(MASKED);

    const result = await provider().payout(REQUEST);
    expect(result.status).toBe('succeeded');
    expect(requests.map((r) => [r.method, r.url, r.headers['idempotence-key']])).toEqual([
      ['POST', '/v3/payouts', LOAN_ID],
      ['POST', '/v3/payouts', LOAN_ID],
    ]);
    expect(requests[0]?.body).toBe(requests[1]?.body);
    expect(fake.created).toBe(1);
    expect(result.providerPayoutId).toBe(fake.byKey.get(LOAN_ID)?.id);
  });

  it('never creates a second payout for one key, sequentially or concurrently', async () => {
    const yookassa = provider();
    const first = await yookassa.payout(REQUEST);
    const again = await yookassa.payout(REQUEST);
    const parallel = await Promise.all([yookassa.payout(REQUEST), yookassa.payout(REQUEST), yookassa.payout(REQUEST)]);
    for (const result of [again, ...parallel]) expect(result).toEqual(first);
    expect(fake.created).toBe(1);
    expect(new Set(requests.map((r) => r.headers['idempotence-key']))).toEqual(new Set([LOAN_ID]));

    const other = await yookassa.payout({ ...REQUEST, idempotencyKey: 'another-loan-id' });
    expect(other.providerPayoutId).not.toBe(first.providerPayoutId);
    expect(fake.created).toBe(2);
  });

  it('polls a pending payout with GET and growing gaps until it succeeds', async () => {
    fake.initialStatus = 'pending';
    fake.pendingReads = 2;
    const result = await provider().payout(REQUEST);
    const id = fake.byKey.get(LOAN_ID)?.id ?? '';
    expect(result).toEqual({ providerPayoutId: id, status: 'succeeded' });
    expect(sleeps).toEqual([10, 20, 30]);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v3/payouts',
      `GET /v3/payouts/${id}`,
      `GET /v3/payouts/${id}`,
      `GET /v3/payouts/${id}`,
    ]);
    for (const get of requests.slice(1)) {
      expect(get.headers.authorization).toBe(BASIC);
      expect(get.headers['idempotence-key']).toBeUndefined();
      expect(get.body).toBe('');
    }
    expect(fake.created).toBe(1);
  });

  it('uses growing default gaps', async () => {
    fake.initialStatus = 'pending';
    fake.pendingReads = 10;
    await expectYooError(provider({ pollDelaysMs: undefined }).payout(REQUEST), true);
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < sleeps.length; i += 1) expect(sleeps[i]).toBeGreaterThan(sleeps[i - 1] ?? Infinity);
  });

  it('gives up on a payout still pending as retryable; the retry (same key) finds the same payout', async () => {
    fake.initialStatus = 'pending';
    fake.pendingReads = 100;
    const error = await expectYooError(provider().payout(REQUEST), true);
    const id = fake.byKey.get(LOAN_ID)?.id ?? '';
    expect(error.message).toContain('still pending after 3 status checks');
    expect(error.message).toContain(id);

    fake.pendingReads = 0;
    requests.length = 0;
    const result = await provider().payout(REQUEST);
    expect(result).toEqual({ providerPayoutId: id, status: 'succeeded' });
    expect(requests[0]?.headers['idempotence-key']).toBe(LOAN_ID);
    expect(fake.created).toBe(1);
  });

  it('maps canceled to failed with the cancellation reason', async () => {
    fake.initialStatus = 'canceled';
    fake.cancelReason = 'recipient_not_found';
    const result = await provider().payout(REQUEST);
    expect(result).toEqual({ providerPayoutId: fake.byKey.get(LOAN_ID)?.id, status: 'failed', failureReason: 'recipient_not_found' });
    expect(requests).toHaveLength(1);
  });

  it('maps pending then canceled (seen by GET) to failed with the reason', async () => {
    fake.initialStatus = 'pending';
    fake.finalStatus = 'canceled';
    fake.cancelReason = 'insufficient_funds';
    fake.pendingReads = 1;
    const result = await provider().payout(REQUEST);
    expect(result).toEqual({ providerPayoutId: fake.byKey.get(LOAN_ID)?.id, status: 'failed', failureReason: 'insufficient_funds' });
  });

  it.each([
    ['no cancellation_details', {}],
    ['a reason that is not a code', { cancellation_details: { party: 'yoo_money', reason: 'Call +79123456789 now' } }],
  ])('maps canceled with %s to failed, reason "unspecified"', async (_label, extra) => {
    server.override = (_req, res) => replyJson(res, payoutObject({ status: 'canceled', ...extra }));
    const result = await provider().payout(REQUEST);
    expect(result).toEqual({ providerPayoutId: 'po-285c0ab7-0003-5000-9000-0e1166498fda', status: 'failed', failureReason: 'unspecified' });
  });

  itAppliesYooKassaHttpRules({
    server,
    user: AGENT_ID,
    call: (options) => provider(options).payout(REQUEST),
    expectError: expectYooError,
    okBody: () => payoutObject(),
    maxResponseBytes: YOOKASSA_MAX_RESPONSE_BYTES,
    atLimit: [
      'accepts a reply just under the size limit',
      (promise) => expect(promise).resolves.toEqual({ providerPayoutId: 'po-285c0ab7-0003-5000-9000-0e1166498fda', status: 'succeeded' }),
    ],
    refusals: [403, 404, 405, 415, 422],
    notUtf8Body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
  });

  it('maps a 400 to a non-retryable error with the code and parameter, redacting the description', async () => {
    server.override = (_req, res) =>
      replyError(res, 400, 'invalid_request', `Phone ${DIGITS} is not valid, key ${SECRET}`, 'payout_destination_data.phone');
    const error = await expectYooError(provider().payout(REQUEST), false);
    expect(error.message).toContain('HTTP 400');
    expect(error.message).toContain('invalid_request');
    expect(error.message).toContain('parameter payout_destination_data.phone');
    expect(error.message).toContain('[number]');
    expect(error.message).toContain('[redacted]');
  });

  it.each([
    ['an array', []],
    ['an empty object', {}],
    ['an unknown status', payoutObject({ status: 'waiting_for_capture' })],
    ['a numeric amount', payoutObject({ amount: { value: 12345.67, currency: 'RUB' } })],
    ['an exponent amount', payoutObject({ amount: { value: '1e3', currency: 'RUB' } })],
    ['three decimals', payoutObject({ amount: { value: '12345.670', currency: 'RUB' } })],
    ['an id with a slash', payoutObject({ id: '../sbp_banks' })],
    ['an empty id', payoutObject({ id: '' })],
    ['no payout_destination', payoutObject({ payout_destination: undefined })],
    ['no status', payoutObject({ status: undefined })],
  ])('maps a payout with %s to a retryable invalid response', async (_label, payload) => {
    server.override = (_req, res) => replyJson(res, payload);
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toMatch(/invalid response/);
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['amount', { amount: { value: '12345.68', currency: 'RUB' } }],
    ['currency', { amount: { value: '12345.67', currency: 'USD' } }],
    ['destination type', { payout_destination: { type: 'bank_card' } }],
    ['bank', { payout_destination: { type: 'sbp', phone: DIGITS, bank_id: '100000000004' } }],
  ])('refuses (non-retryable) a payout for this key that differs in %s', async (what, extra) => {
    server.override = (_req, res) => replyJson(res, payoutObject(extra));
    const error = await expectYooError(provider().payout(REQUEST), false);
    expect(error.message).toContain(`differs in ${what}`);
  });

  it('treats any error while polling an existing payout as retryable (its outcome is unknown)', async () => {
    let calls = 0;
    server.override = (req, res) => {
      calls += 1;
      if (req.method === 'POST') return replyJson(res, payoutObject({ status: 'pending' }));
      return replyError(res, calls === 2 ? 404 : 400, 'not_found', 'Payout not found');
    };
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toContain('HTTP 404');
    expect(requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('treats a GET answering another payout as a retryable invalid response', async () => {
    server.override = (req, res) =>
      replyJson(res, req.method === 'POST' ? payoutObject({ status: 'pending' }) : payoutObject({ id: 'po-someone-else' }));
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toMatch(/another payout id/);
  });

  it.each<[string, Partial<PayoutRequest>]>([
    ['cash', { type: 'cash' }],
    ['no bank', { bankId: undefined }],
    ['a malformed bank id', { bankId: '1000/0000111' }],
    ['a too long bank id', { bankId: '1000000001110' }],
    ['a landline phone', { recipient: { phone: '+74951234567', fullName: 'X' } }],
    ['a phone without +7', { recipient: { phone: DIGITS, fullName: 'X' } }],
    ['a zero amount', { amountKopecks: 0 }],
    ['a negative amount', { amountKopecks: -100 }],
    ['a fractional amount', { amountKopecks: 100.5 }],
    ['a NaN amount', { amountKopecks: Number.NaN }],
    ['an unsafe amount', { amountKopecks: 2 ** 53 }],
    ['an empty key', { idempotencyKey: '' }],
    ['a too long key', { idempotencyKey: 'k'.repeat(65) }],
    ['a key with a space', { idempotencyKey: 'loan 1' }],
    ['a key with a newline', { idempotencyKey: 'loan\r\nX-Evil: 1' }],
    ['a non-ASCII key', { idempotencyKey: 'займ-1' }],
  ])('refuses %s without calling YooKassa (non-retryable)', async (_label, change) => {
    await expectYooError(provider().payout({ ...REQUEST, ...change }), false);
    expect(requests).toHaveLength(0);
  });

  it('says clearly that cash is not paid by YooKassa', async () => {
    const error = await expectYooError(provider().payout({ ...REQUEST, type: 'cash', bankId: undefined }), false);
    expect(error.message).toMatch(/cash.*not supported/);
  });
});

describe('sbpBanks', () => {
  it('lists the СБП participants', async () => {
    await expect(provider().sbpBanks()).resolves.toEqual([
      { id: '100000000111', name: 'Сбербанк' },
      { id: '100000000004', name: 'Т-Банк' },
    ]);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url).toBe('/v3/sbp_banks');
    expect(requests[0]?.headers.authorization).toBe(BASIC);
    expect(requests[0]?.headers['idempotence-key']).toBeUndefined();
  });

  it.each([
    ['another type', { type: 'payout', items: [] }],
    ['no items', { type: 'list' }],
    ['a bank id longer than 12', { type: 'list', items: [{ bank_id: '1000000001110', name: 'X', bic: '044525225' }] }],
    ['an empty name', { type: 'list', items: [{ bank_id: '100000000111', name: ' ', bic: '044525225' }] }],
    ['a numeric bank id', { type: 'list', items: [{ bank_id: 100000000111, name: 'X', bic: '044525225' }] }],
  ])('maps a list with %s to a retryable invalid response', async (_label, payload) => {
    server.override = (_req, res) => replyJson(res, payload);
    const error = await expectYooError(provider().sbpBanks(), true);
    expect(error.message).toMatch(/invalid response/);
  });

  it('maps 401 to non-retryable and 500 to retryable', async () => {
    await expectYooError(provider({ secretKey: 'wrong_Secret-Value-12345' }).sbpBanks(), false, ['wrong_Secret-Value-12345']);
    server.override = (_req, res) => replyError(res, 500, 'internal_server_error', 'oops');
    await expectYooError(provider().sbpBanks(), true);
  });
});

describe('sbpRecipientName', () => {
  it('is not supported: a non-retryable ProviderError, no request', async () => {
    const error = await expectYooError(provider().sbpRecipientName(PHONE, BANK), false);
    expect(error.message).toMatch(/not supported/);
    expect(error.message).toContain('recipient_check_failed');
    expect(requests).toHaveLength(0);
  });
});

describe('configuration', () => {
  it('is named yookassa', () => {
    expect(provider().name).toBe('yookassa');
  });

  it('validates its options without echoing the secret', () => {
    expect(() => createYooKassaPayouts({ agentId: '', secretKey: SECRET })).toThrow(/agentId/);
    expect(() => createYooKassaPayouts({ agentId: 'a:b', secretKey: SECRET })).toThrow(/agentId/);
    expect(() => createYooKassaPayouts({ agentId: AGENT_ID, secretKey: '' })).toThrow(/secretKey/);
    expect(() => createYooKassaPayouts({ agentId: AGENT_ID, secretKey: SECRET, baseUrl: 'http://api.yookassa.ru/v3' })).toThrow(/https/);
    expect(() => createYooKassaPayouts({ agentId: AGENT_ID, secretKey: SECRET, baseUrl: 'https://u:p@api.yookassa.ru/v3' })).toThrow(
      /credentials/,
    );
    expect(() => createYooKassaPayouts({ agentId: AGENT_ID, secretKey: SECRET, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createYooKassaPayouts({ agentId: AGENT_ID, secretKey: SECRET, pollDelaysMs: [1, -1] })).toThrow(/pollDelaysMs/);
    try {
      createYooKassaPayouts({ agentId: AGENT_ID, secretKey: SECRET, baseUrl: 'nonsense' });
    } catch (error) {
      expect(String(error)).not.toContain(SECRET);
    }
  });

  it('defaults to https://api.yookassa.ru/v3', async () => {
    const urls: string[] = [];
    const fetchImpl = (async (input: string | URL | Request) => {
      urls.push(String(input));
      return new Response(JSON.stringify({ type: 'list', items: [] }), { status: 200 });
    }) as typeof fetch;
    await createYooKassaPayouts({ agentId: AGENT_ID, secretKey: SECRET, fetchImpl }).sbpBanks();
    expect(urls).toEqual(['https://api.yookassa.ru/v3/sbp_banks']);
  });
});
