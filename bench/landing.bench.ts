/**
 * Landing-page bench: (a) the bytes the landing page loads from the built app, against the 80 KB
 * gzip JavaScript budget; (b) Lighthouse 12 (mobile, simulated throttling) on the landing page
 * served by the real server, performance and accessibility against the 0.95 budget. Prints a
 * summary and writes bench/results/landing-<timestamp>.json (plus the median run's full report).
 *
 * Builds nothing: run `npm run build` first (`npm run bench:landing` does). The server, Chrome and
 * their temporary directories are removed on success, failure, Ctrl-C and when the watchdog fires.
 * See bench/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

// ---------------------------------------------------------------------------------------------
// Settings

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEB_ROOT = join(REPO_ROOT, 'dist', 'web');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const SERVER_ENTRY = 'src/server/main.ts';
const HOST = '127.0.0.1';

const JS_BUDGET_GZIP_BYTES = 80 * 1024;
const SCORE_BUDGET = 0.95;
const CATEGORIES = ['performance', 'accessibility'] as const;
const METRICS = [
  ['first-contentful-paint', 'FCP'],
  ['largest-contentful-paint', 'LCP'],
  ['total-blocking-time', 'TBT'],
  ['cumulative-layout-shift', 'CLS'],
  ['speed-index', 'SI'],
] as const;

const CHROME_PATH = process.env.CHROME_PATH?.trim() || '/usr/bin/chromium';
const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    process.stderr.write(`[bench] ${name} must be an integer from ${min} to ${max}, got "${raw}"\n`);
    process.exit(2);
  }
  return value;
}

/** Lighthouse scores vary from run to run: the median of a few runs is reported. */
const RUNS = envInt('LANDING_RUNS', 3, 1, 15);
const STARTUP_TIMEOUT_SEC = envInt('BENCH_STARTUP_TIMEOUT_SEC', 90, 5, 600);
const WATCHDOG_SEC = STARTUP_TIMEOUT_SEC + RUNS * 120 + 60;

// ---------------------------------------------------------------------------------------------
// Cleanup: every resource registers a closer; they run newest first on every way out.

const cleanups: { label: string; run: () => Promise<void> }[] = [];
const liveChildren = new Set<ChildProcess>();
let aborting = false;

function log(message: string) {
  process.stderr.write(`[bench] ${message}\n`);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.message || error.name}${error.cause ? ` (cause: ${describeError(error.cause)})` : ''}`;
  return String(error);
}

function onCleanup(label: string, run: () => Promise<void>) {
  cleanups.push({ label, run });
}

async function runCleanups() {
  while (cleanups.length > 0) {
    const next = cleanups.pop()!;
    try {
      await next.run();
    } catch (error) {
      log(`cleanup "${next.label}" failed: ${describeError(error)}`);
    }
  }
}

process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

async function abort(reason: string, code: number): Promise<never> {
  if (aborting) process.exit(code);
  aborting = true;
  log(`${reason}: cleaning up and exiting`);
  setTimeout(() => process.exit(code), 30_000).unref();
  await runCleanups();
  process.exit(code);
}

process.on('SIGINT', () => void abort('interrupted (SIGINT)', 130));
process.on('SIGTERM', () => void abort('terminated (SIGTERM)', 143));

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

// ---------------------------------------------------------------------------------------------
// (a) What the landing page loads, from dist/web/index.html

type Asset = { path: string; kind: 'html' | 'js' | 'css' | 'other'; via: string; rawBytes: number; gzipBytes: number };

const gzipSize = (content: Buffer) => gzipSync(content, { level: 9 }).length;

/** `/assets/x.js` (or `./x.js` relative to `from`) → the file under dist/web. */
function resolveAsset(specifier: string, from: string): string | null {
  if (/^(https?:)?\/\//.test(specifier) || specifier.startsWith('data:')) return null;
  const clean = specifier.split(/[?#]/)[0]!;
  return clean.startsWith('/') ? posix.normalize(clean) : posix.normalize(posix.join(posix.dirname(from), clean));
}

async function readAsset(path: string, kind: Asset['kind'], via: string): Promise<{ asset: Asset; content: Buffer }> {
  const content = await readFile(join(WEB_ROOT, path));
  return { asset: { path, kind, via, rawBytes: content.length, gzipBytes: gzipSize(content) }, content };
}

const attr = (tag: string, name: string) => new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`, 'i').exec(tag)?.[1] ?? null;

/**
 * Every script, module preload and stylesheet named in index.html, then every JS file those
 * scripts import statically (what the browser fetches before the page can run). Dynamic `import()`s
 * are listed separately: the landing page does not necessarily load them.
 */
async function landingAssets() {
  const html = await readAsset('/index.html', 'html', 'document');
  const text = html.content.toString('utf8');
  const assets: Asset[] = [html.asset];
  const lazy: Asset[] = [];
  const seen = new Set<string>(['/index.html']);
  const queue: { path: string; via: string }[] = [];

  for (const tag of text.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const isScript = /^<script/i.test(tag);
    const rel = attr(tag, 'rel')?.toLowerCase() ?? '';
    const url = isScript ? attr(tag, 'src') : attr(tag, 'href');
    if (!url) continue;
    const path = resolveAsset(url, '/index.html');
    if (!path || seen.has(path)) continue;
    if (isScript || rel === 'modulepreload') {
      seen.add(path);
      queue.push({ path, via: isScript ? '<script src>' : '<link rel=modulepreload>' });
    } else if (rel === 'stylesheet' || rel === 'icon') {
      seen.add(path);
      assets.push((await readAsset(path, rel === 'stylesheet' ? 'css' : 'other', `<link rel=${rel}>`)).asset);
    }
  }

  const lazyQueue: string[] = [];
  while (queue.length > 0) {
    const { path, via } = queue.shift()!;
    const { asset, content } = await readAsset(path, 'js', via);
    assets.push(asset);
    const code = content.toString('utf8');
    // Minified ESM: `import"./a.js"`, `from"./a.js"`, `import("./a.js")`; CSS the bundle pulls in.
    for (const match of code.matchAll(/(?:\bimport|\bfrom)\s*["']([^"']+\.(?:js|mjs))["']/g)) {
      const target = resolveAsset(match[1]!, path);
      if (target && !seen.has(target)) {
        seen.add(target);
        queue.push({ path: target, via: `static import in ${posix.basename(path)}` });
      }
    }
    for (const match of code.matchAll(/\bimport\(\s*["']([^"']+\.(?:js|mjs))["']\s*\)/g)) {
      const target = resolveAsset(match[1]!, path);
      if (target && !seen.has(target)) lazyQueue.push(target);
    }
  }
  for (const path of lazyQueue) {
    if (seen.has(path)) continue;
    seen.add(path);
    lazy.push((await readAsset(path, 'js', 'dynamic import()')).asset);
  }

  // Cross-check: every JS file of the build, whether or not the landing page needs it.
  const assetDir = join(WEB_ROOT, 'assets');
  let allJsRaw = 0;
  let allJsGzip = 0;
  for (const name of (await readdir(assetDir)).filter((n) => n.endsWith('.js'))) {
    const content = await readFile(join(assetDir, name));
    allJsRaw += content.length;
    allJsGzip += gzipSize(content);
  }

  const sum = (list: Asset[], key: 'rawBytes' | 'gzipBytes') => list.reduce((total, a) => total + a[key], 0);
  const js = assets.filter((a) => a.kind === 'js');
  return {
    assets,
    lazy,
    js: { rawBytes: sum(js, 'rawBytes'), gzipBytes: sum(js, 'gzipBytes') },
    everything: { rawBytes: sum(assets, 'rawBytes'), gzipBytes: sum(assets, 'gzipBytes') },
    allBuiltJs: { rawBytes: allJsRaw, gzipBytes: allJsGzip },
    budgetGzipBytes: JS_BUDGET_GZIP_BYTES,
    withinBudget: sum(js, 'gzipBytes') <= JS_BUDGET_GZIP_BYTES,
  };
}

// ---------------------------------------------------------------------------------------------
// The server

async function freePort(): Promise<number> {
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

/** Variables the bench sets itself; values inherited from the shell are dropped first. */
const SERVER_ENV_OWNED = ['NODE_ENV', 'PORT', 'HOST', 'PUBLIC_URL', 'DATA_DIR', 'DATABASE_URL', 'LOG_LEVEL', 'SMS_PROVIDER', 'TRUST_PROXY'];

async function startServer(): Promise<{ baseUrl: string; output: () => string }> {
  const dataDir = await mkdtemp(join(os.tmpdir(), 'cc-bench-landing-'));
  onCleanup(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const baseUrl = `http://${HOST}:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of SERVER_ENV_OWNED) delete env[key];
  Object.assign(env, { PORT: String(port), HOST, PUBLIC_URL: baseUrl, DATA_DIR: dataDir, LOG_LEVEL: 'warn' });

  // `node --import tsx` so the child is the server process itself (SIGTERM reaches it).
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 30));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: { code: number | null; signal: string | null } | null = null;
  const exitPromise = new Promise<void>((settle) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      liveChildren.delete(child);
      settle();
    });
  });
  onCleanup(`stop server ${child.pid}`, async () => {
    if (exited) return;
    child.kill('SIGTERM');
    if (await Promise.race([exitPromise.then(() => true), sleep(10_000, false, { ref: false })])) return;
    log(`server ${child.pid} ignored SIGTERM for 10 s; sending SIGKILL`);
    child.kill('SIGKILL');
    await Promise.race([exitPromise, sleep(5_000, undefined, { ref: false })]);
  });

  log(`server pid ${child.pid} on ${baseUrl}; waiting for /api/health`);
  const deadline = performance.now() + STARTUP_TIMEOUT_SEC * 1000;
  for (;;) {
    if (exited) throw new Error(`server exited during startup ${JSON.stringify(exited)}\n${tail.join('\n')}`);
    try {
      const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`server not healthy within ${STARTUP_TIMEOUT_SEC} s\n${tail.join('\n')}`);
    await sleep(250);
  }
  return { baseUrl, output: () => tail.join('\n') };
}

// ---------------------------------------------------------------------------------------------
// (b) Lighthouse

type RunSummary = {
  run: number;
  scores: Record<(typeof CATEGORIES)[number], number | null>;
  metrics: Record<string, { value: number; display: string; score: number | null }>;
  /** Audits that lost points (performance opportunities and accessibility failures). */
  flagged: { id: string; category: string; title: string; score: number | null; display?: string }[];
  runWarnings: string[];
};

async function runLighthouse(url: string): Promise<{ runs: RunSummary[]; median: RunSummary; medianLhr: unknown; chromeVersion: string }> {
  const userDataDir = await mkdtemp(join(os.tmpdir(), 'cc-bench-chrome-'));
  onCleanup(`remove ${userDataDir}`, () => rm(userDataDir, { recursive: true, force: true }));
  const chrome = await chromeLauncher.launch({ chromePath: CHROME_PATH, chromeFlags: CHROME_FLAGS, userDataDir, logLevel: 'silent' });
  liveChildren.add(chrome.process);
  onCleanup(`stop Chrome ${chrome.pid}`, async () => {
    chrome.kill();
    liveChildren.delete(chrome.process);
  });
  const version = (await (await fetch(`http://127.0.0.1:${chrome.port}/json/version`)).json()) as { Browser?: string };
  log(`Chrome ${version.Browser ?? '?'} (pid ${chrome.pid}); ${RUNS} Lighthouse run(s) on ${url}`);

  const runs: { summary: RunSummary; lhr: unknown }[] = [];
  for (let run = 1; run <= RUNS; run += 1) {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: [...CATEGORIES],
    });
    if (!result) throw new Error('Lighthouse returned no result');
    const lhr = result.lhr;
    if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const scores = Object.fromEntries(CATEGORIES.map((id) => [id, lhr.categories[id]?.score ?? null])) as RunSummary['scores'];
    const metrics = Object.fromEntries(
      METRICS.map(([id, name]) => {
        const audit = lhr.audits[id];
        return [name, { value: round(audit?.numericValue ?? Number.NaN, 3), display: audit?.displayValue ?? 'n/a', score: audit?.score ?? null }];
      }),
    );
    const flagged: RunSummary['flagged'] = [];
    for (const id of CATEGORIES) {
      for (const ref of lhr.categories[id]?.auditRefs ?? []) {
        const audit = lhr.audits[ref.id];
        if (!audit || audit.score === null || audit.score >= 0.9) continue;
        if (audit.scoreDisplayMode === 'notApplicable' || audit.scoreDisplayMode === 'informative' || audit.scoreDisplayMode === 'manual') continue;
        flagged.push({ id: ref.id, category: id, title: audit.title, score: audit.score, ...(audit.displayValue ? { display: audit.displayValue } : {}) });
      }
    }
    const summary: RunSummary = { run, scores, metrics, flagged, runWarnings: lhr.runWarnings ?? [] };
    runs.push({ summary, lhr });
    log(
      `run ${run}: performance ${scores.performance ?? 'n/a'}, accessibility ${scores.accessibility ?? 'n/a'}, ` +
        METRICS.map(([, name]) => `${name} ${metrics[name]!.display}`).join(', '),
    );
  }
  // Median by performance score (ties: the earlier run).
  const sorted = [...runs].sort((a, b) => (a.summary.scores.performance ?? 0) - (b.summary.scores.performance ?? 0));
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { runs: runs.map((r) => r.summary), median: median.summary, medianLhr: median.lhr, chromeVersion: version.Browser ?? 'unknown' };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const watchdog = setTimeout(() => void abort(`watchdog: not finished within ${WATCHDOG_SEC} s`, 2), WATCHDOG_SEC * 1000);
  watchdog.unref();
  const startedAt = new Date();

  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    log('dist/web/index.html is missing: run `npm run build` first');
    return 2;
  }
  const builtAt = (await stat(join(WEB_ROOT, 'index.html'))).mtime;

  // (a)
  const bytes = await landingAssets();
  console.log('');
  console.log(`Landing page assets (dist/web, built ${builtAt.toISOString()}); gzip -9 sizes`);
  const width = Math.max(...bytes.assets.map((a) => a.path.length), 20);
  for (const a of [...bytes.assets, ...bytes.lazy]) {
    const lazy = bytes.lazy.includes(a) ? ' (lazy, not counted)' : '';
    console.log(`  ${a.path.padEnd(width)}  ${kb(a.rawBytes).padStart(9)} raw  ${kb(a.gzipBytes).padStart(9)} gzip  ${a.via}${lazy}`);
  }
  console.log(
    `  JavaScript the landing page loads: ${kb(bytes.js.rawBytes)} raw, ${kb(bytes.js.gzipBytes)} gzip — budget ${kb(JS_BUDGET_GZIP_BYTES)} gzip: ` +
      `${bytes.withinBudget ? 'OK' : 'OVER BUDGET'} (${Math.round((bytes.js.gzipBytes / JS_BUDGET_GZIP_BYTES) * 100)} %)`,
  );
  console.log(`  Everything above (HTML, CSS, JS, icon): ${kb(bytes.everything.rawBytes)} raw, ${kb(bytes.everything.gzipBytes)} gzip`);
  console.log(`  Cross-check, all JS in dist/web/assets: ${kb(bytes.allBuiltJs.rawBytes)} raw, ${kb(bytes.allBuiltJs.gzipBytes)} gzip`);

  // (b)
  let lighthouseResult: Awaited<ReturnType<typeof runLighthouse>> | null = null;
  let failure: string | null = null;
  let serverOutput = '';
  try {
    const server = await startServer();
    lighthouseResult = await runLighthouse(`${server.baseUrl}/`);
    serverOutput = server.output();
  } catch (error) {
    failure = describeError(error);
    log(`failed: ${failure}`);
  } finally {
    await runCleanups();
  }

  const scoreBudgetMet =
    lighthouseResult !== null && CATEGORIES.every((id) => (lighthouseResult!.median.scores[id] ?? 0) >= SCORE_BUDGET);
  if (lighthouseResult) {
    const { median, runs } = lighthouseResult;
    console.log('');
    console.log(`Lighthouse 12, mobile (simulated throttling), median of ${runs.length} run(s) by performance score`);
    for (const id of CATEGORIES) {
      const score = median.scores[id];
      const all = runs.map((r) => r.scores[id] ?? 'n/a').join(' / ');
      console.log(`  ${id.padEnd(14)} ${String(score ?? 'n/a').padStart(5)}  budget ${SCORE_BUDGET}: ${(score ?? 0) >= SCORE_BUDGET ? 'OK' : 'BELOW BUDGET'}  (runs: ${all})`);
    }
    for (const [, name] of METRICS) {
      const metric = median.metrics[name]!;
      console.log(`  ${name.padEnd(14)} ${metric.display.padStart(8)}  (score ${metric.score ?? 'n/a'})`);
    }
    if (median.flagged.length > 0) {
      console.log('  Audits that lost points:');
      for (const f of median.flagged) console.log(`    [${f.category}] ${f.id}: ${f.title}${f.display ? ` — ${f.display}` : ''} (score ${f.score})`);
    }
    for (const warning of median.runWarnings) console.log(`  warning: ${warning}`);
  }

  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `landing-${stamp}.json`);
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { platform: `${os.platform()} ${os.release()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    build: { webRoot: relative(REPO_ROOT, WEB_ROOT), builtAt: builtAt.toISOString() },
    bytes,
    lighthouse: lighthouseResult
      ? {
          version: (lighthouseResult.medianLhr as { lighthouseVersion?: string }).lighthouseVersion,
          chrome: lighthouseResult.chromeVersion,
          chromeFlags: CHROME_FLAGS,
          formFactor: 'mobile',
          budget: SCORE_BUDGET,
          median: lighthouseResult.median,
          runs: lighthouseResult.runs,
          fullReport: relative(REPO_ROOT, join(RESULTS_DIR, `landing-${stamp}.lhr.json`)),
        }
      : null,
    failure,
    serverOutput: failure ? serverOutput : undefined,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  if (lighthouseResult) await writeFile(join(RESULTS_DIR, `landing-${stamp}.lhr.json`), JSON.stringify(lighthouseResult.medianLhr));
  console.log('');
  console.log(`results: ${relative(process.cwd(), file)}`);

  clearTimeout(watchdog);
  if (failure) return 1;
  return bytes.withinBudget && scoreBudgetMet ? 0 : 3;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await runCleanups();
    process.exit(1);
  },
);
