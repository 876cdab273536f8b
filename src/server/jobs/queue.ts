import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { DB } from '../db/schema';
import { withJobContext } from '../logging';

/**
 * The durable job queue: pg-boss, in the same database as everything else (its own schema
 * `pgboss`). pg-boss talks through our connection (`executeSql`), so it runs unchanged on PGlite
 * and on PostgreSQL, and `enqueue` writes the job through the caller's transaction: the job exists
 * if and only if the state change that asked for it committed (the outbox rule).
 *
 * Delivery is at least once; handlers must be idempotent.
 */

export type JobHandler = (data: Record<string, unknown>, meta: { jobId: string; retryCount: number }) => Promise<void>;

export type QueueDefinition = {
  name: string;
  handler: JobHandler;
  retryLimit?: number;
  retryDelaySec?: number;
  /** Pause (seconds) between polls when the worker is idle. */
  pollingIntervalSec?: number;
  /** A job running longer than this (its worker died) is failed and retried. */
  expireInSeconds?: number;
  /** Also run on this cron schedule (pg-boss keeps one schedule across all processes). */
  cron?: string;
};

/** Told about every job run this process settles (metrics). */
export type JobSettledEvent = { queue: string; jobId: string; outcome: 'completed' | 'failed'; seconds: number };

export type JobQueueOptions = {
  maintenanceIntervalSec?: number;
  /**
   * Run pg-boss's maintenance (expiring a dead worker's jobs, archiving) and cron timekeeper here.
   * Off in `web` processes: the workers do it (pg-boss keeps one schedule across processes anyway).
   */
  supervise?: boolean;
  onSettled?: (event: JobSettledEvent) => void;
};

export type JobQueue = {
  define: (definition: QueueDefinition) => void;
  /** Creates the schema and queues; starts polling workers when `runWorkers`. */
  start: (options: { runWorkers: boolean }) => Promise<void>;
  /**
   * Stops taking new jobs and waits for the ones this process is running; enqueueing keeps working
   * (requests still in flight may enqueue). The first step of a graceful stop.
   */
  stopWorkers: () => Promise<void>;
  /** stopWorkers(), then stops pg-boss. */
  stop: () => Promise<void>;
  /** Adds a job inside the caller's transaction (or on the plain connection). */
  enqueue: (executor: Kysely<DB> | Transaction<DB>, name: string, data: Record<string, unknown>) => Promise<void>;
  /** Runs every job that is ready now, in this process, until none is left. For tests and CLIs. */
  drain: () => Promise<number>;
};

/** Any fixed number: the advisory lock that orders queue creation across processes. */
const QUEUE_SETUP_LOCK = 727_002;

export function createJobQueue(database: Database, logger: Logger, options: JobQueueOptions = {}): JobQueue {
  const supervise = options.supervise ?? true;
  const definitions = new Map<string, QueueDefinition>();
  /**
   * pg-boss's SQL, with one change: creating a queue (DDL on its shared job table) waits for a
   * transaction-scoped advisory lock, so processes starting together create queues one at a time
   * instead of deadlocking (two create_queue calls lock the job table in opposite orders).
   */
  const executeSql = (text: string, values?: unknown[]) =>
    /\.create_queue\(/.test(text)
      ? database.db.transaction().execute(async (trx) => {
          await trx.executeQuery(CompiledQuery.raw('SELECT pg_advisory_xact_lock($1)', [QUEUE_SETUP_LOCK]));
          return { rows: (await trx.executeQuery(CompiledQuery.raw(text, values ?? []))).rows as Record<string, unknown>[] };
        })
      : database.executeSql(text, values);
  const newBoss = () => {
    const created = new PgBoss({
      db: { executeSql },
      schema: 'pgboss',
      // Keep maintenance light: this is a small system; archive completed jobs after a day.
      archiveCompletedAfterSeconds: 24 * 3600,
      maintenanceIntervalSeconds: options.maintenanceIntervalSec ?? 60,
      supervise,
      schedule: supervise,
    } as unknown as PgBoss.ConstructorOptions);
    created.on('error', (error) => logger.error({ err: error }, 'job queue error'));
    return created;
  };
  // Replaced only while starting (see startTogether).
  let boss = newBoss();
  let started = false;
  let polling = false;

  /** Runs one job and records the outcome: completed, or failed (pg-boss retries it with backoff). */
  async function settle(definition: QueueDefinition, job: PgBoss.Job<unknown>): Promise<void> {
    const began = performance.now();
    const retryCount = (job as unknown as { retryCount?: number }).retryCount ?? 0;
    const settled = (outcome: JobSettledEvent['outcome']) =>
      options.onSettled?.({ queue: definition.name, jobId: job.id, outcome, seconds: (performance.now() - began) / 1000 });
    try {
      // Every line the handler logs carries the queue and the job id (see logging.ts).
      await withJobContext({ queue: definition.name, jobId: job.id }, () =>
        definition.handler(job.data as Record<string, unknown>, { jobId: job.id, retryCount }),
      );
      await boss.complete(definition.name, job.id);
      settled('completed');
      logger.info({ queue: definition.name, jobId: job.id, retryCount, ms: Math.round(performance.now() - began) }, 'job completed');
    } catch (error) {
      settled('failed');
      logger.warn({ err: error, queue: definition.name, jobId: job.id, retryCount }, 'job failed; will retry');
      // The database may be gone: the job then expires and is retried by maintenance.
      await boss.fail(definition.name, job.id, { message: String((error as Error).message ?? error) }).catch((failError: unknown) =>
        logger.error({ err: failError, queue: definition.name, jobId: job.id }, 'could not record the job failure'),
      );
    }
  }
  const loops: Promise<void>[] = [];
  async function stopWorkers(): Promise<void> {
    polling = false;
    await Promise.all(loops.splice(0));
  }

  /**
   * Processes started together on a new database install pg-boss at the same moment, and an
   * install that waited on pg-boss's own advisory lock still misses the schema the winner just
   * committed (an advisory lock does not refresh the catalog cache) and collides with it (23505);
   * a deadlock (40P01) is retried the same way. PostgreSQL rolls the loser back whole; it waits
   * until the winner's install is visible and starts again with a new pg-boss instance (a failed
   * start() leaves the old one half started), finding the winner's work done.
   */
  async function startTogether(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await boss.start();
        // Only the missing ones: a process joining a running system creates nothing, so collides with no one.
        const existing = new Set((await boss.getQueues()).map((queue) => queue.name));
        for (const definition of definitions.values()) {
          if (existing.has(definition.name)) continue;
          await boss.createQueue(definition.name, {
            name: definition.name,
            retryLimit: definition.retryLimit ?? 5,
            retryDelay: definition.retryDelaySec ?? 5,
            retryBackoff: true,
            ...(definition.expireInSeconds ? { expireInSeconds: definition.expireInSeconds } : {}),
          });
        }
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const race = code === '40P01' || code === '23505' || /already exists/.test(String((error as Error).message));
        if (!race || attempt >= 10) throw error;
        logger.warn({ err: error, attempt }, 'job queue setup collided with another process starting; trying again');
        await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
        boss = newBoss();
        for (let waited = 0; waited < 30_000; waited += 100) {
          const installed = await database.executeSql('SELECT version FROM pgboss.version').then(
            (result) => result.rows.length > 0,
            () => false,
          );
          if (installed) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 20 * attempt));
      }
    }
  }

  return {
    define(definition) {
      if (started) throw new Error('define queues before start');
      definitions.set(definition.name, definition);
    },

    async start({ runWorkers }) {
      await startTogether();
      started = true;
      polling = runWorkers;
      for (const definition of definitions.values()) {
        if (definition.cron && supervise) await boss.schedule(definition.name, definition.cron, {}, { tz: 'Europe/Moscow' });
        if (runWorkers) {
          // Our own polling loop: pg-boss 10 work() leaves its complete/fail promises unhandled, so a
          // database restart would crash the process (timgit/pg-boss#577); settle() records each job.
          const intervalMs = (definition.pollingIntervalSec ?? 1) * 1000;
          loops.push(
            (async () => {
              while (polling) {
                try {
                  const jobs = await boss.fetch<unknown>(definition.name, { batchSize: 5 });
                  if (jobs.length) {
                    await Promise.all(jobs.map((job) => settle(definition, job)));
                    continue;
                  }
                } catch (error) {
                  logger.error({ err: error, queue: definition.name }, 'job queue error');
                }
                await new Promise((r) => setTimeout(r, intervalMs));
              }
            })(),
          );
        }
      }
    },

    stopWorkers,

    async stop() {
      if (!started) return;
      await stopWorkers();
      started = false;
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },

    async enqueue(executor, name, data) {
      if (!definitions.has(name)) throw new Error(`unknown queue: ${name}`);
      const db = {
        executeSql: async (text: string, values: unknown[]) => {
          const result = await executor.executeQuery(CompiledQuery.raw(text, values));
          return { rows: result.rows };
        },
      };
      // The expiry goes with each job: a queue created by an older release keeps its first settings.
      const expireInSeconds = definitions.get(name)!.expireInSeconds;
      await boss.send(name, data, { db, ...(expireInSeconds ? { expireInSeconds } : {}) } as PgBoss.SendOptions);
    },

    async drain() {
      let processed = 0;
      for (;;) {
        let progressed = false;
        for (const definition of definitions.values()) {
          const jobs = await boss.fetch<unknown>(definition.name, { batchSize: 20 });
          for (const job of jobs) {
            progressed = true;
            processed += 1;
            await settle(definition, job);
          }
        }
        if (!progressed) return processed;
      }
    },
  };
}
