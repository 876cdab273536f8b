/**
 * Servicing benchmark on PostgreSQL: the loan view (`GET /api/loans/:id`) and the operation history
 * (`GET /api/history`, first and a deep page) of one customer with 3 loans and ~500 operations,
 * next to the database-free baseline route in the same run. See bench/README.md.
 *
 * 1. Seeds a fresh database through the product itself: the whole system in this process on a fake
 *    clock, driven over HTTP (`app.inject`) as the borrower's browser would — log in by SMS code,
 *    apply, sign, get the money in cash, pay on the sandbox acquirer page — with the daily accrual
 *    job run for every day of the ~10 months the story covers. No business row is written by hand.
 * 2. Starts the real server on that database, logs in through the dev SMS page, and loads each
 *    route with autocannon, sampling the server's RSS.
 *
 * Prints a table, writes bench/results/servicing-<timestamp>.json. Exit code: 0; 1 when it could not
 * run (seeding, server, login, or the data are not the planned ones); 2 for bad settings or the
 * watchdog; 3 when more than 1 % of one route's requests failed. The database, the temp directory
 * and the server are removed on success, failure, Ctrl-C and by the watchdog.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { createFakeClock, type FakeClock } from '../src/core/clock';
import { addDays, moscowDate, type BusinessDate } from '../src/core/dates';
import { personalInnWithCheckDigits } from '../src/core/questionnaire';
import { loadConfig } from '../src/server/config';
import { createLogger } from '../src/server/logging';
import { startSystem, type System } from '../src/server/system';
import {
  createBenchDatabase,
  describeError,
  describeLoad,
  envInt,
  launchServer,
  loadAverage,
  loadSettingsOrExit,
  readCommonSettings,
  log,
  login,
  measureRoutes,
  printNotes,
  printTable,
  registerCleanup,
  REQUEST_TIMEOUT_SEC,
  round,
  ROUTE_COLUMNS,
  routeCells,
  runAllCleanups,
  runMain,
  setLogPrefix,
  startWatchdog,
  writeResults,
  type LaunchedServer,
  type RouteResult,
  type RouteSpec,
  type ServerReport,
} from './harness';

setLogPrefix('bench:servicing');

// ---------------------------------------------------------------------------------------------
// Settings

const settings = loadSettingsOrExit(() => ({
  ...readCommonSettings(),
  seedTimeoutSec: envInt('BENCH_SEED_TIMEOUT_SEC', 300, 30, 3600),
}));

/** The seeding process and the server share it: sessions, SMS texts and PII are keyed by it. */
const APP_SECRET = 'bench-servicing-0123456789abcdef0123456789abcdef';
const PHONE = '+79161234500';
const SEED_ORIGIN = 'http://localhost:3000';
const TARGET_OPERATIONS = 500;
const OPERATIONS_TOLERANCE = 10;
/** A route fails the run when more than this share of its measured requests failed. */
const MAX_FAILED_PERCENT = 1;
const HISTORY_PAGE_SIZE = 50;
const DEEP_PAGE = 5;
/** No database: the cost of the bare HTTP stack, which the other routes' req/s are divided by. */
const BASELINE_ROUTE = 'GET /api/client-config';

/**
 * The borrower's story, in days before today (Moscow): three instalment loans (biweekly annuity,
 * under 50 000 ₽ so there is no cooling-off), every instalment paid on its date, cash payout.
 * Operations: 4 per loan taken (application and decision, which have no loan id yet, signing,
 * payout), 1 accrual per loan-day, 1 per payment, 1 closing.
 *   loan 1: 30 000 ₽ / 12 weeks, instalments on days 14…56, paid off on day 60 → 4 + 60 + 5 + 1 = 70
 *   loan 2: 40 000 ₽ / 24 weeks, all 12 instalments, the last one closes it  → 4 + 168 + 12 + 1 = 185
 *   loan 3: 45 000 ₽ / 52 weeks, active for 225 days, 16 instalments paid      → 4 + 225 + 16 = 245
 * 500 in all. Loan 3 runs alongside loan 2 for ~5 months: ~500 operations do not fit in the
 * ~10 months the product's legal tables cover (ПСК limits from 2026-01-01) with one loan at a time.
 */
type LoanPlan = { label: string; amountRubles: number; weeks: number; takenDaysAgo: number; paidOffDaysAgo: number | null };
const PLAN: LoanPlan[] = [
  { label: 'loan 1', amountRubles: 30_000, weeks: 12, takenDaysAgo: 300, paidOffDaysAgo: 240 },
  { label: 'loan 2', amountRubles: 40_000, weeks: 24, takenDaysAgo: 235, paidOffDaysAgo: null },
  { label: 'loan 3', amountRubles: 45_000, weeks: 52, takenDaysAgo: 225, paidOffDaysAgo: null },
];

// ---------------------------------------------------------------------------------------------
// Seeding: the product in this process, on a fake clock, driven over HTTP

type SeedResult = {
  seconds: number;
  from: BusinessDate;
  through: BusinessDate;
  operations: number;
  operationsByType: Record<string, number>;
  loans: Array<{ label: string; id: string; status: string; amountKopecks: number; contractDate: string; closedAt: string | null; operations: number }>;
  warnings: string[];
};

type Reply = LightMyRequestResponse;

function expectStatus(reply: Reply, status: number, what: string): Record<string, unknown> {
  if (reply.statusCode !== status) throw new Error(`seeding: ${what} → HTTP ${reply.statusCode} (expected ${status}): ${reply.body.slice(0, 300)}`);
  const json = String(reply.headers['content-type'] ?? '').includes('application/json');
  return json && reply.body ? (reply.json() as Record<string, unknown>) : {};
}

/** A borrower's browser on the in-process app: same origin, JSON, the session cookie once logged in. */
function browser(system: System, clock: FakeClock) {
  let cookie = '';
  const send = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, headers: Record<string, string> = {}) =>
    system.app.inject({
      method,
      url,
      headers: { origin: SEED_ORIGIN, ...(cookie ? { cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, status: number, body?: unknown, headers?: Record<string, string>) =>
    expectStatus(await send(method, url, body, headers), status, `${method} ${url}`);

  /** Runs the queued jobs (SMS, scoring, payout, the acquirer's notification), as the workers would. */
  const jobs = () => system.jobs.drain();
  /** The code in the newest SMS to the phone (delivering what is queued first), as `lastCodeFor` does. */
  const lastCode = async (pattern: RegExp) => {
    await jobs();
    const [message] = await system.sandboxSms!.list({ phone: PHONE, limit: 1 });
    const code = message ? pattern.exec(message.text)?.[1] : undefined;
    if (!code) throw new Error(`seeding: no code in the last SMS to ${PHONE}: ${message?.text ?? '(none)'}`);
    return code;
  };

  return {
    call,
    jobs,
    async login() {
      cookie = '';
      await call('POST', '/api/auth/otp', 200, { phone: PHONE });
      const verified = await send('POST', '/api/auth/verify', { phone: PHONE, code: await lastCode(/код для входа (\d{6})/) });
      expectStatus(verified, 200, 'POST /api/auth/verify');
      const sid = verified.cookies.find((c) => c.name === 'sid' || c.name === '__Host-sid');
      if (!sid) throw new Error('seeding: no session cookie after login');
      cookie = `${sid.name}=${sid.value}`;
    },
    /** Application → decision → cash payout method → signature by SMS code → money paid out. */
    async takeLoan(plan: LoanPlan): Promise<string> {
      const created = await call('POST', '/api/applications', 201, { product: 'installment', amount: plan.amountRubles, term: plan.weeks });
      const id = String(created.id);
      await call('PATCH', `/api/applications/${id}`, 200, QUESTIONNAIRE);
      await call('POST', `/api/applications/${id}/consents`, 200, { kinds: ['personal_data', 'credit_history', 'simple_signature'] });
      await call('POST', `/api/applications/${id}/submit`, 202);
      await jobs();
      const decided = await call('GET', `/api/applications/${id}`, 200);
      if (decided.status !== 'approved') throw new Error(`seeding: ${plan.label} application is ${String(decided.status)}, not approved`);
      await call('POST', `/api/applications/${id}/payout-method`, 200, { type: 'cash' });
      clock.advance(61_000); // the per-phone gap between SMS codes
      await call('POST', `/api/applications/${id}/sign/otp`, 200);
      const signed = await call('POST', `/api/applications/${id}/sign`, 200, { code: await lastCode(/код (\d{6}) — подпись/) });
      const loanId = String(signed.loanId);
      await jobs();
      const loan = await call('GET', `/api/loans/${loanId}`, 200);
      if (loan.status !== 'active') throw new Error(`seeding: ${plan.label} is ${String(loan.status)} after signing, not active`);
      return loanId;
    },
    /** Starts a repayment and presses «Оплатить» on the sandbox acquirer's page. */
    async pay(loanId: string, amountKopecks: number) {
      const started = await call('POST', `/api/loans/${loanId}/payments`, 201, { amountKopecks }, { 'idempotency-key': randomUUID() });
      const page = new URL(String(started.confirmationUrl)).pathname;
      expectStatus(await system.app.inject({ method: 'GET', url: page }), 200, 'GET the acquirer page');
      const done = await system.app.inject({
        method: 'POST',
        url: page,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'outcome=succeeded',
      });
      expectStatus(done, 200, 'POST the acquirer page');
      await jobs(); // the acquirer's notification reaches the webhook
      const payment = await call('GET', `/api/payments/${String(started.paymentId)}`, 200);
      if (payment.status !== 'succeeded') throw new Error(`seeding: payment ${String(started.paymentId)} is ${String(payment.status)}`);
    },
  };
}

const QUESTIONNAIRE = {
  lastName: 'Соколова',
  firstName: 'Анна',
  middleName: 'Викторовна',
  birthDate: '1987-03-09',
  birthPlace: 'г. Ярославль',
  passport: { series: '7807', number: '481516', issuedAt: '2007-04-02', issuer: 'ОВД Кировского района г. Ярославля', divisionCode: '760-002' },
  registrationAddress: 'г. Москва, ул. Профсоюзная, д. 12, кв. 40',
  actualAddress: 'г. Москва, ул. Профсоюзная, д. 12, кв. 40',
  inn: personalInnWithCheckDigits('7728123456'),
  email: 'anna.sokolova@example.ru',
  employment: { type: 'employed', employer: 'ООО «Север»', monthlyIncome: 95_000, incomeSource: 'зарплата' },
};

/** 10:00 Moscow on `date`; today, never later than half an hour ago (the server runs on the real clock). */
function workingTime(date: BusinessDate, now: Date): Date {
  const tenAm = new Date(`${date}T10:00:00+03:00`);
  const startOfDay = new Date(`${date}T00:01:00+03:00`).getTime();
  return new Date(Math.min(tenAm.getTime(), Math.max(startOfDay, now.getTime() - 30 * 60_000)));
}

type LoanState = { plan: LoanPlan; id: string; takenOn: BusinessDate; instalments: BusinessDate[]; closed: boolean };

async function seed(databaseUrl: string, dataDir: string): Promise<SeedResult> {
  const startedAt = performance.now();
  const now = new Date();
  const today = moscowDate(now);
  const dateOf = (daysAgo: number) => addDays(today, -daysAgo);
  const from = dateOf(Math.max(...PLAN.map((p) => p.takenDaysAgo)));

  const warnings: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      warnings.push(String(chunk).trim().slice(0, 500));
      callback();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    PUBLIC_URL: SEED_ORIGIN,
    APP_SECRET,
    LOG_LEVEL: 'warn',
    RUN_WORKERS: 'false',
    SANDBOX_LATENCY_MS: '0',
  });
  const clock = createFakeClock(workingTime(from, now));
  const system = await startSystem(config, { clock, logger: createLogger({ level: 'warn', destination }), webRoot: undefined });
  const closeSystem = registerCleanup('close the seeding system', () => system.close());
  try {
    const api = browser(system, clock);
    const loans: LoanState[] = [];
    for (let date = from; date <= today; date = addDays(date, 1)) {
      clock.set(workingTime(date, now));
      await system.money.accrueAll(); // the daily accrual job

      const toTake = PLAN.filter((p) => dateOf(p.takenDaysAgo) === date);
      const toPay = loans.filter((l) => !l.closed && (l.instalments.includes(date) || (l.plan.paidOffDaysAgo !== null && dateOf(l.plan.paidOffDaysAgo) === date)));
      if (toTake.length === 0 && toPay.length === 0) continue;

      await api.login(); // a new day: the last session has long expired
      for (const loan of toPay) {
        const view = await api.call('GET', `/api/loans/${loan.id}`, 200);
        const debt = (view.debt as { totalKopecks: number }).totalKopecks;
        const schedule = view.schedule as Array<{ date: string; totalKopecks: number }>;
        const payOff = loan.plan.paidOffDaysAgo !== null ? dateOf(loan.plan.paidOffDaysAgo) === date : date === loan.instalments.at(-1);
        const instalment = schedule.find((s) => s.date === date)?.totalKopecks ?? debt;
        await api.pay(loan.id, payOff ? debt : Math.min(instalment, debt));
        const after = await api.call('GET', `/api/loans/${loan.id}`, 200);
        loan.closed = after.status === 'closed';
        if (payOff && !loan.closed) throw new Error(`seeding: ${loan.plan.label} is ${String(after.status)} after paying it off`);
        if (after.overdue) warnings.push(`${loan.plan.label} overdue after the payment on ${date}`);
      }
      for (const plan of toTake) {
        const id = await api.takeLoan(plan);
        const view = await api.call('GET', `/api/loans/${id}`, 200);
        const instalments = (view.schedule as Array<{ date: string }>).map((s) => s.date);
        loans.push({ plan, id, takenOn: date, instalments, closed: false });
        log(`seeded ${plan.label} on ${date}: ${plan.amountRubles} ₽ for ${plan.weeks} weeks, instalments ${instalments[0]} … ${instalments.at(-1)}`);
      }
    }

    const db = system.database.db;
    const byType = await db.selectFrom('operations').select(['type', db.fn.countAll<string>().as('n')]).groupBy('type').execute();
    const byLoan = await db.selectFrom('operations').select(['loan_id', db.fn.countAll<string>().as('n')]).groupBy('loan_id').execute();
    const rows = await db.selectFrom('loans').selectAll().orderBy('created_at').execute();
    const operationsByType = Object.fromEntries(byType.map((r) => [r.type, Number(r.n)]));
    return {
      seconds: round((performance.now() - startedAt) / 1000, 1),
      from,
      through: today,
      operations: Object.values(operationsByType).reduce((a, b) => a + b, 0),
      operationsByType,
      loans: rows.map((row) => ({
        label: loans.find((l) => l.id === row.id)?.plan.label ?? '?',
        id: row.id,
        status: row.status,
        amountKopecks: row.amount_kopecks,
        contractDate: row.contract_date,
        closedAt: row.closed_at?.toISOString() ?? null,
        operations: Number(byLoan.find((r) => r.loan_id === row.id)?.n ?? 0),
      })),
      warnings,
    };
  } finally {
    await closeSystem();
  }
}

/** The seeded data must be the planned scenario, or the figures would describe something else. */
function checkSeed(seeded: SeedResult) {
  const statuses = seeded.loans.map((l) => l.status).sort();
  if (statuses.join(',') !== 'active,closed,closed') throw new Error(`seeding: expected 2 closed loans and 1 active, got ${statuses.join(', ')}`);
  if (Math.abs(seeded.operations - TARGET_OPERATIONS) > OPERATIONS_TOLERANCE) {
    throw new Error(`seeding: ${seeded.operations} operations, expected ${TARGET_OPERATIONS} ± ${OPERATIONS_TOLERANCE}; adjust PLAN`);
  }
}

// ---------------------------------------------------------------------------------------------
// Against the real server: find the active loan and the deep history page

async function getJson(baseUrl: string, path: string, cookie: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { cookie, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path} → HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function findTargets(baseUrl: string, cookie: string) {
  const loans = (await getJson(baseUrl, '/api/loans', cookie)) as unknown as Array<{ id: string; status: string }>;
  const active = loans.filter((l) => l.status === 'active');
  if (loans.length !== 3 || active.length !== 1) {
    throw new Error(`GET /api/loans: expected 3 loans, 1 active; got ${loans.map((l) => l.status).join(', ')}`);
  }
  // The cursor that opens page DEEP_PAGE: the nextCursor of the page before it.
  let cursor: string | null = null;
  for (let page = 1; page < DEEP_PAGE; page++) {
    const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const reply = await getJson(baseUrl, `/api/history${query}`, cookie);
    const items = reply.items as unknown[];
    if (items.length !== HISTORY_PAGE_SIZE || typeof reply.nextCursor !== 'string') {
      throw new Error(`GET /api/history page ${page}: ${items.length} items, nextCursor ${String(reply.nextCursor)}`);
    }
    cursor = reply.nextCursor;
  }
  return { activeLoanId: active[0]!.id, deepCursor: cursor! };
}

// ---------------------------------------------------------------------------------------------
// Main

type ServicingResult = {
  status: 'ok' | 'failed';
  note?: string;
  loadAverageAtStart: number[];
  seed?: SeedResult;
  server?: ServerReport;
  routes: RouteResult[];
};

const failedPercent = (r: RouteResult) => (100 * (r.non2xx + r.errors)) / Math.max(1, r.requestsTotal + r.errors);

async function run(outcome: ServicingResult): Promise<void> {
  const created = await createBenchDatabase(settings.adminDatabaseUrl);
  if ('skip' in created) throw new Error(`PostgreSQL is needed: ${created.skip}`);
  const dataDir = await mkdtemp(join(os.tmpdir(), 'cc-bench-servicing-'));
  const removeDataDir = registerCleanup(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  let launched: LaunchedServer | undefined;
  try {
    log(`seeding ${new URL(created.url).pathname.slice(1)} through the product (in-process, fake clock)`);
    outcome.seed = await seed(created.url, dataDir);
    log(`seeded in ${outcome.seed.seconds} s: ${outcome.seed.operations} operations ${JSON.stringify(outcome.seed.operationsByType)}`);
    checkSeed(outcome.seed);

    launched = await launchServer({ NODE_ENV: 'test', DATABASE_URL: created.url, DATA_DIR: dataDir, APP_SECRET }, settings.startupTimeoutSec);
    outcome.server = launched.report;
    const { baseUrl, logs } = launched.server;
    logs.phase = 'login';
    const cookie = await login(baseUrl, PHONE);
    const { activeLoanId, deepCursor } = await findTargets(baseUrl, cookie);
    const routes: RouteSpec[] = [
      { name: BASELINE_ROUTE, path: '/api/client-config', withSession: false },
      { name: 'GET /api/loans/:id (active)', path: `/api/loans/${activeLoanId}`, withSession: true },
      { name: 'GET /api/history', path: '/api/history', withSession: true },
      { name: `GET /api/history?cursor= (page ${DEEP_PAGE})`, path: `/api/history?cursor=${encodeURIComponent(deepCursor)}`, withSession: true },
    ];
    await measureRoutes(launched, routes, cookie, settings.load, outcome.routes);
  } finally {
    await launched?.stop();
    await removeDataDir();
    await created.cleanup();
  }
}

async function main(): Promise<number> {
  const { connections, durationSec, warmupSec } = settings.load;
  const routeSec = warmupSec + durationSec + 2 * REQUEST_TIMEOUT_SEC;
  startWatchdog(settings.seedTimeoutSec + settings.startupTimeoutSec + 4 * routeSec + 90);

  const startedAt = new Date();
  log(`${connections} connections; ${durationSec} s per route; warm-up ${warmupSec} s`);
  const outcome: ServicingResult = { status: 'ok', loadAverageAtStart: loadAverage(), routes: [] };
  try {
    await run(outcome);
  } catch (error) {
    outcome.status = 'failed';
    outcome.note = describeError(error);
    log(`failed: ${outcome.note}`);
  }
  await runAllCleanups();

  printTable(ROUTE_COLUMNS, outcome.routes.map(routeCells), 1);
  const seeded = outcome.seed;
  if (seeded) {
    const loans = seeded.loans.map((l) => `${l.label} ${l.status} (${l.operations})`).join(', ');
    const withoutLoan = seeded.operations - seeded.loans.reduce((sum, l) => sum + l.operations, 0);
    console.log(
      `Customer: ${seeded.operations} operations from ${seeded.from} to ${seeded.through} — on ${loans}; ` +
        `${withoutLoan} before a loan exists (applications, decisions).`,
    );
  }
  if (outcome.server) console.log(`Server peak RSS ${outcome.server.peakRssMb ?? 'n/a'} MB (idle ${outcome.server.idleRssMb ?? 'n/a'} MB).`);
  console.log(describeLoad(BASELINE_ROUTE, settings.load, 'in the same run'));
  if (outcome.note) console.log(`note: ${outcome.note}`);
  for (const warning of seeded?.warnings ?? []) console.log(`note [seeding]: ${warning}`);
  printNotes('postgres', outcome.routes, outcome.server);
  const failing = outcome.routes.filter((r) => failedPercent(r) > MAX_FAILED_PERCENT);
  for (const r of failing) console.log(`FAILED ${r.route}: ${round(failedPercent(r), 2)} % of requests failed (limit ${MAX_FAILED_PERCENT} %)`);

  const extraSettings = { baselineRoute: BASELINE_ROUTE, maxFailedPercent: MAX_FAILED_PERCENT, plan: PLAN };
  await writeResults('servicing', startedAt, settings.load, extraSettings, { ...outcome, failingRoutes: failing.map((r) => r.route) });
  if (outcome.status === 'failed') return 1;
  return failing.length > 0 ? 3 : 0;
}

runMain(main);
