import { afterAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../core/clock';
import { SANDBOX_ACQUIRER, WEBHOOK_PATH } from '../../providers/acquiring/sandbox';
import { activeLoan } from '../../testing/applicant';
import { httpClient, startServerProcess } from '../../testing/server-process';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { createTestSystem, runJobs, testConfig, type TestSystem } from '../../testing/test-system';
import { ledgerProblems } from '../ledger/ledger.service';

/** SECURITY.md scenarios 6–9 on PostgreSQL: retry storms, notification storms, races, kill -9. */

afterAll(dropTestDatabases);

async function withSystem(run: (system: TestSystem, url: string) => Promise<void>, env: Record<string, string> = {}) {
  const { database, url } = await createTestDatabase();
  const system = await createTestSystem({ database, env });
  try {
    await run(system, url!);
  } finally {
    await system.close();
    await database.close();
  }
}

const paymentPostings = (system: TestSystem) => system.database.db.selectFrom('ledger_transactions').select('external_id').where('source', '=', 'payment').execute();

function notify(system: TestSystem, providerPaymentId: string, eventId = crypto.randomUUID()) {
  const raw = JSON.stringify({ event_id: eventId, type: 'payment.succeeded', payment_id: providerPaymentId });
  return system.app.inject({
    method: 'POST',
    url: `${WEBHOOK_PATH}/${SANDBOX_ACQUIRER}`,
    headers: { 'content-type': 'application/json', 'x-sandbox-signature': system.sandboxAcquiring.sign(raw, Math.floor(system.clock.now().getTime() / 1000)) },
    payload: raw,
  });
}

describe('payments under real concurrency (PostgreSQL)', () => {
  it('a retry storm of 50 same-key requests → one acquirer payment; each reply is that payment or 409 in flight', async () => {
    await withSystem(async (system) => {
      const { api, loanId } = await activeLoan(system);
      system.sandboxAcquiring.control.latencyMs = 50; // the first request is still at the acquirer while the others arrive
      const key = crypto.randomUUID();
      const replies = await Promise.all(Array.from({ length: 50 }, () => api.pay(loanId, { amountKopecks: 100_000 }, key)));
      system.sandboxAcquiring.control.latencyMs = 0;
      const ok = replies.filter((r) => r.statusCode === 201);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(replies.every((r) => r.statusCode === 201 || (r.statusCode === 409 && r.json().error.code === 'in_flight'))).toBe(true);
      expect(new Set(ok.map((r) => r.json().paymentId)).size).toBe(1);
      expect(system.sandboxAcquiring.createdCount()).toBe(1);
      expect(await system.database.db.selectFrom('payments').select('id').execute()).toHaveLength(1);
      const again = await api.pay(loanId, { amountKopecks: 100_000 }, key);
      expect(again.json().paymentId).toBe(ok[0]!.json().paymentId);
    });
  });

  it('100 concurrent notifications (distinct event ids) for one payment → one posting', async () => {
    await withSystem(async (system) => {
      const { api, loanId } = await activeLoan(system);
      const started = (await api.pay(loanId, { amountKopecks: 300_000 }, crypto.randomUUID())).json();
      const row = await system.database.db.selectFrom('payments').selectAll().executeTakeFirstOrThrow();
      await system.sandboxAcquiring.completeOnPage(row.provider_payment_id!, 'succeeded');
      const answers = await Promise.all(Array.from({ length: 100 }, () => notify(system, row.provider_payment_id!)));
      expect(answers.every((a) => a.statusCode === 200)).toBe(true);
      await runJobs(system);
      expect((await paymentPostings(system)).map((p) => p.external_id)).toEqual([started.paymentId]);
      expect(await ledgerProblems(system.database.db)).toEqual([]);
    });
  });

  it('concurrent payments above the debt: receivables never below zero, the excess held, the ledger balanced', async () => {
    await withSystem(async (system) => {
      const { api, loanId } = await activeLoan(system);
      const ids = [];
      for (let i = 0; i < 10; i += 1) ids.push((await api.pay(loanId, { amountKopecks: 1_000_000 }, crypto.randomUUID())).json().paymentId as string);
      const rows = await system.database.db.selectFrom('payments').selectAll().execute();
      for (const row of rows) await system.sandboxAcquiring.completeOnPage(row.provider_payment_id!, 'succeeded');
      // Every notification at once, and the accrual job in the middle of them.
      await Promise.all([...rows.map((row) => notify(system, row.provider_payment_id!)), system.money.accrueAll()]);
      await runJobs(system);
      expect(await paymentPostings(system)).toHaveLength(10);
      const balances = await system.database.db.selectFrom('ledger_accounts').select(['kind', 'balance_kopecks']).execute();
      for (const b of balances.filter((a) => a.kind.startsWith('loan_'))) expect(b.balance_kopecks).toBe(0);
      expect(balances.find((b) => b.kind === 'customer_overpayment')?.balance_kopecks).toBe(9_000_000);
      expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('closed');
      expect(await ledgerProblems(system.database.db)).toEqual([]);
      expect(ids).toHaveLength(10);
    });
  });

  it('accrual run twice in parallel for many days posts each day once (LED-5)', async () => {
    await withSystem(async (system) => {
      await activeLoan(system);
      system.clock.advance(40 * DAY_MS);
      await Promise.all([system.money.accrueAll(), system.money.accrueAll(), system.money.accrueAll()]);
      const accruals = await system.database.db.selectFrom('ledger_transactions').select('external_id').where('source', '=', 'accrual').execute();
      expect(accruals).toHaveLength(40);
      expect(new Set(accruals.map((a) => a.external_id)).size).toBe(40);
      expect(await ledgerProblems(system.database.db)).toEqual([]);
    });
  });

  it('kill -9 after the acquirer created the payment, and again inside the crediting transaction: one payment, one posting', async () => {
    await withSystem(async (system, url) => {
      const { loanId, phone } = await activeLoan(system);
      const env = {
        DATABASE_URL: url,
        APP_SECRET: testConfig().appSecret!,
        SANDBOX_LATENCY_MS: '0',
        JOBS_MAINTENANCE_SEC: '1',
        JOB_EXPIRE_SEC: '2',
      };
      const key = crypto.randomUUID();
      const db = system.database.db;

      const first = await startServerProcess({ ...env, CRASHPOINTS: 'payment.after_acquirer_create' });
      const client = httpClient(first.url);
      await client.login(phone);
      await client.post(`/api/loans/${loanId}/payments`, { amountKopecks: 200_000 }, { 'idempotency-key': key }).catch(() => undefined);
      expect((await first.exited).signal).toBe('SIGKILL');
      expect(await db.selectFrom('sandbox_acquiring_payments').select('id').execute()).toHaveLength(1);
      expect((await db.selectFrom('payments').select('status').executeTakeFirstOrThrow()).status).toBe('created');

      // The dead request's hold on the intent runs out (15 s); the borrower presses «Оплатить» again.
      await db.updateTable('payments').set({ claimed_until: null }).execute();
      const second = await startServerProcess({ ...env, CRASHPOINTS: 'payment.before_commit' });
      const again = httpClient(second.url, client.cookie());
      const retried = await again.post(`/api/loans/${loanId}/payments`, { amountKopecks: 200_000 }, { 'idempotency-key': key });
      expect(retried.status).toBe(201);
      expect(await db.selectFrom('sandbox_acquiring_payments').select('id').execute()).toHaveLength(1);
      // Paid on the acquirer's page; the notification arrives and the process dies before the commit.
      const page = new URL(String(retried.body!.confirmationUrl)).pathname;
      await fetch(`${second.url}${page}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeeded' });
      expect((await second.exited).signal).toBe('SIGKILL');
      expect(await paymentPostings(system)).toHaveLength(0);
      expect((await db.selectFrom('payments').select('status').executeTakeFirstOrThrow()).status).toBe('pending');

      const third = await startServerProcess(env);
      try {
        for (let i = 0; i < 120 && (await paymentPostings(system)).length === 0; i += 1) await new Promise((r) => setTimeout(r, 250));
        expect(await paymentPostings(system), third.output()).toHaveLength(1);
        expect((await db.selectFrom('payments').select('status').executeTakeFirstOrThrow()).status).toBe('succeeded');
        expect(await db.selectFrom('sandbox_acquiring_payments').select('id').execute()).toHaveLength(1);
        expect(await ledgerProblems(db)).toEqual([]);
      } finally {
        await third.stop();
      }
      // The queues' expiry is fixed when a queue is first created: this system creates them.
    }, { JOB_EXPIRE_SEC: '2', JOBS_MAINTENANCE_SEC: '1' });
  }, 150_000);
});
