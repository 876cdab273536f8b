/**
 * HTTP API benchmark: starts the real server (PGlite, then PostgreSQL), logs in once through the
 * OTP flow, loads a baseline route and an authenticated route with autocannon, samples the server's
 * RSS, prints a table and writes bench/results/api-<timestamp>.json. See bench/README.md.
 *
 * Everything it creates (server processes, temp data dirs, databases) is removed on success, on
 * failure, on Ctrl-C and when the overall watchdog fires, so the bench always ends by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';

// ---------------------------------------------------------------------------------------------
// Settings

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const SERVER_ENTRY = 'src/server/main.ts';

const HOST = '127.0.0.1';
const PHONE = '+79123456789';
const RSS_SAMPLE_MS = 200;
const STOP_GRACE_MS = 10_000;
const SMS_WAIT_MS = 15_000;
/** Per-request timeout inside autocannon (s); a timed-out request counts as an error. */
const REQUEST_TIMEOUT_SEC = 10;

function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

type Mode = 'pglite' | 'postgres';
const ALL_MODES: Mode[] = ['pglite', 'postgres'];

function envModes(): Mode[] {
  const raw = process.env.BENCH_MODES?.trim();
  if (!raw) return ALL_MODES;
  const modes = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = modes.filter((m) => !ALL_MODES.includes(m as Mode));
  if (unknown.length > 0 || modes.length === 0) {
    throw new Error(`BENCH_MODES must be a comma-separated subset of ${ALL_MODES.join(',')}, got "${raw}"`);
  }
  return ALL_MODES.filter((m) => modes.includes(m));
}

function loadSettings() {
  try {
    return {
      connections: envInt('BENCH_CONNECTIONS', 50, 1, 1000),
      durationSec: envInt('BENCH_DURATION_SEC', 10, 1, 600),
      warmupSec: envInt('BENCH_WARMUP_SEC', 2, 0, 60),
      startupTimeoutSec: envInt('BENCH_STARTUP_TIMEOUT_SEC', 90, 5, 600),
      adminDatabaseUrl: process.env.BENCH_DATABASE_URL?.trim() || 'postgres://root@127.0.0.1:5432/test',
      modes: envModes(),
    };
  } catch (error) {
    process.stderr.write(`[bench] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
const settings = loadSettings();

type RouteSpec = { name: string; path: string; withSession: boolean };
/** The first route is the baseline every other route's req/s is divided by. */
const ROUTES: RouteSpec[] = [
  // Baseline: the full HTTP stack (headers, same-origin hook, route registry) and no database.
  { name: 'GET /api/client-config', path: '/api/client-config', withSession: false },
  // One trivial query.
  { name: 'GET /api/health', path: '/api/health', withSession: false },
  // Session lookup (cookie → sessions ⋈ customers) on every request.
  { name: 'GET /api/me', path: '/api/me', withSession: true },
];

// ---------------------------------------------------------------------------------------------
// Cleanup registry: every resource registers an idempotent closer; `finally` blocks run them one
// by one, signal handlers and the watchdog run whatever is left (newest first).

type Cleanup = () => Promise<void>;
const pendingCleanups: Cleanup[] = [];

function registerCleanup(label: string, fn: () => Promise<void>): Cleanup {
  let running: Promise<void> | undefined;
  const once: Cleanup = () => {
    running ??= (async () => {
      const index = pendingCleanups.indexOf(once);
      if (index >= 0) pendingCleanups.splice(index, 1);
      try {
        await fn();
      } catch (error) {
        log(`cleanup "${label}" failed: ${describeError(error)}`);
      }
    })();
    return running;
  };
  pendingCleanups.push(once);
  return once;
}

/** Drops a closer that is no longer needed without running it. */
function forgetCleanup(cleanup: Cleanup) {
  const index = pendingCleanups.indexOf(cleanup);
  if (index >= 0) pendingCleanups.splice(index, 1);
}

async function runAllCleanups(): Promise<void> {
  while (pendingCleanups.length > 0) await pendingCleanups[pendingCleanups.length - 1]!();
}

/** Last resort for an abrupt exit: no server child may outlive the bench. */
const liveChildren = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

let aborting = false;
async function abort(reason: string, exitCode: number): Promise<never> {
  if (aborting) process.exit(exitCode);
  aborting = true;
  log(`${reason}: cleaning up and exiting`);
  const hardStop = setTimeout(() => process.exit(exitCode), 30_000);
  hardStop.unref();
  await runAllCleanups();
  process.exit(exitCode);
}

process.on('SIGINT', () => void abort('interrupted (SIGINT)', 130));
process.on('SIGTERM', () => void abort('terminated (SIGTERM)', 143));

// ---------------------------------------------------------------------------------------------
// Small helpers

function log(message: string) {
  process.stderr.write(`[bench] ${message}\n`);
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e) => describeError(e)).join('; ');
  }
  if (error instanceof Error) {
    const cause = error.cause ? ` (cause: ${describeError(error.cause)})` : '';
    return `${error.message || error.name}${cause}`;
  }
  return String(error);
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, HOST, () => ok());
  });
  const address = server.address();
  await new Promise<void>((ok) => server.close(() => ok()));
  if (address === null || typeof address === 'string') throw new Error('could not get a free port');
  return address.port;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const kbToMb = (kb: number | null) => (kb === null ? null : round(kb / 1024, 1));

// ---------------------------------------------------------------------------------------------
// Server logs: pino JSON lines on stdout, anything else on stderr. Warn/error lines are counted per
// phase (startup, login, each route, stop) so server-side problems show next to the numbers.

type LogSample = { phase: string; level: string; message: string };
const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

class ServerLogs {
  phase = 'startup';
  readonly problemCounts: Record<string, Record<string, number>> = {};
  readonly samples: LogSample[] = [];
  private readonly tail: string[] = [];

  attach(stream: NodeJS.ReadableStream, source: 'stdout' | 'stderr') {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => this.onLine(line, source));
  }

  lastLines(): string {
    return this.tail.join('\n');
  }

  total(): number {
    return Object.values(this.problemCounts).reduce(
      (sum, byLevel) => sum + Object.values(byLevel).reduce((a, b) => a + b, 0),
      0,
    );
  }

  private onLine(line: string, source: 'stdout' | 'stderr') {
    if (line.trim() === '') return;
    this.tail.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
    if (this.tail.length > 40) this.tail.shift();

    let level: string | undefined;
    let message = line;
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown; err?: { message?: unknown; type?: unknown } };
      if (typeof entry.level === 'number') {
        if (entry.level < 40) return;
        level = PINO_LEVELS[entry.level] ?? String(entry.level);
        const errText = entry.err ? ` [${String(entry.err.type ?? 'Error')}: ${String(entry.err.message ?? '')}]` : '';
        message = `${String(entry.msg ?? '')}${errText}`;
      }
    } catch {
      // not JSON: a plain line
    }
    if (level === undefined) {
      if (source === 'stdout') return; // plain stdout chatter is not a problem signal
      level = 'stderr';
    }
    const byLevel = (this.problemCounts[this.phase] ??= {});
    byLevel[level] = (byLevel[level] ?? 0) + 1;
    if (this.samples.length < 20 && !this.samples.some((s) => s.message === message && s.level === level)) {
      this.samples.push({ phase: this.phase, level, message: message.slice(0, 500) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The server process

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null; error?: string };
type StopInfo = { how: 'SIGTERM' | 'SIGKILL' | 'already exited'; seconds: number; exit: ExitInfo | null };

type ServerHandle = {
  child: ChildProcess;
  pid: number;
  port: number;
  baseUrl: string;
  logs: ServerLogs;
  exit: () => ExitInfo | null;
  exited: Promise<ExitInfo>;
  stop: () => Promise<StopInfo>;
};

/** Variables the bench sets itself; any value inherited from the shell is dropped first. */
const SERVER_ENV_OWNED = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'PUBLIC_URL',
  'DATA_DIR',
  'DATABASE_URL',
  'LOG_LEVEL',
  'SMS_PROVIDER',
  'RUN_WORKERS',
  'OTP_SENDS_PER_IP_HOUR',
  'TRUST_PROXY',
];

function startServer(port: number, modeEnv: Record<string, string>): ServerHandle {
  const baseUrl = `http://${HOST}:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of SERVER_ENV_OWNED) delete env[key];
  Object.assign(env, {
    NODE_ENV: 'development', // dev tools (the sandbox SMS list) are needed for the login
    PORT: String(port),
    HOST,
    PUBLIC_URL: baseUrl,
    LOG_LEVEL: 'warn',
    SMS_PROVIDER: 'sandbox',
    RUN_WORKERS: 'true', // the SMS outbox is delivered by a job worker
    OTP_SENDS_PER_IP_HOUR: '1000',
    ...modeEnv,
  });

  // `node --import tsx` (not the tsx CLI) so the child PID is the server process itself.
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const logs = new ServerLogs();
  logs.attach(child.stdout!, 'stdout');
  logs.attach(child.stderr!, 'stderr');

  let exitInfo: ExitInfo | null = null;
  const exited = new Promise<ExitInfo>((settle) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      liveChildren.delete(child);
      settle(exitInfo);
    });
    child.once('error', (error) => {
      exitInfo = { code: null, signal: null, error: describeError(error) };
      liveChildren.delete(child);
      settle(exitInfo);
    });
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${process.execPath}`);

  const stop = async (): Promise<StopInfo> => {
    const started = performance.now();
    const seconds = () => round((performance.now() - started) / 1000, 2);
    if (exitInfo) return { how: 'already exited', seconds: 0, exit: exitInfo };
    logs.phase = 'stop';
    child.kill('SIGTERM');
    const graceful = await Promise.race([exited, sleep(STOP_GRACE_MS, null, { ref: false })]);
    if (graceful) return { how: 'SIGTERM', seconds: seconds(), exit: graceful };
    log(`server ${child.pid} did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM; sending SIGKILL`);
    child.kill('SIGKILL');
    const killed = await Promise.race([exited, sleep(5_000, null, { ref: false })]);
    return { how: 'SIGKILL', seconds: seconds(), exit: killed };
  };

  return { child, pid: child.pid, port, baseUrl, logs, exit: () => exitInfo, exited, stop };
}

async function waitForHealth(server: ServerHandle, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: string;
  for (;;) {
    const exit = server.exit();
    if (exit) {
      throw new Error(
        `server exited during startup (code ${exit.code}, signal ${exit.signal}${exit.error ? `, ${exit.error}` : ''})\n` +
          `--- last server output ---\n${server.logs.lastLines()}`,
      );
    }
    try {
      const res = await fetch(`${server.baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      const text = await res.text();
      if (res.status === 200 && (JSON.parse(text) as { status?: unknown }).status === 'ok') return;
      last = `HTTP ${res.status}: ${text.slice(0, 200)}`;
    } catch (error) {
      last = describeError(error);
    }
    if (performance.now() > deadline) {
      throw new Error(
        `server not healthy within ${timeoutMs / 1000} s (last: ${last})\n--- last server output ---\n${server.logs.lastLines()}`,
      );
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// Which process listens on the port (Linux /proc): the child itself when started with
// `node --import tsx`, but checked so a wrapper process would not be measured by mistake.

async function listeningSocketInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (cols.length > 9 && cols[1]?.endsWith(`:${portHex}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  return inodes;
}

async function processTree(rootPid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

async function findListeningPid(rootPid: number, port: number): Promise<number | null> {
  try {
    const inodes = await listeningSocketInodes(port);
    if (inodes.size === 0) return null;
    for (const pid of await processTree(rootPid)) {
      let fds: string[];
      try {
        fds = await readdir(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match && inodes.has(match[1]!)) return pid;
      }
    }
  } catch {
    // no /proc: not Linux
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// RSS sampling from /proc/<pid>/status (VmRSS, kB) every 200 ms.

class RssSampler {
  peakKb: number | null = null;
  private windowPeakKb: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(private readonly pid: number) {}

  async sample(): Promise<number | null> {
    try {
      const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      if (!match) return null;
      const kb = Number(match[1]);
      this.peakKb = Math.max(this.peakKb ?? 0, kb);
      this.windowPeakKb = Math.max(this.windowPeakKb ?? 0, kb);
      return kb;
    } catch {
      return null; // no /proc, or the process is gone
    }
  }

  start() {
    this.timer = setInterval(() => {
      if (this.reading) return;
      this.reading = true;
      void this.sample().finally(() => (this.reading = false));
    }, RSS_SAMPLE_MS);
    this.timer.unref();
  }

  /** Starts a new measurement window; `endWindow` returns the peak seen inside it. */
  beginWindow() {
    this.windowPeakKb = null;
  }

  async endWindow(): Promise<number | null> {
    await this.sample();
    return this.windowPeakKb;
  }

  stop() {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Login through the public API: request a code, read it from the sandbox SMS list, verify.

async function login(baseUrl: string): Promise<string> {
  const timeout = () => AbortSignal.timeout(10_000);
  // Origin is what a browser sends; the server rejects cross-site state changes (WEB-4).
  const jsonHeaders = { 'content-type': 'application/json', origin: baseUrl };

  const otp = await fetch(`${baseUrl}/api/auth/otp`, {
    method: 'POST',
    headers: jsonHeaders,
    body: JSON.stringify({ phone: PHONE }),
    signal: timeout(),
  });
  const otpText = await otp.text();
  if (otp.status !== 200) throw new Error(`POST /api/auth/otp → HTTP ${otp.status}: ${otpText.slice(0, 300)}`);

  // The SMS is delivered by a background job (polls every 0.5 s); the list is newest first.
  const smsUrl = `${baseUrl}/api/dev/sms?phone=${encodeURIComponent(PHONE)}`;
  const deadline = performance.now() + SMS_WAIT_MS;
  let code: string | undefined;
  while (code === undefined) {
    const res = await fetch(smsUrl, { signal: timeout() });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /api/dev/sms → HTTP ${res.status}: ${text.slice(0, 300)}`);
    const messages = JSON.parse(text) as Array<{ to: string; text: string; sentAt: string }>;
    code = /\b(\d{6})\b/.exec(messages[0]?.text ?? '')?.[1];
    if (code !== undefined) break;
    if (performance.now() > deadline) throw new Error(`no login SMS for ${PHONE} within ${SMS_WAIT_MS / 1000} s`);
    await sleep(250);
  }

  const verify = await fetch(`${baseUrl}/api/auth/verify`, {
    method: 'POST',
    headers: jsonHeaders,
    body: JSON.stringify({ phone: PHONE, code }),
    signal: timeout(),
  });
  const verifyText = await verify.text();
  if (verify.status !== 200) {
    throw new Error(`POST /api/auth/verify → HTTP ${verify.status}: ${verifyText.slice(0, 300)}`);
  }
  const cookie = verify.headers
    .getSetCookie()
    .map((header) => header.split(';')[0]!.trim())
    .find((pair) => /^(__Host-)?sid=./.test(pair));
  if (!cookie) throw new Error('POST /api/auth/verify set no session cookie');

  const me = await fetch(`${baseUrl}/api/me`, { headers: { cookie }, signal: timeout() });
  const meText = await me.text();
  if (me.status !== 200) throw new Error(`GET /api/me with the new cookie → HTTP ${me.status}: ${meText.slice(0, 300)}`);
  return cookie;
}

// ---------------------------------------------------------------------------------------------
// Load generation

type LoadRun = { result: Result; errorMessages: Record<string, number> };

async function runLoad(url: string, headers: Record<string, string>, durationSec: number): Promise<LoadRun> {
  if (!url.startsWith(`http://${HOST}:`)) throw new Error(`refusing to load a non-loopback URL: ${url}`);
  const instance = autocannon({
    url,
    headers,
    connections: settings.connections,
    duration: durationSec,
    timeout: REQUEST_TIMEOUT_SEC,
  });
  const errorMessages: Record<string, number> = {};
  instance.on('reqError', (error) => {
    const key = error?.message || String(error);
    errorMessages[key] = (errorMessages[key] ?? 0) + 1;
  });
  const cleanup = registerCleanup('autocannon', async () => instance.stop());
  try {
    const result = await instance;
    return { result, errorMessages };
  } finally {
    forgetCleanup(cleanup);
  }
}

// ---------------------------------------------------------------------------------------------
// One mode: environment → server → login → routes → stop → cleanup

type RouteResult = {
  route: string;
  url: string;
  durationSec: number;
  connections: number;
  requestsPerSec: number;
  requestsTotal: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  errorMessages: Record<string, number>;
  ratioToBaseline: number | null;
  peakRssMb: number | null;
  warmup: { durationSec: number; requestsPerSec: number; non2xx: number; errors: number } | null;
};

type ModeResult = {
  mode: Mode;
  status: 'ok' | 'failed' | 'skipped';
  note?: string;
  loadAverageAtStart: number[];
  server?: {
    pid: number;
    measuredPid: number;
    port: number;
    startupSec?: number;
    idleRssMb?: number | null;
    peakRssMb?: number | null;
    logProblems: Record<string, Record<string, number>>;
    logSamples: LogSample[];
    stop?: StopInfo;
  };
  routes: RouteResult[];
};

async function prepareMode(
  mode: Mode,
): Promise<{ env: Record<string, string>; cleanup: Cleanup } | { skip: string }> {
  if (aborting) throw new Error('aborting');
  if (mode === 'pglite') {
    const dataDir = await mkdtemp(join(os.tmpdir(), 'cc-bench-pglite-'));
    const cleanup = registerCleanup(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
    return { env: { DATA_DIR: dataDir }, cleanup };
  }

  const adminUrl = settings.adminDatabaseUrl;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {}); // a dropped admin connection surfaces through the query instead
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => {});
    }
  };

  const database = `cc_bench_${randomBytes(6).toString('hex')}`;
  // Registered before CREATE so an interrupt during the CREATE still drops the database.
  const cleanup = registerCleanup(`drop database ${database}`, async () => {
    await admin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  });
  try {
    await admin(async (client) => {
      if (aborting) throw new Error('aborting');
      await client.query(`CREATE DATABASE "${database}"`);
    });
  } catch (error) {
    forgetCleanup(cleanup);
    return { skip: `PostgreSQL run skipped: cannot create a database via ${redactUrl(adminUrl)} (${describeError(error)})` };
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return { env: { DATABASE_URL: url.toString() }, cleanup };
}

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function runMode(mode: Mode): Promise<ModeResult> {
  const outcome: ModeResult = { mode, status: 'ok', loadAverageAtStart: os.loadavg().map((v) => round(v, 2)), routes: [] };
  log(`=== ${mode} ===`);

  const prepared = await prepareMode(mode);
  if ('skip' in prepared) {
    log(prepared.skip);
    return { ...outcome, status: 'skipped', note: prepared.skip };
  }

  let server: ServerHandle | undefined;
  let stopServer: Cleanup | undefined;
  let sampler: RssSampler | undefined;
  let stopInfo: StopInfo | undefined;
  try {
    const port = await freeLoopbackPort();
    const startedAt = performance.now();
    server = startServer(port, prepared.env);
    const handle = server;
    stopServer = registerCleanup(`stop server ${handle.pid}`, async () => {
      stopInfo = await handle.stop();
    });
    log(`server pid ${server.pid} on ${server.baseUrl}; waiting for /api/health`);
    await waitForHealth(server, settings.startupTimeoutSec * 1000);
    const startupSec = round((performance.now() - startedAt) / 1000, 2);

    const listeningPid = await findListeningPid(server.pid, port);
    if (listeningPid === null) log(`could not find the listening process in /proc; measuring pid ${server.pid}`);
    else if (listeningPid !== server.pid) log(`port ${port} is held by pid ${listeningPid} (child of ${server.pid}); measuring it`);
    const measuredPid = listeningPid ?? server.pid;
    sampler = new RssSampler(measuredPid);
    sampler.start();
    const activeSampler = sampler;
    const idleRssKb = await sampler.sample();

    outcome.server = {
      pid: server.pid,
      measuredPid,
      port,
      startupSec,
      idleRssMb: kbToMb(idleRssKb),
      logProblems: server.logs.problemCounts,
      logSamples: server.logs.samples,
    };
    log(`healthy after ${startupSec} s (RSS ${kbToMb(idleRssKb) ?? 'n/a'} MB); logging in`);

    server.logs.phase = 'login';
    const cookie = await login(server.baseUrl);

    let baselineRps: number | null = null;
    for (const route of ROUTES) {
      const url = `${server.baseUrl}${route.path}`;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (route.withSession) headers.cookie = cookie;

      let warmup: RouteResult['warmup'] = null;
      if (settings.warmupSec > 0) {
        server.logs.phase = `${route.name} (warm-up)`;
        log(`${route.name}: warm-up ${settings.warmupSec} s`);
        const w = await runLoad(url, headers, settings.warmupSec);
        warmup = {
          durationSec: settings.warmupSec,
          requestsPerSec: round(w.result.requests.mean, 1),
          non2xx: w.result.non2xx,
          errors: w.result.errors,
        };
      }

      server.logs.phase = route.name;
      log(`${route.name}: ${settings.connections} connections for ${settings.durationSec} s`);
      activeSampler.beginWindow();
      const { result, errorMessages } = await runLoad(url, headers, settings.durationSec);
      const peakKb = await activeSampler.endWindow();

      const rps = result.requests.mean;
      baselineRps ??= rps;
      outcome.routes.push({
        route: route.name,
        url,
        durationSec: settings.durationSec,
        connections: settings.connections,
        requestsPerSec: round(rps, 1),
        requestsTotal: result.requests.total,
        latencyMs: {
          mean: round(result.latency.mean, 2),
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
        },
        non2xx: result.non2xx,
        statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
        errors: result.errors,
        timeouts: result.timeouts,
        errorMessages,
        ratioToBaseline: baselineRps > 0 ? round(rps / baselineRps, 3) : null,
        peakRssMb: kbToMb(peakKb),
        warmup,
      });
      if (server.exit()) throw new Error(`server exited during ${route.name}: ${JSON.stringify(server.exit())}`);
    }
    outcome.server.peakRssMb = kbToMb(activeSampler.peakKb);
  } catch (error) {
    outcome.status = 'failed';
    outcome.note = describeError(error);
    log(`${mode} failed: ${outcome.note}`);
  } finally {
    sampler?.stop();
    if (stopServer) await stopServer();
    if (outcome.server && stopInfo) outcome.server.stop = stopInfo;
    await prepared.cleanup();
  }
  if (stopInfo) {
    log(`server stopped by ${stopInfo.how} in ${stopInfo.seconds} s (exit ${JSON.stringify(stopInfo.exit)})`);
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Report

function printTable(modes: ModeResult[]) {
  const header = ['mode', 'route', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'ratio', 'peak RSS MB'];
  const rows: string[][] = [];
  for (const m of modes) {
    if (m.routes.length === 0) {
      rows.push([m.mode, `(${m.status})`, '-', '-', '-', '-', '-', '-', '-']);
      continue;
    }
    for (const r of m.routes) {
      rows.push([
        m.mode,
        r.route,
        r.requestsPerSec.toFixed(1),
        String(r.latencyMs.p50),
        String(r.latencyMs.p99),
        String(r.non2xx),
        String(r.errors),
        r.ratioToBaseline === null ? 'n/a' : r.ratioToBaseline.toFixed(2),
        r.peakRssMb === null ? 'n/a' : r.peakRssMb.toFixed(1),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = (i: number) => i >= 2;
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
  console.log(
    `ratio = route req/s ÷ ${ROUTES[0]!.name} req/s in the same mode. ` +
      `${settings.connections} connections, ${settings.durationSec} s per route` +
      (settings.warmupSec > 0 ? ` (after a ${settings.warmupSec} s warm-up)` : '') +
      `; ${os.cpus().length} CPUs, load average at start ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}.`,
  );

  for (const m of modes) {
    if (m.note) console.log(`note [${m.mode}]: ${m.note}`);
    for (const r of m.routes) {
      if (r.non2xx > 0) console.log(`note [${m.mode}] ${r.route}: status codes ${JSON.stringify(r.statusCodes)}`);
      if (r.errors > 0) {
        console.log(`note [${m.mode}] ${r.route}: ${r.errors} errors (${r.timeouts} timeouts) ${JSON.stringify(r.errorMessages)}`);
      }
    }
    const s = m.server;
    if (s && Object.keys(s.logProblems).length > 0) {
      console.log(`note [${m.mode}]: server warn/error log lines by phase ${JSON.stringify(s.logProblems)}`);
      for (const sample of s.logSamples.slice(0, 8)) {
        console.log(`    ${sample.phase} ${sample.level}: ${sample.message}`);
      }
    }
    if (s?.stop && (s.stop.how !== 'SIGTERM' || s.stop.exit?.code !== 0)) {
      console.log(`note [${m.mode}]: server stop ${JSON.stringify(s.stop)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  // Generous overall deadline: startup + warm-ups + runs + stop, per mode.
  const perModeSec =
    settings.startupTimeoutSec + 30 + ROUTES.length * (settings.warmupSec + settings.durationSec + 2 * REQUEST_TIMEOUT_SEC) + 30;
  const watchdog = setTimeout(
    () => void abort(`watchdog: the bench did not finish within ${perModeSec * settings.modes.length + 60} s`, 2),
    (perModeSec * settings.modes.length + 60) * 1000,
  );
  watchdog.unref();

  const startedAt = new Date();
  log(
    `modes ${settings.modes.join(', ')}; ${settings.connections} connections; ${settings.durationSec} s per route; ` +
      `warm-up ${settings.warmupSec} s`,
  );
  const modes: ModeResult[] = [];
  for (const mode of settings.modes) modes.push(await runMode(mode));
  await runAllCleanups();

  printTable(modes);

  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      platform: `${os.platform()} ${os.release()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
      node: process.version,
    },
    settings: {
      connections: settings.connections,
      durationSec: settings.durationSec,
      warmupSec: settings.warmupSec,
      requestTimeoutSec: REQUEST_TIMEOUT_SEC,
      rssSampleMs: RSS_SAMPLE_MS,
      baselineRoute: ROUTES[0]!.name,
      modes: settings.modes,
    },
    modes,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `api-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results: ${relative(process.cwd(), file)}`);

  clearTimeout(watchdog);
  return modes.some((m) => m.status === 'failed') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await runAllCleanups();
    process.exit(1);
  },
);
