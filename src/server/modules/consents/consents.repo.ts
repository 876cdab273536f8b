import { sql, type Kysely, type Transaction } from 'kysely';
import type { ConsentsTable, DB } from '../../db/schema';
import type { ConsentKind } from './documents';

/** SQL for the consents centre. Every query is scoped to one customer. */

type Db = Kysely<DB> | Transaction<DB>;

/** Serialises one customer's consent changes, so a give and a withdraw sent together end in one order. */
export async function lockCustomerConsents(trx: Transaction<DB>, customerId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`consents:${customerId}`}))`.execute(trx);
}

/** Every grant of the customer, newest first (withdrawn ones too: they are the history). */
export function consentsOf(db: Db, customerId: string) {
  return db
    .selectFrom('consents')
    .select(['id', 'kind', 'application_id', 'document_version', 'granted_at', 'withdrawn_at'])
    .where('customer_id', '=', customerId)
    .orderBy('granted_at', 'desc')
    .orderBy('kind')
    .orderBy('id')
    .execute();
}

export function liveGrants(db: Db, customerId: string, kind: ConsentKind) {
  return db
    .selectFrom('consents')
    .select(['id', 'document_version'])
    .where('customer_id', '=', customerId)
    .where('kind', '=', kind)
    .where('withdrawn_at', 'is', null)
    .execute();
}

/** Ends every live grant of `kind`; the rows stay, with the time and place of the withdrawal. */
export async function withdrawLiveGrants(
  trx: Transaction<DB>,
  change: { customerId: string; kind: ConsentKind; now: Date; ip: string; userAgent: string },
): Promise<{ id: string; document_version: string }[]> {
  return trx
    .updateTable('consents')
    .set({ withdrawn_at: change.now, withdrawn_ip: change.ip, withdrawn_user_agent: change.userAgent })
    .where('customer_id', '=', change.customerId)
    .where('kind', '=', change.kind)
    .where('withdrawn_at', 'is', null)
    .returning(['id', 'document_version'])
    .execute();
}

export async function insertGrant(
  trx: Transaction<DB>,
  row: Pick<ConsentsTable, 'id' | 'customer_id' | 'kind' | 'document_version' | 'ip' | 'user_agent'> & { granted_at: Date },
): Promise<void> {
  await trx
    .insertInto('consents')
    .values({ ...row, application_id: null })
    .execute();
}
