/**
 * HTTP API benchmark: starts the real server (PGlite, then PostgreSQL), logs in once through the
 * OTP flow, loads a baseline route and an authenticated route with autocannon, samples the server's
 * RSS, prints a table and writes bench/results/api-<timestamp>.json. See bench/README.md.
 *
 * Everything it creates (server processes, temp data dirs, databases) is removed on success, on
 * failure, on Ctrl-C and when the overall watchdog fires, so the bench always ends by itself.
 * The shared machinery is in bench/harness.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import {
  createBenchDatabase,
  describeError,
  describeLoad,
  isAborting,
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
  ROUTE_COLUMNS,
  routeCells,
  runAllCleanups,
  runMain,
  startWatchdog,
  writeResults,
  type Cleanup,
  type LaunchedServer,
  type RouteResult,
  type RouteSpec,
  type ServerReport,
} from './harness';

// ---------------------------------------------------------------------------------------------
// Settings

const PHONE = '+79123456789';

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

const settings = loadSettingsOrExit(() => ({
  ...readCommonSettings(),
  modes: envModes(),
}));

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
// One mode: environment → server → login → routes → stop → cleanup

type ModeResult = {
  mode: Mode;
  status: 'ok' | 'failed' | 'skipped';
  note?: string;
  loadAverageAtStart: number[];
  server?: ServerReport;
  routes: RouteResult[];
};

async function prepareMode(
  mode: Mode,
): Promise<{ env: Record<string, string>; cleanup: Cleanup } | { skip: string }> {
  if (isAborting()) throw new Error('aborting');
  if (mode === 'pglite') {
    const dataDir = await mkdtemp(join(os.tmpdir(), 'cc-bench-pglite-'));
    const cleanup = registerCleanup(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
    return { env: { DATA_DIR: dataDir }, cleanup };
  }
  const created = await createBenchDatabase(settings.adminDatabaseUrl);
  if ('skip' in created) return { skip: `PostgreSQL run skipped: ${created.skip}` };
  return { env: { DATABASE_URL: created.url }, cleanup: created.cleanup };
}

async function runMode(mode: Mode): Promise<ModeResult> {
  const outcome: ModeResult = { mode, status: 'ok', loadAverageAtStart: loadAverage(), routes: [] };
  log(`=== ${mode} ===`);

  const prepared = await prepareMode(mode);
  if ('skip' in prepared) {
    log(prepared.skip);
    return { ...outcome, status: 'skipped', note: prepared.skip };
  }

  let launched: LaunchedServer | undefined;
  try {
    launched = await launchServer(prepared.env, settings.startupTimeoutSec);
    outcome.server = launched.report;
    launched.server.logs.phase = 'login';
    const cookie = await login(launched.server.baseUrl, PHONE);
    await measureRoutes(launched, ROUTES, cookie, settings.load, outcome.routes);
  } catch (error) {
    outcome.status = 'failed';
    outcome.note = describeError(error);
    log(`${mode} failed: ${outcome.note}`);
  } finally {
    await launched?.stop();
    await prepared.cleanup();
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Report

function printReport(modes: ModeResult[]) {
  const rows: string[][] = [];
  for (const m of modes) {
    if (m.routes.length === 0) rows.push([m.mode, `(${m.status})`, '-', '-', '-', '-', '-', '-', '-']);
    for (const r of m.routes) rows.push([m.mode, ...routeCells(r)]);
  }
  printTable(['mode', ...ROUTE_COLUMNS], rows, 2);
  console.log(describeLoad(ROUTES[0]!.name, settings.load, 'in the same mode'));
  for (const m of modes) {
    if (m.note) console.log(`note [${m.mode}]: ${m.note}`);
    printNotes(m.mode, m.routes, m.server);
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  // Generous overall deadline: startup + warm-ups + runs + stop, per mode.
  const { warmupSec, durationSec, connections } = settings.load;
  const perModeSec = settings.startupTimeoutSec + 30 + ROUTES.length * (warmupSec + durationSec + 2 * REQUEST_TIMEOUT_SEC) + 30;
  const watchdog = startWatchdog(perModeSec * settings.modes.length + 60);

  const startedAt = new Date();
  log(`modes ${settings.modes.join(', ')}; ${connections} connections; ${durationSec} s per route; warm-up ${warmupSec} s`);
  const modes: ModeResult[] = [];
  for (const mode of settings.modes) modes.push(await runMode(mode));
  await runAllCleanups();

  printReport(modes);

  await writeResults('api', startedAt, settings.load, { baselineRoute: ROUTES[0]!.name, modes: settings.modes }, { modes });

  clearTimeout(watchdog);
  return modes.some((m) => m.status === 'failed') ? 1 : 0;
}

runMain(main);
