import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

/**
 * A checksum of every table of ours and of the job queue, to prove a request changed nothing. Rows
 * of one customer can be left out (`exceptCustomer`: rows whose customer_id or actor_id is theirs):
 * the caller's own session is touched by every request it makes (last seen), and its own audit
 * entries are its own. Jobs that pg-boss's cron timekeeper enqueues by the wall clock, in the
 * background, are left out too (no request makes them), and so are job states (see below).
 */
export async function snapshot(db: Kysely<DB>, options: { exceptCustomer?: string } = {}): Promise<Record<string, string>> {
  const tables = await sql<{ name: string; customer: boolean; actor: boolean }>`
    SELECT c.relname AS name,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped) AS customer,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'actor_id' AND NOT a.attisdropped) AS actor
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY 1`.execute(db);
  const except = options.exceptCustomer;
  const sums: Record<string, string> = {};
  const sum = async (name: string, from: ReturnType<typeof sql>) => {
    const result = await sql<{ sum: string }>`SELECT md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) AS sum FROM ${from}`.execute(db);
    sums[name] = result.rows[0]!.sum;
  };
  for (const table of tables.rows) {
    const conditions = [
      ...(except && table.customer ? [sql`t.customer_id IS DISTINCT FROM ${except}::uuid`] : []),
      ...(except && table.actor ? [sql`t.actor_id::text IS DISTINCT FROM ${except}`] : []),
    ];
    await sum(table.name, sql`${sql.table(`public.${table.name}`)} t ${conditions.length ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``}`);
  }
  // Which jobs exist and what they carry; not their state, which pg-boss's maintenance moves on its own.
  await sum('pgboss.job', sql`(SELECT j.id, j.name, j.data FROM pgboss.job j WHERE j.name NOT IN (SELECT name FROM pgboss.schedule)) t`);
  return sums;
}

/** Tables whose checksum differs between two snapshots. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}
