import { describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS, SECOND_MS } from '../../../core/clock';
import { activeLoan, decidedApplication } from '../../testing/applicant';
import { loginStaff } from '../../testing/staff';
import { lastCodeFor, runJobs, useTestSystem } from '../../testing/test-system';
import { ledgerProblems } from '../ledger/ledger.service';

const system = useTestSystem();

/** A signed cash loan whose payout the provider keeps failing until the job gives up: payout_failed. */
async function failedPayout() {
  const { api, id, phone } = await decidedApplication(system);
  expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' })).statusCode).toBe(200);
  system.clock.advance(61 * SECOND_MS);
  expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(200);
  const code = await lastCodeFor(system, phone);
  system.sandboxPayouts.control.failure = 'error';
  const signed = await api.post(`/api/applications/${id}/sign`, { code });
  expect(signed.statusCode, signed.body).toBe(200);
  const loanId = signed.json().loanId as string;
  await runJobs(system);
  expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('payout_failed');
  system.sandboxPayouts.control.failure = 'none';
  return { api, phone, loanId };
}

describe('overdue loans', () => {
  it('lists active loans past their due date with today’s debt and the days overdue; not the ones still in time', async () => {
    const late = await activeLoan(system);
    await activeLoan(system, { product: 'pdl', amount: 10_000, term: 30 });
    system.clock.advance(5 * DAY_MS);
    const onTime = await activeLoan(system, { product: 'pdl', amount: 5_000, term: 30 });
    system.clock.advance(30 * DAY_MS); // the first two are 5 days late, the third is due in 0 days
    const collections = await loginStaff(system, ['collections']);
    const response = await collections.get('/api/staff/loans/overdue');
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items as { loanId: string; daysOverdue: number; debtKopecks: number; phoneMasked: string; fullName: string; number: string }[];
    expect(items).toHaveLength(2);
    expect(items.map((i) => i.loanId)).toContain(late.loanId);
    expect(items.map((i) => i.loanId)).not.toContain(onTime.loanId);
    const item = items.find((i) => i.loanId === late.loanId)!;
    expect(item).toMatchObject({ daysOverdue: 5, dueDate: '2026-12-25', overdueSince: '2026-12-25', fullName: 'Иванова Мария Петровна', phoneMasked: `+7******${late.phone.slice(-4)}` });
    // Interest for 35 days (80 ₽ a day) and the penalty for the days overdue: more than principal + 30 days.
    expect(item.debtKopecks).toBeGreaterThan(1_240_000);
    expect(item.number).toMatch(/^CC-20261125-/);
    expect(response.body).not.toContain(late.phone);
  });

  it('is for collections and admins only', async () => {
    const support = await loginStaff(system, ['support']);
    const underwriter = await loginStaff(system, ['underwriter']);
    const admin = await loginStaff(system, ['admin']);
    for (const url of ['/api/staff/loans/overdue', '/api/staff/payments/pending', '/api/staff/payouts/failed']) {
      expect((await support.get(url)).statusCode, url).toBe(403);
      expect((await underwriter.get(url)).statusCode, url).toBe(403);
      expect((await admin.get(url)).statusCode, url).toBe(200);
    }
  });
});

describe('payments awaiting reconciliation', () => {
  it('lists repayments still unsettled after a few minutes, the oldest first', async () => {
    const { api, loanId } = await activeLoan(system);
    const started = await api.pay(loanId, { amountKopecks: 200_000 }, crypto.randomUUID());
    expect(started.statusCode, started.body).toBe(201);
    const collections = await loginStaff(system, ['collections']);
    expect((await collections.get('/api/staff/payments/pending')).json().items).toEqual([]); // the customer may still be paying
    system.clock.advance(6 * MINUTE_MS);
    const items = (await collections.get('/api/staff/payments/pending')).json().items;
    expect(items).toEqual([
      expect.objectContaining({ id: started.json().paymentId, loanId, amountKopecks: 200_000, status: 'pending', minutesWaiting: 6 }),
    ]);
    expect(items[0].loanNumber).toMatch(/^CC-/);
  });
});

describe('failed payouts and their retry', () => {
  it('lists a failed payout with its last error; the admin’s retry pays it once through the payout job, recorded in the audit log', async () => {
    const { api, phone, loanId } = await failedPayout();
    const collections = await loginStaff(system, ['collections']);
    const failed = (await collections.get('/api/staff/payouts/failed')).json().items;
    expect(failed).toEqual([expect.objectContaining({ loanId, amountKopecks: 1_000_000, payoutType: 'cash', lastError: 'payouts-sandbox: HTTP 502', attempts: 5 })]);

    expect((await collections.post(`/api/staff/payouts/${loanId}/retry`)).statusCode).toBe(403);
    const admin = await loginStaff(system, ['admin']);
    const retried = await admin.post(`/api/staff/payouts/${loanId}/retry`);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toEqual({ loanId, status: 'disbursing' });
    expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('disbursing');
    expect((await admin.post(`/api/staff/payouts/${loanId}/retry`)).statusCode).toBe(409); // already on its way

    await runJobs(system);
    const loan = (await api.get(`/api/loans/${loanId}`)).json();
    expect(loan.status).toBe('active');
    expect(loan.cashCode).toMatch(/^\d{10}$/);
    const payouts = await system.database.db.selectFrom('payouts').selectAll().execute();
    expect(payouts).toEqual([expect.objectContaining({ loan_id: loanId, status: 'succeeded', idempotency_key: loanId, attempts: 1 })]);
    const paid = await system.database.db.selectFrom('sandbox_payouts').selectAll().execute();
    expect(paid).toEqual([expect.objectContaining({ idempotency_key: loanId, amount_kopecks: 1_000_000 })]);
    expect(await system.database.db.selectFrom('ledger_transactions').select('source').execute()).toEqual([{ source: 'payout' }]);
    expect(await ledgerProblems(system.database.db)).toEqual([]);
    const [sms] = await system.sandboxSms!.list({ phone, limit: 1 });
    expect(sms!.text).toMatch(/Золотой Короне/);

    const audit = await system.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'payout.retried').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_id: admin.id, entity_type: 'loan', entity_id: loanId });
    expect(audit[0]!.details).toMatchObject({ previousAttempts: 5, previousError: 'payouts-sandbox: HTTP 502' });
    expect((await collections.get('/api/staff/payouts/failed')).json().items).toEqual([]);
    // A redelivered job or a second retry pays nothing more.
    await system.jobs.enqueue(system.database.db, 'loans.disburse', { loanId });
    await runJobs(system);
    expect(await system.database.db.selectFrom('sandbox_payouts').selectAll().execute()).toHaveLength(1);
    expect((await admin.post(`/api/staff/payouts/${loanId}/retry`)).statusCode).toBe(409);
  });

  it('only a failed payout can be retried (409); an unknown loan is 404', async () => {
    const { loanId } = await activeLoan(system);
    const admin = await loginStaff(system, ['admin']);
    const active = await admin.post(`/api/staff/payouts/${loanId}/retry`);
    expect(active.statusCode).toBe(409);
    expect(active.json().error.message).toMatch(/только неудавшуюся выплату/);
    expect((await admin.post('/api/staff/payouts/6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11/retry')).statusCode).toBe(404);
    expect((await admin.post('/api/staff/payouts/nope/retry')).statusCode).toBe(404);
    expect(await system.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'payout.retried').execute()).toEqual([]);
  });
});
