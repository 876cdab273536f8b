import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { sha256 } from '../../crypto';
import type { AuditLogTable, DB } from '../../db/schema';
import type { Random } from '../../random';

/**
 * The audit log (SECURITY.md PD-5): who did what to which record, when and from where. Append-only
 * in the database (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained: each row's hash
 * covers the previous row's hash and its own fields, so a row changed or removed by someone able to
 * switch the trigger off breaks the chain at that row.
 *
 * Writers call `recordAudit` inside the transaction of the change they record: the record and the
 * change land together or not at all. Appends are serialised by a transaction-scoped advisory lock
 * (the chain needs one order); audit writes are rare next to the lock's cost.
 */

export type AuditEntry = {
  actor: { type: 'staff' | 'customer' | 'system'; id: string | null };
  action: string;
  entity: { type: string; id: string | null };
  reason?: string | null;
  from?: { ip: string; userAgent: string } | null;
  details?: Record<string, unknown>;
};

/** Any fixed number: the key of the advisory lock that orders appends to the chain. */
const AUDIT_CHAIN_LOCK = 7_404_101;
const GENESIS = Buffer.alloc(32);

type ChainedFields = Omit<Selectable<AuditLogTable>, 'prev_hash' | 'hash'>;

/** Key-sorted JSON: jsonb does not keep key order, the hash must not depend on it. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  return JSON.stringify(value ?? null);
}

export function auditHash(prevHash: Uint8Array, row: ChainedFields): Buffer {
  const body = canonical([
    row.seq,
    row.id,
    row.at,
    row.actor_type,
    row.actor_id,
    row.action,
    row.entity_type,
    row.entity_id,
    row.reason,
    row.ip,
    row.user_agent,
    row.details,
  ]);
  return sha256(Buffer.concat([Buffer.from(prevHash), Buffer.from(body, 'utf8')]));
}

/** Appends one record; returns its id (a destruction act lists the ids of its records). */
export async function recordAudit(trx: Transaction<DB>, deps: { random: Random; now: Date }, entry: AuditEntry): Promise<string> {
  await sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(trx);
  const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const row: ChainedFields = {
    id: deps.random.uuid(),
    seq: (last?.seq ?? 0) + 1,
    at: deps.now,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    action: entry.action,
    entity_type: entry.entity.type,
    entity_id: entry.entity.id,
    reason: entry.reason ?? null,
    ip: entry.from?.ip ?? null,
    user_agent: entry.from?.userAgent.slice(0, 300) ?? null,
    details: entry.details ?? {},
  };
  const prevHash = last ? Buffer.from(last.hash) : GENESIS;
  await trx
    .insertInto('audit_log')
    .values({ ...row, details: JSON.stringify(row.details), prev_hash: prevHash, hash: auditHash(prevHash, row) })
    .execute();
  return row.id;
}

/** Records one entry in a transaction of its own (for events that change nothing else, e.g. a look). */
export function recordAuditAlone(db: Kysely<DB>, deps: { random: Random; now: Date }, entry: AuditEntry): Promise<string> {
  return db.transaction().execute((trx) => recordAudit(trx, deps, entry));
}

export type ChainCheck = { ok: true; rows: number } | { ok: false; rows: number; brokenAtSeq: number };

/** Walks the chain in order; names the first row whose links or contents do not match. */
export async function verifyAuditChain(db: Kysely<DB>): Promise<ChainCheck> {
  let prev: Buffer = GENESIS;
  let expectedSeq = 1;
  let rows = 0;
  const pageSize = 1000;
  for (;;) {
    const page = await db.selectFrom('audit_log').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(pageSize).execute();
    for (const row of page) {
      rows += 1;
      const { prev_hash, hash, ...fields } = row;
      if (row.seq !== expectedSeq || !prev.equals(Buffer.from(prev_hash)) || !auditHash(prev, fields).equals(Buffer.from(hash))) {
        return { ok: false, rows, brokenAtSeq: Math.min(row.seq, expectedSeq) };
      }
      prev = Buffer.from(hash);
      expectedSeq += 1;
    }
    if (page.length < pageSize) return { ok: true, rows };
  }
}
