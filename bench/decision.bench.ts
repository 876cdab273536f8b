/**
 * Submit → decision latency: 100 applications through the real HTTP API of a real server process,
 * with the sandbox passport check and bureaus each answering in ~200 ms (SANDBOX_LATENCY_MS).
 * Prints p50 / p95 / max per database mode against the budget (p95 ≤ 3 s).
 *
 *   npx tsx bench/decision.bench.ts
 *   BENCH_APPLICATIONS=100 BENCH_CONCURRENCY=10 BENCH_MODES=postgres,pglite
 *
 * Everything runs on loopback and stops by itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { personalInnWithCheckDigits } from '../src/core/questionnaire';
import { httpClient, startServerProcess, type ServerProcess } from '../src/server/testing/server-process';

const APPLICATIONS = Number(process.env.BENCH_APPLICATIONS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const MODES = (process.env.BENCH_MODES ?? 'postgres,pglite').split(',').map((m) => m.trim());
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const BUDGET_P95_MS = 3_000;
const LATENCY_MS = 200;

const log = (message: string) => process.stdout.write(`[decision-bench] ${message}\n`);

function questionnaire(i: number) {
  return {
    lastName: 'Тестов',
    firstName: 'Иван',
    birthDate: '1988-08-08',
    birthPlace: 'г. Москва',
    passport: { series: '4511', number: String(100_000 + i), issuedAt: '2010-01-01', issuer: 'ОВД', divisionCode: '770-001' },
    registrationAddress: 'г. Москва, ул. Ленина, д. 1',
    actualAddress: 'г. Москва, ул. Ленина, д. 1',
    inn: personalInnWithCheckDigits(String(7_711_000_000 + i)),
    email: `bench${i}@example.ru`,
    employment: { type: 'employed', employer: 'ООО «Бенч»', monthlyIncome: 90_000 },
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** One applicant: log in, fill, consent; then time submit → decision seen through the API. */
async function oneApplication(server: ServerProcess, i: number): Promise<{ ms: number; status: string }> {
  const client = httpClient(server.url);
  await client.login(`+7926${String(1_000_000 + i * 7919).slice(-7)}`);
  const created = await client.post('/api/applications', { product: 'pdl', amount: 10_000, term: 30 });
  const id = String(created.body!.id);
  const patched = await client.patch(`/api/applications/${id}`, questionnaire(i));
  if (patched.status !== 200) throw new Error(`patch failed: ${JSON.stringify(patched.body)}`);
  await client.post(`/api/applications/${id}/consents`, { kinds: ['personal_data', 'credit_history', 'simple_signature'] });
  const started = performance.now();
  const submitted = await client.post(`/api/applications/${id}/submit`);
  if (submitted.status !== 202) throw new Error(`submit failed: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  for (;;) {
    const seen = await client.get(`/api/applications/${id}`);
    const status = String(seen.body!.status);
    if (status !== 'scoring') return { ms: performance.now() - started, status };
    if (performance.now() - started > 60_000) throw new Error('no decision within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runMode(mode: string) {
  let dbName: string | null = null;
  const env: Record<string, string> = {
    SANDBOX_LATENCY_MS: String(LATENCY_MS),
    OTP_SENDS_PER_IP_HOUR: '100000',
    OTP_SENDS_PER_PREFIX_HOUR: '100000',
    OTP_SENDS_GLOBAL_DAY: '100000',
  };
  if (mode === 'postgres') {
    dbName = `cc_bench_${process.pid}_${Math.floor(performance.now())}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  }
  log(`${mode}: starting the server`);
  const server = await startServerProcess(env);
  try {
    const results: { ms: number; status: string }[] = [];
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= APPLICATIONS) return;
        results.push(await oneApplication(server, i));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
    const statuses = results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    return {
      mode,
      applications: results.length,
      concurrency: CONCURRENCY,
      providerLatencyMs: LATENCY_MS,
      p50: Math.round(percentile(sorted, 50)),
      p95: Math.round(percentile(sorted, 95)),
      max: Math.round(sorted.at(-1)!),
      statuses,
    };
  } finally {
    await server.stop();
    if (dbName) {
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  }
}

const watchdog = setTimeout(() => {
  log('watchdog: the bench ran too long; exiting');
  process.exit(2);
}, 15 * 60_000);
watchdog.unref();

const rows = [];
for (const mode of MODES) {
  try {
    rows.push(await runMode(mode));
  } catch (error) {
    log(`${mode}: failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
process.stdout.write('\nmode      apps  conc  p50 ms  p95 ms  max ms  within budget (p95 ≤ 3000 ms)  outcomes\n');
for (const r of rows) {
  process.stdout.write(
    `${r.mode.padEnd(8)}  ${String(r.applications).padStart(4)}  ${String(r.concurrency).padStart(4)}  ${String(r.p50).padStart(6)}  ${String(r.p95).padStart(6)}  ${String(r.max).padStart(6)}  ${(r.p95 <= BUDGET_P95_MS ? 'yes' : 'NO').padEnd(29)}  ${JSON.stringify(r.statuses)}\n`,
  );
}
mkdirSync('bench/results', { recursive: true });
const file = join('bench/results', `decision-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ rows, providerLatencyMs: LATENCY_MS }, null, 2));
log(`results: ${file}`);
