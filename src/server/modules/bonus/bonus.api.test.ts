import { describe, expect, it } from 'vitest';
import { DAY_MS, SECOND_MS } from '../../../core/clock';
import { activeLoan, customerClient, questionnaire } from '../../testing/applicant';
import { lastCodeFor, login, runJobs, useTestSystem } from '../../testing/test-system';
import { cryptoRandom } from '../../random';
import { ledgerProblems } from '../ledger/ledger.service';
import * as repo from './bonus.repo';
import { bonusBalance, bonusProblems, earnForRepayment, expirePoints } from './bonus.service';

const system = useTestSystem();
type Api = ReturnType<typeof customerClient>;

/** Sessions end after 15 idle minutes: after moving the clock by days the borrower logs in again. */
async function later(phone: string, ms: number): Promise<Api> {
  system.clock.advance(ms);
  return customerClient(system, await login(system, phone));
}

async function payOnPage(confirmationUrl: string, outcome: 'succeeded' | 'canceled' = 'succeeded') {
  const path = new URL(confirmationUrl).pathname;
  const done = await system.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `outcome=${outcome}` });
  expect(done.statusCode).toBe(200);
  await runJobs(system);
}

/** Pays the whole debt of today by card. */
async function repayAll(api: Api, loanId: string) {
  const owed = (await api.get(`/api/loans/${loanId}`)).json().debt.totalKopecks as number;
  const started = await api.pay(loanId, { amountKopecks: owed }, crypto.randomUUID());
  expect(started.statusCode, started.body).toBe(201);
  await payOnPage(started.json().confirmationUrl);
  expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('closed');
  return owed;
}

/** The same customer takes another loan (cash payout), as activeLoan does for a new one. */
async function anotherLoan(api: Api, phone: string): Promise<string> {
  const created = await api.create({ product: 'pdl', amount: 10_000, term: 30 });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  expect((await api.patch(id, questionnaire())).statusCode).toBe(200);
  expect((await api.consents(id)).statusCode).toBe(200);
  expect((await api.submit(id)).statusCode).toBe(202);
  await runJobs(system);
  expect((await api.get(`/api/applications/${id}`)).json().status).toBe('approved');
  expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' })).statusCode).toBe(200);
  system.clock.advance(61_000);
  expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(200);
  const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(system, phone) });
  expect(signed.statusCode, signed.body).toBe(200);
  await runJobs(system);
  return signed.json().loanId as string;
}

const customerOf = async (loanId: string) => (await system.database.db.selectFrom('loans').select('customer_id').where('id', '=', loanId).executeTakeFirstOrThrow()).customer_id;

/** Test setup: points credited directly, as an on-time repayment would. */
async function grant(customerId: string, points: number) {
  await system.database.db.transaction().execute(async (trx) => {
    await repo.lockAccount(trx, customerId);
    await repo.appendEntry(trx, cryptoRandom, {
      customerId,
      loanId: null,
      kind: 'earn',
      points,
      reason: 'test',
      idempotencyKey: `test:${crypto.randomUUID()}`,
      at: system.clock.now(),
      expiresAt: new Date(system.clock.now().getTime() + 365 * DAY_MS),
    });
  });
}

const spend = (api: Api, loanId: string, body: unknown, key: string | null = crypto.randomUUID()) =>
  system.app.inject({
    method: 'POST',
    url: `/api/loans/${loanId}/bonus`,
    headers: { origin: 'http://localhost:3000', cookie: api.cookie, 'content-type': 'application/json', ...(key === null ? {} : { 'idempotency-key': key }) },
    payload: JSON.stringify(body),
  });

async function consistent() {
  expect(await ledgerProblems(system.database.db)).toEqual([]);
  expect(await bonusProblems(system.database.db)).toEqual([]);
}

describe('earning bonus points', () => {
  it('a loan repaid before its due date earns 5 % of the interest paid, in whole rubles; shown in /api/bonus and the history', async () => {
    const { loanId, phone } = await activeLoan(system);
    const api = await later(phone, 10 * DAY_MS);
    expect((await api.get('/api/bonus')).json()).toEqual({ balancePoints: 0, pointKopecks: 100, entries: [] });
    expect(await repayAll(api, loanId)).toBe(1_080_000); // 10 000 ₽ + 800 ₽ interest
    const bonus = (await api.get('/api/bonus')).json();
    expect(bonus.balancePoints).toBe(40); // 5 % of 800 ₽
    expect(bonus.entries).toMatchObject([{ kind: 'earn', points: 40, reason: 'on_time_repayment', loanId }]);
    expect(bonus.entries[0].expiresAt).toBe('2027-12-04T21:00:00.000Z'); // 12 months on, Moscow midnight
    const history = (await api.get('/api/history?type=bonus')).json();
    expect(history.items).toMatchObject([{ type: 'bonus', status: 'posted', loanId }]);
    expect(history.items[0].title).toMatch(/^Начислено 40 баллов за погашение займа в срок/);
    await consistent();
  });

  it('on the due date itself still counts; doing it again (a redelivered job) credits nothing more', async () => {
    const { loanId, phone } = await activeLoan(system);
    const api = await later(phone, 30 * DAY_MS); // 2026-12-25, the due date
    expect((await api.get(`/api/loans/${loanId}`)).json()).toMatchObject({ dueDate: '2026-12-25', overdue: false });
    await repayAll(api, loanId);
    const customerId = await customerOf(loanId);
    expect(await bonusBalance(system.database.db, customerId)).toBe(120); // 5 % of 2 400 ₽
    const loan = await system.database.db.selectFrom('loans').selectAll().where('id', '=', loanId).executeTakeFirstOrThrow();
    const again = await system.database.db.transaction().execute((trx) => earnForRepayment({ random: cryptoRandom }, trx, { ...loan, status: 'active' }, system.clock.now()));
    expect(again).toBe(0);
    expect(await bonusBalance(system.database.db, customerId)).toBe(120);
    await consistent();
  });

  it('a late repayment earns nothing', async () => {
    const { loanId, phone } = await activeLoan(system);
    const api = await later(phone, 32 * DAY_MS); // two days overdue
    expect((await api.get(`/api/loans/${loanId}`)).json().overdue).toBe(true);
    await repayAll(api, loanId);
    expect((await api.get('/api/bonus')).json()).toMatchObject({ balancePoints: 0, entries: [] });
    expect((await api.get('/api/history?type=bonus')).json().items).toEqual([]);
  });

  it('points lapse 12 months after they were earned, the unspent part only, once', async () => {
    const { loanId, phone } = await activeLoan(system);
    let api = await later(phone, 10 * DAY_MS);
    await repayAll(api, loanId); // 40 points, on 2026-12-05
    const customerId = await customerOf(loanId);
    const second = await anotherLoan(api, phone);
    api = await later(phone, 10 * DAY_MS);
    const spent = await spend(api, second, { points: 15 });
    expect(spent.statusCode, spent.body).toBe(201);
    expect(spent.json().balancePoints).toBe(25);

    const deps = { db: system.database.db, clock: system.clock, random: cryptoRandom };
    system.clock.advance(354 * DAY_MS); // 2027-12-04: the last day the points are good
    expect(await expirePoints(deps)).toBe(0);
    expect(await bonusBalance(system.database.db, customerId)).toBe(25);
    system.clock.advance(DAY_MS);
    expect(await expirePoints(deps)).toBe(25);
    expect(await expirePoints(deps)).toBe(0);
    expect(await bonusBalance(system.database.db, customerId)).toBe(0);
    api = customerClient(system, await login(system, phone));
    expect((await api.get('/api/bonus')).json().entries.map((e: { kind: string; points: number }) => [e.kind, e.points])).toEqual([
      ['expire', -25],
      ['spend', -15],
      ['earn', 40],
    ]);
    const history = (await api.get('/api/history?type=bonus')).json();
    expect(history.items[0]).toMatchObject({ status: 'expired', title: 'Сгорело 25 баллов: прошло 12 месяцев с начисления' });
    await consistent();
  });
});

describe('spending points on interest: POST /api/loans/:id/bonus', () => {
  it('earned on one loan, spent on the next: interest due and the balance drop by exactly the points, principal untouched', async () => {
    const { loanId: first, phone } = await activeLoan(system);
    let api = await later(phone, 10 * DAY_MS);
    await repayAll(api, first);
    const loanId = await anotherLoan(api, phone);
    api = await later(phone, 10 * DAY_MS);
    // A returning borrower's rate may be lower: the figures are taken from the loan as it is.
    const before = (await api.get(`/api/loans/${loanId}`)).json().debt;
    expect(before).toMatchObject({ principalKopecks: 1_000_000, penaltyKopecks: 0 });
    expect(before.interestKopecks).toBeGreaterThan(3_000);

    const spent = await spend(api, loanId, { points: 30 });
    expect(spent.statusCode, spent.body).toBe(201);
    expect(spent.json()).toEqual({
      spentPoints: 30,
      writtenOffKopecks: 3_000,
      balancePoints: 10,
      debt: { principalKopecks: 1_000_000, interestKopecks: before.interestKopecks - 3_000, penaltyKopecks: 0, totalKopecks: before.totalKopecks - 3_000 },
    });
    const after = (await api.get(`/api/loans/${loanId}`)).json();
    expect(after.debt).toEqual(spent.json().debt);
    expect(after.costMeter.payTodayKopecks).toBe(before.totalKopecks - 3_000);
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(10);
    // The accrual job posts nothing the spend did not already post, and the debt stays.
    expect(await system.money.accrueAll()).toBe(0);
    expect((await api.get(`/api/loans/${loanId}`)).json().debt).toEqual(after.debt);
    const history = (await api.get('/api/history?type=bonus')).json();
    expect(history.items[0]).toMatchObject({ status: 'spent', amountKopecks: 3_000, loanId, title: 'Списано 30 баллов в оплату процентов: −30\u00a0₽' });
    const expense = await system.database.db.selectFrom('ledger_accounts').select('balance_kopecks').where('id', '=', 'lender:bonus_expense').executeTakeFirstOrThrow();
    expect(expense.balance_kopecks).toBe(3_000);
    await consistent();
  });

  it('never more than the interest due (whole rubles), never principal; then 409 until more interest accrues', async () => {
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 5_000);
    const api = await later(phone, 10 * DAY_MS);
    const spent = await spend(api, loanId, { points: 5_000 });
    expect(spent.statusCode, spent.body).toBe(201);
    expect(spent.json()).toMatchObject({ spentPoints: 800, writtenOffKopecks: 80_000, balancePoints: 4_200 });
    expect(spent.json().debt).toEqual({ principalKopecks: 1_000_000, interestKopecks: 0, penaltyKopecks: 0, totalKopecks: 1_000_000 });
    const nothing = await spend(api, loanId, { points: 1 });
    expect(nothing.statusCode).toBe(409);
    expect(nothing.json().error.message).toMatch(/меньше 1 ₽/);
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(4_200);
    await consistent();
  });

  it('never more than the balance; with none left → 409', async () => {
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 10);
    const api = await later(phone, 10 * DAY_MS);
    const spent = await spend(api, loanId, { points: 50 });
    expect(spent.json()).toMatchObject({ spentPoints: 10, writtenOffKopecks: 1_000, balancePoints: 0, debt: { interestKopecks: 79_000 } });
    const empty = await spend(api, loanId, { points: 1 });
    expect(empty.statusCode).toBe(409);
    expect(empty.json().error.message).toBe('На бонусном счёте нет баллов.');
    expect((await api.get(`/api/loans/${loanId}`)).json().debt.interestKopecks).toBe(79_000);
    await consistent();
  });

  it('the same Idempotency-Key answers the first spend again; another body → 422; none → 400', async () => {
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 100);
    const api = await later(phone, 10 * DAY_MS);
    const key = crypto.randomUUID();
    const first = await spend(api, loanId, { points: 20 }, key);
    const again = await spend(api, loanId, { points: 20 }, key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(80);
    expect((await spend(api, loanId, { points: 21 }, key)).statusCode).toBe(422);
    const noKey = await spend(api, loanId, { points: 20 }, null);
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().error.fields).toHaveProperty('Idempotency-Key');
    expect(await system.database.db.selectFrom('bonus_point_entries').select('id').where('kind', '=', 'spend').execute()).toHaveLength(1);
    await consistent();
  });

  it('400 with Russian messages for a bad amount', async () => {
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 100);
    const api = await later(phone, 10 * DAY_MS);
    for (const body of [{ points: 0 }, { points: -5 }, { points: 1.5 }, { points: '10' }, {}, { points: 5, extra: 1 }, { points: 10_000_001 }]) {
      const reply = await spend(api, loanId, body);
      expect(reply.statusCode, JSON.stringify(body)).toBe(400);
      const messages = Object.values(reply.json().error.fields as Record<string, string>);
      expect(messages.length).toBeGreaterThan(0);
      for (const message of messages) expect(message, JSON.stringify(body)).toMatch(/[а-яё]/i);
    }
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(100);
  });

  it('another customer’s loan → 404 and nothing spent; a closed loan → 409', async () => {
    const victim = await activeLoan(system);
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 100);
    const api = await later(phone, 10 * DAY_MS);
    expect((await spend(api, victim.loanId, { points: 10 })).statusCode).toBe(404);
    expect((await spend(api, 'not-a-uuid', { points: 10 })).statusCode).toBe(404);
    expect((await spend(api, crypto.randomUUID(), { points: 10 })).statusCode).toBe(404);
    const victimApi = customerClient(system, await login(system, victim.phone));
    expect((await victimApi.get(`/api/loans/${victim.loanId}`)).json().debt.interestKopecks).toBe(80_000);
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(100);

    await repayAll(api, loanId);
    const closed = await spend(api, loanId, { points: 10 });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.message).toMatch(/действующему займу/);
    expect((await system.app.inject({ method: 'GET', url: '/api/bonus' })).statusCode).toBe(401);
    await consistent();
  });

  it('interest written off with points earns no points back: only interest paid with money counts', async () => {
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 300);
    const api = await later(phone, 10 * DAY_MS);
    expect((await spend(api, loanId, { points: 300 })).json().debt.interestKopecks).toBe(50_000);
    await repayAll(api, loanId);
    // 5 % of the 500 ₽ paid by card = 25; 300 − 300 + 25.
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(25);
    await consistent();
  });
});

describe('paying part of a prolongation with points', () => {
  async function prolong(api: Api, phone: string, loanId: string, body: { days: number; bonusPoints?: number }) {
    system.clock.advance(61 * SECOND_MS);
    const otp = await api.post(`/api/loans/${loanId}/prolongation/otp`, body);
    expect(otp.statusCode, otp.body).toBe(200);
    return api.post(`/api/loans/${loanId}/prolongation`, { ...body, code: await lastCodeFor(system, phone) });
  }

  it('the offer and the addendum show the split; the points go at signing, the card pays the rest, then the due date moves', async () => {
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 300);
    const api = await later(phone, 10 * DAY_MS);
    const offer = (await api.get(`/api/loans/${loanId}/prolongation?days=14&bonusPoints=300`)).json();
    expect(offer).toMatchObject({ interestKopecks: 80_000, bonusPoints: 300, bonusKopecks: 30_000, cardKopecks: 50_000, newDueDate: '2027-01-08' });
    expect(offer.text).toContain('из них 300\u00a0₽ — бонусными баллами (300), 500\u00a0₽ — картой.');
    // Without points the offer is the plain one.
    expect((await api.get(`/api/loans/${loanId}/prolongation?days=14`)).json()).toMatchObject({ bonusPoints: 0, cardKopecks: 80_000 });

    const signed = await prolong(api, phone, loanId, { days: 14, bonusPoints: 300 });
    expect(signed.statusCode, signed.body).toBe(201);
    const payment = (await api.get(`/api/payments/${signed.json().paymentId}`)).json();
    expect(payment.amountKopecks).toBe(50_000);
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(0);
    expect((await api.get(`/api/loans/${loanId}`)).json().debt.interestKopecks).toBe(50_000);

    await payOnPage(signed.json().confirmationUrl);
    const loan = (await api.get(`/api/loans/${loanId}`)).json();
    expect(loan).toMatchObject({ dueDate: '2027-01-08', prolongations: { used: 1 }, debt: { principalKopecks: 1_000_000, interestKopecks: 0 } });
    const history = (await api.get('/api/history?type=bonus')).json();
    expect(history.items[0]).toMatchObject({ status: 'spent', amountKopecks: 30_000, title: 'Списано 300 баллов в оплату процентов при продлении: −300\u00a0₽' });
    await consistent();
  });

  it('points never pay it all: at least 1 ₽ goes by card; more points than that are left on the account', async () => {
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 5_000);
    const api = await later(phone, 10 * DAY_MS);
    const offer = (await api.get(`/api/loans/${loanId}/prolongation?days=7&bonusPoints=5000`)).json();
    expect(offer).toMatchObject({ bonusPoints: 799, bonusKopecks: 79_900, cardKopecks: 100 });
    const signed = await prolong(api, phone, loanId, { days: 7, bonusPoints: 5_000 });
    expect(signed.statusCode, signed.body).toBe(201);
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(4_201);
    for (const bad of ['-1', '1.5', 'x']) expect((await api.get(`/api/loans/${loanId}/prolongation?days=7&bonusPoints=${bad}`)).statusCode, bad).toBe(400);
    await consistent();
  });

  it('a code sent for one split cannot sign another; a failed card payment voids the addendum but the points stay paid in', async () => {
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 200);
    const api = await later(phone, 10 * DAY_MS);
    system.clock.advance(61 * SECOND_MS);
    await api.post(`/api/loans/${loanId}/prolongation/otp`, { days: 14, bonusPoints: 100 });
    const code = await lastCodeFor(system, phone);
    expect((await api.post(`/api/loans/${loanId}/prolongation`, { days: 14, bonusPoints: 200, code })).statusCode).toBe(401);
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(200);

    const signed = await prolong(api, phone, loanId, { days: 14, bonusPoints: 100 });
    expect(signed.statusCode, signed.body).toBe(201);
    await payOnPage(signed.json().confirmationUrl, 'canceled');
    expect((await api.get(`/api/loans/${loanId}`)).json()).toMatchObject({ dueDate: '2026-12-25', prolongations: { used: 0 }, debt: { interestKopecks: 70_000 } });
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(100);
    await consistent();
  });

  it('another customer cannot spend points on this loan’s prolongation', async () => {
    const victim = await activeLoan(system);
    const { loanId, phone } = await activeLoan(system);
    await grant(await customerOf(loanId), 100);
    const api = await later(phone, 10 * DAY_MS);
    expect((await api.get(`/api/loans/${victim.loanId}/prolongation?days=7&bonusPoints=100`)).statusCode).toBe(404);
    expect((await api.post(`/api/loans/${victim.loanId}/prolongation/otp`, { days: 7, bonusPoints: 100 })).statusCode).toBe(404);
    expect((await api.get('/api/bonus')).json().balancePoints).toBe(100);
  });
});
