import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, balance, ledgerProblems } from '../modules/ledger/ledger.service';
import { applyOverHttp, awaitDecision, awaitLoanStatus, payOnAcquirerPage, payUntilAcknowledged, signOverHttp, type PaymentAck } from '../testing/borrower-http';
import { useCleanup } from '../testing/cleanup';
import { createFleet, faultEnv } from '../testing/fleet';
import { httpClient, logEntries, logSummary, type LogEntry } from '../testing/server-process';
import { createTestDatabase, dropTestDatabases } from '../testing/test-database';
import { waitFor } from '../testing/wait';

/**
 * Issue 9, fault tests: the production shape — two HTTP processes and two job workers on one
 * PostgreSQL database — carries borrowers from the login to a closed loan, every request going to
 * the web processes in turn. Then nothing was handled twice: each SMS delivered once (the workers'
 * own record of each delivery, not only the gateway's dedupe), each application scored once, each
 * payout made once, each acquirer notification handled once and each payment credited once, and
 * the ledger balances.
 */

afterAll(dropTestDatabases);

const BORROWERS = 10;
const FIRST_PAYMENT_KOPECKS = 100_000;

type Journey = { phone: string; applicationId: string; loanId: string; payments: PaymentAck[] };

describe('two web processes and two workers on one PostgreSQL', () => {
  it(`${BORROWERS} borrowers from login to a repaid loan: no SMS, scoring, payout or payment handled twice`, async () => {
    const cleanup = useCleanup();
    try {
      const { database, url } = await createTestDatabase();
      cleanup.defer(database, (d) => d.close());
      const db = database.db;
      const fleet = cleanup.defer(
        // Info: each delivery, decision and request is a log line the checks below count.
        createFleet({ ...faultEnv(url!, { poolMax: 5 }), LOG_LEVEL: 'info' }),
        (f) => f.stop(),
      );
      const startBegan = performance.now();
      await Promise.all([fleet.start('web-1', 'web'), fleet.start('web-2', 'web'), fleet.start('worker-1', 'worker'), fleet.start('worker-2', 'worker')]);
      const startMs = performance.now() - startBegan;
      const web = fleet.roundRobin('web');
      const acquirerStatus = async (id: string) =>
        (await db.selectFrom('sandbox_acquiring_payments').select('status').where('id', '=', id).executeTakeFirst())?.status;
      const fail = (message: string) => new Error(`${message}\n${fleet.all().map((i) => `--- ${i.slot} ---\n${logSummary(i.process.output()).join('\n')}`).join('\n')}`);

      async function journey(i: number): Promise<Journey> {
        const phone = `+7916${String(5_000_000 + i).padStart(7, '0')}`;
        // Each call of this borrower goes to the other web process than the one before.
        const client = httpClient(fleet.roundRobin('web'));
        await client.login(phone);
        const applicationId = await applyOverHttp(client, { passportNumber: String(200_000 + i) });
        expect(await awaitDecision(client, applicationId)).toBe('approved');
        const loanId = await signOverHttp(client, phone, applicationId);
        await awaitLoanStatus(client, loanId, 'active');
        const payments: PaymentAck[] = [];
        // A part, credited; then what is left, which closes the loan.
        for (const amount of [FIRST_PAYMENT_KOPECKS, null]) {
          const owed = ((await client.get(`/api/loans/${loanId}`)).body!.debt as { totalKopecks: number }).totalKopecks;
          const ack = await payUntilAcknowledged(client, loanId, amount ?? owed, { fail });
          // A healthy system acknowledges at the first attempt.
          expect(ack.attempts).toBe(1);
          await payOnAcquirerPage(web, ack, acquirerStatus, { fail });
          await waitFor(`payment ${ack.paymentId} credited`, async () => (await client.get(`/api/payments/${ack.paymentId}`)).body!.status === 'succeeded', 30_000, 100);
          payments.push(ack);
        }
        await awaitLoanStatus(client, loanId, 'closed');
        return { phone, applicationId, loanId, payments };
      }

      const flowBegan = performance.now();
      const journeys = await Promise.all(Array.from({ length: BORROWERS }, (_, i) => journey(i)));
      const flowMs = performance.now() - flowBegan;
      const loanIds = journeys.map((j) => j.loanId).sort();
      const acks = journeys.flatMap((j) => j.payments);
      const paymentIds = acks.map((a) => a.paymentId).sort();

      // The last notices may still be on their way: every outbox row delivered (none refused).
      const outbox = await waitFor(
        'every SMS delivered',
        async () => {
          const rows = await db.selectFrom('sms_outbox').select(['id', 'delivered_at', 'failed_at']).execute();
          return rows.every((r) => r.delivered_at !== null) && rows;
        },
        20_000,
      );
      expect(outbox.filter((r) => r.failed_at !== null)).toEqual([]);
      const outboxIds = outbox.map((r) => r.id).sort();

      const processes = fleet.all();
      expect(processes).toHaveLength(4);
      const logs = processes.map((i) => ({ slot: i.slot, role: i.role, entries: logEntries(i.process.output()) }));
      const entries = (msg: string) => logs.flatMap((l) => l.entries.filter((e) => e.msg === msg).map((e): LogEntry => ({ ...e, slot: l.slot, role: l.role })));

      // SMS: one gateway message per outbox row, and one delivery run per row across both workers.
      const atGateway = await db.selectFrom('sandbox_sms').select('idempotency_key').execute();
      expect(atGateway.map((m) => m.idempotency_key).sort()).toEqual(outboxIds);
      const deliveries = entries('sms delivered');
      expect(deliveries.map((d) => String(d.outboxId)).sort()).toEqual(outboxIds);
      // The jobs ran on the workers only, and on both of them.
      expect(new Set(deliveries.map((d) => d.slot))).toEqual(new Set(['worker-1', 'worker-2']));

      // Scoring: one run and one set of checks per application, one decision.
      const applications = await db.selectFrom('applications').select(['id', 'status', 'scoring_attempts']).execute();
      expect(applications.map((a) => a.id).sort()).toEqual(journeys.map((j) => j.applicationId).sort());
      for (const application of applications) expect(application).toMatchObject({ status: 'signed', scoring_attempts: 1 });
      const repeatedChecks = await sql<{ application_id: string; check_name: string; n: number }>`
        SELECT application_id, check_name, COUNT(*)::int AS n FROM scoring_checks GROUP BY application_id, check_name HAVING COUNT(*) <> 1
      `.execute(db);
      expect(repeatedChecks.rows).toEqual([]);
      expect((await db.selectFrom('scoring_checks').select('application_id').distinct().execute()).length).toBe(BORROWERS);
      const decided = entries('application decided');
      expect(decided.map((d) => String(d.applicationId)).sort()).toEqual(applications.map((a) => a.id).sort());
      expect(decided.every((d) => d.role === 'worker')).toBe(true);

      // Payouts: one provider payout per loan (keyed by the loan id), one run, one posting.
      const payouts = await db.selectFrom('payouts').select(['loan_id', 'status', 'attempts']).execute();
      expect(payouts.map((p) => p.loan_id).sort()).toEqual(loanIds);
      for (const payout of payouts) expect(payout).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect((await db.selectFrom('sandbox_payouts').select('idempotency_key').execute()).map((p) => p.idempotency_key).sort()).toEqual(loanIds);
      const postings = async (source: string) =>
        (await db.selectFrom('ledger_transactions').select('external_id').where('source', '=', source).execute()).map((t) => t.external_id).sort();
      expect(await postings('payout')).toEqual(loanIds);

      // Payments: one intent, one acquirer payment, one notification handled once, one posting each.
      const payments = await db.selectFrom('payments').select(['id', 'status', 'amount_kopecks']).execute();
      expect(payments.map((p) => p.id).sort()).toEqual(paymentIds);
      for (const ack of acks) expect(payments.find((p) => p.id === ack.paymentId)).toMatchObject({ status: 'succeeded', amount_kopecks: ack.amountKopecks });
      const atAcquirer = await db.selectFrom('sandbox_acquiring_payments').select(['idempotency_key', 'status']).execute();
      expect(atAcquirer.map((p) => p.idempotency_key).sort()).toEqual(paymentIds);
      expect(atAcquirer.every((p) => p.status === 'succeeded')).toBe(true);
      expect(await db.selectFrom('acquiring_events').select('event_id').execute()).toHaveLength(paymentIds.length);
      const webhookCalls = entries('request').filter((e) => String(e.url).startsWith('/api/webhooks/acquiring/'));
      expect(webhookCalls).toHaveLength(paymentIds.length);
      expect(webhookCalls.every((c) => c.status === 200 && c.role === 'worker')).toBe(true);
      expect(await postings('payment')).toEqual(paymentIds);

      // What the borrower was told: once per event.
      const reader = httpClient(web);
      for (const { phone, payments: paid } of journeys) {
        const texts = ((await reader.get(`/api/dev/sms?phone=${encodeURIComponent(phone)}`)).body as unknown as { text: string }[]).map((m) => m.text);
        expect(texts.filter((t) => /подпись договора/.test(t))).toHaveLength(1);
        expect(texts.filter((t) => /готов к получению/.test(t))).toHaveLength(1);
        expect(texts.filter((t) => /платёж .* получен/.test(t))).toHaveLength(paid.length);
        expect(texts.filter((t) => /займ погашен/.test(t))).toHaveLength(1);
      }

      // The ledger: balanced, and every loan repaid to zero with nothing held over.
      expect(await ledgerProblems(db)).toEqual([]);
      const loans = await db.selectFrom('loans').select(['id', 'customer_id', 'status', 'amount_kopecks', 'charged_kopecks']).execute();
      let owedInAll = 0;
      for (const loan of loans) {
        expect(loan.status).toBe('closed');
        for (const account of [accounts.loanPrincipal(loan.id), accounts.loanInterest(loan.id), accounts.loanPenalty(loan.id), accounts.customerOverpayment(loan.customer_id)]) {
          expect(await balance(db, account.id)).toBe(0);
        }
        owedInAll += loan.amount_kopecks + loan.charged_kopecks;
      }
      expect(payments.reduce((sum, p) => sum + p.amount_kopecks, 0)).toBe(owedInAll);

      // Both web processes carried the borrowers, alternately.
      const customerRequests = entries('request').filter((e) => String(e.url).startsWith('/api/') && e.role === 'web');
      const perWeb = ['web-1', 'web-2'].map((slot) => customerRequests.filter((r) => r.slot === slot).length);
      expect(Math.min(...perWeb)).toBeGreaterThan(0.3 * customerRequests.length);
      expect(entries('request').filter((e) => e.role === 'worker' && !String(e.url).startsWith('/api/webhooks/') && !String(e.url).startsWith('/api/health'))).toEqual([]);
      expect(processes.every((i) => i.end === null)).toBe(true);

      console.log(
        [
          `two webs + two workers: ${BORROWERS} borrowers, ${paymentIds.length} payments, ${outboxIds.length} SMS; processes up in ${Math.round(startMs)} ms, journeys ${Math.round(flowMs)} ms`,
          `  requests per web process: ${perWeb.join(' / ')}; SMS per worker: ${['worker-1', 'worker-2'].map((s) => deliveries.filter((d) => d.slot === s).length).join(' / ')};` +
            ` decisions per worker: ${['worker-1', 'worker-2'].map((s) => decided.filter((d) => d.slot === s).length).join(' / ')}`,
        ].join('\n'),
      );
    } finally {
      await cleanup.run();
    }
  }, 150_000);
});
