import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { createFakeClock, type FakeClock } from '../../core/clock';
import { loadConfig, type Config } from '../config';
import { openPostgres, type Database } from '../db/database';
import { createLogger } from '../logging';
import { startSystem, type System } from '../system';
import { createTestDatabase, dropTestDatabases, sharedTestDatabase } from './test-database';

/**
 * A whole CarCapital process for a test: real database (PGlite or PostgreSQL; by default the test
 * file's shared one, emptied), fake clock, sandbox SMS, workers off (tests run jobs with
 * `jobs.drain()`), logs captured in memory. The database outlives `close()`: `dropTestDatabases`
 * in afterAll closes it.
 */

export const TEST_ORIGIN = 'http://localhost:3000';

export type TestSystem = System & {
  clock: FakeClock;
  config: Config;
  logs: string[];
  /** JSON POST from our own origin, as the browser would send it. */
  post: (url: string, body: unknown, headers?: Record<string, string>) => Promise<LightMyRequestResponse>;
  get: (url: string, headers?: Record<string, string>) => Promise<LightMyRequestResponse>;
};

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: TEST_ORIGIN,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'cc-test-')),
    APP_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
    LOG_LEVEL: 'info',
    RUN_WORKERS: 'false',
    SANDBOX_LATENCY_MS: '0',
    // Tests read back what they just wrote through jobs and other systems: read-cache tests turn it on.
    READ_CACHE: 'false',
    PROVIDER_TIMEOUT_MS: '300',
    ...env,
  });
}

export async function createTestSystem(
  options: { env?: Record<string, string>; database?: Database; clock?: FakeClock; webRoot?: string } = {},
): Promise<TestSystem> {
  const config = testConfig(options.env);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const clock = options.clock ?? createFakeClock();
  const database = options.database ?? (await sharedTestDatabase());
  const system = await startSystem(config, {
    database,
    ownsDatabase: false,
    clock,
    logger: createLogger({ level: config.logLevel, destination }),
    webRoot: options.webRoot,
  });
  return {
    ...system,
    clock,
    config,
    logs,
    post: (url, body, headers = {}) =>
      system.app.inject({
        method: 'POST',
        url,
        headers: { origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(body),
      }),
    get: (url, headers = {}) => system.app.inject({ method: 'GET', url, headers }),
  };
}

/**
 * Runs queued jobs until none is left, retries included (their backoff is skipped), as if time
 * passed. Returns how many job runs there were.
 */
export async function runJobs(system: System, maxRounds = 10): Promise<number> {
  let runs = 0;
  for (let round = 0; round < maxRounds; round += 1) {
    runs += await system.jobs.drain();
    const due = await sql`UPDATE pgboss.job SET start_after = now() WHERE state = 'retry' RETURNING id`.execute(system.database.db);
    if (due.rows.length === 0) return runs;
  }
  return runs;
}

/**
 * The last code the sandbox gateway delivered to `phone` (runs pending jobs first). Notices without
 * a code (a new-device login SMS) are skipped: one drain delivers its jobs in no set order.
 */
export async function lastCodeFor(system: System, phone: string): Promise<string> {
  await system.jobs.drain();
  const messages = await system.sandboxSms!.list({ phone, limit: 5 });
  const code = messages.map((message) => /\b(\d{6})\b/.exec(message.text)?.[1]).find((found) => found !== undefined);
  if (!code) throw new Error(`no code was sent to ${phone}`);
  return code;
}

export function sessionCookieFrom(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'sid' || c.name === '__Host-sid');
  if (!cookie) throw new Error('no session cookie in the response');
  return `${cookie.name}=${cookie.value}`;
}

/** Logs in through the HTTP API, as a browser would; returns the Cookie header value. */
export async function login(system: TestSystem, phone: string): Promise<string> {
  const sent = await system.post('/api/auth/otp', { phone });
  if (sent.statusCode !== 200) throw new Error(`otp request failed: ${sent.statusCode} ${sent.body}`);
  const code = await lastCodeFor(system, phone);
  const verified = await system.post('/api/auth/verify', { phone, code });
  if (verified.statusCode !== 200) throw new Error(`verify failed: ${verified.statusCode} ${verified.body}`);
  return sessionCookieFrom(verified);
}

let phoneCounter = 0;
/** A distinct valid phone per call, so tests in one database don't share limits. */
export function nextPhone(): string {
  phoneCounter += 1;
  return `+7912${String(process.pid % 1000).padStart(3, '0')}${String(phoneCounter).padStart(4, '0')}`;
}

/**
 * Registers the usual hooks of an API test file: a fresh system (on the emptied shared database)
 * before each test, closed after it, databases dropped after the file. Returns a stand-in that
 * forwards to the current test's system, so tests read `system.post(…)` as with a plain variable.
 */
export function useTestSystem(options: Parameters<typeof createTestSystem>[0] = {}): TestSystem {
  let current: TestSystem | undefined;
  beforeEach(async () => {
    current = await createTestSystem(options);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  afterAll(dropTestDatabases);
  return forwardTo(() => current);
}

/**
 * Two app instances on one database, a fresh one per test: what two server processes behind a
 * load balancer are. On PostgreSQL each has its own pool (and listener); on PGlite they share the
 * one in-process database. One fake clock for both.
 */
export function useTwoSystems(options: { env?: Record<string, string> } = {}): { a: TestSystem; b: TestSystem; clock: FakeClock } {
  let current: { a: TestSystem; b: TestSystem; clock: FakeClock } | undefined;
  beforeEach(async () => {
    const clock = createFakeClock();
    const { database, url } = await createTestDatabase();
    const a = await createTestSystem({ database, clock, env: options.env });
    const b = await createTestSystem({ database: url ? await openPostgres(url) : database, clock, env: options.env });
    current = { a, b, clock };
  });
  afterEach(async () => {
    if (!current) return;
    const { a, b } = current;
    current = undefined;
    await a.close();
    await b.close();
    await a.database.close();
    if (b.database !== a.database) await b.database.close();
  });
  afterAll(dropTestDatabases);
  return { a: forwardTo(() => current?.a), b: forwardTo(() => current?.b), clock: forwardTo(() => current?.clock) };
}

/** A stand-in that forwards to the current test's object, so tests read `system.post(…)` as with a plain variable. */
function forwardTo<T extends object>(current: () => T | undefined): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      const target = current();
      if (!target) throw new Error('the test system exists only inside a test');
      return target[property as keyof T];
    },
  });
}
