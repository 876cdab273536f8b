/**
 * Scale bench on PostgreSQL: does a request cost the same on a lender-size database as on a small
 * one? In one run, two fresh databases seeded by bench/seed-scale.ts — small (SCALE 0.001: 100
 * customers) and large (SCALE 1: 100 000 customers, 300 000 loans, ~3 000 000 operations) — each
 * under its own real server (`node --import tsx src/server/main.ts`), side by side; the same bench
 * customer logged in by SMS code through the API on both; the dashboard, loan and history reads
 * loaded with autocannon, each route on the small database and right after on the large one, next
 * to the database-free baseline; then, on the large one, a mixed scenario (logins, quotes,
 * dashboard, history, payments) for 60 s, with the server's RSS sampled throughout. Prints the two
 * databases side by side and the budgets as PASS/FAIL lines; writes
 * bench/results/scale-<timestamp>.json. See bench/README.md.
 *
 * Exit code: 0 when it ran (a missed budget is printed, not an exit code); 1 when it could not run
 * (database, seeding, server, login); 2 for bad settings or the watchdog. The databases (unless
 * BENCH_KEEP_LARGE=1 keeps the large one), the temp directory and the servers are removed on
 * success, failure, Ctrl-C and by the watchdog.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { moscowDate } from '../src/core/dates';
import {
  createBenchDatabase,
  describeError,
  envInt,
  forgetCleanup,
  HOST,
  kbToMb,
  launchServer,
  loadAverage,
  loadSettingsOrExit,
  log,
  login,
  measureRoutes,
  printNotes,
  printTable,
  readCommonSettings,
  registerCleanup,
  REQUEST_TIMEOUT_SEC,
  round,
  runAllCleanups,
  runMain,
  setLogPrefix,
  startWatchdog,
  writeResults,
  type Cleanup,
  type LaunchedServer,
  type RouteResult,
  type RouteSpec,
  type ServerReport,
} from './harness';
import { BENCH_CUSTOMER_EVERY, customersFor, FIRST_BENCH_CUSTOMERS, phoneOf, SEED_APP_SECRET, SEED_VERSION, seedScale, type SeedReport } from './seed-scale';

setLogPrefix('bench:scale');

// ---------------------------------------------------------------------------------------------
// Settings

function envScale(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 10) throw new Error(`${name} must be a number above 0 and at most 10, got "${raw}"`);
  return value;
}

/** As in package.json's start scripts. */
const PRODUCTION_HEAP_CAP = '--max-old-space-size=192';

function serverNodeOptions(raw: string | undefined): string {
  const value = raw?.trim() ?? '';
  if (value === '') return PRODUCTION_HEAP_CAP;
  return value === 'none' ? '' : value;
}

const settings = loadSettingsOrExit(() => {
  const common = readCommonSettings();
  const small = envScale('BENCH_SMALL_SCALE', 0.001);
  const large = envScale('SCALE', 1);
  if (customersFor(small) < FIRST_BENCH_CUSTOMERS) throw new Error(`BENCH_SMALL_SCALE must give at least ${FIRST_BENCH_CUSTOMERS} customers (0.001 or more)`);
  if (large < small) throw new Error('SCALE (the large database) must not be smaller than BENCH_SMALL_SCALE');
  return {
    ...common,
    smallScale: small,
    largeScale: large,
    mixedSec: envInt('BENCH_MIXED_SEC', 60, 10, 1800),
    keepLarge: process.env.BENCH_KEEP_LARGE === '1',
    /**
     * NODE_OPTIONS for the server only. Default: the heap cap `npm start` and docs/OPERATIONS.md
     * run every process with, so the figures are those of the process as deployed; `none` runs
     * without one (to see what the cap does to RSS).
     */
    serverNodeOptions: serverNodeOptions(process.env.BENCH_SERVER_NODE_OPTIONS),
    seedTimeoutSec: envInt('BENCH_SEED_TIMEOUT_SEC', 900, 30, 7200),
  };
});

/** The kept large database (BENCH_KEEP_LARGE=1) and what it must have been seeded with to be reused. */
const KEPT_DATABASE = 'cc_bench_scale_kept';
const BASELINE_ROUTE = 'GET /api/client-config';
const DASHBOARD_ROUTE = 'GET /api/loans (dashboard)';
const MIXED_WARMUP_SEC = 5;
const BUDGET = { dashboardShareOfBaseline: 0.3, p99Ms: 50, largeVsSmall: 1.5, peakRssMb: 300, rssGrowthPercent: 10 };

/**
 * What the server gets on top of the harness's defaults: the seed's APP_SECRET (personal data and
 * SMS texts open), no sandbox latency (the figures are the server's, not a simulated acquirer's),
 * the login limits raised so the mixed scenario's hundreds of logins a minute — a few thousand
 * numbers of one prefix, the same customer again after a minute — are not refused (the limits
 * themselves are not what is measured), and the loopback trusted as a proxy so each customer comes
 * from their own address (X-Forwarded-For), as behind a load balancer.
 */
const SERVER_ENV: Record<string, string> = {
  APP_SECRET: SEED_APP_SECRET,
  SANDBOX_LATENCY_MS: '0',
  OTP_RESEND_SEC: '1',
  OTP_SENDS_PER_PHONE_HOUR: '100000',
  OTP_SENDS_PER_PHONE_DAY: '100000',
  OTP_SENDS_PER_IP_HOUR: '100000000',
  OTP_SENDS_PER_PREFIX_HOUR: '100000000',
  OTP_SENDS_GLOBAL_DAY: '100000000',
  TRUST_PROXY: '127.0.0.1',
  ...(settings.serverNodeOptions ? { NODE_OPTIONS: settings.serverNodeOptions } : {}),
};

// ---------------------------------------------------------------------------------------------
// Databases

type Db = { url: string; name: string; seed: SeedReport | null; reused: boolean; drop: Cleanup | null };

async function adminQuery<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<T>> {
  const client = new pg.Client({ connectionString: settings.adminDatabaseUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query<T>(text, values);
  } finally {
    await client.end().catch(() => {});
  }
}

function seedTag(scale: number, today: string) {
  return JSON.stringify({ seedVersion: SEED_VERSION, scale, today });
}

/** A fresh database dropped at the end, seeded at `scale`. */
async function freshDatabase(scale: number): Promise<Db> {
  const created = await createBenchDatabase(settings.adminDatabaseUrl);
  if ('skip' in created) throw new Error(`PostgreSQL is needed: ${created.skip}`);
  const name = new URL(created.url).pathname.slice(1);
  log(`seeding ${name} at scale ${scale}`);
  const seed = await seedScale({ databaseUrl: created.url, scale, log });
  return { url: created.url, name, seed, reused: false, drop: created.cleanup };
}

/**
 * BENCH_KEEP_LARGE=1: the large database under a fixed name, reused when it was seeded today by this
 * seed version at this scale (the server runs on the real clock: active loans are accrued through
 * the day of the seed), rebuilt otherwise; never dropped.
 */
async function keptDatabase(scale: number): Promise<Db> {
  const url = new URL(settings.adminDatabaseUrl);
  url.pathname = `/${KEPT_DATABASE}`;
  const today = moscowToday();
  const found = await adminQuery<{ tag: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS tag FROM pg_database WHERE datname = $1`, [KEPT_DATABASE]);
  if (found.rows[0]?.tag === seedTag(scale, today)) {
    log(`reusing ${KEPT_DATABASE} (seeded today at scale ${scale}; BENCH_KEEP_LARGE=1)`);
    return { url: url.toString(), name: KEPT_DATABASE, seed: null, reused: true, drop: null };
  }
  if (found.rows.length > 0) {
    log(`${KEPT_DATABASE} was seeded for ${found.rows[0]!.tag ?? 'something else'}: rebuilding it`);
    await adminQuery(`DROP DATABASE "${KEPT_DATABASE}" WITH (FORCE)`);
  }
  await adminQuery(`CREATE DATABASE "${KEPT_DATABASE}"`);
  // Half-seeded is useless: drop it if the seeding does not finish.
  const dropHalfSeeded = registerCleanup(`drop half-seeded ${KEPT_DATABASE}`, async () => {
    await adminQuery(`DROP DATABASE IF EXISTS "${KEPT_DATABASE}" WITH (FORCE)`);
  });
  log(`seeding ${KEPT_DATABASE} at scale ${scale} (kept for the next runs)`);
  const seed = await seedScale({ databaseUrl: url.toString(), scale, today, log });
  forgetCleanup(dropHalfSeeded);
  await adminQuery(`COMMENT ON DATABASE "${KEPT_DATABASE}" IS '${seedTag(scale, today).replaceAll("'", "''")}'`);
  return { url: url.toString(), name: KEPT_DATABASE, seed, reused: false, drop: null };
}

const moscowToday = () => moscowDate(new Date());

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Who the bench logs in as

type BenchUser = { phone: string; customerNumber: number; loans: number; activeLoanId: string; operations: number };

/**
 * The reads' customer: among the first customers (in both databases, with the same rows), the one
 * with the longest history that has several loans and one running on schedule (not overdue).
 */
async function pickBenchUser(url: string): Promise<BenchUser> {
  const found = await withClient(url, (client) =>
    client.query<{ phone: string; loans: string; active_loan: string; operations: string }>(
      `SELECT c.phone,
              (SELECT count(*) FROM loans l WHERE l.customer_id = c.id) AS loans,
              (SELECT l.id FROM loans l WHERE l.customer_id = c.id AND l.status = 'active' AND l.due_date >= $2::date ORDER BY l.created_at DESC LIMIT 1) AS active_loan,
              (SELECT count(*) FROM operations o WHERE o.customer_id = c.id) AS operations
         FROM customers c
        WHERE c.phone <= $1
        ORDER BY (SELECT l.id FROM loans l WHERE l.customer_id = c.id AND l.status = 'active' AND l.due_date >= $2::date LIMIT 1) IS NULL,
                 (SELECT count(*) FROM loans l WHERE l.customer_id = c.id) >= 3 DESC,
                 (SELECT count(*) FROM operations o WHERE o.customer_id = c.id) DESC, c.phone
        LIMIT 1`,
      [phoneOf(FIRST_BENCH_CUSTOMERS), moscowToday()],
    ),
  );
  const row = found.rows[0];
  if (!row?.active_loan) throw new Error('no bench customer with an active loan among the first customers');
  return { phone: row.phone, customerNumber: Number(row.phone.slice(5)), loans: Number(row.loans), activeLoanId: row.active_loan, operations: Number(row.operations) };
}

async function historyOf(url: string, phone: string) {
  const found = await withClient(url, (client) =>
    client.query<{ loans: string; operations: string }>(
      `SELECT (SELECT count(*) FROM loans l WHERE l.customer_id = c.id) AS loans, (SELECT count(*) FROM operations o WHERE o.customer_id = c.id) AS operations
         FROM customers c WHERE c.phone = $1`,
      [phone],
    ),
  );
  const row = found.rows[0];
  return row ? { loans: Number(row.loans), operations: Number(row.operations) } : null;
}

/** The mixed scenario's customers: every 40th (not the reads' customer), with an active loan to pay. */
async function loginPool(url: string): Promise<PoolEntry[]> {
  const found = await withClient(url, (client) =>
    client.query<{ phone: string; loan_id: string }>(
      `SELECT DISTINCT ON (c.id) c.phone, l.id AS loan_id
         FROM customers c JOIN loans l ON l.customer_id = c.id AND l.status = 'active'
        WHERE c.phone > $1 AND (substr(c.phone, 6)::int % $2) = 0
        ORDER BY c.id, l.created_at DESC`,
      [phoneOf(FIRST_BENCH_CUSTOMERS), BENCH_CUSTOMER_EVERY],
    ),
  );
  // A different order each run, so a kept database does not see the same customers first.
  const entries: PoolEntry[] = found.rows.map((row) => ({ phone: row.phone, loanId: row.loan_id, cookies: [], ip: ipOf(row.phone) }));
  for (let i = entries.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32BE() % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// The reads

async function getJson(baseUrl: string, path: string, cookie: string): Promise<unknown> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { cookie, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path} → HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** The cursor of the deepest history page up to 3 (the user's history is a few pages long). */
async function deepCursor(baseUrl: string, cookie: string): Promise<{ page: number; cursor: string } | null> {
  let cursor: string | null = null;
  let page = 1;
  for (; page < 3; page++) {
    const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const reply = (await getJson(baseUrl, `/api/history${query}`, cookie)) as { nextCursor: string | null };
    if (!reply.nextCursor) break;
    cursor = reply.nextCursor;
  }
  return cursor ? { page, cursor } : null;
}

type ReadsResult = {
  database: 'small' | 'large';
  status: 'ok' | 'failed';
  note?: string;
  loadAverageAtStart: number[];
  user?: BenchUser & { historyPages: number };
  server?: ServerReport;
  routes: RouteResult[];
};

/** One database's server, with the bench customer logged in: what the reads are measured against. */
type Side = { result: ReadsResult; launched?: LaunchedServer; cookie?: string; routes: RouteSpec[]; stop: () => Promise<void> };

async function startSide(database: 'small' | 'large', db: Db, user: BenchUser): Promise<Side> {
  const result: ReadsResult = { database, status: 'ok', loadAverageAtStart: loadAverage(), routes: [] };
  const dataDir = await mkdtemp(join(os.tmpdir(), 'cc-bench-scale-'));
  const removeDataDir = registerCleanup(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const side: Side = {
    result,
    routes: [],
    stop: async () => {
      await side.launched?.stop();
      await removeDataDir();
    },
  };
  try {
    side.launched = await launchServer({ ...SERVER_ENV, DATABASE_URL: db.url, DATA_DIR: dataDir }, settings.startupTimeoutSec);
    result.server = side.launched.report;
    const { baseUrl, logs } = side.launched.server;
    logs.phase = 'login';
    side.cookie = await login(baseUrl, user.phone);
    const deep = await deepCursor(baseUrl, side.cookie);
    result.user = { ...user, historyPages: deep ? deep.page : 1 };
    side.routes = [
      { name: BASELINE_ROUTE, path: '/api/client-config', withSession: false },
      { name: DASHBOARD_ROUTE, path: '/api/loans', withSession: true },
      { name: 'GET /api/applications (dashboard)', path: '/api/applications', withSession: true },
      { name: 'GET /api/loans/:id (active)', path: `/api/loans/${user.activeLoanId}`, withSession: true },
      { name: 'GET /api/history', path: '/api/history', withSession: true },
      ...(deep ? [{ name: `GET /api/history?cursor= (page ${deep.page})`, path: `/api/history?cursor=${encodeURIComponent(deep.cursor)}`, withSession: true }] : []),
    ];
  } catch (error) {
    result.status = 'failed';
    result.note = describeError(error);
    log(`${database} failed: ${result.note}`);
    await side.stop();
  }
  return side;
}

/**
 * The reads, each route on the small database and right after on the large one: both servers run
 * side by side, so a change in what else the machine does (other tests, autovacuum) falls on both
 * alike instead of on whichever database happened to be measured then. Ratios are to the baseline
 * measured on the same server.
 */
async function measureReads(sides: Side[]) {
  const running = sides.filter((side) => side.launched && side.cookie);
  const names = running[0]?.routes.map((r) => r.name) ?? [];
  for (const name of names) {
    for (const side of running) {
      if (side.result.status === 'failed') continue;
      const route = side.routes.find((r) => r.name === name);
      if (!route) continue;
      try {
        log(`${side.result.database}: ${name}`);
        await measureRoutes(side.launched!, [route], side.cookie!, settings.load, side.result.routes);
        const measured = side.result.routes.at(-1)!;
        const baseline = side.result.routes.find((r) => r.route === BASELINE_ROUTE);
        measured.ratioToBaseline = baseline && baseline.requestsPerSec > 0 ? round(measured.requestsPerSec / baseline.requestsPerSec, 3) : null;
      } catch (error) {
        side.result.status = 'failed';
        side.result.note = describeError(error);
        log(`${side.result.database} failed: ${side.result.note}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The mixed scenario: one autocannon connection = one customer's visit, over and over

type PoolEntry = { phone: string; loanId: string | null; cookies: string[]; ip: string };

/** The customer's own address, as the trusted proxy in front of the server reports it (X-Forwarded-For). */
const ipOf = (phone: string) => {
  const n = Number(phone.slice(-7));
  return `10.${77 + Math.floor(n / 62_500) % 100}.${Math.floor(n / 250) % 250}.${1 + (n % 250)}`;
};

/**
 * Login codes for the scenario. A visit ends by starting the next login: a code is sent to an idle
 * customer's phone (POST /api/auth/otp); the job worker delivers it to the sandbox gateway; the
 * collector reads it there (GET /api/dev/sms, not measured) and puts the customer in `ready`; the
 * next visit opens with its verification (POST /api/auth/verify) and the customer is idle again. A
 * phone has one code in flight at most, so a new code never replaces one still waiting to be used.
 * Before the run the collector sends the first codes itself (the prefill), and during it tops up
 * whenever fewer than `inFlightTarget` codes are on their way or waiting (a code lost or slow):
 * those sends are counted as `topUps` and not measured.
 */
class Logins {
  private readonly idle: PoolEntry[];
  private readonly awaiting = new Map<string, { entry: PoolEntry; sentAt: number }>();
  private readonly ready: { entry: PoolEntry; code: string }[] = [];
  private newPhones = 0;
  private sending = 0;
  private readonly newPhoneBase = randomBytes(4).readUInt32BE() % 9_000_000;
  collectorRequests = 0;
  collectorErrors = 0;
  topUps = 0;
  newCustomers = 0;
  lostCodes = 0;
  /** Visits that ended before the cabinet: no code delivered yet, or the login failed. */
  visitsCut = 0;

  constructor(pool: PoolEntry[], private readonly baseUrl: string, private readonly inFlightTarget: number) {
    this.idle = [...pool];
  }

  /** The next phone to send a code to: an idle pool customer, or a new customer when all are busy. */
  takeForSend(): PoolEntry {
    const entry = this.idle.shift();
    if (entry) return entry;
    this.newCustomers += 1;
    // Not a seeded number: the verification makes a new customer (no loan yet).
    const phone = `+7951${String((this.newPhoneBase + this.newPhones++) % 10_000_000).padStart(7, '0')}`;
    return { phone, loanId: null, cookies: [], ip: ipOf(phone) };
  }

  sent(entry: PoolEntry, ok: boolean) {
    if (ok) this.awaiting.set(entry.phone, { entry, sentAt: Date.now() });
    else this.release(entry);
  }

  takeReady() {
    return this.ready.shift();
  }

  /** Customers logged in during the run, who come back to the cabinet with their session. */
  private readonly sessions: { cookie: string; entry: PoolEntry }[] = [];
  private sessionTurn = 0;

  loggedIn(cookie: string, entry: PoolEntry) {
    this.sessions.push({ cookie, entry });
    // The oldest sessions are left to expire (15 minutes idle): a few hundred customers come back.
    if (this.sessions.length > 500) this.sessions.shift();
  }

  returning() {
    if (this.sessions.length === 0) return undefined;
    this.sessionTurn = (this.sessionTurn + 1) % this.sessions.length;
    return this.sessions[this.sessionTurn];
  }

  /** Whether a visit should start a new login: enough codes on their way already, or not. */
  wantsCode() {
    return this.inFlight() < this.inFlightTarget;
  }

  release(entry: PoolEntry) {
    this.idle.push(entry);
  }

  inFlight() {
    return this.sending + this.awaiting.size + this.ready.length;
  }

  /** A send outside the measured visits (prefill, top-up). */
  private async send(entry: PoolEntry) {
    this.sending += 1;
    try {
      const res = await fetch(`${this.baseUrl}/api/auth/otp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: this.baseUrl, 'x-forwarded-for': entry.ip },
        body: JSON.stringify({ phone: entry.phone }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.text();
      this.sent(entry, res.status === 200);
    } catch {
      this.sent(entry, false);
    } finally {
      this.sending -= 1;
    }
  }

  /** Sends codes until `count` are in flight and waits (up to `timeoutMs`) for `readyCount` of them to arrive. */
  async prefill(count: number, readyCount: number, timeoutMs: number) {
    const sends: Promise<void>[] = [];
    while (this.inFlight() < count) sends.push(this.send(this.takeForSend()));
    await Promise.all(sends);
    const deadline = Date.now() + timeoutMs;
    while (this.ready.length < readyCount && Date.now() < deadline) await sleep(100);
  }

  /** Polls the sandbox gateway's newest messages for the codes being waited for. */
  startCollector(): () => Promise<void> {
    let running = true;
    const loop = (async () => {
      while (running) {
        if (this.awaiting.size > 0) {
          try {
            this.collectorRequests += 1;
            const res = await fetch(`${this.baseUrl}/api/dev/sms`, { signal: AbortSignal.timeout(10_000) });
            const messages = (await res.json()) as { to: string; text: string; sentAt: string }[];
            for (const message of messages.reverse()) {
              const waiting = this.awaiting.get(message.to);
              const code = /код для входа (\d{6})\b/.exec(message.text)?.[1];
              if (!waiting || !code || Date.parse(message.sentAt) < waiting.sentAt - 2_000) continue;
              this.awaiting.delete(message.to);
              this.ready.push({ entry: waiting.entry, code });
            }
          } catch {
            this.collectorErrors += 1;
          }
          // A code not seen within a minute is not coming (or scrolled past): the phone is free again.
          for (const [phone, waiting] of this.awaiting) {
            if (Date.now() - waiting.sentAt > 60_000) {
              this.awaiting.delete(phone);
              this.lostCodes += 1;
              this.release(waiting.entry);
            }
          }
        }
        // The visits send one code each; should codes run short (lost, slow), keep the target in flight.
        for (let deficit = Math.min(20, this.inFlightTarget - this.inFlight()); running && deficit > 0; deficit--) {
          this.topUps += 1;
          void this.send(this.takeForSend());
        }
        await sleep(200);
      }
    })();
    return async () => {
      running = false;
      await loop;
    };
  }

  counts() {
    return { idle: this.idle.length, awaitingCode: this.awaiting.size, ready: this.ready.length };
  }
}

type Context = { cookie?: string; entry?: PoolEntry; loanId?: string | null; n?: number; ip?: string; label?: string };
type Step = {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest: (request: Step, context: Context) => Step | null;
  onResponse?: (status: number, body: string, context: Context, headers: Record<string, string | string[]>) => void;
};

function cookiePairs(headers: Record<string, string | string[]>): string[] {
  const raw = headers['set-cookie'] ?? headers['Set-Cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((h) => h.split(';')[0]!.trim()).filter((pair) => !pair.endsWith('='));
}

let counter = 0;
const nextNumber = () => (counter = (counter + 1) % 1_000_000);

/**
 * One visit, as a connection sends it over and over: the calculator page; a login with a code that
 * arrived by SMS — or, when none has arrived yet, a customer who logged in earlier coming back
 * with their session (the app's start-up request); the cabinet (the four reads it makes); a quote
 * and a new loan choice; the history, the loan, a payment; and, while fewer than the target of
 * codes are on their way, the next customer's login starts (a code is sent; otherwise one more
 * quote). Logins therefore run at the pace the SMS worker delivers codes, and every connection
 * stays busy. Each response is counted under what was actually sent (`context.label`).
 */
function visit(baseUrl: string, logins: Logins): Step[] {
  const base = { accept: 'application/json', origin: baseUrl };
  const json = { ...base, 'content-type': 'application/json' };
  const cut = () => {
    logins.visitsCut += 1;
    return null;
  };
  const from = (context: Context, headers: Record<string, string>) => ({ ...headers, 'x-forwarded-for': context.ip ?? '10.76.0.1' });
  const labelled = (context: Context, label: string, step: Step): Step => {
    context.label = label;
    return step;
  };
  // Without a session (the login failed) the visit ends: the failed login is what counts.
  const authed = (step: Step, context: Context): Step | null =>
    context.cookie ? labelled(context, step.name, { ...step, headers: from(context, { ...base, cookie: context.cookie }) }) : cut();
  // A customer without an active loan (a new one) looks at the payments in the history instead.
  const withoutLoan = (step: Step, context: Context): Step | null =>
    context.cookie
      ? labelled(context, 'GET /api/history?type=payment', { ...step, method: 'GET', path: '/api/history?type=payment', headers: from(context, { ...base, cookie: context.cookie }), body: '' })
      : cut();
  const quote = (step: Step, context: Context): Step => {
    const n = context.n ?? 0;
    return labelled(context, 'GET /api/quote', {
      ...step,
      method: 'GET',
      path: `/api/quote?product=pdl&amount=${5_000 + (n % 50) * 500}&term=${7 + (n % 24)}`,
      headers: from(context, base),
      body: '',
    });
  };
  const step = (s: Omit<Step, 'setupRequest'> & { setupRequest?: Step['setupRequest'] }): Step => ({ setupRequest: (r, context) => labelled(context, r.name, r), ...s });
  return [
    step({
      name: 'GET /api/pricing',
      method: 'GET',
      path: '/api/pricing',
      setupRequest: (r, context) => {
        context.n = nextNumber();
        return labelled(context, r.name, { ...r, headers: from(context, base) });
      },
    }),
    step({
      name: 'POST /api/auth/verify',
      method: 'POST',
      path: '/api/auth/verify',
      setupRequest: (r, context) => {
        const ready = logins.takeReady();
        if (!ready) {
          const back = logins.returning();
          if (!back) return cut();
          context.cookie = back.cookie;
          context.ip = back.entry.ip;
          context.loanId = back.entry.loanId;
          return labelled(context, 'GET /api/client-config (returning)', { ...r, method: 'GET', path: '/api/client-config', headers: from(context, base), body: '' });
        }
        context.entry = ready.entry;
        context.ip = ready.entry.ip;
        context.loanId = ready.entry.loanId;
        const headers: Record<string, string> = ready.entry.cookies.length ? { ...json, cookie: ready.entry.cookies.join('; ') } : json;
        return labelled(context, r.name, { ...r, headers: from(context, headers), body: JSON.stringify({ phone: ready.entry.phone, code: ready.code }) });
      },
      onResponse: (status, _body, context, headers) => {
        const entry = context.entry;
        if (!entry) return; // a returning customer
        context.entry = undefined;
        const pairs = cookiePairs(headers);
        if (status === 200) {
          context.cookie = pairs.find((p) => p.startsWith('sid='));
          // Keep the browser's device cookie: the customer's next login is from a known browser.
          const device = pairs.filter((p) => !p.startsWith('sid='));
          if (device.length) entry.cookies = device;
          if (context.cookie) logins.loggedIn(context.cookie, entry);
        }
        logins.release(entry);
      },
    }),
    step({ name: 'GET /api/me', method: 'GET', path: '/api/me', setupRequest: authed }),
    step({ name: 'GET /api/cabinet/loan-choice', method: 'GET', path: '/api/cabinet/loan-choice', setupRequest: authed }),
    step({ name: 'GET /api/applications', method: 'GET', path: '/api/applications', setupRequest: authed }),
    step({
      name: 'GET /api/loans',
      method: 'GET',
      path: '/api/loans',
      setupRequest: authed,
      onResponse: (status, body, context) => {
        if (status !== 200 || context.loanId) return;
        try {
          context.loanId = (JSON.parse(body) as { id: string; status: string }[]).find((l) => l.status === 'active')?.id ?? null;
        } catch {
          context.loanId = null;
        }
      },
    }),
    step({ name: 'GET /api/quote', method: 'GET', path: '/api/quote', setupRequest: (r, context) => quote(r, context) }),
    step({
      name: 'PUT /api/cabinet/loan-choice',
      method: 'PUT',
      path: '/api/cabinet/loan-choice',
      setupRequest: (r, context) => {
        if (!context.cookie) return cut();
        const n = context.n ?? 0;
        return labelled(context, r.name, {
          ...r,
          headers: from(context, { ...json, cookie: context.cookie }),
          body: JSON.stringify({ product: 'pdl', amount: 10_000 + (n % 40) * 500, term: 10 + (n % 20) }),
        });
      },
    }),
    step({ name: 'GET /api/history', method: 'GET', path: '/api/history', setupRequest: authed }),
    step({
      name: 'GET /api/loans/:id',
      method: 'GET',
      path: '/api/loans/:id',
      setupRequest: (r, context) => (context.loanId ? authed({ ...r, path: `/api/loans/${context.loanId}` }, context) : withoutLoan(r, context)),
    }),
    step({
      name: 'POST /api/loans/:id/payments',
      method: 'POST',
      path: '/api/loans/:id/payments',
      setupRequest: (r, context) =>
        context.loanId && context.cookie
          ? labelled(context, r.name, {
              ...r,
              path: `/api/loans/${context.loanId}/payments`,
              headers: from(context, { ...json, cookie: context.cookie, 'idempotency-key': randomUUID() }),
              body: JSON.stringify({ amountKopecks: 100, method: 'card' }),
            })
          : withoutLoan(r, context),
    }),
    step({
      name: 'POST /api/auth/otp',
      method: 'POST',
      path: '/api/auth/otp',
      setupRequest: (r, context) => {
        if (!logins.wantsCode()) return quote(r, context);
        const entry = logins.takeForSend();
        context.entry = entry;
        return labelled(context, r.name, { ...r, headers: { ...json, 'x-forwarded-for': entry.ip }, body: JSON.stringify({ phone: entry.phone }) });
      },
      onResponse: (status, _body, context) => {
        if (context.entry) logins.sent(context.entry, status === 200);
        context.entry = undefined;
      },
    }),
  ];
}

type StepStats = { count: number; statuses: Record<string, number>; latencies: number[] };

type MixedResult = {
  durationSec: number;
  warmupSec: number;
  connections: number;
  requestsPerSec: number;
  requestsTotal: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  errorMessages: Record<string, number>;
  statusCodes: Record<string, number>;
  visitsCut: number;
  steps: { step: string; count: number; p50: number; p99: number; statuses: Record<string, number> }[];
  logins: { pool: number; newCustomers: number; collectorRequests: number; collectorErrors: number; lostCodes: number; topUps: number; left: Record<string, number> };
  rss: { peakMb: number | null; firstWindowMb: number | null; lastWindowMb: number | null; windowSec: number; growthPercent: number | null; samples: [number, number][] };
};

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : 0);

async function runVisits(baseUrl: string, logins: Logins, durationSec: number, stats: Map<string, StepStats> | null) {
  const errorMessages: Record<string, number> = {};
  const cutBefore = logins.visitsCut;
  const instance = autocannon({
    url: baseUrl,
    connections: settings.load.connections,
    duration: durationSec,
    timeout: REQUEST_TIMEOUT_SEC,
    requests: visit(baseUrl, logins),
  });
  instance.on('reqError', (error) => {
    const key = error?.message || String(error);
    errorMessages[key] = (errorMessages[key] ?? 0) + 1;
  });
  instance.on('response', (client, statusCode, _bytes, responseTime) => {
    if (!stats) return;
    const name = (client.requestIterator.context as Context).label ?? '?';
    const s = stats.get(name) ?? { count: 0, statuses: {}, latencies: [] };
    s.count += 1;
    s.statuses[statusCode] = (s.statuses[statusCode] ?? 0) + 1;
    s.latencies.push(responseTime);
    stats.set(name, s);
  });
  const cleanup = registerCleanup('autocannon (mixed)', async () => instance.stop());
  try {
    const result = await instance;
    return { result, errorMessages, visitsCut: logins.visitsCut - cutBefore };
  } finally {
    forgetCleanup(cleanup);
  }
}

async function runMixed(launched: LaunchedServer, pool: PoolEntry[], into: { mixed?: MixedResult }) {
  const { server, sampler } = launched;
  const connections = settings.load.connections;
  const logins = new Logins(pool, server.baseUrl, 2 * connections);
  const stopCollector = logins.startCollector();
  try {
    server.logs.phase = 'mixed (warm-up)';
    log(`mixed: ${pool.length} customers in the login pool; sending the first ${2 * connections} codes`);
    await logins.prefill(2 * connections, connections, 30_000);
    log(`mixed: warm-up ${MIXED_WARMUP_SEC} s (${JSON.stringify(logins.counts())})`);
    await runVisits(server.baseUrl, logins, MIXED_WARMUP_SEC, null);
    const topUpsBefore = logins.topUps;

    server.logs.phase = 'mixed';
    log(`mixed: ${settings.load.connections} connections for ${settings.mixedSec} s`);
    const samples: [number, number][] = [];
    const started = performance.now();
    let peakKb = 0;
    const timer = setInterval(() => {
      void sampler.sample().then((kb) => {
        if (kb === null) return;
        peakKb = Math.max(peakKb, kb);
        samples.push([round((performance.now() - started) / 1000, 1), kb]);
      });
    }, 200);
    const stats = new Map<string, StepStats>();
    let run;
    try {
      run = await runVisits(server.baseUrl, logins, settings.mixedSec, stats);
    } finally {
      clearInterval(timer);
    }
    if (server.exit()) throw new Error(`server exited during the mixed scenario: ${JSON.stringify(server.exit())}`);
    const result: Result = run.result;

    // RSS: the mean of the first and of the last third of the run (at most a minute each).
    const windowSec = Math.min(60, settings.mixedSec / 3);
    const mean = (list: [number, number][]) => (list.length ? list.reduce((sum, [, kb]) => sum + kb, 0) / list.length : null);
    const first = mean(samples.filter(([t]) => t <= windowSec));
    const last = mean(samples.filter(([t]) => t >= settings.mixedSec - windowSec));
    into.mixed = {
      durationSec: settings.mixedSec,
      warmupSec: MIXED_WARMUP_SEC,
      connections: settings.load.connections,
      requestsPerSec: round(result.requests.mean, 1),
      requestsTotal: result.requests.total,
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      errorMessages: run.errorMessages,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
      visitsCut: run.visitsCut,
      steps: [...stats.entries()].map(([step, s]) => {
        const sorted = s.latencies.sort((a, b) => a - b);
        return { step, count: s.count, p50: percentile(sorted, 50), p99: percentile(sorted, 99), statuses: s.statuses };
      }),
      logins: {
        pool: pool.length,
        newCustomers: logins.newCustomers,
        collectorRequests: logins.collectorRequests,
        collectorErrors: logins.collectorErrors,
        lostCodes: logins.lostCodes,
        topUps: logins.topUps - topUpsBefore,
        left: logins.counts(),
      },
      rss: {
        peakMb: kbToMb(peakKb || null),
        firstWindowMb: kbToMb(first),
        lastWindowMb: kbToMb(last),
        windowSec: round(windowSec, 1),
        growthPercent: first && last ? round((100 * (last - first)) / first, 1) : null,
        samples: samples.map(([t, kb]) => [t, round(kb / 1024, 1)]),
      },
    };
  } finally {
    await stopCollector();
  }
  launched.report.peakRssMb = kbToMb(launched.sampler.peakKb);
}

// ---------------------------------------------------------------------------------------------
// Report

type Budget = { name: string; pass: boolean; detail: string };

function budgets(small: ReadsResult, large: ReadsResult, mixed: MixedResult | undefined): Budget[] {
  const out: Budget[] = [];
  const route = (r: ReadsResult, name: string) => r.routes.find((x) => x.route === name);
  const reads = large.routes.filter((r) => r.route !== BASELINE_ROUTE).map((r) => r.route);
  for (const r of [large, small]) {
    const dashboard = route(r, DASHBOARD_ROUTE);
    if (dashboard?.ratioToBaseline != null) {
      out.push({
        name: `${r.database}: dashboard ≥ ${BUDGET.dashboardShareOfBaseline * 100} % of the baseline's req/s`,
        pass: dashboard.ratioToBaseline >= BUDGET.dashboardShareOfBaseline,
        detail: `${round(dashboard.ratioToBaseline * 100, 1)} %`,
      });
    }
  }
  for (const r of [large, small]) {
    for (const name of reads) {
      const x = route(r, name);
      if (x) out.push({ name: `${r.database}: ${name} p99 ≤ ${BUDGET.p99Ms} ms`, pass: x.latencyMs.p99 <= BUDGET.p99Ms, detail: `${x.latencyMs.p99} ms` });
    }
  }
  for (const name of reads) {
    const s = route(small, name);
    const l = route(large, name);
    if (!s || !l) continue;
    const p99Ratio = l.latencyMs.p99 / Math.max(1, s.latencyMs.p99);
    const rpsRatio = s.requestsPerSec / Math.max(0.1, l.requestsPerSec);
    out.push({
      name: `large within ${BUDGET.largeVsSmall}× of small: ${name}`,
      pass: p99Ratio <= BUDGET.largeVsSmall && rpsRatio <= BUDGET.largeVsSmall,
      detail: `p99 ×${round(p99Ratio, 2)}, req/s ×${round(1 / rpsRatio, 2)}`,
    });
  }
  for (const r of [large, small]) {
    const peak = r.server?.peakRssMb;
    if (peak != null) out.push({ name: `${r.database}: server peak RSS ≤ ${BUDGET.peakRssMb} MB`, pass: peak <= BUDGET.peakRssMb, detail: `${peak} MB` });
  }
  if (mixed?.rss.growthPercent != null) {
    out.push({
      name: `mixed: RSS growth ≤ ${BUDGET.rssGrowthPercent} % (first vs last ${mixed.rss.windowSec} s)`,
      pass: mixed.rss.growthPercent <= BUDGET.rssGrowthPercent,
      detail: `${mixed.rss.firstWindowMb} → ${mixed.rss.lastWindowMb} MB (${mixed.rss.growthPercent} %)`,
    });
  }
  return out;
}

function printReport(small: ReadsResult, large: ReadsResult, mixed: MixedResult | undefined, seeds: { small: Db | null; large: Db | null }, checks: Budget[]) {
  for (const [label, db] of Object.entries(seeds)) {
    if (!db) continue;
    if (db.seed) {
      const c = db.seed.counts;
      console.log(
        `${label} database: seeded in ${db.seed.seconds} s at scale ${db.seed.scale}: ${c.customers} customers, ${c.loans} loans ` +
          `${JSON.stringify(db.seed.loansByState)}, ${c.operations} operations, ${c.payments} payments, ${c.ledger_transactions} ledger transactions, ` +
          `${c.ledger_entries} entries${db.seed.problems.length ? `; PROBLEMS: ${db.seed.problems.join('; ')}` : ''}`,
      );
    } else if (db.reused) console.log(`${label} database: ${db.name} reused (BENCH_KEEP_LARGE=1, seeded earlier today)`);
  }
  const user = large.user ?? small.user;
  if (user) console.log(`bench customer ${user.phone}: ${user.loans} loans, ${user.operations} operations (${user.historyPages}+ history pages), the same rows in both databases`);

  const rows: string[][] = [];
  for (const s of small.routes) {
    const l = large.routes.find((x) => x.route === s.route);
    const cell = (v: number | undefined, digits = 1) => (v === undefined ? '-' : v.toFixed(digits));
    rows.push([
      s.route,
      cell(s.requestsPerSec),
      cell(l?.requestsPerSec),
      `${s.latencyMs.p50} / ${l?.latencyMs.p50 ?? '-'}`,
      `${s.latencyMs.p99} / ${l?.latencyMs.p99 ?? '-'}`,
      `${s.non2xx + s.errors} / ${l ? l.non2xx + l.errors : '-'}`,
      `${cell(s.ratioToBaseline ?? undefined, 2)} / ${cell(l?.ratioToBaseline ?? undefined, 2)}`,
      l ? (l.requestsPerSec / Math.max(0.1, s.requestsPerSec)).toFixed(2) : '-',
      l ? (l.latencyMs.p99 / Math.max(1, s.latencyMs.p99)).toFixed(2) : '-',
    ]);
  }
  printTable(
    ['route', 'small req/s', 'large req/s', 'p50 ms s/l', 'p99 ms s/l', 'errors s/l', 'ratio s/l', 'L/S req/s', 'L/S p99'],
    rows,
    1,
  );
  const { connections, durationSec, warmupSec } = settings.load;
  console.log(
    `ratio = route req/s ÷ ${BASELINE_ROUTE} req/s on the same database; errors = non-2xx + connection errors; L/S = large ÷ small. ` +
      `${connections} connections, ${durationSec} s per route after a ${warmupSec} s warm-up; ${os.cpus().length} CPUs, load average at start ` +
      `${small.loadAverageAtStart.join(' ')} (small), ${large.loadAverageAtStart.join(' ')} (large). Server RSS peak ${small.server?.peakRssMb ?? '-'} MB (small), ` +
      `${large.server?.peakRssMb ?? '-'} MB (large).`,
  );

  if (mixed) {
    console.log('');
    console.log(
      `mixed scenario on the large database: ${mixed.connections} connections, ${mixed.durationSec} s (after ${mixed.warmupSec} s warm-up): ` +
        `${mixed.requestsPerSec} req/s, p50 ${mixed.latencyMs.p50} ms, p99 ${mixed.latencyMs.p99} ms, max ${mixed.latencyMs.max} ms, ` +
        `non-2xx ${mixed.non2xx}, errors ${mixed.errors} (${mixed.timeouts} timeouts); visits ended early (no code yet / no session) ${mixed.visitsCut}`,
    );
    printTable(
      ['step', 'requests', 'p50 ms', 'p99 ms', 'status codes'],
      mixed.steps.map((s) => [s.step, String(s.count), String(s.p50), String(s.p99), JSON.stringify(s.statuses)]),
      1,
    );
    console.log(
      `logins: ${mixed.logins.pool} seeded customers in the pool, ${mixed.logins.newCustomers} new customers when all were busy; ` +
        `codes read from the sandbox gateway by ${mixed.logins.collectorRequests} requests to /api/dev/sms, ${mixed.logins.topUps} codes sent outside the visits ` +
        `(neither counted above), ${mixed.logins.lostCodes} codes never seen. ` +
        `Server RSS: peak ${mixed.rss.peakMb} MB, first ${mixed.rss.windowSec} s ${mixed.rss.firstWindowMb} MB, last ${mixed.rss.windowSec} s ${mixed.rss.lastWindowMb} MB ` +
        `(${mixed.rss.growthPercent ?? '-'} %).`,
    );
  }
  console.log('');
  for (const b of checks) console.log(`${b.pass ? 'PASS' : 'FAIL'} ${b.name}: ${b.detail}`);
  console.log('');
  for (const r of [small, large]) {
    if (r.note) console.log(`note [${r.database}]: ${r.note}`);
    printNotes(r.database, r.routes, r.server);
  }
  if (mixed && Object.keys(mixed.errorMessages).length) console.log(`note [mixed]: errors ${JSON.stringify(mixed.errorMessages)}`);
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const { warmupSec, durationSec, connections } = settings.load;
  const routeSec = warmupSec + durationSec + 2 * REQUEST_TIMEOUT_SEC;
  const perDatabaseSec = settings.startupTimeoutSec + 30 + 6 * routeSec + 30;
  startWatchdog(settings.seedTimeoutSec + 2 * perDatabaseSec + 60 + MIXED_WARMUP_SEC + settings.mixedSec + 2 * REQUEST_TIMEOUT_SEC + 120);
  const startedAt = new Date();
  log(
    `small scale ${settings.smallScale}, large scale ${settings.largeScale}${settings.keepLarge ? ' (kept)' : ''}; ${connections} connections; ` +
      `${durationSec} s per route; mixed ${settings.mixedSec} s${settings.serverNodeOptions ? `; server NODE_OPTIONS=${settings.serverNodeOptions}` : ''}`,
  );

  let small: ReadsResult = { database: 'small', status: 'failed', note: 'not run', loadAverageAtStart: [], routes: [] };
  let large: ReadsResult = { database: 'large', status: 'failed', note: 'not run', loadAverageAtStart: [], routes: [] };
  const into: { mixed?: MixedResult } = {};
  const seeds: { small: Db | null; large: Db | null } = { small: null, large: null };
  let fatal: string | undefined;
  const sides: Side[] = [];
  try {
    seeds.small = await freshDatabase(settings.smallScale);
    if (seeds.small.seed?.problems.length) throw new Error(`small database: ${seeds.small.seed.problems.join('; ')}`);
    const user = await pickBenchUser(seeds.small.url);
    seeds.large = settings.keepLarge ? await keptDatabase(settings.largeScale) : await freshDatabase(settings.largeScale);
    if (seeds.large.seed?.problems.length) throw new Error(`large database: ${seeds.large.seed.problems.join('; ')}`);
    const same = await historyOf(seeds.large.url, user.phone);
    if (!same || same.operations !== user.operations) {
      throw new Error(`the bench customer ${user.phone} has ${same?.operations ?? 'no'} operations on the large database, ${user.operations} on the small one`);
    }
    const pool = await loginPool(seeds.large.url);
    log(`bench customer ${user.phone}: ${user.loans} loans, ${user.operations} operations`);

    const smallSide = await startSide('small', seeds.small, user);
    sides.push(smallSide);
    small = smallSide.result;
    const largeSide = await startSide('large', seeds.large, user);
    sides.push(largeSide);
    large = largeSide.result;
    await measureReads(sides);
    await smallSide.stop();
    await seeds.small.drop?.();

    if (largeSide.launched && large.status === 'ok') {
      try {
        await runMixed(largeSide.launched, pool, into);
      } catch (error) {
        large.status = 'failed';
        large.note = `mixed scenario: ${describeError(error)}`;
        log(`large failed: ${large.note}`);
      }
    }
    await largeSide.stop();
  } catch (error) {
    fatal = describeError(error);
    log(`failed: ${fatal}`);
  } finally {
    for (const side of sides) await side.stop();
    if (seeds.large?.drop) await seeds.large.drop();
  }
  await runAllCleanups();

  const checks = budgets(small, large, into.mixed);
  printReport(small, large, into.mixed, seeds, checks);
  if (fatal) console.log(`note: ${fatal}`);

  const seedOf = (db: Db | null) => (db ? { name: db.name, reused: db.reused, report: db.seed } : null);
  await writeResults(
    'scale',
    startedAt,
    settings.load,
    { baselineRoute: BASELINE_ROUTE, dashboardRoute: DASHBOARD_ROUTE, smallScale: settings.smallScale, largeScale: settings.largeScale, mixedSec: settings.mixedSec, keepLarge: settings.keepLarge, host: HOST, serverEnv: SERVER_ENV, budget: BUDGET },
    { seeds: { small: seedOf(seeds.small), large: seedOf(seeds.large) }, small, large, mixed: into.mixed ?? null, budgets: checks, fatal: fatal ?? null },
  );
  return fatal || small.status === 'failed' || large.status === 'failed' ? 1 : 0;
}

runMain(main);
