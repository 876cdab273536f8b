import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, balance, ledgerProblems } from '../modules/ledger/ledger.service';
import { applyOverHttp, awaitDecision, awaitLoanStatus, payOnAcquirerPage, payUntilAcknowledged, type Client, type PaymentAck } from '../testing/borrower-http';
import { useCleanup } from '../testing/cleanup';
import { createFleet, faultEnv, type Incarnation, type Role } from '../testing/fleet';
import { faultSeed, seededRandom } from '../testing/seeded-random';
import { httpClient, logSummary } from '../testing/server-process';
import { createTestDatabase, dropTestDatabases } from '../testing/test-database';
import { createTestSystem } from '../testing/test-system';
import { pause, until, waitFor } from '../testing/wait';

/**
 * Issue 9, fault tests: kill -9 on the money paths. Two web processes and two workers on one
 * PostgreSQL database; borrowers sign (→ payout job) and pay (→ acquirer notification job) while
 * processes die: each is armed with a crash point of the money path it serves (CRASHPOINTS: it
 * SIGKILLs itself there), and a killer SIGKILLs a random process at random moments. A dead process
 * is replaced, as an orchestrator would. The borrowers retry as a browser does (the same
 * Idempotency-Key). Afterwards — the jobs' retries and, as the backstop, the reconciliation — every
 * payment and payout happened exactly once and the ledger balances.
 *
 * The kills are drawn from a seeded generator; the seed is printed. Replay a failure with
 * `FAULT_SEED=<seed>` (the timing of real processes still varies a little).
 */

afterAll(dropTestDatabases);

const CRASHPOINTS: Record<Role, string[]> = {
  // POST /api/loans/:id/payments: the intent committed, the acquirer not asked / asked, our record not written.
  web: ['payment.before_acquirer_create', 'payment.after_acquirer_create'],
  // The payout job around the provider's payout and our commit; the acquirer's notification around the crediting commit.
  worker: ['payout.after_provider', 'payout.after_commit', 'payment.before_commit', 'payment.notification_after_commit'],
};
const BORROWERS = 6;
const MIN_PAYMENTS = 2;
const MAX_PAYMENTS = 5;
const RANDOM_KILLS = 4;
/** Crash-point deaths of replacements, beyond the four first processes' (keeps the run bounded). */
const REARM_BUDGET = 4;

type Lane = { phone: string; applicationId: string; loanId: string; payments: PaymentAck[] };

describe('kill -9 on the money paths (two webs, two workers, one PostgreSQL)', () => {
  it('crash points and random kills while borrowers sign and pay: every payout and payment exactly once, the ledger balanced', async () => {
    const seed = faultSeed();
    const rng = seededRandom(seed);
    console.log(`kill -9 test: seed ${seed} — replay with FAULT_SEED=${seed}`);
    const cleanup = useCleanup();
    try {
      const { database, url } = await createTestDatabase();
      cleanup.defer(database, (d) => d.close());
      const env = faultEnv(url!, { poolMax: 4, fastJobs: true });
      // In the test process: the reconciliation, run by hand as the operators' backstop would be.
      const system = cleanup.defer(await createTestSystem({ database, env: { ...env, PROCESS_ROLE: 'web' } }), (s) => s.close());
      const db = database.db;
      const fleet = cleanup.defer(createFleet(env), (f) => f.stop());

      // The supervisor: a process that ends is replaced in its slot. Until the settling, each new
      // process is armed with the next crash point of its role not yet armed (so each is armed at
      // least once), then, now and then, with a random one.
      let phase: 'chaos' | 'settle' = 'chaos';
      const unarmed: Record<Role, string[]> = { web: rng.shuffle(CRASHPOINTS.web), worker: rng.shuffle(CRASHPOINTS.worker) };
      let rearmed = 0;
      let supervising = true;
      const replacements: Promise<unknown>[] = [];
      const armFor = (role: Role): string[] => {
        if (phase !== 'chaos') return [];
        const next = unarmed[role].shift();
        if (next) return [next];
        if (rearmed >= REARM_BUDGET || !rng.chance(0.3)) return [];
        rearmed += 1;
        return [rng.pick(CRASHPOINTS[role])];
      };
      const replace = (slot: string, role: Role) => {
        if (!supervising) return;
        replacements.push(
          (async () => {
            await pause(rng.int(0, 300));
            if (supervising) await run(slot, role, armFor(role));
          })(),
        );
      };
      /** Crash points reached while a replacement was still starting (a worker takes a pending job before its port answers). */
      const firedWhileStarting: string[] = [];
      async function run(slot: string, role: Role, crashpoints: string[]): Promise<Incarnation | null> {
        let incarnation: Incarnation;
        try {
          incarnation = await fleet.start(slot, role, { crashpoints });
        } catch (error) {
          // An armed process that SIGKILLed itself before answering: a crash like any other, replaced.
          const reached = /"crashpoint":"([^"]+)"/.exec(String(error))?.[1];
          if (!crashpoints.length || !/exited during start/.test(String(error))) throw error;
          firedWhileStarting.push(reached ?? crashpoints.join('|'));
          replace(slot, role);
          return null;
        }
        void incarnation.process.exited.then(() => replace(slot, role));
        return incarnation;
      }
      cleanup.add(async () => {
        supervising = false;
        await Promise.allSettled(replacements);
      });
      const fail = (message: string) =>
        new Error(`${message} (seed ${seed})\n${fleet.all().map((i) => `--- ${i.slot} [${i.crashpoints.join(',')}] ${JSON.stringify(i.end)} ---\n${logSummary(i.process.output()).join('\n')}`).join('\n')}`);

      // The first four are armed already: no money moves before the chaos, so none is reached sooner.
      // Each first worker holds a payout point and a payment point: whichever jobs it takes, it reaches one.
      const firstWorkerPoints = (): string[] =>
        ['payout.', 'payment.'].map((path) => unarmed.worker.splice(unarmed.worker.findIndex((point) => point.startsWith(path)), 1)[0]!);
      const began = performance.now();
      await Promise.all([run('web-1', 'web', armFor('web')), run('web-2', 'web', armFor('web')), run('worker-1', 'worker', firstWorkerPoints()), run('worker-2', 'worker', firstWorkerPoints())]);
      const startedMs = performance.now() - began;
      const web = fleet.roundRobin('web');

      // What the borrowers saw (for the report); any unexpected reply fails the test.
      const seen = new Map<string, number>();
      const note = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
      let aborted = false;
      const isAborted = () => aborted;
      const retry = { note, aborted: isAborted, fail, deadlineMs: 90_000 };
      const acquirerStatus = async (id: string) => (await db.selectFrom('sandbox_acquiring_payments').select('status').where('id', '=', id).executeTakeFirst())?.status;

      /** Asks for the signing code until it is sent (the web or the worker may be dying). */
      async function signingCode(client: Client, phone: string, applicationId: string): Promise<string> {
        for (;;) {
          if (aborted) throw new Error('aborted');
          const asked = await client.post(`/api/applications/${applicationId}/sign/otp`).catch(() => null);
          note(`sign/otp: ${asked?.status ?? 'network error'}`);
          if (asked?.status === 200) return client.smsCode(phone, (text) => /подпись договора/.test(text), 30_000);
          if (asked && asked.status !== 429 && asked.status < 500) throw fail(`sign/otp: ${asked.status} ${JSON.stringify(asked.body)}`);
          await pause(asked?.status === 429 ? 1_000 : 200);
        }
      }
      /** Signs; after a lost reply the loan list tells whether the signature was recorded. */
      async function sign(client: Client, phone: string, applicationId: string): Promise<string> {
        const deadline = performance.now() + 90_000;
        let code: string | null = null;
        for (;;) {
          if (aborted) throw new Error('aborted');
          if (performance.now() > deadline) throw fail(`application ${applicationId} not signed within 90 s`);
          const loans = await client.get('/api/loans').catch(() => null);
          if (loans?.status !== 200) {
            await pause(200);
            continue;
          }
          const loan = (loans.body as unknown as { id: string }[])[0];
          if (loan) return loan.id;
          code ??= await signingCode(client, phone, applicationId);
          const signed = await client.post(`/api/applications/${applicationId}/sign`, { code }).catch(() => null);
          note(`sign: ${signed?.status ?? 'network error'}`);
          if (signed?.status === 200) return String(signed.body!.loanId);
          // A used or dead code: a new one (unless the loan list shows it was used for this signature).
          if (signed?.status === 401) code = null;
          else if (signed && signed.status < 500 && signed.status !== 409) throw fail(`sign: ${signed.status} ${JSON.stringify(signed.body)}`);
          await pause(200);
        }
      }

      // Before the chaos: logged in, applied, approved, payout method chosen (scoring is not a money path;
      // scoring-crash.pg.test.ts kills it).
      const setupBegan = performance.now();
      const ready = await Promise.all(
        Array.from({ length: BORROWERS }, async (_, i) => {
          const phone = `+7926${String(5_000_000 + i).padStart(7, '0')}`;
          const client = httpClient(fleet.roundRobin('web'));
          await client.login(phone);
          const applicationId = await applyOverHttp(client, { passportNumber: String(300_000 + i) });
          expect(await awaitDecision(client, applicationId)).toBe('approved');
          expect((await client.post(`/api/applications/${applicationId}/payout-method`, { type: 'cash' })).status).toBe(200);
          return { phone, client, applicationId };
        }),
      );
      const setupMs = performance.now() - setupBegan;

      // The chaos: sign and pay while crash points fire and the killer strikes.
      const chaosBegan = performance.now();
      const killed: { slot: string; atMs: number }[] = [];
      let killerDone = false;
      let lanesDone = false;
      async function killer() {
        try {
          while (killed.length < RANDOM_KILLS && !aborted) {
            await pause(rng.int(800, 2_500));
            // Never a process waiting at a crash point while money still moves (killing it first could
            // leave a role's points unreached); once the lanes are done, any process.
            const live = fleet.live().sort((a, b) => a.slot.localeCompare(b.slot));
            const pool = lanesDone ? live : live.filter((i) => !i.crashpoints.length);
            if (!pool.length) continue;
            const victim = rng.pick(pool);
            if (await fleet.kill(victim.slot)) {
              killed.push({ slot: victim.slot, atMs: Math.round(performance.now() - chaosBegan) });
              unarmed[victim.role].push(...victim.crashpoints);
            }
          }
        } finally {
          killerDone = true;
        }
      }
      async function lane({ phone, client, applicationId }: (typeof ready)[number]): Promise<Lane> {
        const loanId = await sign(client, phone, applicationId);
        await awaitLoanStatus(client, loanId, 'active', 90_000).catch((error: Error) => {
          throw fail(error.message);
        });
        const payments: PaymentAck[] = [];
        while (!aborted && (payments.length < MIN_PAYMENTS || (!killerDone && payments.length < MAX_PAYMENTS))) {
          // 500–1 500 ₽: the 10 000 ₽ loan stays open whatever the count.
          const ack = await payUntilAcknowledged(client, loanId, rng.int(500, 1_500) * 100, retry);
          payments.push(ack);
          await payOnAcquirerPage(web, ack, acquirerStatus, retry);
        }
        return { phone, applicationId, loanId, payments };
      }
      const lanePromises = ready.map(lane);
      void Promise.allSettled(lanePromises).then(() => {
        lanesDone = true;
      });
      const outcomes = await Promise.allSettled([killer(), ...lanePromises].map((task) =>
        task.catch((error: unknown) => {
          aborted = true;
          throw error;
        }),
      ));
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
      const lanes = outcomes.slice(1).map((o) => (o as PromiseFulfilledResult<Lane>).value);
      const chaosMs = performance.now() - chaosBegan;

      // Settling: no more arming; the jobs retry, the reconciliation is the backstop.
      phase = 'settle';
      const settleBegan = performance.now();
      const acks = lanes.flatMap((l) => l.payments);
      const paymentIds = acks.map((a) => a.paymentId).sort();
      const loanIds = lanes.map((l) => l.loanId).sort();
      let reconciliations = 0;
      await waitFor(
        'every payment credited, every loan paid out, every SMS delivered, no money job left',
        async () => {
          const open = await db.selectFrom('payments').select('id').where('status', '<>', 'succeeded').execute();
          const notActive = await db.selectFrom('loans').select('id').where('status', '<>', 'active').execute();
          const undelivered = await db.selectFrom('sms_outbox').select('id').where('delivered_at', 'is', null).execute();
          const jobs = await sql<{ n: number }>`
            SELECT COUNT(*)::int AS n FROM pgboss.job
            WHERE name IN ('loans.disburse', 'sandbox.acquiring.notify', 'sms.deliver') AND state IN ('created', 'retry', 'active')
          `.execute(db);
          if (!open.length && !notActive.length && !undelivered.length && jobs.rows[0]!.n === 0) return true;
          // Jobs that failed while their process died wait out a growing backoff: skip it, as if time passed.
          await sql`UPDATE pgboss.job SET start_after = now() WHERE state = 'retry' AND start_after > now()`.execute(db);
          if (open.length && performance.now() - settleBegan > 15_000) {
            system.clock.set(new Date());
            await system.money.reconcilePayments({ olderThanMs: 0 });
            reconciliations += 1;
          }
          return false;
        },
        60_000,
        250,
      ).catch((error: Error) => {
        throw fail(error.message);
      });
      const settleMs = performance.now() - settleBegan;
      // Let the replacements started meanwhile finish starting, so every incarnation is accounted for.
      await until('replacements started', () => fleet.live().length === 4, 30_000);

      // Payouts: one per loan at the provider (keyed by the loan id), recorded once, posted once.
      const payouts = await db.selectFrom('payouts').select(['loan_id', 'status', 'attempts']).execute();
      expect(payouts.map((p) => p.loan_id).sort()).toEqual(loanIds);
      expect(payouts.every((p) => p.status === 'succeeded')).toBe(true);
      expect((await db.selectFrom('sandbox_payouts').select('idempotency_key').execute()).map((p) => p.idempotency_key).sort()).toEqual(loanIds);
      const postings = async (source: string) =>
        (await db.selectFrom('ledger_transactions').select('external_id').where('source', '=', source).execute()).map((t) => t.external_id).sort();
      expect(await postings('payout')).toEqual(loanIds);

      // Payments: exactly the acknowledged ones, each once at the acquirer, credited and posted once.
      const payments = await db.selectFrom('payments').select(['id', 'loan_id', 'status', 'amount_kopecks']).execute();
      expect(payments.map((p) => p.id).sort()).toEqual(paymentIds);
      for (const ack of acks) expect(payments.find((p) => p.id === ack.paymentId)).toMatchObject({ status: 'succeeded', amount_kopecks: ack.amountKopecks });
      const atAcquirer = await db.selectFrom('sandbox_acquiring_payments').select(['idempotency_key', 'status']).execute();
      expect(atAcquirer.map((p) => p.idempotency_key).sort()).toEqual(paymentIds);
      expect(atAcquirer.every((p) => p.status === 'succeeded')).toBe(true);
      expect(await postings('payment')).toEqual(paymentIds);

      // The ledger balances, and for each loan what came in is what it paid off (plus any overpayment).
      expect(await ledgerProblems(db)).toEqual([]);
      const loans = await db.selectFrom('loans').select(['id', 'customer_id', 'status', 'amount_kopecks', 'charged_kopecks']).execute();
      for (const loan of loans) {
        expect(loan.status).toBe('active');
        const received = payments.filter((p) => p.loan_id === loan.id).reduce((sum, p) => sum + p.amount_kopecks, 0);
        const principal = await balance(db, accounts.loanPrincipal(loan.id).id);
        const charges = (await balance(db, accounts.loanInterest(loan.id).id)) + (await balance(db, accounts.loanPenalty(loan.id).id));
        const overpayment = await balance(db, accounts.customerOverpayment(loan.customer_id).id);
        expect(received).toBe(loan.amount_kopecks - principal + (loan.charged_kopecks - charges) + overpayment);
      }

      // Every SMS sent once; each borrower told of the payout once and of each payment once.
      const outbox = (await db.selectFrom('sms_outbox').select('id').execute()).map((r) => r.id).sort();
      expect((await db.selectFrom('sandbox_sms').select('idempotency_key').execute()).map((m) => m.idempotency_key).sort()).toEqual(outbox);
      const reader = httpClient(web);
      for (const { phone, payments: paid } of lanes) {
        const texts = ((await reader.get(`/api/dev/sms?phone=${encodeURIComponent(phone)}`)).body as unknown as { text: string }[]).map((m) => m.text);
        expect(texts.filter((t) => /готов к получению/.test(t))).toHaveLength(1);
        expect(texts.filter((t) => /договор .* подписан/.test(t))).toHaveLength(1);
        expect(texts.filter((t) => /платёж .* получен/.test(t))).toHaveLength(paid.length);
      }

      // The faults happened, and no process died of anything else.
      const incarnations = fleet.all();
      const ends = incarnations.filter((i) => i.end).map((i) => i.end!);
      expect(ends.filter((e) => e.cause === 'died')).toEqual([]);
      const fired = [...ends.filter((e) => e.cause === 'crashpoint').map((e) => e.crashpoint!), ...firedWhileStarting];
      // At least the first web and worker points: the first payment and the first payout reach them.
      // (A point the log did not name before the kill reads "one of a|b": still of that role.)
      const ofRole = (role: Role) => fired.filter((point) => CRASHPOINTS[role].some((p) => point.includes(p)));
      expect(ofRole('web').length).toBeGreaterThanOrEqual(1);
      expect(ofRole('worker').length).toBeGreaterThanOrEqual(1);
      expect(killed).toHaveLength(RANDOM_KILLS);

      console.log(
        [
          `kill -9 test (seed ${seed}): ${BORROWERS} loans paid out, ${acks.length} payments credited — each once; ledger balanced`,
          `  processes up ${Math.round(startedMs)} ms; setup ${Math.round(setupMs)} ms; chaos ${Math.round(chaosMs)} ms; settled ${Math.round(settleMs)} ms after (reconciliation runs: ${reconciliations})`,
          `  crash points fired: ${fired.join(', ')}; armed but not reached: ${fleet.live().flatMap((i) => i.crashpoints).join(', ') || 'none'}; never armed: ${[...unarmed.web, ...unarmed.worker].join(', ') || 'none'}; random kills: ${killed.map((k) => `${k.slot}@${k.atMs}ms`).join(', ')}; incarnations: ${incarnations.length}`,
          `  replies seen: ${[...seen].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`).join(', ')}`,
          `  payments needing retries: ${acks.filter((a) => a.attempts > 1).length} (most attempts ${Math.max(...acks.map((a) => a.attempts))})`,
        ].join('\n'),
      );
    } finally {
      await cleanup.run();
    }
  }, 180_000);
});
