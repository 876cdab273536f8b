import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { decidedApplication } from '../../testing/applicant';
import { createTestSystem, login, nextPhone, runJobs, useTestSystem, type TestSystem } from '../../testing/test-system';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { sample } from '../../testing/metrics';

/**
 * Operations endpoints: liveness, readiness, the Prometheus metrics and the process roles, on
 * PGlite and on PostgreSQL.
 */

const TOKEN = 'metrics-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('liveness and readiness', () => {
  const system = useTestSystem();

  it('answers liveness and readiness with the database and the queue checked', async () => {
    const health = await system.get('/api/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await system.get('/api/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });
  });

  it('names the failing check when the job queue schema is gone', async () => {
    // The pg-boss version row is what the queue check reads: without it the queue cannot be trusted.
    await sql`ALTER TABLE pgboss.version RENAME TO version_hidden`.execute(system.database.db);
    try {
      const ready = await system.get('/api/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['retry-after']).toBe('5');
      expect(ready.json()).toEqual({ status: 'unavailable', checks: { database: 'ok', queue: 'failed' } });
    } finally {
      await sql`ALTER TABLE pgboss.version_hidden RENAME TO version`.execute(system.database.db);
    }
  });

  it('lists both probes in the OpenAPI description under "system", and not /metrics', async () => {
    const docs = (await system.get('/api/docs')).json() as { paths: Record<string, Record<string, { tags: string[] }>> };
    expect(docs.paths['/api/health']?.get?.tags).toEqual(['system']);
    expect(docs.paths['/api/ready']?.get?.tags).toEqual(['system']);
    expect(Object.keys(docs.paths['/api/ready']?.get as object)).toContain('responses');
    expect(docs.paths['/metrics']).toBeUndefined();
  });

  it('echoes the request id in x-request-id, the same id the error body and the log line carry', async () => {
    const response = await system.get('/api/no-such-route');
    expect(response.statusCode).toBe(404);
    const id = response.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json().requestId).toBe(id);
    const line = system.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request' && l.requestId === id);
    expect(line).toMatchObject({ status: 404, url: '/api/no-such-route' });
    const ok = await system.get('/api/health');
    expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers['x-request-id']).not.toBe(id);
  });
});

describe('readiness over a database that is gone', () => {
  afterAll(dropTestDatabases);

  it('answers 503 with Retry-After and the failing check, while liveness stays 200', async () => {
    const { database } = await createTestDatabase();
    const system = await createTestSystem({ database });
    try {
      expect((await system.get('/api/ready')).statusCode).toBe(200);
      await database.close();
      const ready = await system.get('/api/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['retry-after']).toBe('5');
      expect(ready.json()).toEqual({ status: 'unavailable', checks: { database: 'failed', queue: 'failed' } });
      const health = await system.get('/api/health');
      expect(health.statusCode).toBe(200);
    } finally {
      await system.close();
    }
  });
});

describe('/metrics without a token configured', () => {
  const system = useTestSystem();

  it('does not exist: 404 with or without an Authorization header', async () => {
    expect((await system.get('/metrics')).statusCode).toBe(404);
    expect((await system.get('/metrics', bearer(TOKEN))).statusCode).toBe(404);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  const system = useTestSystem({ env: { METRICS_TOKEN: TOKEN, METRICS_TABLE_COUNT_SEC: '0' } });

  it('refuses a missing, wrong or malformed token with 401', async () => {
    for (const headers of [{}, bearer('wrong-token-0123456789abcdefgh'), bearer(`${TOKEN}x`), bearer(TOKEN.slice(0, -1)), { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const response = await system.get('/metrics', headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(response.body).not.toContain('carcapital_');
    }
  });

  it('serves the Prometheus text with the expected families to the right token', async () => {
    const response = await system.get('/metrics', bearer(TOKEN));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of [
      'carcapital_http_requests_total',
      'carcapital_http_request_duration_seconds',
      'carcapital_jobs_completed_total',
      'carcapital_jobs_failed_total',
      'carcapital_job_queue_depth',
      'carcapital_sms_sent_total',
      'carcapital_payments',
      'carcapital_applications',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_heap_used_bytes',
    ]) {
      expect(response.body, name).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(sample(response.body, 'carcapital_job_queue_depth{queue="sms.deliver",state="created"}')).toBe(0);
    expect(sample(response.body, 'carcapital_collector_up{collector="job_queue"}')).toBe(1);
    expect(sample(response.body, 'carcapital_process_info{role="all"}')).toBe(1);
    expect(sample(response.body, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
  });

  it('labels requests with the route pattern, never the URL with its ids', async () => {
    const id = '0b9c2f4e-1d2a-4c3b-8e5f-6a7b8c9d0e1f';
    const cookie = await login(system, nextPhone());
    expect((await system.get(`/api/loans/${id}`, { cookie })).statusCode).toBe(404);
    expect((await system.get(`/api/loans/${id}`, { cookie })).statusCode).toBe(404);
    const text = (await system.get('/metrics', bearer(TOKEN))).body;
    expect(sample(text, 'carcapital_http_requests_total{method="GET",route="/api/loans/:id",status="404"}')).toBe(2);
    expect(sample(text, 'carcapital_http_request_duration_seconds_count{method="GET",route="/api/loans/:id"}')).toBe(2);
    expect(sample(text, 'carcapital_http_request_duration_seconds_bucket{method="GET",route="/api/loans/:id",le="+Inf"}')).toBe(2);
    expect(sample(text, 'carcapital_http_requests_total{method="POST",route="/api/auth/verify",status="200"}')).toBe(1);
    expect(text).not.toContain(id);
    // The phone of the login never appears either (it is in no URL, and no label takes a body).
    expect(text).not.toMatch(/\+7912/);
    // Unknown paths share one label value instead of one series per path.
    await system.get(`/api/nothing/${id}`);
    const after = (await system.get('/metrics', bearer(TOKEN))).body;
    expect(sample(after, 'carcapital_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(after).not.toContain(id);
  });

  it('counts job runs and SMS sends, and reads applications and payments by status from the database', async () => {
    const decided = await decidedApplication(system);
    expect(decided.application.status).toBe('approved');
    const text = (await system.get('/metrics', bearer(TOKEN))).body;
    // Two SMS: the login code and the decision notice.
    expect(sample(text, 'carcapital_sms_sent_total{provider="sandbox",result="sent"}')).toBe(2);
    expect(sample(text, 'carcapital_jobs_completed_total{queue="sms.deliver"}')).toBe(2);
    expect(sample(text, 'carcapital_jobs_completed_total{queue="applications.score"}')).toBe(1);
    expect(sample(text, 'carcapital_job_duration_seconds_count{queue="applications.score"}')).toBe(1);
    expect(sample(text, 'carcapital_applications{status="approved"}')).toBe(1);
    expect(sample(text, 'carcapital_applications{status="declined"}')).toBe(0);
    expect(sample(text, 'carcapital_payments{status="succeeded"}')).toBe(0);
    expect(sample(text, 'carcapital_job_queue_depth{queue="sms.deliver",state="created"}')).toBe(0);
  });

  it('counts a failed job run and an SMS the gateway refused, then the retry that succeeded', async () => {
    system.sandboxSms!.failNext(1, true);
    expect((await system.post('/api/auth/otp', { phone: nextPhone() })).statusCode).toBe(200);
    await system.jobs.drain();
    const failed = (await system.get('/metrics', bearer(TOKEN))).body;
    expect(sample(failed, 'carcapital_jobs_failed_total{queue="sms.deliver"}')).toBe(1);
    expect(sample(failed, 'carcapital_sms_sent_total{provider="sandbox",result="failed"}')).toBe(1);
    expect(sample(failed, 'carcapital_job_queue_depth{queue="sms.deliver",state="retry"}')).toBe(1);
    await runJobs(system);
    const retried = (await system.get('/metrics', bearer(TOKEN))).body;
    expect(sample(retried, 'carcapital_jobs_completed_total{queue="sms.deliver"}')).toBe(1);
    expect(sample(retried, 'carcapital_sms_sent_total{provider="sandbox",result="sent"}')).toBe(1);
    expect(sample(retried, 'carcapital_job_queue_depth{queue="sms.deliver",state="retry"}')).toBe(0);
  });

  it('writes the queue and the job id on every line a job handler logs', async () => {
    const phone = nextPhone();
    await system.post('/api/auth/otp', { phone });
    await runJobs(system);
    const lines = system.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const delivered = lines.find((l) => l.msg === 'sms delivered');
    expect(delivered).toMatchObject({ queue: 'sms.deliver' });
    expect(delivered?.jobId).toEqual(expect.any(String));
    const completed = lines.find((l) => l.msg === 'job completed' && l.jobId === delivered?.jobId);
    expect(completed).toMatchObject({ queue: 'sms.deliver', retryCount: 0 });
  });
});

describe('process roles', () => {
  afterAll(dropTestDatabases);

  async function withSystem(env: Record<string, string>, run: (system: TestSystem) => Promise<void>) {
    const { database } = await createTestDatabase();
    const system = await createTestSystem({ database, env });
    try {
      await run(system);
    } finally {
      await system.close();
      await database.close();
    }
  }

  /** Asks for a login code and reports the state of its SMS job after the workers had time to run it. */
  async function smsJobStateAfterAWhile(system: TestSystem): Promise<string> {
    expect((await system.post('/api/auth/otp', { phone: nextPhone() })).statusCode).toBe(200);
    const deadline = performance.now() + 3_000;
    let state = '';
    while (performance.now() < deadline) {
      const row = await sql<{ state: string }>`SELECT state::text AS state FROM pgboss.job WHERE name = 'sms.deliver'`.execute(system.database.db);
      state = row.rows[0]!.state;
      if (state === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return state;
  }

  it('all: the workers run the enqueued job in this process', async () => {
    await withSystem({ RUN_WORKERS: 'true' }, async (system) => {
      expect(system.config.processRole).toBe('all');
      expect(await smsJobStateAfterAWhile(system)).toBe('completed');
    });
  });

  it('web: serves the API and enqueues, but runs no job (even with RUN_WORKERS=true)', async () => {
    await withSystem({ PROCESS_ROLE: 'web', RUN_WORKERS: 'true' }, async (system) => {
      expect(system.config.runWorkers).toBe(false);
      expect(await smsJobStateAfterAWhile(system)).toBe('created');
      expect((await system.get('/api/products')).statusCode).toBe(200);
    });
  });

  it('worker: answers only the probes and /metrics; every other route is 404', async () => {
    await withSystem({ PROCESS_ROLE: 'worker', METRICS_TOKEN: TOKEN }, async (system) => {
      expect((await system.get('/api/health')).statusCode).toBe(200);
      expect((await system.get('/api/ready')).json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });
      const metrics = await system.get('/metrics', bearer(TOKEN));
      expect(metrics.statusCode).toBe(200);
      expect(sample(metrics.body, 'carcapital_process_info{role="worker"}')).toBe(1);
      expect((await system.get('/metrics')).statusCode).toBe(401);
      for (const url of ['/api/me', '/api/products', '/api/docs', '/api/client-config', '/', '/login', '/api/dev/sms?phone=%2B79120000000']) {
        const response = await system.get(url);
        expect(response.statusCode, url).toBe(404);
        expect(response.headers['x-request-id']).toEqual(expect.any(String));
      }
      expect((await system.post('/api/auth/otp', { phone: nextPhone() })).statusCode).toBe(404);
    });
  });
});

describe('the affected-subjects queries of docs/OPERATIONS.md (PD-6)', () => {
  const system = useTestSystem();
  const blocks = [...readFileSync(new URL('../../../../docs/OPERATIONS.md', import.meta.url), 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('lists every customer of a leaked copy with what it held, as written in the runbook', async () => {
    const query = blocks.find((b) => b.includes('-- affected-subjects'));
    expect(query).toBeDefined();
    const decided = await decidedApplication(system);
    const loginOnly = nextPhone();
    await login(system, loginOnly);
    // The runbook says: replace now() by the time of the leaked copy (here: after everything).
    const runnable = query!.replace('SELECT now() AS copy_time', "SELECT 'infinity'::timestamptz AS copy_time");
    expect(runnable).not.toBe(query);
    const rows = (await sql.raw<Record<string, unknown>>(runnable).execute(system.database.db)).rows;
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.phone === decided.phone)).toMatchObject({
      account_deleted: false,
      passport: true,
      name_address: true,
      inn: true,
      income: true,
      loans: false,
      payments: false,
      ip_and_devices: true,
    });
    expect(rows.find((r) => r.phone === loginOnly)).toMatchObject({ passport: false, name_address: false, loans: false, ip_and_devices: true });
    const before = query!.replace('SELECT now() AS copy_time', "SELECT '2000-01-01'::timestamptz AS copy_time");
    expect((await sql.raw(before).execute(system.database.db)).rows).toEqual([]);
  });

  it('the staff-misuse query runs against the schema', async () => {
    const query = blocks.find((b) => b.includes('FROM audit_log a, params p'));
    expect(query).toBeDefined();
    expect((await sql.raw(query!).execute(system.database.db)).rows).toEqual([]);
  });
});
