import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { BonusPointEntriesTable, DB } from '../../db/schema';
import type { Random } from '../../random';

export type BonusEntry = Selectable<BonusPointEntriesTable>;

export type NewEntry = {
  customerId: string;
  loanId: string | null;
  kind: BonusEntry['kind'];
  /** Signed: positive when earned, negative when spent or expired. */
  points: number;
  reason: string;
  idempotencyKey: string;
  requestSha256?: string | null;
  at: Date;
  expiresAt?: Date | null;
};

/**
 * Locks the customer's points account for the rest of the transaction and returns its balance.
 * Every change of points takes this lock first (after the loan's row, when there is one — the order
 * the repayment takes too), so two spends never both see the same points.
 */
export async function lockAccount(trx: Transaction<DB>, customerId: string): Promise<number> {
  await trx.insertInto('bonus_accounts').values({ customer_id: customerId }).onConflict((oc) => oc.column('customer_id').doNothing()).execute();
  const row = await trx.selectFrom('bonus_accounts').select('balance_points').where('customer_id', '=', customerId).forUpdate().executeTakeFirstOrThrow();
  return Number(row.balance_points);
}

export const entryByKey = (db: Kysely<DB> | Transaction<DB>, idempotencyKey: string) =>
  db.selectFrom('bonus_point_entries').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();

/**
 * Appends one row and moves the cached balance with it (the account must be locked). Returns null
 * when a row with this idempotency key exists already: the event was recorded before.
 */
export async function appendEntry(trx: Transaction<DB>, random: Random, entry: NewEntry): Promise<BonusEntry | null> {
  const row = await trx
    .insertInto('bonus_point_entries')
    .values({
      id: random.uuid(),
      customer_id: entry.customerId,
      loan_id: entry.loanId,
      kind: entry.kind,
      points: entry.points,
      reason: entry.reason,
      idempotency_key: entry.idempotencyKey,
      request_sha256: entry.requestSha256 ?? null,
      created_at: entry.at,
      expires_at: entry.expiresAt ?? null,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) return null;
  // The CHECK on bonus_accounts refuses a negative balance even if a caller's arithmetic were wrong.
  await trx
    .updateTable('bonus_accounts')
    .set((eb) => ({ balance_points: eb('balance_points', '+', entry.points) }))
    .where('customer_id', '=', entry.customerId)
    .execute();
  return { ...row, points: Number(row.points) };
}

export async function entriesOf(db: Kysely<DB> | Transaction<DB>, customerId: string, limit: number): Promise<BonusEntry[]> {
  const rows = await db
    .selectFrom('bonus_point_entries')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...row, points: Number(row.points) }));
}

/** Earned rows in the order points are used up (first earned, first spent or expired). */
export async function earnedOldestFirst(trx: Transaction<DB>, customerId: string): Promise<BonusEntry[]> {
  const rows = await trx
    .selectFrom('bonus_point_entries')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('kind', '=', 'earn')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...row, points: Number(row.points) }));
}

/** Points used so far (spent and expired), as a positive number. */
export async function usedPoints(trx: Transaction<DB>, customerId: string): Promise<number> {
  const row = await trx
    .selectFrom('bonus_point_entries')
    .select(sql<string | number>`COALESCE(-SUM(points), 0)::int8`.as('used'))
    .where('customer_id', '=', customerId)
    .where('kind', '<>', 'earn')
    .executeTakeFirstOrThrow();
  return Number(row.used);
}

/** Customers holding points some of which have reached their expiry. */
export async function customersWithExpiredPoints(db: Kysely<DB>, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('bonus_accounts as a')
    .select('a.customer_id')
    .where('a.balance_points', '>', 0)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('bonus_point_entries as e')
          .select('e.id')
          .whereRef('e.customer_id', '=', 'a.customer_id')
          .where('e.kind', '=', 'earn')
          .where('e.expires_at', '<=', now)
          .where((inner) =>
            inner.not(inner.exists(inner.selectFrom('bonus_point_entries as x').select('x.id').where('x.idempotency_key', '=', sql<string>`'expire:' || e.id::text`))),
          ),
      ),
    )
    .limit(1000)
    .execute();
  return rows.map((row) => row.customer_id);
}

/** Interest this loan's customer paid with money (card or СБП payments), not with points. */
export async function interestPaidKopecks(db: Kysely<DB> | Transaction<DB>, interestAccountId: string): Promise<number> {
  const row = await db
    .selectFrom('ledger_entries as e')
    .innerJoin('ledger_transactions as t', 't.id', 'e.transaction_id')
    .select(sql<string | number>`COALESCE(SUM(e.credit_kopecks), 0)::int8`.as('paid'))
    .where('e.account_id', '=', interestAccountId)
    .where('t.source', '=', 'payment')
    .executeTakeFirstOrThrow();
  return Number(row.paid);
}

/** Whether any penalty was ever charged on the loan: it was overdue at some point. */
export async function everOverdue(db: Kysely<DB> | Transaction<DB>, penaltyAccountId: string): Promise<boolean> {
  const row = await db.selectFrom('ledger_entries').select('id').where('account_id', '=', penaltyAccountId).where('debit_kopecks', '>', 0).limit(1).executeTakeFirst();
  return row !== undefined;
}
