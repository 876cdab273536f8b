import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import { replyJson, type FakeHandler, type FakeHttpServer } from '../../testing/fake-http-server';
import {
  emptyStore,
  expectYooKassaError,
  expectYooKassaPost,
  itAppliesYooKassaHttpRules,
  replyCreated,
  replyError,
  useFakeYooKassa,
  type IdempotentStore,
} from '../../testing/fake-yookassa';
import { isIdempotenceKey } from '../yookassa-common';
import type { PayoutRequest, PersonName } from './port';
import {
  amountToKopecks,
  createYooKassaPayouts,
  kopecksToAmount,
  personalDataIdempotenceKey,
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
const NAME: PersonName = { lastName: 'Иванов', firstName: 'Иван', middleName: 'Иванович' };
const PD_KEY = `${LOAN_ID}-pd`;
const REQUEST: PayoutRequest = {
  idempotencyKey: LOAN_ID,
  type: 'sbp',
  amountKopecks: 1_234_567,
  recipient: { phone: PHONE, fullName: 'Иванов Иван Иванович', name: NAME },
  bankId: BANK,
};
/** What the personal data request for NAME carries. */
const NAME_FIELDS = { last_name: 'Иванов', first_name: 'Иван', middle_name: 'Иванович' };
const NEVER_IN_MESSAGES = [SECRET, BASIC, BASIC.slice('Basic '.length), DIGITS, PHONE, 'Иванов', 'Иван', 'Иванович', 'ИВАН', 'иван'];
const PAYOUT_ID = 'po-285c0ab7-0003-5000-9000-0e1166498fda';
const PD_ID = 'pd-22e12f66-000f-5000-8000-18db351245c7';

// ---------------------------------------------------------------------------------------------
// A fake YooKassa on 127.0.0.1: checks Basic auth, records requests, deduplicates POST /payouts and
// POST /personal_data by Idempotence-Key like YooKassa (a known key answers with the object it
// already holds). A payout must reference a saved, not canceled personal data record; the fake
// compares its name with the account holder's (`holder`) and cancels the payout with
// `recipient_check_failed` when they differ, like YooKassa's recipient check.
// ---------------------------------------------------------------------------------------------

type RecipientFields = { last_name: string; first_name: string; middle_name?: string };

type StoredPersonalData = {
  id: string;
  type: string;
  status: 'waiting_for_operation' | 'active' | 'canceled';
  cancellation_details?: { party: string; reason: string };
  created_at: string;
  expires_at?: string;
};

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
  /** Status of a newly created payout whose recipient check passed. */
  initialStatus: Status;
  /** Where a pending payout goes once `pendingReads` GETs have answered `pending`. */
  finalStatus: 'succeeded' | 'canceled';
  pendingReads: number;
  cancelReason: string;
  /** The saved personal data, by Idempotence-Key and id; the names they hold (never in a reply). */
  personal: IdempotentStore<StoredPersonalData>;
  names: Map<string, RecipientFields>;
  /** Status of a newly saved personal data record. */
  personalStatus: StoredPersonalData['status'];
  /** The holder of the account behind the phone, as NSPK reports it. */
  holder: RecipientFields;
};

let fake: FakeState;

/** Names compared as a person would: case and е/ё ignored. */
function sameName(a: RecipientFields, b: RecipientFields): boolean {
  const norm = (text: string | undefined) => (text ?? '').toLowerCase().replace(/ё/g, 'е');
  return norm(a.last_name) === norm(b.last_name) && norm(a.first_name) === norm(b.first_name) && norm(a.middle_name) === norm(b.middle_name);
}

function fakeYooKassa(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = req.url ?? '';
  if (req.method === 'POST' && url === '/v3/personal_data') {
    return replyCreated(fake.personal, req, res, body, (json) => {
      const data = JSON.parse(json) as { type?: unknown } & Partial<RecipientFields>;
      if (data.type !== 'sbp_payout_recipient') return 'type is not supported';
      if (typeof data.last_name !== 'string' || typeof data.first_name !== 'string') return 'last_name and first_name are required';
      const record: StoredPersonalData = {
        id: `pd-${randomUUID()}`,
        type: data.type,
        status: fake.personalStatus,
        created_at: new Date().toISOString(),
      };
      if (record.status === 'canceled') record.cancellation_details = { party: 'yoo_money', reason: 'expired_by_timeout' };
      fake.names.set(record.id, {
        last_name: data.last_name,
        first_name: data.first_name,
        ...(data.middle_name === undefined ? {} : { middle_name: data.middle_name }),
      });
      return record;
    });
  }
  if (req.method === 'POST' && url === '/v3/payouts') {
    return replyCreated(fake, req, res, body, (json) => {
      const data = JSON.parse(json) as {
        amount: StoredPayout['amount'];
        payout_destination_data: { type: string; phone: string; bank_id: string };
        personal_data?: { id: string }[];
        description: string;
        metadata: Record<string, string>;
      };
      const record = fake.personal.byId.get(data.personal_data?.[0]?.id ?? '');
      const name = fake.names.get(record?.id ?? '');
      if (!record || !name || data.personal_data?.length !== 1) return 'personal_data must reference one saved record';
      if (record.status === 'canceled') return 'personal_data is canceled';
      record.status = 'active';
      record.expires_at = new Date(Date.now() + 86_400_000).toISOString();
      const checked = sameName(name, fake.holder);
      const payout: StoredPayout = {
        id: `po-${randomUUID()}`,
        status: checked ? fake.initialStatus : 'canceled',
        amount: data.amount,
        payout_destination: { ...data.payout_destination_data, recipient_checked: true },
        description: data.description,
        metadata: data.metadata,
        created_at: new Date().toISOString(),
        test: true,
      };
      if (!checked) payout.cancellation_details = { party: 'yoo_money', reason: 'recipient_check_failed' };
      else if (payout.status === 'canceled') payout.cancellation_details = { party: 'payout_network', reason: fake.cancelReason };
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

/** This test's handler for the requests to URLs starting with `prefix`; the fake answers the others. */
function overrideOn(prefix: string, handler: FakeHandler): void {
  server.override = (req, res, body) => ((req.url ?? '').startsWith(prefix) ? handler(req, res, body) : fakeYooKassa(req, res, body));
}
const onPayouts = (handler: FakeHandler) => overrideOn('/v3/payouts', handler);
const onPersonalData = (handler: FakeHandler) => overrideOn('/v3/personal_data', handler);

/**
 * The fake server as seen by one endpoint, for the shared HTTP rules: a test's override answers only
 * the requests to `url` (the fake answers the others) and only those requests are listed.
 */
function serverFor(url: string): FakeHttpServer {
  return {
    get origin() {
      return server.origin;
    },
    get requests() {
      return server.requests.filter((request) => request.url === url);
    },
    get override() {
      return server.override;
    },
    set override(handler: FakeHandler | undefined) {
      server.override = handler && overrideOnly(url, handler);
    },
    later: (res, ms, then) => server.later(res, ms, then),
  };
}

function overrideOnly(url: string, handler: FakeHandler): FakeHandler {
  return (req, res, body) => (req.url === url ? handler(req, res, body) : fakeYooKassa(req, res, body));
}

const urls = () => requests.map((r) => `${r.method} ${r.url}`);
const payoutPosts = () => requests.filter((r) => r.method === 'POST' && r.url === '/v3/payouts');
const personalDataPosts = () => requests.filter((r) => r.method === 'POST' && r.url === '/v3/personal_data');

let sleeps: number[] = [];

beforeEach(() => {
  sleeps = [];
  fake = {
    ...emptyStore<StoredPayout>(),
    initialStatus: 'succeeded',
    finalStatus: 'succeeded',
    pendingReads: 0,
    cancelReason: 'general_decline',
    personal: emptyStore<StoredPersonalData>(),
    names: new Map(),
    personalStatus: 'waiting_for_operation',
    holder: { ...NAME_FIELDS },
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

function personalDataObject(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: PD_ID,
    type: 'sbp_payout_recipient',
    status: 'waiting_for_operation',
    created_at: '2026-01-01T09:59:59.000Z',
    ...extra,
  };
}

/** A personal data record the fake holds as if saved for NAME (when a test answers for YooKassa). */
function holdPersonalData(record: Record<string, unknown>): Record<string, unknown> {
  fake.personal.byId.set(String(record.id), record as StoredPersonalData);
  fake.names.set(String(record.id), { ...NAME_FIELDS });
  return record;
}

function payoutObject(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: PAYOUT_ID,
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
  it('is checked at payout time, not by a name lookup', () => {
    expect(provider().sbpRecipientCheck).toBe('at_payout');
    expect(provider().types).toEqual(['sbp']);
  });

  it('saves the name as personal data, then sends the exact payout YooKassa documents, and maps succeeded', async () => {
    const result = await provider().payout(REQUEST);
    const stored = fake.byKey.get(LOAN_ID);
    expect(result).toEqual({ providerPayoutId: stored?.id, status: 'succeeded' });
    expect(result.providerPayoutId).toMatch(/^po-/);

    expect(requests).toHaveLength(2);
    const saved = expectYooKassaPost(requests[0], '/v3/personal_data', BASIC, PD_KEY);
    expect(JSON.parse(saved?.body ?? '')).toEqual({ type: 'sbp_payout_recipient', ...NAME_FIELDS });
    const record = fake.personal.byKey.get(PD_KEY);
    expect(record?.id).toMatch(/^pd-/);

    const request = expectYooKassaPost(requests[1], '/v3/payouts', BASIC, LOAN_ID);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      amount: { value: '12345.67', currency: 'RUB' },
      payout_destination_data: { type: 'sbp', phone: DIGITS, bank_id: BANK },
      personal_data: [{ id: record?.id }],
      description: `Loan disbursement ${LOAN_ID}`,
      metadata: { loan_id: LOAN_ID },
    });
    // The amount travels as a string, never as a JSON number; the name never goes into the payout.
    expect(request?.body).toContain('"value":"12345.67"');
    for (const part of ['Иванов', 'Иван']) expect(request?.body).not.toContain(part);
    expect(fake.personal.created).toBe(1);
    expect(record?.status).toBe('active');
  });

  it('after a 500 the retry sends the same Idempotence-Keys and gets the same personal data and payout', async () => {
    fake.failPostsAfterStore = 1; // YooKassa created the payout but the answer was a 500
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toContain('HTTP 500');
    expect(error.message).toContain(MASKED);

    const result = await provider().payout(REQUEST);
    expect(result.status).toBe('succeeded');
    expect(requests.map((r) => [r.method, r.url, r.headers['idempotence-key']])).toEqual([
      ['POST', '/v3/personal_data', PD_KEY],
      ['POST', '/v3/payouts', LOAN_ID],
      ['POST', '/v3/personal_data', PD_KEY],
      ['POST', '/v3/payouts', LOAN_ID],
    ]);
    expect(requests[0]?.body).toBe(requests[2]?.body);
    expect(requests[1]?.body).toBe(requests[3]?.body);
    expect(fake.created).toBe(1);
    expect(fake.personal.created).toBe(1);
    expect(result.providerPayoutId).toBe(fake.byKey.get(LOAN_ID)?.id);
  });

  it('after a 500 on the personal data the retry reuses its key and record; no payout before it is saved', async () => {
    fake.personal.failPostsAfterStore = 1; // YooKassa saved the record but the answer was a 500
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toContain('HTTP 500');
    expect(error.message).toContain(`personal data for payout to ${MASKED}`);
    expect(urls()).toEqual(['POST /v3/personal_data']);
    expect(fake.created).toBe(0);

    const result = await provider().payout(REQUEST);
    expect(result.status).toBe('succeeded');
    const saves = personalDataPosts();
    expect(saves.map((r) => r.headers['idempotence-key'])).toEqual([PD_KEY, PD_KEY]);
    expect(saves[0]?.body).toBe(saves[1]?.body);
    expect(fake.personal.created).toBe(1);
    expect(JSON.parse(payoutPosts()[0]?.body ?? '')).toMatchObject({ personal_data: [{ id: fake.personal.byKey.get(PD_KEY)?.id }] });
  });

  it('never creates a second payout or personal data record for one key, sequentially or concurrently', async () => {
    const yookassa = provider();
    const first = await yookassa.payout(REQUEST);
    const again = await yookassa.payout(REQUEST);
    const parallel = await Promise.all([yookassa.payout(REQUEST), yookassa.payout(REQUEST), yookassa.payout(REQUEST)]);
    for (const result of [again, ...parallel]) expect(result).toEqual(first);
    expect(fake.created).toBe(1);
    expect(fake.personal.created).toBe(1);
    expect(new Set(payoutPosts().map((r) => r.headers['idempotence-key']))).toEqual(new Set([LOAN_ID]));
    expect(new Set(personalDataPosts().map((r) => r.headers['idempotence-key']))).toEqual(new Set([PD_KEY]));
    const ids = new Set(payoutPosts().map((r) => (JSON.parse(r.body) as { personal_data: { id: string }[] }).personal_data[0]?.id));
    expect(ids).toEqual(new Set([fake.personal.byKey.get(PD_KEY)?.id]));

    const other = await yookassa.payout({ ...REQUEST, idempotencyKey: 'another-loan-id' });
    expect(other.providerPayoutId).not.toBe(first.providerPayoutId);
    expect(fake.created).toBe(2);
    expect(fake.personal.created).toBe(2);
    expect(personalDataPosts().at(-1)?.headers['idempotence-key']).toBe('another-loan-id-pd');
  });

  it('parallel first calls with one key save one personal data record and make one payout', async () => {
    const yookassa = provider();
    const results = await Promise.all(Array.from({ length: 5 }, () => yookassa.payout(REQUEST)));
    for (const result of results) expect(result).toEqual(results[0]);
    expect(fake.personal.created).toBe(1);
    expect(fake.created).toBe(1);
    expect(personalDataPosts()).toHaveLength(5);
  });

  it.each([
    ['a 36-character key', LOAN_ID, `${LOAN_ID}-pd`],
    ['a 61-character key', 'k'.repeat(61), `${'k'.repeat(61)}-pd`],
  ])('derives the personal data key from %s as key-pd', (_label, key, expected) => {
    expect(personalDataIdempotenceKey(key)).toBe(expected);
  });

  it('derives a personal data key within the limit from a key too long for key-pd, the same on every retry', async () => {
    const longKeys = ['k'.repeat(62), 'k'.repeat(64), `${'k'.repeat(63)}x`];
    const derived = longKeys.map(personalDataIdempotenceKey);
    for (const key of derived) {
      expect(key).toMatch(/^pd-[0-9a-f]{61}$/);
      expect(isIdempotenceKey(key)).toBe(true);
    }
    expect(new Set(derived).size).toBe(3);

    const request = { ...REQUEST, idempotencyKey: 'k'.repeat(64) };
    await provider().payout(request);
    await provider().payout(request);
    expect(personalDataPosts().map((r) => r.headers['idempotence-key'])).toEqual([derived[1], derived[1]]);
    expect(fake.personal.created).toBe(1);
    expect(fake.created).toBe(1);
  });

  it('polls a pending payout with GET and growing gaps until it succeeds', async () => {
    fake.initialStatus = 'pending';
    fake.pendingReads = 2;
    const result = await provider().payout(REQUEST);
    const id = fake.byKey.get(LOAN_ID)?.id ?? '';
    expect(result).toEqual({ providerPayoutId: id, status: 'succeeded' });
    expect(sleeps).toEqual([10, 20, 30]);
    expect(urls()).toEqual([
      'POST /v3/personal_data',
      'POST /v3/payouts',
      `GET /v3/payouts/${id}`,
      `GET /v3/payouts/${id}`,
      `GET /v3/payouts/${id}`,
    ]);
    for (const get of requests.slice(2)) {
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

  it('gives up on a payout still pending as retryable; the retry (same keys) finds the same payout', async () => {
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
    expect(requests[0]?.headers['idempotence-key']).toBe(PD_KEY);
    expect(requests[1]?.headers['idempotence-key']).toBe(LOAN_ID);
    expect(fake.created).toBe(1);
    // The record was used by the payout: the retry gets it back `active` and goes on.
    expect(fake.personal.byKey.get(PD_KEY)?.status).toBe('active');
    expect(fake.personal.created).toBe(1);
  });

  it('maps canceled to failed with the cancellation reason', async () => {
    fake.initialStatus = 'canceled';
    fake.cancelReason = 'recipient_not_found';
    const result = await provider().payout(REQUEST);
    expect(result).toEqual({ providerPayoutId: fake.byKey.get(LOAN_ID)?.id, status: 'failed', failureReason: 'recipient_not_found' });
    expect(requests).toHaveLength(2);
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
    onPayouts((_req, res) => replyJson(res, payoutObject({ status: 'canceled', ...extra })));
    const result = await provider().payout(REQUEST);
    expect(result).toEqual({ providerPayoutId: PAYOUT_ID, status: 'failed', failureReason: 'unspecified' });
  });

  describe('under the shared HTTP rules, POST /personal_data', () => {
    itAppliesYooKassaHttpRules({
      server: serverFor('/v3/personal_data'),
      user: AGENT_ID,
      call: (options) => provider(options).payout(REQUEST),
      expectError: expectYooError,
      okBody: () => holdPersonalData(personalDataObject()),
      maxResponseBytes: YOOKASSA_MAX_RESPONSE_BYTES,
      atLimit: [
        'accepts a reply just under the size limit',
        async (promise) => {
          await expect(promise).resolves.toMatchObject({ status: 'succeeded' });
          expect(JSON.parse(payoutPosts()[0]?.body ?? '')).toMatchObject({ personal_data: [{ id: PD_ID }] });
        },
      ],
      refusals: [400, 403, 404, 405, 415, 422],
      notUtf8Body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    });
  });

  describe('under the shared HTTP rules, POST /payouts', () => {
    itAppliesYooKassaHttpRules({
      server: serverFor('/v3/payouts'),
      user: AGENT_ID,
      call: (options) => provider(options).payout(REQUEST),
      expectError: expectYooError,
      okBody: () => payoutObject(),
      maxResponseBytes: YOOKASSA_MAX_RESPONSE_BYTES,
      atLimit: [
        'accepts a reply just under the size limit',
        (promise) => expect(promise).resolves.toEqual({ providerPayoutId: PAYOUT_ID, status: 'succeeded' }),
      ],
      refusals: [403, 404, 405, 415, 422],
      notUtf8Body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    });
  });

  it('maps a 400 to a non-retryable error with the code and parameter, redacting the description', async () => {
    onPayouts((_req, res) =>
      replyError(res, 400, 'invalid_request', `Phone ${DIGITS} is not valid, key ${SECRET}`, 'payout_destination_data.phone'),
    );
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
    onPayouts((_req, res) => replyJson(res, payload));
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toMatch(/invalid response/);
    expect(urls()).toEqual(['POST /v3/personal_data', 'POST /v3/payouts']);
  });

  it.each([
    ['amount', { amount: { value: '12345.68', currency: 'RUB' } }],
    ['currency', { amount: { value: '12345.67', currency: 'USD' } }],
    ['destination type', { payout_destination: { type: 'bank_card' } }],
    ['bank', { payout_destination: { type: 'sbp', phone: DIGITS, bank_id: '100000000004' } }],
  ])('refuses (non-retryable) a payout for this key that differs in %s', async (what, extra) => {
    onPayouts((_req, res) => replyJson(res, payoutObject(extra)));
    const error = await expectYooError(provider().payout(REQUEST), false);
    expect(error.message).toContain(`differs in ${what}`);
  });

  it('treats any error while polling an existing payout as retryable (its outcome is unknown)', async () => {
    let calls = 0;
    onPayouts((req, res) => {
      calls += 1;
      if (req.method === 'POST') return replyJson(res, payoutObject({ status: 'pending' }));
      return replyError(res, calls === 2 ? 404 : 400, 'not_found', 'Payout not found');
    });
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toContain('HTTP 404');
    expect(requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
  });

  it('treats a GET answering another payout as a retryable invalid response', async () => {
    onPayouts((req, res) => replyJson(res, req.method === 'POST' ? payoutObject({ status: 'pending' }) : payoutObject({ id: 'po-someone-else' })));
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toMatch(/another payout id/);
  });

  it.each<[string, Partial<PayoutRequest>]>([
    ['cash', { type: 'cash' }],
    ['no bank', { bankId: undefined }],
    ['a malformed bank id', { bankId: '1000/0000111' }],
    ['a too long bank id', { bankId: '1000000001110' }],
    ['a landline phone', { recipient: { phone: '+74951234567', fullName: 'Иванов Иван Иванович', name: NAME } }],
    ['a phone without +7', { recipient: { phone: DIGITS, fullName: 'Иванов Иван Иванович', name: NAME } }],
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

describe('payout: the recipient check', () => {
  it('maps a payout canceled by the recipient check to failed, reason recipient_check_failed', async () => {
    fake.holder = { last_name: 'Петров', first_name: 'Пётр', middle_name: 'Петрович' };
    const result = await provider().payout(REQUEST);
    expect(result).toEqual({ providerPayoutId: fake.byKey.get(LOAN_ID)?.id, status: 'failed', failureReason: 'recipient_check_failed' });
    expect(urls()).toEqual(['POST /v3/personal_data', 'POST /v3/payouts']);
  });

  it('maps a recipient check failure seen by GET to failed, reason recipient_check_failed', async () => {
    fake.initialStatus = 'pending';
    fake.finalStatus = 'canceled';
    fake.cancelReason = 'recipient_check_failed';
    fake.pendingReads = 1;
    const result = await provider().payout(REQUEST);
    expect(result).toEqual({ providerPayoutId: fake.byKey.get(LOAN_ID)?.id, status: 'failed', failureReason: 'recipient_check_failed' });
  });

  it('keeps the reason exactly as YooKassa names it, whatever the party', async () => {
    onPayouts((_req, res) =>
      replyJson(res, payoutObject({ status: 'canceled', cancellation_details: { party: 'payout_network', reason: 'recipient_check_failed' } })),
    );
    const result = await provider().payout(REQUEST);
    expect(result).toEqual({ providerPayoutId: PAYOUT_ID, status: 'failed', failureReason: 'recipient_check_failed' });
  });

  it('passes when the holder is the borrower (the fake ignores case and е/ё, like a person would)', async () => {
    fake.holder = { last_name: 'ИВАНОВ', first_name: 'иван', middle_name: 'Иванович' };
    await expect(provider().payout(REQUEST)).resolves.toMatchObject({ status: 'succeeded' });
  });

  it.each<[string, PersonName, Record<string, string>]>([
    ['no patronymic', { lastName: 'Иванов', firstName: 'Иван' }, { last_name: 'Иванов', first_name: 'Иван' }],
    ['an empty patronymic', { lastName: 'Иванов', firstName: 'Иван', middleName: '  ' }, { last_name: 'Иванов', first_name: 'Иван' }],
    ['spaces around the parts', { lastName: ' Иванов ', firstName: '\tИван', middleName: 'Иванович ' }, NAME_FIELDS],
    [
      'decomposed letters (NFD)',
      { lastName: 'Соловьёв'.normalize('NFD'), firstName: 'Андрей'.normalize('NFD') },
      { last_name: 'Соловьёв', first_name: 'Андрей' },
    ],
    [
      'hyphens, spaces and dashes',
      { lastName: 'Петрова-Водкина', firstName: 'Анна Мария', middleName: 'Оглы\u2013Мамед' },
      { last_name: 'Петрова-Водкина', first_name: 'Анна Мария', middle_name: 'Оглы\u2013Мамед' },
    ],
    ['Latin letters', { lastName: 'Smith', firstName: 'John' }, { last_name: 'Smith', first_name: 'John' }],
    [
      'the longest parts',
      { lastName: 'Ф'.repeat(200), firstName: 'И'.repeat(100), middleName: 'О'.repeat(200) },
      { last_name: 'Ф'.repeat(200), first_name: 'И'.repeat(100), middle_name: 'О'.repeat(200) },
    ],
  ])('sends a name with %s as YooKassa expects it', async (_label, name, fields) => {
    const last = fields.last_name ?? '';
    const first = fields.first_name ?? '';
    fake.holder = { last_name: last, first_name: first, ...(fields.middle_name ? { middle_name: fields.middle_name } : {}) };
    const result = await provider().payout({ ...REQUEST, recipient: { ...REQUEST.recipient, name } });
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(personalDataPosts()[0]?.body ?? '')).toEqual({ type: 'sbp_payout_recipient', ...fields });
  });

  it.each<[string, unknown]>([
    ['no name', undefined],
    ['a name that is not an object', 'Иванов Иван Иванович'],
    ['no last name', { firstName: 'Иван', middleName: 'Иванович' }],
    ['an empty last name', { lastName: '', firstName: 'Иван' }],
    ['a blank first name', { lastName: 'Иванов', firstName: '   ' }],
    ['a first name that is not text', { lastName: 'Иванов', firstName: 42 }],
    ['a middle name that is not text', { lastName: 'Иванов', firstName: 'Иван', middleName: ['Иванович'] }],
    ['digits in the last name', { lastName: 'Иванов2', firstName: 'Иван' }],
    ['an apostrophe', { lastName: "Д'Иванов", firstName: 'Иван' }],
    ['a dot', { lastName: 'Иванов', firstName: 'Иван.' }],
    ['a leading hyphen', { lastName: '-Иванов', firstName: 'Иван' }],
    ['a control character', { lastName: 'Иванов', firstName: 'Иван\nX' }],
    ['a letter of another script', { lastName: 'Иванов', firstName: 'Ιβαν' }],
    ['markup in the patronymic', { lastName: 'Иванов', firstName: 'Иван', middleName: '<Иванович>' }],
    ['a last name over 200 characters', { lastName: 'Ф'.repeat(201), firstName: 'Иван' }],
    ['a first name over 100 characters', { lastName: 'Иванов', firstName: 'И'.repeat(101) }],
    ['a patronymic over 200 characters', { lastName: 'Иванов', firstName: 'Иван', middleName: 'О'.repeat(201) }],
  ])('refuses %s without calling YooKassa (non-retryable), never repeating it', async (_label, name) => {
    const recipient = { ...REQUEST.recipient, name: name as PersonName };
    const error = await expectYooError(provider().payout({ ...REQUEST, recipient }), false, ['Ф'.repeat(20), 'И'.repeat(20), 'О'.repeat(20)]);
    expect(error.message).toMatch(/recipient (name|last name|first name|middle name)/);
    expect(requests).toHaveLength(0);
  });

  it.each<[string, FakeHandler, boolean, RegExp]>([
    ['HTTP 500', (_req, res) => replyError(res, 500, 'internal_server_error', 'oops'), true, /HTTP 500/],
    ['HTTP 503', (_req, res) => replyError(res, 503, 'internal_server_error', 'oops'), true, /HTTP 503/],
    ['HTTP 429', (_req, res) => replyError(res, 429, 'too_many_requests', 'slow down'), true, /HTTP 429/],
    ['HTTP 400', (_req, res) => replyError(res, 400, 'invalid_request', 'bad last_name', 'last_name'), false, /HTTP 400.*parameter last_name/],
    ['HTTP 403', (_req, res) => replyError(res, 403, 'forbidden', 'personal data is not enabled'), false, /HTTP 403/],
    [
      'a canceled record',
      (_req, res) => replyJson(res, personalDataObject({ status: 'canceled', cancellation_details: { party: 'yoo_money', reason: 'expired_by_timeout' } })),
      false,
      new RegExp(`record ${PD_ID} is canceled \\(expired_by_timeout\\)`),
    ],
    [
      'a canceled record without details',
      (_req, res) => replyJson(res, personalDataObject({ status: 'canceled' })),
      false,
      /is canceled \(unspecified\)/,
    ],
    [
      'a record of another type',
      (_req, res) => replyJson(res, personalDataObject({ type: 'payout_statement_recipient' })),
      false,
      /differs in type/,
    ],
    ['an unknown status', (_req, res) => replyJson(res, personalDataObject({ status: 'pending' })), true, /invalid response/],
    ['an id with a slash', (_req, res) => replyJson(res, personalDataObject({ id: '../payouts' })), true, /invalid response/],
    ['no id', (_req, res) => replyJson(res, personalDataObject({ id: undefined })), true, /invalid response/],
    ['a payout object', (_req, res) => replyJson(res, payoutObject()), true, /invalid response/],
  ])('creates no payout when saving the name fails: %s', async (_label, handler, retryable, message) => {
    onPersonalData(handler);
    const error = await expectYooError(provider().payout(REQUEST), retryable);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`personal data for payout to ${MASKED}`);
    expect(urls()).toEqual(['POST /v3/personal_data']);
    expect(fake.created).toBe(0);
  });

  it('creates no payout when saving the name times out (retryable)', async () => {
    onPersonalData((_req, res) => server.later(res, 2000, () => replyJson(res, personalDataObject())));
    const error = await expectYooError(provider({ timeoutMs: 200 }).payout(REQUEST), true);
    expect(error.message).toMatch(/personal data for payout .* no answer within 200 ms/);
    expect(urls()).toEqual(['POST /v3/personal_data']);
    expect(fake.created).toBe(0);
  });

  it('goes on with a record already active (saved and used by this payout before)', async () => {
    onPersonalData((_req, res) => replyJson(res, holdPersonalData(personalDataObject({ status: 'active', expires_at: '2027-01-01T00:00:00.000Z' }))));
    await expect(provider().payout(REQUEST)).resolves.toMatchObject({ status: 'succeeded' });
    expect(JSON.parse(payoutPosts()[0]?.body ?? '')).toMatchObject({ personal_data: [{ id: PD_ID }] });
  });

  it('never repeats the name from YooKassa’s error text, in any case or with е/ё', async () => {
    const echo = 'Name ИВАНОВ Иван Иванович (иванов иван иванович, ИВАНОВИЧ) is not valid';
    onPersonalData((_req, res) => replyError(res, 400, 'invalid_request', echo, 'last_name'));
    const saving = await expectYooError(provider().payout(REQUEST), false, ['ИВАНОВ', 'иванов', 'ИВАНОВИЧ', 'иванович']);
    expect(saving.message).toContain('parameter last_name');
    expect(saving.message).toContain('[redacted]');

    onPayouts((_req, res) => replyError(res, 400, 'invalid_request', `Recipient Иванов Иван for ${DIGITS}`));
    const paying = await expectYooError(provider().payout(REQUEST), false);
    expect(paying.message).toContain('Recipient [redacted] [redacted] for [number]');

    const named = { ...REQUEST, recipient: { ...REQUEST.recipient, name: { lastName: 'Семёнова', firstName: 'Алёна' } } };
    onPersonalData((_req, res) => replyError(res, 500, 'internal_server_error', 'SEMENOVA: Семенова Алена failed'));
    const yo = await expectYooError(provider().payout(named), true, ['Семёнова', 'Семенова', 'Алёна', 'Алена']);
    expect(yo.message).toContain('SEMENOVA: [redacted] [redacted] failed');
  });

  it('never repeats the name when polling fails', async () => {
    onPayouts((req, res) =>
      req.method === 'POST' ? replyJson(res, payoutObject({ status: 'pending' })) : replyError(res, 404, 'not_found', 'Payout of Иванов Иван not found'),
    );
    const error = await expectYooError(provider().payout(REQUEST), true);
    expect(error.message).toContain('Payout of [redacted] [redacted] not found');
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
