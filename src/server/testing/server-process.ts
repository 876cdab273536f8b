import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * A real server process on loopback, for crash and restart tests: the same entry point as
 * `npm start` (main.ts), killed for real.
 */

export type ServerProcess = {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit signal or code. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop: () => Promise<void>;
};

const ROOT = resolve(import.meta.dirname, '../../..');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Our own scratch directory goes with the process; a DATA_DIR the caller gives is the caller's.
  const dataDir = env.DATA_DIR ? null : mkdtempSync(join(tmpdir(), 'cc-proc-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      ...(dataDir ? { DATA_DIR: dataDir } : {}),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.on('exit', (code, signal) => {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      resolveExit({ code, signal });
    }),
  );
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited during start:\n${output}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type HttpReply = { status: number; body: Record<string, unknown> | null; headers: Headers };

/**
 * A browser-like JSON client with a cookie jar of one session. `baseUrl` may be a function: the
 * session then travels between server processes (each call goes where it points at that moment).
 * Each call is bounded (`timeoutMs`): a hung server fails the call instead of the test's budget.
 */
export function httpClient(
  baseUrl: string | (() => string),
  session = '',
  options: {
    timeoutMs?: number;
    /** Told of every call: the reply (null: a network error or the timeout) and how long it took. */
    observe?: (call: { method: string; url: string; reply: HttpReply | null; error: Error | null; startedAt: number; ms: number }) => void;
  } = {},
) {
  let cookie = session;
  const base = typeof baseUrl === 'function' ? baseUrl : () => baseUrl;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpReply> => {
    const origin = base();
    const startedAt = performance.now();
    const observed = (reply: HttpReply | null, error: Error | null) =>
      options.observe?.({ method, url: `${origin}${path}`, reply, error, startedAt, ms: performance.now() - startedAt });
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${origin}${path}`, {
        method,
        headers: {
          ...headers,
          origin,
          ...(cookie ? { cookie } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (error) {
      observed(null, error as Error);
      throw error;
    }
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0]!;
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      // not JSON (an HTML page): the status says enough
    }
    const reply = { status: response.status, body: parsed, headers: response.headers };
    observed(reply, null);
    return reply;
  };
  return {
    /** The session cookie, to carry the same session to another process. */
    cookie: () => cookie,
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body ?? {}, headers),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    /** Logs in through the sandbox SMS page, as a person without a phone would. */
    login: async (phone: string) => {
      const sent = await call('POST', '/api/auth/otp', { phone });
      if (sent.status !== 200) throw new Error(`login code not sent: ${sent.status} ${JSON.stringify(sent.body)}`);
      const code = await smsCode(call, phone, (text) => !/подпись/.test(text));
      const verified = await call('POST', '/api/auth/verify', { phone, code });
      if (verified.status !== 200) throw new Error(`login failed: ${verified.status}`);
    },
    /** The newest code in an SMS to `phone` whose text passes `which` (read on the sandbox SMS page). */
    smsCode: (phone: string, which: (text: string) => boolean = () => true, timeoutMs = 10_000) => smsCode(call, phone, which, timeoutMs),
  };
}

async function smsCode(
  call: (method: string, path: string) => Promise<HttpReply>,
  phone: string,
  which: (text: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    // A process restarting or the database away: keep asking until the deadline.
    const reply = await call('GET', `/api/dev/sms?phone=${encodeURIComponent(phone)}`).catch(() => null);
    const messages = (reply?.status === 200 ? reply.body : []) as unknown as { text: string }[];
    const code = messages.filter((m) => which(m.text)).map((m) => /\b(\d{6})\b/.exec(m.text)?.[1])[0];
    if (code) return code;
    if (performance.now() > deadline) throw new Error(`no SMS with a code reached ${phone} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type LogEntry = Record<string, unknown> & { level: number; msg: string };

/** The JSON log lines of a server's output (pino), for counting what a process did. */
export function logEntries(output: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      entries.push({ ...entry, level: Number(entry.level ?? 0), msg: String(entry.msg ?? '') });
    } catch {
      // a line cut by a kill
    }
  }
  return entries;
}

/** Warnings and errors of a server's output grouped by message (numbers masked), and any plain text (a crash's stack). */
export function logSummary(output: string): string[] {
  const counts = new Map<string, number>();
  const add = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    if (!line.startsWith('{')) {
      add(`(not JSON) ${line.slice(0, 120)}`);
      continue;
    }
    let entry: { level?: number; msg?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      add(`(cut) ${line.slice(0, 80)}`);
      continue;
    }
    if ((entry.level ?? 0) < 40) continue;
    add(`${entry.level! >= 50 ? 'error' : 'warn'}: ${entry.msg ?? '?'}: ${(entry.err?.message ?? '').replace(/\d+/g, 'N').slice(0, 100)}`);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([what, n]) => `${what} ×${n}`);
}
