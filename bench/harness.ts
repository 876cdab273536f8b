/**
 * What the HTTP benches (api.bench.ts, servicing.bench.ts) share: settings from the environment,
 * a cleanup registry run on success, failure, Ctrl-C and by the watchdog, the real server as a
 * child process (logs, health, stop), RSS sampling from /proc, the OTP login through the dev SMS
 * page, autocannon runs, a fresh PostgreSQL database, the table and the JSON result. See
 * bench/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const SERVER_ENTRY = 'src/server/main.ts';

export const HOST = '127.0.0.1';
const RSS_SAMPLE_MS = 200;
const STOP_GRACE_MS = 10_000;
const SMS_WAIT_MS = 15_000;
/** Per-request timeout inside autocannon (s); a timed-out request counts as an error. */
export const REQUEST_TIMEOUT_SEC = 10;
const DEFAULT_ADMIN_DATABASE_URL = 'postgres://root@127.0.0.1:5432/test';

// ---------------------------------------------------------------------------------------------
// Settings

export function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** The settings every HTTP bench reads (see bench/README.md). */
export function readCommonSettings() {
  return {
    load: {
      connections: envInt('BENCH_CONNECTIONS', 50, 1, 1000),
      durationSec: envInt('BENCH_DURATION_SEC', 10, 1, 600),
      warmupSec: envInt('BENCH_WARMUP_SEC', 2, 0, 60),
    },
    startupTimeoutSec: envInt('BENCH_STARTUP_TIMEOUT_SEC', 90, 5, 600),
    adminDatabaseUrl: process.env.BENCH_DATABASE_URL?.trim() || DEFAULT_ADMIN_DATABASE_URL,
  };
}

/** Reads the settings; a bad value is printed and ends the bench with exit code 2. */
export function loadSettingsOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    log(describeError(error));
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup registry: every resource registers an idempotent closer; `finally` blocks run them one
// by one, signal handlers and the watchdog run whatever is left (newest first).

export type Cleanup = () => Promise<void>;
const pendingCleanups: Cleanup[] = [];

export function registerCleanup(label: string, fn: () => Promise<void>): Cleanup {
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
export function forgetCleanup(cleanup: Cleanup) {
  const index = pendingCleanups.indexOf(cleanup);
  if (index >= 0) pendingCleanups.splice(index, 1);
}

export async function runAllCleanups(): Promise<void> {
  while (pendingCleanups.length > 0) await pendingCleanups[pendingCleanups.length - 1]!();
}

/** Last resort for an abrupt exit: no server child may outlive the bench. */
const liveChildren = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

let aborting = false;
export const isAborting = () => aborting;

export async function abort(reason: string, exitCode: number): Promise<never> {
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

/** Ends the bench (exit 2, after the cleanups) if it is still running `seconds` from now. */
export function startWatchdog(seconds: number): NodeJS.Timeout {
  const watchdog = setTimeout(() => void abort(`watchdog: the bench did not finish within ${seconds} s`, 2), seconds * 1000);
  watchdog.unref();
  return watchdog;
}

/** Runs the bench's main function and exits with its code; an unexpected error cleans up first. */
export function runMain(main: () => Promise<number>) {
  main().then(
    (code) => process.exit(code),
    async (error: unknown) => {
      log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await runAllCleanups();
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Small helpers

let logPrefix = 'bench';
export function setLogPrefix(prefix: string) {
  logPrefix = prefix;
}

export function log(message: string) {
  process.stderr.write(`[${logPrefix}] ${message}\n`);
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e) => describeError(e)).join('; ');
  }
  if (error instanceof Error) {
    const cause = error.cause ? ` (cause: ${describeError(error.cause)})` : '';
    return `${error.message || error.name}${cause}`;
  }
  return String(error);
}

export async function freeLoopbackPort(): Promise<number> {
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

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
export const kbToMb = (kb: number | null) => (kb === null ? null : round(kb / 1024, 1));

function machineInfo() {
  return {
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
  };
}

export const loadAverage = () => os.loadavg().map((v) => round(v, 2));

/**
 * Writes bench/results/<name>-<timestamp>.json — times, machine, settings (the load, the request
 * timeout and RSS sampling period, then `extraSettings`), then `body` — and prints its path.
 */
export async function writeResults(
  name: string,
  startedAt: Date,
  load: LoadSettings,
  extraSettings: Record<string, unknown>,
  body: Record<string, unknown>,
): Promise<void> {
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    settings: { ...load, requestTimeoutSec: REQUEST_TIMEOUT_SEC, rssSampleMs: RSS_SAMPLE_MS, ...extraSettings },
    ...body,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results: ${relative(process.cwd(), file)}`);
}

// ---------------------------------------------------------------------------------------------
// Server logs: pino JSON lines on stdout, anything else on stderr. Warn/error lines are counted per
// phase (startup, login, each route, stop) so server-side problems show next to the numbers.

export type LogSample = { phase: string; level: string; message: string };
const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export class ServerLogs {
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
export type StopInfo = { how: 'SIGTERM' | 'SIGKILL' | 'already exited'; seconds: number; exit: ExitInfo | null };

export type ServerHandle = {
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

/** `node --import tsx src/server/main.ts` on 127.0.0.1:`port`; `env` is added to (and overrides) the defaults. */
export function startServer(port: number, env: Record<string, string>): ServerHandle {
  const baseUrl = `http://${HOST}:${port}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of SERVER_ENV_OWNED) delete childEnv[key];
  Object.assign(childEnv, {
    NODE_ENV: 'development', // dev tools (the sandbox SMS list) are needed for the login
    PORT: String(port),
    HOST,
    PUBLIC_URL: baseUrl,
    LOG_LEVEL: 'warn',
    SMS_PROVIDER: 'sandbox',
    RUN_WORKERS: 'true', // the SMS outbox is delivered by a job worker
    OTP_SENDS_PER_IP_HOUR: '1000',
    ...env,
  });

  // `node --import tsx` (not the tsx CLI) so the child PID is the server process itself.
  // BENCH_SERVER_NODE_ARGS: flags Node refuses in NODE_OPTIONS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extraArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extraArgs, '--import', 'tsx', SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: childEnv,
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

export async function waitForHealth(server: ServerHandle, timeoutMs: number): Promise<void> {
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

export type ServerReport = {
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

export type LaunchedServer = { server: ServerHandle; sampler: RssSampler; report: ServerReport; stop: Cleanup };

/**
 * Starts the server, waits for /api/health and starts sampling its RSS. `stop` (registered as a
 * cleanup, also run here if the start fails) stops sampling and the server, and records how in
 * `report.stop`.
 */
export async function launchServer(env: Record<string, string>, startupTimeoutSec: number): Promise<LaunchedServer> {
  const port = await freeLoopbackPort();
  const startedAt = performance.now();
  const server = startServer(port, env);
  let sampler: RssSampler | undefined;
  const report: ServerReport = { pid: server.pid, measuredPid: server.pid, port, logProblems: server.logs.problemCounts, logSamples: server.logs.samples };
  const stop = registerCleanup(`stop server ${server.pid}`, async () => {
    sampler?.stop();
    report.stop = await server.stop();
    log(`server stopped by ${report.stop.how} in ${report.stop.seconds} s (exit ${JSON.stringify(report.stop.exit)})`);
  });
  try {
    log(`server pid ${server.pid} on ${server.baseUrl}; waiting for /api/health`);
    await waitForHealth(server, startupTimeoutSec * 1000);
    report.startupSec = round((performance.now() - startedAt) / 1000, 2);
    report.measuredPid = await measuredPidOf(server);
    sampler = new RssSampler(report.measuredPid);
    sampler.start();
    report.idleRssMb = kbToMb(await sampler.sample());
    log(`healthy after ${report.startupSec} s (RSS ${report.idleRssMb ?? 'n/a'} MB)`);
    return { server, sampler, report, stop };
  } catch (error) {
    await stop();
    throw error;
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

/** The pid to measure: the process holding the server's listening socket (normally the child itself). */
async function measuredPidOf(server: ServerHandle): Promise<number> {
  const listeningPid = await findListeningPid(server.pid, server.port);
  if (listeningPid === null) log(`could not find the listening process in /proc; measuring pid ${server.pid}`);
  else if (listeningPid !== server.pid) log(`port ${server.port} is held by pid ${listeningPid} (child of ${server.pid}); measuring it`);
  return listeningPid ?? server.pid;
}

// ---------------------------------------------------------------------------------------------
// RSS sampling from /proc/<pid>/status (VmRSS, kB) every 200 ms.

export class RssSampler {
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

type SandboxSms = { to: string; text: string; sentAt: string };

export async function login(baseUrl: string, phone: string): Promise<string> {
  const timeout = () => AbortSignal.timeout(10_000);
  // Origin is what a browser sends; the server rejects cross-site state changes (WEB-4).
  const jsonHeaders = { 'content-type': 'application/json', origin: baseUrl };
  const smsUrl = `${baseUrl}/api/dev/sms?phone=${encodeURIComponent(phone)}`;
  const newestSms = async (): Promise<SandboxSms | undefined> => {
    const res = await fetch(smsUrl, { signal: timeout() });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /api/dev/sms → HTTP ${res.status}: ${text.slice(0, 300)}`);
    return (JSON.parse(text) as SandboxSms[])[0]; // newest first
  };
  // The phone may already have messages (older codes, notices): only one that arrives after the
  // request counts.
  const before = await newestSms();

  const otp = await fetch(`${baseUrl}/api/auth/otp`, {
    method: 'POST',
    headers: jsonHeaders,
    body: JSON.stringify({ phone }),
    signal: timeout(),
  });
  const otpText = await otp.text();
  if (otp.status !== 200) throw new Error(`POST /api/auth/otp → HTTP ${otp.status}: ${otpText.slice(0, 300)}`);

  // The SMS is delivered by a background job (polls every 0.5 s).
  const deadline = performance.now() + SMS_WAIT_MS;
  let code: string | undefined;
  while (code === undefined) {
    const newest = await newestSms();
    const isNew = newest !== undefined && (newest.sentAt !== before?.sentAt || newest.text !== before.text);
    code = isNew ? /код для входа (\d{6})\b/.exec(newest.text)?.[1] : undefined;
    if (code !== undefined) break;
    if (performance.now() > deadline) throw new Error(`no login SMS for ${phone} within ${SMS_WAIT_MS / 1000} s`);
    await sleep(250);
  }

  const verify = await fetch(`${baseUrl}/api/auth/verify`, {
    method: 'POST',
    headers: jsonHeaders,
    body: JSON.stringify({ phone, code }),
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
export type LoadSettings = { connections: number; durationSec: number; warmupSec: number };

async function runLoad(url: string, headers: Record<string, string>, connections: number, durationSec: number): Promise<LoadRun> {
  if (!url.startsWith(`http://${HOST}:`)) throw new Error(`refusing to load a non-loopback URL: ${url}`);
  const instance = autocannon({
    url,
    headers,
    connections,
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

export type RouteResult = {
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

/**
 * One route: an unmeasured warm-up, then the measured run with the server's RSS peak over it.
 * `baselineRps` null means this route is the baseline (ratio 1).
 */
async function measureRoute(options: {
  server: ServerHandle;
  sampler: RssSampler;
  name: string;
  path: string;
  headers: Record<string, string>;
  load: LoadSettings;
  baselineRps: number | null;
}): Promise<RouteResult> {
  const { server, sampler, name, headers, load } = options;
  const url = `${server.baseUrl}${options.path}`;
  let warmup: RouteResult['warmup'] = null;
  if (load.warmupSec > 0) {
    server.logs.phase = `${name} (warm-up)`;
    log(`${name}: warm-up ${load.warmupSec} s`);
    const w = await runLoad(url, headers, load.connections, load.warmupSec);
    warmup = {
      durationSec: load.warmupSec,
      requestsPerSec: round(w.result.requests.mean, 1),
      non2xx: w.result.non2xx,
      errors: w.result.errors,
    };
  }

  server.logs.phase = name;
  log(`${name}: ${load.connections} connections for ${load.durationSec} s`);
  sampler.beginWindow();
  const { result, errorMessages } = await runLoad(url, headers, load.connections, load.durationSec);
  const peakKb = await sampler.endWindow();
  if (server.exit()) throw new Error(`server exited during ${name}: ${JSON.stringify(server.exit())}`);

  const rps = result.requests.mean;
  const baselineRps = options.baselineRps ?? rps;
  return {
    route: name,
    url,
    durationSec: load.durationSec,
    connections: load.connections,
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
  };
}

export type RouteSpec = { name: string; path: string; withSession: boolean };

/**
 * Each route in turn with the session cookie where it needs one; the first route is the baseline
 * the others' req/s are divided by. Results are pushed into `into` as they come, so a failure
 * keeps the ones already measured. Records the server's peak RSS over all of them.
 */
export async function measureRoutes(launched: LaunchedServer, routes: RouteSpec[], cookie: string, load: LoadSettings, into: RouteResult[]) {
  let baselineRps: number | null = null;
  for (const route of routes) {
    const headers: Record<string, string> = { accept: 'application/json', ...(route.withSession ? { cookie } : {}) };
    const { server, sampler } = launched;
    const result = await measureRoute({ server, sampler, name: route.name, path: route.path, headers, load, baselineRps });
    baselineRps ??= result.requestsPerSec;
    into.push(result);
  }
  launched.report.peakRssMb = kbToMb(launched.sampler.peakKb);
}

// ---------------------------------------------------------------------------------------------
// A fresh PostgreSQL database

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Creates `cc_bench_<random>` through the admin connection; the returned cleanup drops it (also
 * registered, so an interrupt drops it too). `skip` explains why it could not be created.
 */
export async function createBenchDatabase(adminUrl: string): Promise<{ url: string; cleanup: Cleanup } | { skip: string }> {
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
    return { skip: `cannot create a database via ${redactUrl(adminUrl)} (${describeError(error)})` };
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return { url: url.toString(), cleanup };
}

// ---------------------------------------------------------------------------------------------
// Report

/** The table's cells for one route: route, req/s, p50, p99, non-2xx, errors, ratio, peak RSS. */
export const ROUTE_COLUMNS = ['route', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'ratio', 'peak RSS MB'];
export function routeCells(r: RouteResult): string[] {
  return [
    r.route,
    r.requestsPerSec.toFixed(1),
    String(r.latencyMs.p50),
    String(r.latencyMs.p99),
    String(r.non2xx),
    String(r.errors),
    r.ratioToBaseline === null ? 'n/a' : r.ratioToBaseline.toFixed(2),
    r.peakRssMb === null ? 'n/a' : r.peakRssMb.toFixed(1),
  ];
}

/** Prints an aligned table; columns from `firstNumeric` on are right-aligned. */
export function printTable(header: string[], rows: string[][], firstNumeric: number) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= firstNumeric ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
}

export function describeLoad(baselineRoute: string, load: LoadSettings, scope: string): string {
  return (
    `ratio = route req/s ÷ ${baselineRoute} req/s ${scope}. ` +
    `${load.connections} connections, ${load.durationSec} s per route` +
    (load.warmupSec > 0 ? ` (after a ${load.warmupSec} s warm-up)` : '') +
    `; ${os.cpus().length} CPUs, load average at start ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}.`
  );
}

/** Notes under the table: status codes and errors per route, server warn/error lines, an unclean stop. */
export function printNotes(tag: string, routes: RouteResult[], server: ServerReport | undefined) {
  for (const r of routes) {
    if (r.non2xx > 0) console.log(`note [${tag}] ${r.route}: status codes ${JSON.stringify(r.statusCodes)}`);
    if (r.errors > 0) {
      console.log(`note [${tag}] ${r.route}: ${r.errors} errors (${r.timeouts} timeouts) ${JSON.stringify(r.errorMessages)}`);
    }
  }
  if (server && Object.keys(server.logProblems).length > 0) {
    console.log(`note [${tag}]: server warn/error log lines by phase ${JSON.stringify(server.logProblems)}`);
    for (const sample of server.logSamples.slice(0, 8)) {
      console.log(`    ${sample.phase} ${sample.level}: ${sample.message}`);
    }
  }
  if (server?.stop && (server.stop.how !== 'SIGTERM' || server.stop.exit?.code !== 0)) {
    console.log(`note [${tag}]: server stop ${JSON.stringify(server.stop)}`);
  }
}
