import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema';

/** SQL for a customer's own sessions. Every query names the customer: nobody touches another's. */

type Db = Kysely<DB> | Transaction<DB>;

/** What still counts as logged in: not revoked, used within the idle timeout, younger than the absolute one. */
export type LiveBounds = { idleSince: Date; createdSince: Date };

export function liveSessionsOf(db: Db, customerId: string, live: LiveBounds) {
  return db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'ip', 'user_agent'])
    .where('customer_id', '=', customerId)
    .where('revoked_at', 'is', null)
    .where('last_seen_at', '>', live.idleSince)
    .where('created_at', '>', live.createdSince)
    .orderBy('last_seen_at', 'desc')
    .orderBy('id')
    .execute();
}

/** Ends one live session of the customer; false when there is none such (another's, unknown, ended). */
export async function revokeOwnSession(trx: Transaction<DB>, customerId: string, sessionId: string, live: LiveBounds, now: Date): Promise<boolean> {
  const result = await trx
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('id', '=', sessionId)
    .where('customer_id', '=', customerId)
    .where('revoked_at', 'is', null)
    .where('last_seen_at', '>', live.idleSince)
    .where('created_at', '>', live.createdSince)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Ends every other session of the customer (expired ones too: nothing is lost by it). */
export async function revokeOtherSessions(trx: Transaction<DB>, customerId: string, keepId: string, now: Date): Promise<string[]> {
  const rows = await trx
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('customer_id', '=', customerId)
    .where('id', '!=', keepId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}
