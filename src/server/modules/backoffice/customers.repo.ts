import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema';

/** SQL for the customer card. */

export function customerById(db: Kysely<DB>, id: string) {
  return db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

export function customersByIds(db: Kysely<DB>, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom('customers').selectAll().where('id', 'in', ids).orderBy('created_at', 'desc').execute();
}

export async function customerIdsByPhone(db: Kysely<DB>, phone: string): Promise<string[]> {
  return (await db.selectFrom('customers').select('id').where('phone', '=', phone).execute()).map((r) => r.id);
}

/** A customer, application, loan or payment id → the customer it belongs to. */
export async function customerIdsByRecordId(db: Kysely<DB>, id: string): Promise<string[]> {
  const rows = await db
    .selectFrom('customers')
    .select('id as customer_id')
    .where('id', '=', id)
    .union(db.selectFrom('applications').select('customer_id').where('id', '=', id))
    .union(db.selectFrom('loans').select('customer_id').where('id', '=', id))
    .union(db.selectFrom('payments').select('customer_id').where('id', '=', id))
    .execute();
  return rows.map((r) => r.customer_id);
}

/** A contract number CC-YYYYMMDD-XXXXXXXX: the contract date and the application id's first 8 hex digits. */
export async function customerIdsByContract(db: Kysely<DB>, contractDate: string, applicationIdPrefix: string): Promise<string[]> {
  const rows = await db
    .selectFrom('loans')
    .select('customer_id')
    .where('contract_date', '=', contractDate)
    .where(sql<string>`application_id::text`, 'like', `${applicationIdPrefix.toLowerCase()}%`)
    .execute();
  return [...new Set(rows.map((r) => r.customer_id))];
}

export function loansOf(db: Kysely<DB>, customerId: string) {
  return db.selectFrom('loans').selectAll().where('customer_id', '=', customerId).orderBy('created_at', 'desc').execute();
}

export function paymentsOf(db: Kysely<DB>, customerId: string, limit = 50) {
  return db
    .selectFrom('payments')
    .select(['id', 'loan_id', 'status', 'method', 'amount_kopecks', 'created_at', 'paid_at'])
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}

/** The customer's support requests with the assignee's name (as the inbox shows it). */
export function ticketsOf(db: Kysely<DB>, customerId: string, limit = 100) {
  return db
    .selectFrom('support_tickets as t')
    .leftJoin('staff as s', 's.id', 't.assigned_to')
    .select(['t.id', 't.category', 't.subject', 't.status', 't.assigned_to', 's.full_name as assigned_name', 't.created_at', 't.updated_at'])
    .where('t.customer_id', '=', customerId)
    .orderBy('t.created_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(limit)
    .execute();
}

export function consentsOf(db: Kysely<DB>, customerId: string) {
  return db
    .selectFrom('consents')
    .select(['kind', 'document_version', 'application_id', 'granted_at', 'withdrawn_at'])
    .where('customer_id', '=', customerId)
    .orderBy('granted_at', 'desc')
    .execute();
}

export function operationsOf(db: Kysely<DB>, customerId: string, limit = 50) {
  return db
    .selectFrom('operations')
    .select(['id', 'at', 'type', 'title', 'amount_kopecks', 'status', 'loan_id'])
    .where('customer_id', '=', customerId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
