import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, DeletionRequestStatus } from '../../db/schema';

type Db = Kysely<DB> | Transaction<DB>;

/** Serialises one customer's deletion requests: a second one waits and then finds the first. */
export async function lockCustomerDeletion(trx: Transaction<DB>, customerId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`deletion:${customerId}`}))`.execute(trx);
}

export function pendingRequestOf(db: Db, customerId: string) {
  return db
    .selectFrom('deletion_requests')
    .select(['id', 'ticket_id', 'status'])
    .where('customer_id', '=', customerId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
}

export async function insertRequest(db: Db, row: { id: string; customerId: string; ticketId: string; now: Date }): Promise<void> {
  await db
    .insertInto('deletion_requests')
    .values({
      id: row.id,
      customer_id: row.customerId,
      ticket_id: row.ticketId,
      status: 'pending',
      requested_at: row.now,
      decided_at: null,
      decided_by: null,
      comment: null,
    })
    .execute();
}

/** The request, locked for the rest of the transaction: a decision is taken once. */
export function findRequestForUpdate(trx: Transaction<DB>, id: string) {
  return trx.selectFrom('deletion_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function decide(
  trx: Transaction<DB>,
  id: string,
  decision: { status: Exclude<DeletionRequestStatus, 'pending'>; staffId: string; now: Date; comment: string | null },
): Promise<void> {
  await trx
    .updateTable('deletion_requests')
    .set({ status: decision.status, decided_at: decision.now, decided_by: decision.staffId, comment: decision.comment })
    .where('id', '=', id)
    .execute();
}

/**
 * The customer row, locked: a login (whose upsert takes the same row) waits for the deletion and
 * then sees `deleted_at`; a login that came first has its session revoked below.
 */
export function lockCustomer(trx: Transaction<DB>, customerId: string) {
  return trx.selectFrom('customers').select(['id', 'phone', 'deleted_at']).where('id', '=', customerId).forUpdate().executeTakeFirstOrThrow();
}

export async function markCustomerDeleted(trx: Transaction<DB>, customerId: string, now: Date): Promise<void> {
  await trx.updateTable('customers').set({ deleted_at: now }).where('id', '=', customerId).execute();
}

/** Every live session of the customer ends at once; returns how many there were. */
export async function revokeAllSessions(trx: Transaction<DB>, customerId: string, now: Date): Promise<number> {
  const result = await trx
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('customer_id', '=', customerId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// ---- What stands in the way ----

/** Applications still on their way to a loan: being scored or reviewed, approved, or signed without a loan yet. */
export function applicationsInProgress(db: Db, customerId: string) {
  return db
    .selectFrom('applications as a')
    .select(['a.id', 'a.status', 'a.amount_rubles'])
    .where('a.customer_id', '=', customerId)
    .where((eb) =>
      eb.or([
        eb('a.status', 'in', ['scoring', 'manual_review', 'approved']),
        eb.and([eb('a.status', '=', 'signed'), eb.not(eb.exists(eb.selectFrom('loans as l').select('l.id').whereRef('l.application_id', '=', 'a.id')))]),
      ]),
    )
    .orderBy('a.created_at')
    .execute();
}

/** Loans that are neither closed nor refused in the cooling-off period. */
export function openLoans(db: Db, customerId: string) {
  return db
    .selectFrom('loans')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('status', 'not in', ['closed', 'refused'])
    .orderBy('created_at')
    .execute();
}

/** Repayments started and not finished (created, or waiting for the acquirer). */
export function unfinishedPayments(db: Db, customerId: string) {
  return db
    .selectFrom('payments')
    .select(['id', 'amount_kopecks', 'status'])
    .where('customer_id', '=', customerId)
    .where('status', 'in', ['created', 'pending'])
    .orderBy('created_at')
    .execute();
}

// ---- The staff list ----

export type ListRow = {
  id: string;
  customer_id: string;
  phone: string;
  status: DeletionRequestStatus;
  requested_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  decided_by_name: string | null;
  comment: string | null;
  ticket_id: string;
};

export const LIST_LIMIT = 200;

/** Pending: the longest-waiting first; decided: the latest decision first. */
export function listRequests(db: Db, filter: { status: DeletionRequestStatus } | { id: string }): Promise<ListRow[]> {
  let query = db
    .selectFrom('deletion_requests as d')
    .innerJoin('customers as c', 'c.id', 'd.customer_id')
    .leftJoin('staff as s', 's.id', 'd.decided_by')
    .select([
      'd.id',
      'd.customer_id',
      'c.phone',
      'd.status',
      'd.requested_at',
      'd.decided_at',
      'd.decided_by',
      's.full_name as decided_by_name',
      'd.comment',
      'd.ticket_id',
    ]);
  if ('id' in filter) return query.where('d.id', '=', filter.id).execute();
  query = query.where('d.status', '=', filter.status);
  query =
    filter.status === 'pending'
      ? query.orderBy('d.requested_at', 'asc').orderBy('d.id', 'asc')
      : query.orderBy('d.decided_at', 'desc').orderBy('d.id', 'desc');
  return query.limit(LIST_LIMIT).execute();
}
