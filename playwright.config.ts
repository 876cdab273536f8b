import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { E2E_PORT, E2E_URL, TIME_MACHINE_PORT, TIME_MACHINE_URL } from './tests/e2e/servers';

/**
 * Playwright loads this file in the runner and again in every worker. Only the runner makes a data
 * directory (a fresh, empty database for each run); workers inherit its path via the env.
 */
const dataDirFor = (variable: string, prefix: string): string => {
  const inherited = process.env[variable];
  if (inherited !== undefined) return inherited;
  const made = mkdtempSync(join(tmpdir(), prefix));
  process.env[variable] = made;
  process.on('exit', () => rmSync(made, { recursive: true, force: true }));
  return made;
};
const dataDir = dataDirFor('E2E_DATA_DIR', 'carcapital-e2e-');
const timeMachineDataDir = dataDirFor('E2E_TIME_MACHINE_DATA_DIR', 'carcapital-e2e-time-');

/** What both servers share: the built app from dist/web (`npm run test:e2e` builds it first). */
const server = (port: number, url: string, dir: string, env: Record<string, string> = {}, before = '') => ({
  command: `${before}node --import tsx src/server/main.ts`,
  url: `${url}/api/health`,
  env: {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    // Every journey logs in from 127.0.0.1; the real per-IP limit (20/h) is tested in the API suite.
    OTP_SENDS_PER_IP_HOUR: '500',
    ...env,
  },
  reuseExistingServer: false,
  timeout: 60_000,
  stdout: 'pipe' as const,
  stderr: 'pipe' as const,
});

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  workers: 1,
  retries: 0,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: E2E_URL,
    headless: true,
    viewport: { width: 360, height: 800 },
    locale: 'ru-RU',
    timezoneId: 'Europe/Moscow',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // The system Chromium from Debian; never `npx playwright install`.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    // The first admin is made the way an operator makes one (`npm run staff:create`), before the
    // server starts (the embedded database is one process's); the back-office journey reads its
    // temporary password from admin.json.
    server(
      E2E_PORT,
      E2E_URL,
      dataDir,
      {},
      `node --import tsx scripts/staff-create.ts --email admin@e2e.test --name "Администратор" --roles admin --json > "${join(dataDir, 'admin.json')}" && `,
    ),
    // The time machine (tests/e2e/servers.ts): its clock is moved by days, so a session lives
    // through a moved day (idle 2 days, 3 days at most) instead of the real 15 minutes / 12 hours.
    server(TIME_MACHINE_PORT, TIME_MACHINE_URL, timeMachineDataDir, { SESSION_IDLE_MIN: '2880', SESSION_ABSOLUTE_HOURS: '72' }),
  ],
});
