import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../core/clock';
import { SANDBOX_ACQUIRER, WEBHOOK_PATH } from '../../providers/acquiring/sandbox';
import { activeLoan, customerClient } from '../../testing/applicant';
import { login, nextPhone, runJobs, TEST_ORIGIN, useTestSystem } from '../../testing/test-system';
import { ledgerProblems } from '../ledger/ledger.service';
import { pdfText } from '../../testing/pdf-text';

const system = useTestSystem();
const accrueAll = () => system.money.accrueAll();
/** Sessions end after 15 idle minutes: after moving the clock by days the borrower logs in again. */
const relogin = async (phone: string) => customerClient(system, await login(system, phone));

type Api = Awaited<ReturnType<typeof activeLoan>>['api'];

/** The borrower on the sandbox acquirer's page presses «Оплатить» (or «Отменить»). */
async function payOnPage(confirmationUrl: string, outcome: 'succeeded' | 'canceled' = 'succeeded') {
  const path = new URL(confirmationUrl).pathname;
  const page = await system.app.inject({ method: 'GET', url: path });
  expect(page.statusCode).toBe(200);
  const done = await system.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `outcome=${outcome}`,
  });
  expect(done.statusCode).toBe(200);
  await runJobs(system); // the acquirer's notification reaches the webhook
}

async function pay(api: Api, loanId: string, amountKopecks: number, key = crypto.randomUUID()) {
  const started = await api.pay(loanId, { amountKopecks }, key);
  expect(started.statusCode, started.body).toBe(201);
  return started.json() as { paymentId: string; status: string; confirmationUrl: string; amountKopecks: number };
}

const loanOf = async (api: Api, loanId: string) => (await api.get(`/api/loans/${loanId}`)).json();
const postings = async (source: string) =>
  (await system.database.db.selectFrom('ledger_transactions').select('external_id').where('source', '=', source).execute()).map((r) => r.external_id);

function notification(body: object, atSec = Math.floor(system.clock.now().getTime() / 1000), signature?: string) {
  const raw = JSON.stringify(body);
  return system.app.inject({
    method: 'POST',
    url: `${WEBHOOK_PATH}/${SANDBOX_ACQUIRER}`,
    headers: { 'content-type': 'application/json', 'x-sandbox-signature': signature ?? system.sandboxAcquiring.sign(raw, atSec) },
    payload: raw,
  });
}

describe('the loan view: today’s debt, the due date, the cost meter', () => {
  it('accrues 80 ₽ a day on 10 000 ₽; the view and the job agree; a second job run posts nothing', async () => {
    const { api: firstApi, loanId, phone } = await activeLoan(system);
    const day0 = await loanOf(firstApi, loanId);
    expect(day0.debt).toEqual({ principalKopecks: 1_000_000, interestKopecks: 0, penaltyKopecks: 0, totalKopecks: 1_000_000 });
    expect(day0.costMeter).toMatchObject({ payTodayKopecks: 1_000_000, payByDueDateKopecks: 1_240_000, legalMaximumKopecks: 2_000_000, capKopecks: 1_000_000 });
    expect(day0).toMatchObject({ dueDate: '2026-12-25', daysLeft: 30, overdue: false });
    expect(day0.schedule).toEqual([{ date: '2026-12-25', principalKopecks: 1_000_000, interestKopecks: 240_000, totalKopecks: 1_240_000, status: 'upcoming' }]);

    system.clock.advance(10 * DAY_MS);
    const api = await relogin(phone);
    const before = await loanOf(api, loanId);
    expect(before.debt).toEqual({ principalKopecks: 1_000_000, interestKopecks: 80_000, penaltyKopecks: 0, totalKopecks: 1_080_000 });
    expect(await postings('accrual')).toEqual([]); // the view adds unposted days; GET changes nothing
    expect(await accrueAll()).toBe(1);
    expect(await postings('accrual')).toHaveLength(10);
    expect((await loanOf(api, loanId)).debt).toEqual(before.debt);
    expect(await accrueAll()).toBe(0);
    expect(await postings('accrual')).toHaveLength(10);
    expect(await ledgerProblems(system.database.db)).toEqual([]);
  });

  it('after the due date: overdue, a penalty of 20 % a year, and everything stops at the 100 % cap', async () => {
    const { loanId, phone } = await activeLoan(system);
    system.clock.advance(32 * DAY_MS);
    let api = await relogin(phone);
    const late = await loanOf(api, loanId);
    expect(late).toMatchObject({ overdue: true, daysLeft: -2 });
    expect(late.debt).toMatchObject({ interestKopecks: 256_000, penaltyKopecks: 2 * 548 });
    expect(late.schedule[0].status).toBe('overdue');
    system.clock.advance(200 * DAY_MS);
    await accrueAll();
    api = await relogin(phone);
    const capped = await loanOf(api, loanId);
    expect(capped.debt.interestKopecks + capped.debt.penaltyKopecks).toBe(1_000_000);
    expect(capped.costMeter).toMatchObject({ chargedKopecks: 1_000_000, legalMaximumKopecks: 2_000_000, payTodayKopecks: 2_000_000 });
  });
});

describe('payments', () => {
  it('part, then the rest on the acquirer page: credited in the legal order, the loan closes, SMS and history', async () => {
    const { loanId, phone } = await activeLoan(system);
    system.clock.advance(10 * DAY_MS);
    let api = await relogin(phone);
    const first = await pay(api, loanId, 500_000);
    expect(first).toMatchObject({ status: 'pending', amountKopecks: 500_000 });
    expect(first.confirmationUrl).toMatch(/\/sandbox\/acquirer\/payments\//);
    await payOnPage(first.confirmationUrl);
    const paid = (await api.get(`/api/payments/${first.paymentId}`)).json();
    expect(paid).toMatchObject({ status: 'succeeded', allocation: { interestKopecks: 80_000, principalKopecks: 420_000, penaltyKopecks: 0, overpaymentKopecks: 0 } });
    const after = await loanOf(api, loanId);
    expect(after.debt).toEqual({ principalKopecks: 580_000, interestKopecks: 0, penaltyKopecks: 0, totalKopecks: 580_000 });
    const receipt = await api.get(`/api/payments/${first.paymentId}/receipt.pdf`);
    expect(receipt.headers['content-type']).toBe('application/pdf');
    const receiptText = (await pdfText(receipt.rawPayload)).join(' ');
    expect(receiptText).toMatch(/Квитанция об оплате/);
    expect(receiptText).toMatch(/5 000 ₽/);
    expect(receiptText).toMatch(/проценты — 800 ₽; основной долг — 4 200 ₽/);
    expect((await api.get(`/api/loans/${loanId}/closing-certificate.pdf`)).statusCode).toBe(409);

    // R8: the smaller principal accrues from the next day: 5 800 ₽ × 0.8 % = 46.40 ₽ a day.
    system.clock.advance(DAY_MS);
    api = await relogin(phone);
    expect((await loanOf(api, loanId)).debt.interestKopecks).toBe(4_640);
    const rest = await pay(api, loanId, 584_640);
    await payOnPage(rest.confirmationUrl);
    const closed = await loanOf(api, loanId);
    expect(closed).toMatchObject({ status: 'closed', debt: { totalKopecks: 0 } });
    expect(closed.schedule[0].status).toBe('paid');
    const certificate = (await pdfText((await api.get(`/api/loans/${loanId}/closing-certificate.pdf`)).rawPayload)).join(' ');
    expect(certificate).toMatch(/Справка о погашении задолженности/);
    expect(certificate).toMatch(/исполнены в полном объёме 6 декабря 2026 г\. Задолженности/);
    expect(certificate).toMatch(/Всего уплачено:\s+10 846,40 ₽/);
    const statement = (await pdfText((await api.get('/api/history.pdf?type=payment')).rawPayload)).join(' ');
    expect(statement).toMatch(/Операций:\s+2/);
    expect(statement).toMatch(/Платёж картой: зачислен/);
    expect(await ledgerProblems(system.database.db)).toEqual([]);

    const texts = (await system.sandboxSms!.list({ phone, limit: 10 })).map((m) => m.text);
    expect(texts.some((t) => /займ погашен/.test(t))).toBe(true);
    expect(texts.some((t) => /Остаток долга на сегодня: 5\s800\s₽/.test(t))).toBe(true);

    const history = (await api.get('/api/history')).json();
    const types = history.items.map((i: { type: string }) => i.type);
    for (const type of ['application', 'decision', 'signing', 'payout', 'accrual', 'payment', 'closing']) expect(types).toContain(type);
    const payments = history.items.filter((i: { type: string }) => i.type === 'payment');
    expect(payments.map((p: { status: string; amountKopecks: number }) => [p.status, p.amountKopecks])).toEqual([
      ['succeeded', 584_640],
      ['succeeded', 500_000],
    ]);
  });

  it('a canceled payment credits nothing and shows as not passed', async () => {
    const { api, loanId } = await activeLoan(system);
    const started = await pay(api, loanId, 100_000);
    await payOnPage(started.confirmationUrl, 'canceled');
    expect((await api.get(`/api/payments/${started.paymentId}`)).json().status).toBe('canceled');
    expect(await postings('payment')).toEqual([]);
    const history = (await api.get('/api/history?type=payment')).json();
    expect(history.items).toMatchObject([{ status: 'canceled', title: 'Платёж картой: не прошёл' }]);
  });

  it('Idempotency-Key (PAY-1): same key and body → the same payment; another body → 422; none → 400', async () => {
    const { api, loanId } = await activeLoan(system);
    const key = crypto.randomUUID();
    const first = await pay(api, loanId, 100_000, key);
    const again = await pay(api, loanId, 100_000, key);
    expect(again).toEqual(first);
    expect(system.sandboxAcquiring.createdCount()).toBe(1);
    const other = await api.pay(loanId, { amountKopecks: 200_000 }, key);
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('idempotency_key_reused');
    const none = await api.pay(loanId, { amountKopecks: 100_000 }, null);
    expect(none.statusCode).toBe(400);
  });

  it('amounts are checked on the server (PAY-4): above today’s debt, zero, negative, fractional, huge → 400', async () => {
    const { api, loanId } = await activeLoan(system);
    for (const amountKopecks of [1_000_001, 0, -5, 10.5, 2 ** 53, '100', null]) {
      const answer = await api.pay(loanId, { amountKopecks }, crypto.randomUUID());
      expect(answer.statusCode, String(amountKopecks)).toBe(400);
      expect(answer.json().error.fields.amountKopecks).toBeTruthy();
    }
    expect((await api.pay(loanId, { amountKopecks: 100, extra: 1 }, crypto.randomUUID())).statusCode).toBe(400);
    expect(system.sandboxAcquiring.createdCount()).toBe(0);
  });

  it('an acquirer that fails at creation → 503; the same key later creates exactly one payment', async () => {
    const { api, loanId } = await activeLoan(system);
    const key = crypto.randomUUID();
    system.sandboxAcquiring.control.failure = 'error';
    const failed = await api.pay(loanId, { amountKopecks: 100_000 }, key);
    system.sandboxAcquiring.control.failure = 'none';
    expect(failed.statusCode).toBe(503);
    const retried = await pay(api, loanId, 100_000, key);
    expect(retried.status).toBe('pending');
    expect(system.sandboxAcquiring.createdCount()).toBe(1);
  });

  it('reconciliation creates what never reached the acquirer and settles what the notification missed', async () => {
    const { api, loanId } = await activeLoan(system);
    const key = crypto.randomUUID();
    system.sandboxAcquiring.control.failure = 'error';
    expect((await api.pay(loanId, { amountKopecks: 100_000 }, key)).statusCode).toBe(503);
    system.sandboxAcquiring.control.failure = 'none';
    expect(await system.money.reconcilePayments({ olderThanMs: 0 })).toBe(1);
    const payment = await system.database.db.selectFrom('payments').selectAll().executeTakeFirstOrThrow();
    expect(payment.status).toBe('pending');
    // Paid on the page, but the notification is lost (the job is dropped): reconciliation reads it back.
    await system.sandboxAcquiring.completeOnPage(payment.provider_payment_id!, 'succeeded');
    await system.database.db.deleteFrom('pgboss.job' as never).where('name' as never, '=', 'sandbox.acquiring.notify' as never).execute();
    await system.money.reconcilePayments({ olderThanMs: 0 });
    expect((await api.get(`/api/payments/${payment.id}`)).json().status).toBe('succeeded');
    expect(await postings('payment')).toEqual([payment.id]);
  });

  it('a payment above what is owed by the time it lands is held as an overpayment, never lost (PAY-10)', async () => {
    const { api, loanId } = await activeLoan(system);
    const a = await pay(api, loanId, 1_000_000);
    const b = await pay(api, loanId, 1_000_000);
    await payOnPage(a.confirmationUrl);
    await payOnPage(b.confirmationUrl);
    const loan = await loanOf(api, loanId);
    expect(loan).toMatchObject({ status: 'closed', overpaymentKopecks: 1_000_000 });
    expect((await api.get(`/api/payments/${b.paymentId}`)).json().allocation).toEqual({ interestKopecks: 0, principalKopecks: 0, penaltyKopecks: 0, overpaymentKopecks: 1_000_000 });
    expect(await ledgerProblems(system.database.db)).toEqual([]);
  });

  it('another customer can neither see a payment nor pay into a loan that is not theirs (IDOR)', async () => {
    const mine = await activeLoan(system);
    const started = await pay(mine.api, mine.loanId, 100_000);
    const other = customerClient(system, await login(system, nextPhone()));
    expect((await other.get(`/api/payments/${started.paymentId}`)).statusCode).toBe(404);
    expect((await other.pay(mine.loanId, { amountKopecks: 100_000 }, crypto.randomUUID())).statusCode).toBe(404);
    // WEB-6: someone else's loan is not found, not a loan without payments.
    expect((await other.get(`/api/loans/${mine.loanId}/payments`)).statusCode).toBe(404);
  });

  it('a cross-site request cannot start a payment (CSRF)', async () => {
    const { api, loanId } = await activeLoan(system);
    const forged = await system.app.inject({
      method: 'POST',
      url: `/api/loans/${loanId}/payments`,
      headers: { origin: 'https://evil.example', cookie: api.cookie, 'content-type': 'application/json', 'idempotency-key': 'k1' },
      payload: JSON.stringify({ amountKopecks: 100_000 }),
    });
    expect(forged.statusCode).toBe(403);
    expect(TEST_ORIGIN).not.toBe('https://evil.example');
  });
});

describe('acquirer notifications (PAY-5…7)', () => {
  async function pendingPayment() {
    const { api, loanId } = await activeLoan(system);
    const started = await pay(api, loanId, 300_000);
    const row = await system.database.db.selectFrom('payments').selectAll().where('id', '=', started.paymentId).executeTakeFirstOrThrow();
    return { api, loanId, started, providerId: row.provider_payment_id! };
  }

  it('a forged signature, a flipped byte, a stale or a future timestamp → 401 and no effect', async () => {
    const { providerId } = await pendingPayment();
    await system.sandboxAcquiring.completeOnPage(providerId, 'succeeded');
    const body = { event_id: crypto.randomUUID(), type: 'payment.succeeded', payment_id: providerId };
    expect((await notification(body, undefined, `t=${Math.floor(system.clock.now().getTime() / 1000)},v1=${'0'.repeat(64)}`)).statusCode).toBe(401);
    const now = Math.floor(system.clock.now().getTime() / 1000);
    expect((await notification(body, now - 301)).statusCode).toBe(401);
    expect((await notification(body, now + 301)).statusCode).toBe(401);
    const raw = JSON.stringify(body);
    const flipped = await system.app.inject({
      method: 'POST',
      url: `${WEBHOOK_PATH}/${SANDBOX_ACQUIRER}`,
      headers: { 'content-type': 'application/json', 'x-sandbox-signature': system.sandboxAcquiring.sign(raw, now) },
      payload: raw.replace('payment.succeeded', 'payment.succeedee'),
    });
    expect(flipped.statusCode).toBe(401);
    expect(await postings('payment')).toEqual([]);
  });

  it('100 replays of one notification → one posting; shuffled duplicates end in the same state', async () => {
    const { providerId, started, api } = await pendingPayment();
    await system.sandboxAcquiring.completeOnPage(providerId, 'succeeded');
    const body = { event_id: crypto.randomUUID(), type: 'payment.succeeded', payment_id: providerId };
    const answers = await Promise.all(Array.from({ length: 100 }, () => notification(body)));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    // Late and out-of-order events (a "pending", a "canceled") after success change nothing.
    expect((await notification({ event_id: crypto.randomUUID(), type: 'payment.pending', payment_id: providerId })).statusCode).toBe(200);
    expect((await notification({ event_id: crypto.randomUUID(), type: 'payment.canceled', payment_id: providerId })).statusCode).toBe(200);
    await runJobs(system);
    expect(await postings('payment')).toEqual([started.paymentId]);
    expect((await api.get(`/api/payments/${started.paymentId}`)).json().status).toBe('succeeded');
  });

  it('a notification says succeeded but the acquirer’s API says pending → nothing is credited', async () => {
    const { providerId, started, api } = await pendingPayment();
    expect((await notification({ event_id: crypto.randomUUID(), type: 'payment.succeeded', payment_id: providerId })).statusCode).toBe(200);
    expect((await api.get(`/api/payments/${started.paymentId}`)).json().status).toBe('pending');
    expect(await postings('payment')).toEqual([]);
  });
});

describe('history', () => {
  it('filters by type and period, pages by cursor without gaps or repeats, exports CSV', async () => {
    const { loanId, phone } = await activeLoan(system);
    system.clock.advance(60 * DAY_MS);
    await accrueAll();
    const api = await relogin(phone);
    const all: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (await api.get(`/api/history${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`)).json();
      all.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(2);
    expect(new Set(all).size).toBe(all.length);
    const count = await system.database.db.selectFrom('operations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(all.length).toBe(Number(count.n));

    const accruals = (await api.get('/api/history?type=accrual&from=2026-12-01&to=2026-12-03')).json();
    expect(accruals.items.map((i: { at: string }) => i.at)).toEqual(['2026-12-02T21:00:00.000Z', '2026-12-01T21:00:00.000Z', '2026-11-30T21:00:00.000Z']);
    expect((await api.get('/api/history?type=nonsense')).statusCode).toBe(400);
    expect((await api.get('/api/history?cursor=garbage')).statusCode).toBe(400);

    const csv = await api.get('/api/history.csv?type=payout');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\r\n')[1]).toMatch(/Выдача займа наличными.*;10000,00;выполнено/);
    expect(loanId).toBeTruthy();
  });

  it('another customer’s operations never appear', async () => {
    await activeLoan(system);
    const other = customerClient(system, await login(system, nextPhone()));
    expect((await other.get('/api/history')).json().items).toEqual([]);
  });
});
