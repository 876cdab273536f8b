import { describe, expect, it } from 'vitest';
import { DAY_MS, SECOND_MS } from '../../../core/clock';
import { activeLoan, customerClient } from '../../testing/applicant';
import { lastCodeFor, login, nextPhone, runJobs, useTestSystem } from '../../testing/test-system';
import { ledgerProblems } from '../ledger/ledger.service';

const system = useTestSystem();
type Api = ReturnType<typeof customerClient>;

/** Moves the clock, then logs in again (sessions end after 15 idle minutes). */
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

async function prolong(api: Api, phone: string, loanId: string, days: number) {
  system.clock.advance(61 * SECOND_MS);
  const otp = await api.post(`/api/loans/${loanId}/prolongation/otp`, { days });
  expect(otp.statusCode, otp.body).toBe(200);
  const signed = await api.post(`/api/loans/${loanId}/prolongation`, { days, code: await lastCodeFor(system, phone) });
  expect(signed.statusCode, signed.body).toBe(201);
  return signed.json() as { addendumId: string; paymentId: string; confirmationUrl: string; newDueDate: string };
}

describe('prolongation (R20)', () => {
  it('pay the interest to date, sign the addendum by SMS: the due date moves once the payment succeeds', async () => {
    const { loanId, phone } = await activeLoan(system);
    const api = await later(phone, 10 * DAY_MS);
    const offer = (await api.get(`/api/loans/${loanId}/prolongation?days=14`)).json();
    expect(offer).toMatchObject({ days: 14, sequence: 1, remaining: 5, newDueDate: '2027-01-08', interestKopecks: 80_000 });
    expect(offer.text).toMatch(/ДОПОЛНИТЕЛЬНОЕ СОГЛАШЕНИЕ № 1[\s\S]*с 25 декабря 2026 г\. на 8 января 2027 г\./);

    const signed = await prolong(api, phone, loanId, 14);
    expect((await api.get(`/api/loans/${loanId}`)).json().dueDate).toBe('2026-12-25'); // not before the money
    await payOnPage(signed.confirmationUrl);
    const loan = (await api.get(`/api/loans/${loanId}`)).json();
    expect(loan).toMatchObject({ dueDate: '2027-01-08', prolongations: { used: 1, left: 4 }, debt: { principalKopecks: 1_000_000, interestKopecks: 0 } });
    const evidence = await system.database.db.selectFrom('addenda').selectAll().executeTakeFirstOrThrow();
    expect(evidence).toMatchObject({ status: 'applied', document_sha256: offer.sha256, days: 14, phone });
    const history = (await api.get('/api/history?type=prolongation')).json();
    expect(history.items).toMatchObject([{ status: 'applied', title: 'Займ продлён до 2027-01-08', amountKopecks: 80_000 }]);
    expect(await ledgerProblems(system.database.db)).toEqual([]);
  });

  it('a failed payment voids the addendum; the due date stays', async () => {
    const { loanId, phone } = await activeLoan(system);
    const api = await later(phone, 5 * DAY_MS);
    const signed = await prolong(api, phone, loanId, 7);
    await payOnPage(signed.confirmationUrl, 'canceled');
    expect((await api.get(`/api/loans/${loanId}`)).json()).toMatchObject({ dueDate: '2026-12-25', prolongations: { used: 0 } });
    expect((await system.database.db.selectFrom('addenda').select('status').executeTakeFirstOrThrow()).status).toBe('void');
  });

  it('an overdue loan is prolonged from today; at most 5 times; days outside 7–30 are refused', async () => {
    const { loanId, phone } = await activeLoan(system);
    let api = await later(phone, 35 * DAY_MS); // 5 days overdue
    expect((await api.get(`/api/loans/${loanId}/prolongation?days=7`)).json().newDueDate).toBe('2027-01-06');
    for (const days of ['6', '31', 'x', '']) expect((await api.get(`/api/loans/${loanId}/prolongation?days=${days}`)).statusCode, days).toBe(400);
    for (let n = 1; n <= 5; n += 1) {
      const signed = await prolong(api, phone, loanId, 7);
      await payOnPage(signed.confirmationUrl);
      api = await later(phone, DAY_MS);
    }
    const loan = (await api.get(`/api/loans/${loanId}`)).json();
    expect(loan.prolongations).toEqual({ used: 5, left: 0 });
    const sixth = await api.get(`/api/loans/${loanId}/prolongation?days=7`);
    expect(sixth.statusCode).toBe(409);
    expect(sixth.json().error.message).toMatch(/5 раз/);
  });

  it('a code for one addendum cannot sign another (other days), nor the contract; a login code cannot sign', async () => {
    const { loanId, phone } = await activeLoan(system);
    const api = await later(phone, 3 * DAY_MS);
    const loginCode = await lastCodeFor(system, phone);
    expect((await api.post(`/api/loans/${loanId}/prolongation`, { days: 14, code: loginCode })).statusCode).toBe(401);
    system.clock.advance(61 * SECOND_MS);
    await api.post(`/api/loans/${loanId}/prolongation/otp`, { days: 14 });
    const code = await lastCodeFor(system, phone);
    expect((await api.post(`/api/loans/${loanId}/prolongation`, { days: 21, code })).statusCode).toBe(401);
    expect(await system.database.db.selectFrom('addenda').select('id').execute()).toEqual([]);
  });

  it('none once the cap is reached: the debt no longer grows', async () => {
    const { loanId, phone } = await activeLoan(system);
    const api = await later(phone, 200 * DAY_MS);
    const refused = await api.get(`/api/loans/${loanId}/prolongation?days=14`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/предела/);
  });

  it('another customer cannot quote or sign a prolongation of this loan', async () => {
    const { loanId } = await activeLoan(system);
    const other = customerClient(system, await login(system, nextPhone()));
    expect((await other.get(`/api/loans/${loanId}/prolongation?days=14`)).statusCode).toBe(404);
    expect((await other.post(`/api/loans/${loanId}/prolongation/otp`, { days: 14 })).statusCode).toBe(404);
  });
});
