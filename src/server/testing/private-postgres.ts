import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, appendFileSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from './server-process';

/**
 * A private, throwaway PostgreSQL cluster for one test: its own data directory, port and socket,
 * so the test may stop, crash and restart it without touching the shared test server. Found from
 * `pg_config --bindir` or Debian's /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as
 * root: under root (CI) the cluster runs as the `postgres` OS user (the `postgresql` package creates
 * it; .ci/run installs the package). Missing binaries or user → a clear error, never a skip.
 */

export type PrivatePostgres = {
  /** postgres://root@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  /** `fast`: clients disconnected, checkpoint, clean stop; `immediate`: killed, crash recovery on start. */
  restart: (mode: 'fast' | 'immediate', options?: { whileDown?: () => Promise<void> }) => Promise<{ stoppedMs: number; startedMs: number }>;
  /** The server's log so far (for failure messages). */
  log: () => string;
  /** Stops the cluster (immediately) and removes its directory; safe to call twice. */
  stop: () => Promise<void>;
};

type RunAs = { uid: number; gid: number } | null;

const BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const;

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The directory holding initdb, pg_ctl and postgres. */
export function findPostgresBinaries(): string {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // no pg_config (Debian's `postgresql` package alone does not put it on PATH)
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // not a Debian layout
  }
  candidates.push(...(process.env.PATH ?? '').split(':').filter(Boolean));
  const found = candidates.find((dir) => BINARIES.every((name) => isExecutable(join(dir, name))));
  if (!found) {
    throw new Error(
      `PostgreSQL server binaries (${BINARIES.join(', ')}) not found in: ${[...new Set(candidates)].join(', ') || '(nowhere)'}. ` +
        'Install the PostgreSQL server (Debian: apt-get install postgresql; .ci/run does it) or set PG_BINDIR.',
    );
  }
  return found;
}

/** Under root, the `postgres` OS user to run the cluster as; otherwise ourselves. */
function runAsUser(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const idOf = (flag: '-u' | '-g') => {
    try {
      return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      return NaN;
    }
  };
  const uid = idOf('-u');
  const gid = idOf('-g');
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) {
    throw new Error(
      'running as root, and PostgreSQL refuses to run as root: a non-root `postgres` OS user is needed to run the private cluster ' +
        '(Debian: apt-get install postgresql creates it; .ci/run does it).',
    );
  }
  return { uid, gid };
}

/**
 * Where the cluster's directory goes: the usual temporary directory, unless the `postgres` user
 * cannot reach it (a TMPDIR under /root) or it is so long that the socket path would not fit
 * (107 bytes); then /tmp.
 */
function baseDirFor(runAs: RunAs): string {
  const base = tmpdir();
  if (base.length > 60) return '/tmp';
  if (!runAs) return base;
  for (let dir = base; dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return '/tmp';
  }
  return base;
}

function run(bin: string, args: string[], runAs: RunAs, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, reject) => {
    // Node drops root's supplementary groups when uid/gid are given (libuv setgroups(0)).
    const child = spawn(bin, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, output }));
  });
}

export async function startPrivatePostgres(options: { database?: string } = {}): Promise<PrivatePostgres> {
  const bindir = findPostgresBinaries();
  const runAs = runAsUser();
  const root = mkdtempSync(join(baseDirFor(runAs), 'cc-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  const logFile = join(root, 'postgres.log');
  const database = options.database ?? 'app';
  const bin = (name: (typeof BINARIES)[number]) => join(bindir, name);
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  let port: number;
  let stopped = false;

  /** A last resort when the test process exits without stop(): never leave a postmaster behind. */
  const onExit = () => {
    spawnSync(bin('pg_ctl'), ['-D', dataDir, 'stop', '-m', 'immediate', '-w', '-t', '10'], { stdio: 'ignore', cwd: root, ...(runAs ?? {}) });
    rmSync(root, { recursive: true, force: true });
  };

  const pgCtl = async (args: string[]) => {
    const result = await run(bin('pg_ctl'), ['-D', dataDir, ...args], runAs, root);
    if (result.code !== 0) throw new Error(`pg_ctl ${args.join(' ')} failed (exit ${result.code}):\n${result.output}\n--- postgres.log ---\n${log().slice(-4000)}`);
  };
  const startServer = () => pgCtl(['start', '-w', '-t', '60', '-l', logFile]);

  try {
    mkdirSync(socketDir);
    if (runAs) {
      chownSync(root, runAs.uid, runAs.gid);
      chownSync(socketDir, runAs.uid, runAs.gid);
    }
    const init = await run(bin('initdb'), ['-D', dataDir, '-U', 'root', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync'], runAs, root);
    if (init.code !== 0) throw new Error(`initdb failed (exit ${init.code}):\n${init.output}`);
    process.on('exit', onExit);

    // A port picked free may be taken by the time PostgreSQL binds it: pick again, a few times.
    for (let attempt = 1; ; attempt += 1) {
      port = await freePort();
      appendFileSync(
        join(dataDir, 'postgresql.conf'),
        [
          '',
          '# private test cluster (private-postgres.ts)',
          `port = ${port}`,
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = '${socketDir}'`,
          // Only the operating system crashing loses un-fsynced writes; a PostgreSQL crash does not.
          'fsync = off',
          'max_connections = 60',
          'shared_buffers = 32MB',
          '',
        ].join('\n'),
      );
      try {
        await startServer();
        break;
      } catch (error) {
        if (attempt >= 5 || !/could not bind|address already in use/i.test(log())) throw error;
      }
    }

    const admin = new pg.Client({ connectionString: `postgres://root@127.0.0.1:${port}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    process.off('exit', onExit);
    onExit();
    throw error;
  }

  return {
    url: `postgres://root@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    port,
    log,
    restart: async (mode, restartOptions = {}) => {
      const began = performance.now();
      await pgCtl(['stop', '-m', mode, '-w', '-t', '60']);
      const stoppedMs = performance.now() - began;
      await restartOptions.whileDown?.();
      const starting = performance.now();
      await startServer();
      return { stoppedMs, startedMs: performance.now() - starting };
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      const pidFile = join(dataDir, 'postmaster.pid');
      try {
        if (existsSync(pidFile)) {
          const result = await run(bin('pg_ctl'), ['-D', dataDir, 'stop', '-m', 'immediate', '-w', '-t', '30'], runAs, root);
          // pg_ctl could not stop it: kill our own postmaster by its id (its children follow it).
          const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
          if (result.code !== 0 && Number.isInteger(pid) && pid > 0) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
