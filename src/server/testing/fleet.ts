import { startServerProcess, type ServerProcess } from './server-process';
import { testConfig } from './test-system';

/**
 * Several real server processes on one database, as production runs them (README «Process roles»):
 * `web` processes answer HTTP and run no jobs, `worker` processes run the jobs and cron. Each slot
 * (web-1, worker-2…) holds one process at a time; a killed one is replaced by a new incarnation in
 * the same slot. Every incarnation is kept, with its output and how it ended, for the test's checks.
 */

export type Role = 'web' | 'worker';

export type Incarnation = {
  slot: string;
  role: Role;
  /** CRASHPOINTS it was started with: it kills itself at the first of them it reaches. */
  crashpoints: string[];
  process: ServerProcess;
  /** How it ended; null while it runs. */
  end: { code: number | null; signal: NodeJS.Signals | null; cause: 'crashpoint' | 'killed' | 'stopped' | 'died'; crashpoint: string | null } | null;
};

/**
 * What every fault test's processes share: the database and its pool, the test secret, instant
 * sandboxes, and login limits one machine standing for every borrower would hit (one IP, one number
 * prefix, the signing code right after the login code). `fastJobs`: a dead worker's job is retried
 * within seconds (its lease is as long) and maintenance runs every second.
 */
export function faultEnv(databaseUrl: string, options: { poolMax: number; fastJobs?: boolean }): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: String(options.poolMax),
    APP_SECRET: testConfig().appSecret!,
    SANDBOX_LATENCY_MS: '0',
    ...(options.fastJobs ? { JOB_EXPIRE_SEC: '2', JOBS_MAINTENANCE_SEC: '1' } : {}),
    OTP_SENDS_PER_IP_HOUR: '1000',
    OTP_SENDS_PER_PREFIX_HOUR: '1000',
    OTP_RESEND_SEC: '1',
  };
}

export const ROLE_ENV: Record<Role, Record<string, string>> = {
  // RUN_WORKERS=false as well: an HTTP process runs no jobs whatever the role support of the build.
  web: { PROCESS_ROLE: 'web', RUN_WORKERS: 'false' },
  worker: { PROCESS_ROLE: 'worker', RUN_WORKERS: 'true' },
};

export function createFleet(baseEnv: Record<string, string>) {
  const incarnations: Incarnation[] = [];
  const current = new Map<string, Incarnation>();
  const killing = new Set<Incarnation>();
  let stopping = false;

  const isRunning = (incarnation: Incarnation) => incarnation.end === null;

  async function start(slot: string, role: Role, options: { crashpoints?: string[]; env?: Record<string, string> } = {}): Promise<Incarnation> {
    const crashpoints = options.crashpoints ?? [];
    const process = await startServerProcess({
      ...baseEnv,
      ...ROLE_ENV[role],
      ...(crashpoints.length ? { CRASHPOINTS: crashpoints.join(',') } : {}),
      ...options.env,
    });
    const incarnation: Incarnation = { slot, role, crashpoints, process, end: null };
    incarnations.push(incarnation);
    current.set(slot, incarnation);
    void process.exited.then(({ code, signal }) => {
      // The crash point's log line may not get out before the kill: an armed process that SIGKILLed
      // itself reached one of its points (the line, when it came, says which).
      const reached = /"crashpoint":"([^"]+)"/.exec(process.output())?.[1] ?? (crashpoints.length === 1 ? crashpoints[0]! : 'one of ' + crashpoints.join('|'));
      const cause = killing.has(incarnation) ? 'killed' : stopping ? 'stopped' : crashpoints.length && signal === 'SIGKILL' ? 'crashpoint' : 'died';
      incarnation.end = { code, signal, cause, crashpoint: cause === 'crashpoint' ? reached : null };
    });
    return incarnation;
  }

  return {
    start,
    /** The slot's latest incarnation (running or not). */
    current: (slot: string) => current.get(slot),
    /** Running incarnations, of one role or all. */
    live: (role?: Role) => [...current.values()].filter((i) => isRunning(i) && (!role || i.role === role)),
    /** Every incarnation ever started, in order. */
    all: () => [...incarnations],
    /**
     * A base URL that moves on each call to the next running process of the role (round robin): the
     * consecutive requests of a client given it alternate between processes, and a retry goes elsewhere.
     */
    roundRobin(role: Role): () => string {
      let turn = 0;
      let last = '';
      return () => {
        const running = [...current.values()].filter((i) => isRunning(i) && i.role === role);
        if (running.length) last = running[turn++ % running.length]!.process.url;
        if (!last) throw new Error(`no ${role} process has run yet`);
        return last;
      };
    },
    /** kill -9 of the slot's running process; resolves when it is gone. */
    async kill(slot: string): Promise<Incarnation | null> {
      const incarnation = current.get(slot);
      if (!incarnation || !isRunning(incarnation)) return null;
      killing.add(incarnation);
      incarnation.process.child.kill('SIGKILL');
      await incarnation.process.exited;
      return incarnation;
    },
    /** Stops every running process (SIGTERM, then SIGKILL after 10 s). */
    async stop(): Promise<void> {
      stopping = true;
      await Promise.all(incarnations.filter(isRunning).map((i) => i.process.stop()));
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
