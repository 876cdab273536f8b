import { request as httpRequest } from 'node:http';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { questionnaire } from '../../testing/applicant';
import { startPrivatePostgres } from '../../testing/private-postgres';
import { httpClient, startServerProcess, type ServerProcess } from '../../testing/server-process';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';

/**
 * Real processes (main.ts as `npm start` runs it) on PostgreSQL: the roles split across processes,
 * the graceful stop on SIGTERM, and readiness while PostgreSQL is down.
 */

afterAll(dropTestDatabases);

const APP_SECRET = 'ops-process-secret-0123456789abcdef0123';
const TOKEN = 'metrics-token-0123456789abcdef';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(100);
  }
}

async function stopAll(processes: ServerProcess[]) {
  await Promise.all(processes.map((p) => p.stop()));
}

describe('process roles on one PostgreSQL', () => {
  it('a web process serves the API and runs no job; a worker runs the jobs and serves only the ops routes', async () => {
    const { database, url } = await createTestDatabase();
    const env = { DATABASE_URL: url!, APP_SECRET, METRICS_TOKEN: TOKEN };
    const processes: ServerProcess[] = [];
    try {
      const web = await startServerProcess({ ...env, PROCESS_ROLE: 'web' });
      processes.push(web);
      const client = httpClient(web.url);
      const phone = '+79161230001';
      expect((await client.post('/api/auth/otp', { phone })).status).toBe(200);
      // No worker yet: the login SMS waits in the queue, not sent by the web process.
      await pause(2_000);
      const waiting = await sql<{ state: string }>`SELECT state::text AS state FROM pgboss.job WHERE name = 'sms.deliver'`.execute(database.db);
      expect(waiting.rows.map((r) => r.state)).toEqual(['created']);

      const worker = await startServerProcess({ ...env, PROCESS_ROLE: 'worker' });
      processes.push(worker);
      // The worker delivers it: the code is readable on the web process's sandbox SMS page.
      const code = await client.smsCode(phone);
      expect((await client.post('/api/auth/verify', { phone, code })).status).toBe(200);
      expect((await client.get('/api/me')).status).toBe(200);

      const ops = httpClient(worker.url);
      expect((await ops.get('/api/ready')).body).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });
      expect((await ops.get('/api/health')).status).toBe(200);
      for (const path of ['/api/me', '/api/products', '/api/docs', '/', '/login', `/api/dev/sms?phone=${encodeURIComponent(phone)}`]) {
        expect((await ops.get(path)).status, path).toBe(404);
      }
      expect((await ops.post('/api/auth/otp', { phone })).status).toBe(404);

      const scrape = async (base: string) => {
        const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(response.status).toBe(200);
        return response.text();
      };
      const workerMetrics = await scrape(worker.url);
      expect(workerMetrics).toContain('carcapital_process_info{role="worker"} 1');
      expect(workerMetrics).toMatch(/^carcapital_jobs_completed_total\{queue="sms\.deliver"\} [1-9]/m);
      expect(workerMetrics).toMatch(/^carcapital_sms_sent_total\{provider="sandbox",result="sent"\} 1$/m);
      const webMetrics = await scrape(web.url);
      expect(webMetrics).toContain('carcapital_process_info{role="web"} 1');
      expect(webMetrics).not.toContain('carcapital_jobs_completed_total{');
      expect(webMetrics).toMatch(/^carcapital_http_requests_total\{method="POST",route="\/api\/auth\/verify",status="200"\} 1$/m);
    } finally {
      await stopAll(processes);
      await database.close();
    }
  }, 90_000);
});

describe('graceful stop on SIGTERM', () => {
  it('finishes the request in flight and the job running, then exits 0', async () => {
    const { database, url } = await createTestDatabase();
    // Each provider answers in 4 s: the scoring job is still running when SIGTERM arrives.
    const server = await startServerProcess({
      DATABASE_URL: url!,
      APP_SECRET,
      SANDBOX_LATENCY_MS: '4000',
      PROVIDER_TIMEOUT_MS: '15000',
      LOG_LEVEL: 'info',
    });
    try {
      const client = httpClient(server.url);
      await client.login('+79161230002');
      const created = await client.post('/api/applications', { product: 'pdl', amount: 10_000, term: 30 });
      const id = created.body!.id as string;
      expect((await client.patch(`/api/applications/${id}`, questionnaire())).status).toBe(200);
      await client.post(`/api/applications/${id}/consents`, { kinds: ['personal_data', 'credit_history', 'simple_signature'] });
      expect((await client.post(`/api/applications/${id}/submit`)).status).toBe(202);
      await waitFor('the scoring job to start', async () => {
        const job = await sql<{ state: string }>`SELECT state::text AS state FROM pgboss.job WHERE name = 'applications.score'`.execute(database.db);
        return job.rows[0]?.state === 'active';
      });

      // A request in flight: its headers are in, its body is still arriving when SIGTERM comes.
      const body = JSON.stringify({ phone: '+79161230003' });
      const inFlight = new Promise<{ status: number; text: string; connection: string | undefined }>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}/api/auth/otp`,
          { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), origin: server.url } },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += String(chunk)));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 5));
        setTimeout(() => {
          server.child.kill('SIGTERM');
          setTimeout(() => req.end(body.slice(5)), 1_000);
        }, 300);
      });
      // Meanwhile a new request is refused (the listener is closed) or answered 503: not ready.
      const readyDuringStop = await (async () => {
        await pause(600);
        try {
          return (await fetch(`${server.url}/api/ready`, { signal: AbortSignal.timeout(2_000) })).status;
        } catch {
          return 'refused';
        }
      })();
      expect([503, 'refused']).toContain(readyDuringStop);

      const answered = await inFlight;
      expect(answered.status, answered.text).toBe(200);
      // …and its keep-alive connection is closed, so it cannot hold the stop up.
      expect(answered.connection).toBe('close');
      const exit = await server.exited;
      expect(exit, server.output().slice(-3000)).toEqual({ code: 0, signal: null });

      // The job that was running finished: a decision, and no job left active or waiting for a retry.
      const application = await database.db.selectFrom('applications').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      expect(application.status).toBe('approved');
      const jobs = await sql<{ state: string }>`SELECT state::text AS state FROM pgboss.job WHERE name = 'applications.score'`.execute(database.db);
      expect(jobs.rows.map((r) => r.state)).toEqual(['completed']);
      const log = server.output();
      expect(log).toMatch(/"msg":"stopping: draining requests and jobs"/);
      expect(log).toMatch(/"queue":"applications.score".*"msg":"job completed"/);
      expect(log).toMatch(/"msg":"stopped"/);
    } finally {
      await server.stop();
      await database.close();
    }
  }, 60_000);
});

describe('readiness while PostgreSQL is down', () => {
  it('answers 503 with Retry-After (liveness stays 200), and ready again once PostgreSQL is back', async () => {
    const cluster = await startPrivatePostgres();
    let worker: ServerProcess | undefined;
    try {
      worker = await startServerProcess({ DATABASE_URL: cluster.url, APP_SECRET, PROCESS_ROLE: 'worker' });
      const base = worker.url;
      expect((await fetch(`${base}/api/ready`)).status).toBe(200);
      let downReply: { status: number; retryAfter: string | null; body: unknown } | undefined;
      let liveWhileDown = 0;
      await cluster.restart('fast', {
        whileDown: async () => {
          downReply = await waitFor('readiness to fail', async () => {
            const response = await fetch(`${base}/api/ready`, { signal: AbortSignal.timeout(5_000) });
            return response.status === 503 ? { status: 503, retryAfter: response.headers.get('retry-after'), body: await response.json() } : null;
          }, 10_000);
          liveWhileDown = (await fetch(`${base}/api/health`)).status;
        },
      });
      expect(downReply).toEqual({ status: 503, retryAfter: '5', body: { status: 'unavailable', checks: { database: 'failed', queue: 'failed' } } });
      expect(liveWhileDown).toBe(200);
      // Within the 10 s bound for recovery after a restart.
      await waitFor('readiness to come back', async () => (await fetch(`${base}/api/ready`)).status === 200, 10_000);
    } finally {
      await worker?.stop();
      await cluster.stop();
    }
  }, 90_000);
});
