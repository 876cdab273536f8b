import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openPostgres, type Database } from '../../db/database';
import { SANDBOX_NOTIFY_QUEUE } from '../../providers/acquiring/sandbox';
import { activeLoan } from '../../testing/applicant';
import { startPrivatePostgres, type PrivatePostgres } from '../../testing/private-postgres';
import { httpClient, startServerProcess, type ServerProcess } from '../../testing/server-process';
import { createTestSystem, testConfig, type TestSystem } from '../../testing/test-system';
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

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, condition: () => boolean, timeoutMs: number, aborted: () => boolean = () => false) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (aborted()) throw new Error(`aborted while waiting for ${what}`);
    if (performance.now() > deadline) throw new Error(`timed out (${timeoutMs} ms) waiting for ${what}`);
    await pause(20);
  }
}

type Ack = { key: string; paymentId: string; amountKopecks: number; confirmationUrl: string; attempts: number };
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
    const cleanups: (() => Promise<void> | void)[] = [];
    const cleanUp = async () => {
      const problems: unknown[] = [];
      for (const cleanup of cleanups.splice(0).reverse()) {
        try {
          await cleanup();
        } catch (error) {
          problems.push(error);
        }
      }
      if (problems.length) console.warn('cleanup problems:', problems);
    };
    onTestFinished(cleanUp);
    const dataDir = mkdtempSync(join(tmpdir(), 'cc-pay-restart-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    try {
      const pgCluster: PrivatePostgres = await startPrivatePostgres();
      cleanups.push(() => pgCluster.stop());
      const database: Database = await openPostgres(pgCluster.url, { max: 5 });
      cleanups.push(() => database.close());
      // The queues' expiry is fixed when a queue is first created: this system creates them.
      const jobEnv = { JOB_EXPIRE_SEC: '2', JOBS_MAINTENANCE_SEC: '1' };
      const system: TestSystem = await createTestSystem({ database, env: { ...jobEnv, DATA_DIR: join(dataDir, 'in-process') } });
      cleanups.push(() => system.close());
      const db = system.database.db;
      const { loanId, phone } = await activeLoan(system);

      const child: ServerProcess = await startServerProcess({
        DATABASE_URL: pgCluster.url,
        APP_SECRET: testConfig().appSecret!,
        SANDBOX_LATENCY_MS: '0',
        DATA_DIR: join(dataDir, 'server'),
        ...jobEnv,
      });
      cleanups.push(() => child.stop());
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
      cleanups.push(() => {
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

      /** POST …/payments with one key until 201: network errors, 5xx and 409 in_flight are retried. */
      async function pay(amountKopecks: number): Promise<Ack> {
        const key = crypto.randomUUID();
        const deadline = performance.now() + 75_000;
        for (let attempt = 1; ; attempt += 1) {
          if (isAborted()) throw new Error('aborted');
          if (performance.now() > deadline) throw failure(`payment with key ${key} not acknowledged within 75 s (${attempt - 1} attempts)`);
          let reply: Awaited<ReturnType<typeof client.post>>;
          try {
            reply = await client.post(`/api/loans/${loanId}/payments`, { amountKopecks }, { 'idempotency-key': key });
          } catch (error) {
            note(`pay: network error (${(error as Error).message})`);
            failures += 1;
            await pause(100);
            continue;
          }
          const code = (reply.body?.error as { code?: string } | undefined)?.code;
          note(`pay: ${reply.status}${code ? ` ${code}` : ''}`);
          if (reply.status === 201) {
            const body = reply.body!;
            if (typeof body.confirmationUrl !== 'string') throw failure(`payment ${String(body.paymentId)} acknowledged without a page: ${JSON.stringify(body)}`);
            return { key, paymentId: String(body.paymentId), amountKopecks, confirmationUrl: body.confirmationUrl, attempts: attempt };
          }
          if (reply.status >= 500 || (reply.status === 409 && code === 'in_flight')) {
            failures += 1;
            // An intent whose claim could not be released holds the key for up to 30 s.
            await pause(reply.status === 409 ? 500 : 100);
            continue;
          }
          throw failure(`payment with key ${key}: unexpected ${reply.status} ${JSON.stringify(reply.body)}`);
        }
      }

      /** The borrower pays on the sandbox acquirer's page (retried until it answers). */
      async function payOnPage(ack: Ack): Promise<void> {
        const path = new URL(ack.confirmationUrl).pathname;
        const providerPaymentId = path.split('/').at(-1)!;
        const deadline = performance.now() + 60_000;
        for (;;) {
          if (isAborted()) throw new Error('aborted');
          if (performance.now() > deadline) throw failure(`the acquirer page of payment ${ack.paymentId} did not answer within 60 s`);
          let status: number;
          try {
            const response = await fetch(`${child.url}${path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: 'outcome=succeeded',
            });
            await response.text();
            status = response.status;
          } catch (error) {
            note(`page: network error (${(error as Error).message})`);
            failures += 1;
            await pause(100);
            continue;
          }
          note(`page: ${status}`);
          if (status === 200) return;
          if (status === 404) {
            // A reply lost after the commit: the page no longer offers a pending payment.
            const row = await db.selectFrom('sandbox_acquiring_payments').select('status').where('id', '=', providerPaymentId).executeTakeFirst().catch(() => undefined);
            if (row?.status === 'succeeded') return;
            if (row) throw failure(`acquirer page of ${ack.paymentId}: 404 with the payment ${row.status}`);
          } else if (status < 500) {
            throw failure(`acquirer page of ${ack.paymentId}: unexpected ${status}`);
          }
          failures += 1;
          await pause(100);
        }
      }

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
      const health = async () => (await fetch(`${child.url}/api/health`)).status;
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
        const [health2xxMs, api2xxMs] = await Promise.all([first2xx('GET /api/health', health, up), first2xx(`GET /api/loans/${loanId}`, loanView, up)]);
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
      // The server's error log, grouped: what the restarts cost it.
      const serverErrors = new Map<string, number>();
      for (const line of child.output().split('\n')) {
        let entry: { level?: number; msg?: string; err?: { message?: string } };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          if (line.trim()) serverErrors.set(`(not JSON) ${line.slice(0, 120)}`, (serverErrors.get(`(not JSON) ${line.slice(0, 120)}`) ?? 0) + 1);
          continue;
        }
        if ((entry.level ?? 0) < 40) continue;
        const what = `${entry.level! >= 50 ? 'error' : 'warn'}: ${entry.msg ?? '?'}: ${(entry.err?.message ?? '').replace(/\d+/g, 'N').slice(0, 100)}`;
        serverErrors.set(what, (serverErrors.get(what) ?? 0) + 1);
      }
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
          ...[...serverErrors].sort(([a], [b]) => a.localeCompare(b)).map(([what, n]) => `    ${what} ×${n}`),
        ].join('\n'),
      );
      expect(restarts.map((r) => r.mode)).toEqual(['fast', 'immediate']);
      // Both restarts really happened in the middle of the stream: a payment request failed while down.
      expect(restarts.map((r) => r.paymentFailedWhileDown)).toEqual([true, true]);
    } finally {
      await cleanUp();
    }
  }, 180_000);
});
