import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { DB } from '../db/schema';

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

export type JobQueue = {
  define: (definition: QueueDefinition) => void;
  /** Creates the schema and queues; starts polling workers when `runWorkers`. */
  start: (options: { runWorkers: boolean }) => Promise<void>;
  stop: () => Promise<void>;
  /** Adds a job inside the caller's transaction (or on the plain connection). */
  enqueue: (executor: Kysely<DB> | Transaction<DB>, name: string, data: Record<string, unknown>) => Promise<void>;
  /** Runs every job that is ready now, in this process, until none is left. For tests and CLIs. */
  drain: () => Promise<number>;
};

export function createJobQueue(database: Database, logger: Logger, options: { maintenanceIntervalSec?: number } = {}): JobQueue {
  const definitions = new Map<string, QueueDefinition>();
  const boss = new PgBoss({
    db: { executeSql: database.executeSql },
    schema: 'pgboss',
    // Keep maintenance light: this is a small system; archive completed jobs after a day.
    archiveCompletedAfterSeconds: 24 * 3600,
    maintenanceIntervalSeconds: options.maintenanceIntervalSec ?? 60,
  } as unknown as PgBoss.ConstructorOptions);
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  let started = false;

  /** Runs one job and records the outcome: completed, or failed (pg-boss retries it with backoff). */
  async function settle(definition: QueueDefinition, job: PgBoss.Job<unknown>): Promise<void> {
    try {
      const retryCount = (job as unknown as { retryCount?: number }).retryCount ?? 0;
      await definition.handler(job.data as Record<string, unknown>, { jobId: job.id, retryCount });
      await boss.complete(definition.name, job.id);
    } catch (error) {
      logger.warn({ err: error, queue: definition.name, jobId: job.id }, 'job failed; will retry');
      // The database may be gone: the job then expires and is retried by maintenance.
      await boss.fail(definition.name, job.id, { message: String((error as Error).message ?? error) }).catch((failError: unknown) =>
        logger.error({ err: failError, queue: definition.name, jobId: job.id }, 'could not record the job failure'),
      );
    }
  }
  const loops: Promise<void>[] = [];

  return {
    define(definition) {
      if (started) throw new Error('define queues before start');
      definitions.set(definition.name, definition);
    },

    async start({ runWorkers }) {
      await boss.start();
      started = true;
      for (const definition of definitions.values()) {
        await boss.createQueue(definition.name, {
          name: definition.name,
          retryLimit: definition.retryLimit ?? 5,
          retryDelay: definition.retryDelaySec ?? 5,
          retryBackoff: true,
          ...(definition.expireInSeconds ? { expireInSeconds: definition.expireInSeconds } : {}),
        });
        if (definition.cron) await boss.schedule(definition.name, definition.cron, {}, { tz: 'Europe/Moscow' });
        if (runWorkers) {
          // Our own polling loop: pg-boss 10 work() leaves its complete/fail promises unhandled, so a
          // database restart would crash the process (timgit/pg-boss#577); settle() records each job.
          const intervalMs = (definition.pollingIntervalSec ?? 1) * 1000;
          loops.push(
            (async () => {
              while (started) {
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

    async stop() {
      if (!started) return;
      started = false;
      await Promise.all(loops.splice(0));
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
      await boss.send(name, data, { db } as PgBoss.SendOptions);
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
