import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../db/database';
import { SANDBOX_NOTIFY_QUEUE } from '../../providers/acquiring/sandbox';
import { activeLoan } from '../../testing/applicant';
import { payOnAcquirerPage, payUntilAcknowledged, type PaymentAck } from '../../testing/borrower-http';
import { useCleanup } from '../../testing/cleanup';
import { startPrivatePostgres, type PrivatePostgres } from '../../testing/private-postgres';
import { httpClient, logSummary, startServerProcess, type ServerProcess } from '../../testing/server-process';
import { createTestSystem, testConfig, type TestSystem } from '../../testing/test-system';
import { pause, until } from '../../testing/wait';
import { accounts, balance, ledgerProblems } from '../ledger/ledger.service';

/**
 * Issue 6, must-show 3: the database restarts in the middle of payments, and each payment still
 * counts exactly once. A private PostgreSQL cluster (the shared test server is never touched), the
 * real server as a child process on it, a stream of payments through its HTTP API (each retried
 * with its own Idempotency-Key until acknowledged, then paid on the sandbox acquirer's page), and
 * meanwhile the database is restarted twice: `pg_ctl stop -m fast` (clean) and `-m immediate`
 * (a crash: recovery from the WAL on start). Then every acknowledged payment is credited once.
 */

const MIN_PAYMENTS = 20;
const MAX_PAYMENTS = 150;
const LANES = 2;

type Ack = PaymentAck;
type RestartReport = {
  mode: 'fast' | 'immediate';
  stopMs: number;
  downMs: number;
  startMs: number;
  healthWhileDown: string;
  paymentFailedWhileDown: boolean;
  /** From PostgreSQL accepting connections again to the first 2xx. */
  health2xxMs: number;
  api2xxMs: number;
  /** From the stop command to the first 2xx of an authenticated API call. */
  outageMs: number;
};

describe('payments across PostgreSQL restarts (private cluster, real server process)', () => {
  it('fast and immediate restarts in the middle of a payment stream: each acknowledged payment counts exactly once', async () => {
    // Undone in reverse order, once: at the end of the body, or when the test times out.
    const cleanup = useCleanup();
    const dataDir = mkdtempSync(join(tmpdir(), 'cc-pay-restart-'));
    cleanup.add(() => rmSync(dataDir, { recursive: true, force: true }));
    try {
      const pgCluster: PrivatePostgres = await startPrivatePostgres();
      cleanup.add(() => pgCluster.stop());
      const database: Database = await openPostgres(pgCluster.url, { max: 5 });
      cleanup.add(() => database.close());
      // The queues' expiry is fixed when a queue is first created: this system creates them.
      const jobEnv = { JOB_EXPIRE_SEC: '2', JOBS_MAINTENANCE_SEC: '1' };
      const system: TestSystem = await createTestSystem({ database, env: { ...jobEnv, DATA_DIR: join(dataDir, 'in-process') } });
      cleanup.add(() => system.close());
      const db = system.database.db;
      const { loanId, phone } = await activeLoan(system);

      const child: ServerProcess = await startServerProcess({
        DATABASE_URL: pgCluster.url,
        APP_SECRET: testConfig().appSecret!,
        SANDBOX_LATENCY_MS: '0',
        DATA_DIR: join(dataDir, 'server'),
        ...jobEnv,
      });
      cleanup.add(() => child.stop());
      const client = httpClient(child.url);
      await client.login(phone);
      const failure = (message: string) => {
        // A crash prints plain text (the stack of what killed it) among the JSON log lines.
        const lines = child.output().split('\n');
        const plain = lines.filter((line) => line.trim() && !line.startsWith('{')).join('\n');
        return new Error(`${message}\n--- server output, not JSON ---\n${plain.slice(-4000)}\n--- server log (tail) ---\n${lines.slice(-8).join('\n').slice(-4000)}`);
      };
      // The server process must survive the database going away: its death ends the test at once.
      let died: string | null = null;
      let stopping = false;
      cleanup.add(() => {
        stopping = true;
      });
      void child.exited.then(({ code, signal }) => {
        if (!stopping) died = `the server process exited (code ${code}, signal ${signal}) while PostgreSQL restarted`;
      });

      // What the client saw, by kind: statuses and network errors, for the report.
      const seen = new Map<string, number>();
      const note = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
      let failures = 0;
      let abortedByTask = false;
      const isAborted = () => abortedByTask || died !== null;
      const acks: Ack[] = [];
      let started = 0;
      let restartsDone = false;

      // POST …/payments with one key until 201, then «Оплатить» on the acquirer's page: both retried.
      const retry = { note, onRetry: () => void (failures += 1), aborted: isAborted, fail: failure };
      const pay = (amountKopecks: number): Promise<Ack> => payUntilAcknowledged(client, loanId, amountKopecks, retry);
      const acquirerStatus = async (id: string) =>
        (await db.selectFrom('sandbox_acquiring_payments').select('status').where('id', '=', id).executeTakeFirst())?.status;
      const payOnPage = (ack: Ack) => payOnAcquirerPage(() => child.url, ack, acquirerStatus, retry);

      async function lane() {
        while (!isAborted() && (!restartsDone || started < MIN_PAYMENTS) && started < MAX_PAYMENTS) {
          started += 1;
          // Small amounts (10–11.5 ₽): the 10 000 ₽ loan stays open however many there are.
          const ack = await pay(1_000 + started * 7);
          acks.push(ack);
          await payOnPage(ack);
        }
      }

      /** First 2xx of `probe`, polled; the time from `since`. */
      async function first2xx(what: string, probe: () => Promise<number>, since: number): Promise<number> {
        const deadline = performance.now() + 30_000;
        for (;;) {
          if (died) throw failure(died);
          const status = await probe().catch(() => 0);
          if (status >= 200 && status < 300) return performance.now() - since;
          if (performance.now() > deadline) throw failure(`${what}: no 2xx within 30 s after the database came back (last ${status || 'network error'})`);
          await pause(25);
        }
      }
      // Readiness, not liveness: /api/health stays 200 while the database is down (issue 9).
      const health = async () => (await fetch(`${child.url}/api/ready`)).status;
      const loanView = async () => (await client.get(`/api/loans/${loanId}`)).status;

      async function restartDuringPayments(mode: 'fast' | 'immediate'): Promise<RestartReport> {
        const failuresBefore = failures;
        let healthWhileDown = '';
        let paymentFailedWhileDown = false;
        let stoppedAt = 0;
        const began = performance.now();
        const timing = await pgCluster.restart(mode, {
          // Down: wait (bounded) until the server and the payment stream have both noticed.
          whileDown: async () => {
            stoppedAt = performance.now();
            const deadline = performance.now() + 10_000;
            for (;;) {
              const status = await health().catch(() => 0);
              if (status !== 200 || performance.now() > deadline) {
                healthWhileDown = status ? String(status) : 'network error';
                break;
              }
              await pause(20);
            }
            paymentFailedWhileDown = await until('a payment request to fail', () => failures > failuresBefore, 10_000, isAborted).then(
              () => true,
              () => false,
            );
          },
        });
        const up = performance.now();
        const [health2xxMs, api2xxMs] = await Promise.all([first2xx('GET /api/ready', health, up), first2xx(`GET /api/loans/${loanId}`, loanView, up)]);
        return {
          mode,
          stopMs: Math.round(timing.stoppedMs),
          downMs: Math.round(up - stoppedAt),
          startMs: Math.round(timing.startedMs),
          healthWhileDown,
          paymentFailedWhileDown,
          health2xxMs: Math.round(health2xxMs),
          api2xxMs: Math.round(api2xxMs),
          outageMs: Math.round(up + api2xxMs - began),
        };
      }

      const restarts: RestartReport[] = [];
      async function controller() {
        try {
          await until('5 acknowledged payments', () => acks.length >= 5, 60_000, isAborted);
          restarts.push(await restartDuringPayments('fast'));
          const afterFast = acks.length;
          await until('5 more acknowledged payments', () => acks.length >= afterFast + 5, 90_000, isAborted);
          restarts.push(await restartDuringPayments('immediate'));
        } finally {
          restartsDone = true;
        }
      }

      const streamBegan = performance.now();
      // One failing task stops the others; all of them end before the cleanup starts.
      const outcomes = await Promise.allSettled(
        [controller(), ...Array.from({ length: LANES }, () => lane())].map((task) =>
          task.catch((error: unknown) => {
            abortedByTask = true;
            throw error;
          }),
        ),
      );
      if (died) throw failure(`${died}; restarts completed before: ${JSON.stringify(restarts)}`);
      const firstFailure = outcomes.find((o) => o.status === 'rejected');
      if (firstFailure) throw firstFailure.reason;
      const streamMs = performance.now() - streamBegan;

      // Every acknowledged payment credited: the notifications retry; the reconciliation is the backstop.
      const ackIds = acks.map((a) => a.paymentId);
      const settleBegan = performance.now();
      let reconciliationRuns = 0;
      for (;;) {
        const rows = await db.selectFrom('payments').select(['id', 'status']).where('id', 'in', ackIds).execute();
        const open = rows.filter((r) => r.status !== 'succeeded');
        if (rows.length === ackIds.length && open.length === 0) break;
        if (died) throw failure(died);
        const waited = performance.now() - settleBegan;
        if (waited > 60_000) throw failure(`not credited within 60 s: ${JSON.stringify(open)} (${rows.length}/${ackIds.length} found)`);
        if (waited > 20_000) {
          // The process's own reconciliation runs every 10 minutes; run it now, at the real time.
          system.clock.set(new Date());
          await system.money.reconcilePayments({ olderThanMs: 0 });
          reconciliationRuns += 1;
        }
        await pause(250);
      }
      const settleMs = performance.now() - settleBegan;

      // Each acknowledged payment: one intent, one payment at the acquirer, one posting — nothing else.
      expect(new Set(ackIds).size).toBe(acks.length);
      const payments = await db.selectFrom('payments').select(['id', 'status', 'amount_kopecks']).where('loan_id', '=', loanId).execute();
      expect(payments.map((p) => p.id).sort()).toEqual([...ackIds].sort());
      for (const ack of acks) expect(payments.find((p) => p.id === ack.paymentId)?.amount_kopecks).toBe(ack.amountKopecks);
      const atAcquirer = await db.selectFrom('sandbox_acquiring_payments').select(['idempotency_key', 'status', 'amount_kopecks']).execute();
      expect(atAcquirer.map((p) => p.idempotency_key).sort()).toEqual([...ackIds].sort());
      expect(atAcquirer.every((p) => p.status === 'succeeded')).toBe(true);
      const postings = await db.selectFrom('ledger_transactions').select('external_id').where('source', '=', 'payment').execute();
      expect(postings.map((p) => p.external_id).sort()).toEqual([...ackIds].sort());
      expect(await ledgerProblems(db)).toEqual([]);

      // The money: what came in is what the postings credited to the loan and the overpayment, and
      // (as in the model test) what it paid off of the principal and the charges plus the overpayment.
      const loan = await db.selectFrom('loans').selectAll().where('id', '=', loanId).executeTakeFirstOrThrow();
      const received = payments.reduce((sum, p) => sum + p.amount_kopecks, 0);
      expect(received).toBe(acks.reduce((sum, a) => sum + a.amountKopecks, 0));
      const loanAccounts = [accounts.loanPrincipal(loanId), accounts.loanInterest(loanId), accounts.loanPenalty(loanId)].map((a) => a.id);
      const overpaymentAccount = accounts.customerOverpayment(loan.customer_id).id;
      const credited = await sql<{ kopecks: number }>`
        SELECT COALESCE(SUM(e.credit_kopecks), 0)::int8 AS kopecks
        FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
        WHERE t.source = 'payment' AND e.account_id IN (${sql.join([...loanAccounts, overpaymentAccount])})
      `.execute(db);
      expect(credited.rows[0]!.kopecks).toBe(received);
      const principal = await balance(db, accounts.loanPrincipal(loanId).id);
      const interest = await balance(db, accounts.loanInterest(loanId).id);
      const penalty = await balance(db, accounts.loanPenalty(loanId).id);
      const overpayment = await balance(db, accounts.customerOverpayment(loan.customer_id).id);
      expect(received).toBe(loan.amount_kopecks - principal + (loan.charged_kopecks - interest - penalty) + overpayment);
      expect(loan.status).toBe('active');

      // For the report: the notification jobs' end states (stuck or failed ones are worth knowing).
      const notifyJobs = await sql<{ state: string; n: number }>`
        SELECT state::text AS state, COUNT(*)::int8 AS n FROM pgboss.job WHERE name = ${SANDBOX_NOTIFY_QUEUE} GROUP BY state ORDER BY state
      `.execute(db);
      console.log(
        [
          `payments across restarts: ${acks.length} payments acknowledged and credited once; stream ${Math.round(streamMs)} ms, credited ${Math.round(settleMs)} ms after it` +
            ` (in-process reconciliation runs: ${reconciliationRuns})`,
          ...restarts.map(
            (r) =>
              `  restart -m ${r.mode}: stop ${r.stopMs} ms, down ${r.downMs} ms (health while down: ${r.healthWhileDown}, a payment request failed: ${r.paymentFailedWhileDown}), start ${r.startMs} ms;` +
              ` first 2xx after the database was back: health ${r.health2xxMs} ms, GET loan ${r.api2xxMs} ms; client-visible outage ${r.outageMs} ms`,
          ),
          `  replies seen: ${[...seen].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`).join(', ')}`,
          `  payments needing retries: ${acks.filter((a) => a.attempts > 1).length} (most attempts ${Math.max(...acks.map((a) => a.attempts))})`,
          `  notification jobs: ${notifyJobs.rows.map((r) => `${r.state} ×${r.n}`).join(', ')}`,
          '  server log (warn and above):',
          ...logSummary(child.output()).map((line) => `    ${line}`),
        ].join('\n'),
      );
      expect(restarts.map((r) => r.mode)).toEqual(['fast', 'immediate']);
      // Both restarts really happened in the middle of the stream: a payment request failed while down.
      expect(restarts.map((r) => r.paymentFailedWhileDown)).toEqual([true, true]);
    } finally {
      await cleanup.run();
    }
  }, 180_000);
});
