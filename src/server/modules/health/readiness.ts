import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema';

/**
 * The readiness checks. Each has a short timeout: a database that hangs (a pool with no free
 * connection, a server that accepted TCP but does not answer) must make the process "not ready"
 * quickly, not hang the probe until the load balancer's own timeout.
 */

export const READY_TIMEOUT_MS = 2_000;
/** What a 503 from /api/ready (and from a request during a database restart) tells clients to wait. */
export const READY_RETRY_AFTER_SEC = 5;

export type ReadinessChecks = { database: 'ok' | 'failed'; queue: 'ok' | 'failed' };

export async function checkReadiness(db: Kysely<DB>, timeoutMs = READY_TIMEOUT_MS): Promise<ReadinessChecks> {
  const database = await probe(() => sql`SELECT 1`.execute(db), timeoutMs);
  // pg-boss's schema reachable and installed: its version row exists (the queue is usable).
  const queue =
    database === 'ok'
      ? await probe(async () => {
          const rows = await sql<{ version: number }>`SELECT version FROM pgboss.version`.execute(db);
          if (rows.rows.length === 0) throw new Error('pg-boss schema not installed');
        }, timeoutMs)
      : 'failed';
  return { database, queue };
}

async function probe(run: () => Promise<unknown>, timeoutMs: number): Promise<'ok' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'failed'>((resolve) => {
    timer = setTimeout(() => resolve('failed'), timeoutMs);
  });
  try {
    return await Promise.race([run().then(() => 'ok' as const), timeout]);
  } catch {
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}
