import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema';

/** Queries for customer email addresses and their confirmation links. */

type Executor = Kysely<DB> | Transaction<DB>;

export function findCustomerEmail(db: Executor, customerId: string) {
  return db.selectFrom('customer_emails').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
}

/** Serialises address changes of one customer (the send limit and the one live link stay exact). */
export async function lockCustomer(trx: Transaction<DB>, customerId: string): Promise<boolean> {
  const row = await trx.selectFrom('customers').select('id').where('id', '=', customerId).forUpdate().executeTakeFirst();
  return row !== undefined;
}

export async function upsertCustomerEmail(
  trx: Transaction<DB>,
  row: { customerId: string; emailCt: Uint8Array; emailHash: Uint8Array; now: Date },
): Promise<void> {
  await trx
    .insertInto('customer_emails')
    .values({ customer_id: row.customerId, email_ct: row.emailCt, email_hash: row.emailHash, confirmed_at: null, created_at: row.now, updated_at: row.now })
    .onConflict((oc) =>
      oc.column('customer_id').doUpdateSet({ email_ct: row.emailCt, email_hash: row.emailHash, confirmed_at: null, updated_at: row.now }),
    )
    .execute();
}

/** Creation times of the links sent to a customer since `since`, oldest first. */
export async function linksSentSince(trx: Transaction<DB>, customerId: string, since: Date): Promise<Date[]> {
  const rows = await trx
    .selectFrom('email_confirmations')
    .select('created_at')
    .where('customer_id', '=', customerId)
    .where('created_at', '>', since)
    .orderBy('created_at', 'asc')
    .execute();
  return rows.map((r) => r.created_at);
}

export async function replaceActiveLinks(trx: Transaction<DB>, customerId: string): Promise<void> {
  await trx.updateTable('email_confirmations').set({ status: 'replaced' }).where('customer_id', '=', customerId).where('status', '=', 'active').execute();
}

export async function insertLink(
  trx: Transaction<DB>,
  row: { id: string; customerId: string; emailHash: Uint8Array; tokenHash: Uint8Array; now: Date; expiresAt: Date },
): Promise<void> {
  await trx
    .insertInto('email_confirmations')
    .values({
      id: row.id,
      customer_id: row.customerId,
      email_hash: row.emailHash,
      token_hash: row.tokenHash,
      status: 'active',
      created_at: row.now,
      expires_at: row.expiresAt,
      used_at: null,
    })
    .execute();
}

/** Uses a live, unexpired link exactly once: a second call (or a concurrent one) gets nothing. */
export function useLink(trx: Transaction<DB>, tokenHash: Uint8Array, now: Date) {
  return trx
    .updateTable('email_confirmations')
    .set({ status: 'used', used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('status', '=', 'active')
    .where('expires_at', '>', now)
    .returning(['customer_id', 'email_hash'])
    .executeTakeFirst();
}

export function findLink(db: Executor, tokenHash: Uint8Array) {
  return db.selectFrom('email_confirmations').select(['status', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Marks the address confirmed, only if it is still the one the link was sent to. */
export async function confirmAddress(trx: Transaction<DB>, customerId: string, emailHash: Uint8Array, now: Date): Promise<boolean> {
  const result = await trx
    .updateTable('customer_emails')
    .set({ confirmed_at: now, updated_at: now })
    .where('customer_id', '=', customerId)
    .where('email_hash', '=', emailHash)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
