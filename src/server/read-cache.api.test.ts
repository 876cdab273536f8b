import { describe, expect, it } from 'vitest';
import { customerClient, decidedApplication, questionnaire } from './testing/applicant';
import { readCacheReads } from './testing/metrics';
import { loginStaff } from './testing/staff';
import { lastCodeFor, login, nextPhone, runJobs, useTwoSystems } from './testing/test-system';

/**
 * The read cache (read-cache.ts) across two app processes on one database: each holds the
 * customer's session, loans and history pages, and each must show what the other (or a job)
 * changed once the change's notification has arrived (`sync()` waits for exactly that). On PGlite
 * both systems share the one in-process database; on PostgreSQL each has its own pool and listener.
 */

const CACHED = { READ_CACHE: 'true', READ_CACHE_TTL_SEC: '3600' };
const { a, b, clock } = useTwoSystems({ env: CACHED });


const COOLING_OFF = { product: 'installment', amount: 60_000, term: 24 };
const PAID_AT_ONCE = { product: 'pdl', amount: 10_000, term: 30 };

/** A loan signed for cash on `a`: from 50 000 ₽ in a 4-hour cooling-off; less is paid out by the next job run. */
async function signedLoan(loan = COOLING_OFF) {
  const { api, id, phone } = await decidedApplication(a, loan);
  expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' })).statusCode).toBe(200);
  clock.advance(61_000);
  expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(200);
  const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(a, phone) });
  expect(signed.statusCode, signed.body).toBe(200);
  return { api, phone, loanId: signed.json().loanId as string, onB: customerClient(b, api.cookie) };
}

describe('reads held in memory stay true', () => {
  it('the dashboard, the loan and the history come from memory, and show another process’s change once it is notified', async () => {
    const { api, loanId, onB } = await signedLoan();
    const first = (await api.get('/api/loans')).json();
    expect(first).toMatchObject([{ id: loanId, status: 'cooling_off', canRefuse: true }]);
    const historyBefore = (await api.get('/api/history')).json().items.length;
    const hits = await readCacheReads(a, 'hit');
    expect((await api.get('/api/loans')).json()).toEqual(first);
    expect((await api.get(`/api/loans/${loanId}`)).json()).toEqual(first[0]);
    expect(await readCacheReads(a, 'hit')).toBeGreaterThanOrEqual(hits + 3); // two sessions, two loan reads

    clock.advance(1_000); // the refusal is the newest operation
    expect((await onB.post(`/api/loans/${loanId}/refuse`)).statusCode).toBe(200);
    await a.readCache!.sync();
    expect((await api.get(`/api/loans/${loanId}`)).json()).toMatchObject({ status: 'refused', canRefuse: false });
    const history = (await api.get('/api/history')).json().items;
    expect(history).toHaveLength(historyBefore + 1);
    expect(history[0]).toMatchObject({ type: 'refusal', loanId });
  });

  it('the application list shows the decision a job made, once notified', async () => {
    const api = customerClient(a, await login(a, nextPhone()));
    const created = (await api.create(COOLING_OFF)).json();
    expect((await api.patch(created.id, questionnaire())).statusCode).toBe(200);
    expect((await api.consents(created.id)).statusCode).toBe(200);
    expect((await api.submit(created.id)).statusCode).toBe(202);
    const listed = (await api.get('/api/applications')).json();
    expect(listed).toMatchObject([{ id: created.id, status: 'scoring' }]);
    expect((await customerClient(b, api.cookie).get('/api/applications')).json()).toEqual(listed);
    await runJobs(a); // the decision, in this process
    await a.readCache!.sync();
    await b.readCache!.sync();
    expect((await api.get('/api/applications')).json()).toMatchObject([{ id: created.id, status: 'approved' }]);
    expect((await customerClient(b, api.cookie).get('/api/applications')).json()).toMatchObject([{ id: created.id, status: 'approved' }]);
  });

  it('the customer’s own write shows at once in the process that made it; a job’s once notified', async () => {
    const { api, loanId } = await signedLoan();
    expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('cooling_off');
    const refused = await api.post(`/api/loans/${loanId}/refuse`);
    expect(refused.json()).toMatchObject({ status: 'refused' });
    expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('refused');

    const small = await signedLoan(PAID_AT_ONCE);
    const before = (await small.api.get(`/api/loans/${small.loanId}`)).json();
    expect(before.status).not.toBe('active');
    await runJobs(a); // the payout job, in this process
    await a.readCache!.sync();
    expect((await small.api.get(`/api/loans/${small.loanId}`)).json()).toMatchObject({ status: 'active', cashCode: expect.any(String) });
    await b.readCache!.sync();
    expect((await small.onB.get(`/api/loans/${small.loanId}`)).json().status).toBe('active');
  });

  it('a held loan is computed again after midnight in Moscow, although nothing was written', async () => {
    clock.set('2026-11-25T20:40:00Z'); // 23:40 in Moscow
    const { loanId, api } = await signedLoan(PAID_AT_ONCE);
    await runJobs(a);
    await a.readCache!.sync();
    const today = (await api.get(`/api/loans/${loanId}`)).json();
    expect((await api.get(`/api/loans/${loanId}`)).json()).toEqual(today); // held
    for (let i = 0; i < 5; i += 1) {
      clock.advance(5 * 60_000); // past midnight in Moscow, the session kept in use
      expect((await api.get('/api/me')).statusCode).toBe(200);
    }
    const tomorrow = (await api.get(`/api/loans/${loanId}`)).json();
    expect(tomorrow.daysLeft).toBe(today.daysLeft - 1);
    expect(tomorrow.debt.interestKopecks).toBeGreaterThan(today.debt.interestKopecks);
  });

  it('each customer reads only their own loans, held or not', async () => {
    const x = await signedLoan();
    const y = await signedLoan();
    for (let round = 0; round < 2; round += 1) {
      expect((await x.api.get('/api/loans')).json().map((l: { id: string }) => l.id)).toEqual([x.loanId]);
      expect((await y.api.get('/api/loans')).json().map((l: { id: string }) => l.id)).toEqual([y.loanId]);
      expect((await x.api.get(`/api/loans/${y.loanId}`)).statusCode).toBe(404);
      expect((await y.onB.get(`/api/loans/${x.loanId}`)).statusCode).toBe(404);
    }
  });
});

describe('sessions held in memory end everywhere', () => {
  it('logout ends the session at once here and, once notified, in the other process', async () => {
    const cookie = await login(a, nextPhone());
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(200);
    expect((await b.get('/api/me', { cookie })).statusCode).toBe(200);
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(200);
    expect((await a.post('/api/auth/logout', {}, { cookie })).statusCode).toBeLessThan(300);
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(401);
    await b.readCache!.sync();
    expect((await b.get('/api/me', { cookie })).statusCode).toBe(401);
  });

  it('«end other sessions» in one process ends them in the other', async () => {
    const phone = nextPhone();
    const kept = await login(a, phone);
    clock.advance(61_000);
    const other = await login(a, phone);
    for (const cookie of [kept, other]) expect((await b.get('/api/me', { cookie })).statusCode).toBe(200);
    expect((await customerClient(a, kept).post('/api/sessions/end-others')).statusCode).toBeLessThan(300);
    await b.readCache!.sync();
    expect((await b.get('/api/me', { cookie: other })).statusCode).toBe(401);
    expect((await b.get('/api/me', { cookie: kept })).statusCode).toBe(200);
  });

  it('a deletion confirmed by staff ends the session at once in that process and, once notified, in the other (SES-6)', async () => {
    const customer = customerClient(a, await login(a, nextPhone()));
    expect((await customer.post('/api/account/deletion')).statusCode).toBe(202);
    for (const system of [a, b, a, b]) expect((await system.get('/api/me', { cookie: customer.cookie })).statusCode).toBe(200);
    const agent = await loginStaff(a, ['support']);
    const [request] = (await agent.get('/api/staff/deletion-requests?status=pending')).json().items as { id: string }[];
    expect((await agent.post(`/api/staff/deletion-requests/${request!.id}/confirm`)).statusCode).toBeLessThan(300);
    expect((await a.get('/api/me', { cookie: customer.cookie })).statusCode).toBe(401);
    await b.readCache!.sync();
    expect((await b.get('/api/me', { cookie: customer.cookie })).statusCode).toBe(401);
  });

  it('a held session still ends at the idle timeout', async () => {
    const cookie = await login(a, nextPhone());
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(200);
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(200);
    clock.advance(a.config.session.idleMs);
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(401);
  });

  it('a held session keeps its activity recorded, so it does not idle out while in use', async () => {
    const cookie = await login(a, nextPhone());
    const step = Math.floor(a.config.session.idleMs / 3);
    for (let i = 0; i < 6; i += 1) {
      clock.advance(step);
      expect((await a.get('/api/me', { cookie })).statusCode).toBe(200);
    }
  });
});
