import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema';

/** SQL for loyalty: the customer's loans as the level reads them, and promo code uses. */

type Executor = Kysely<DB> | Transaction<DB>;

/** Every loan the customer signed (status, the due date as prolongations moved it, when it closed). */
export async function loanRecords(executor: Executor, customerId: string) {
  return executor
    .selectFrom('loans')
    .select(['status', 'due_date', 'closed_at'])
    .where('customer_id', '=', customerId)
    .execute();
}

/**
 * Counts one use of a promo code, only while it can still be used (not disabled, its promotion not
 * disabled, uses left). False: it cannot (used up or switched off meanwhile).
 */
export async function countPromoCodeUse(trx: Transaction<DB>, code: string, promotionId: string): Promise<boolean> {
  const result = await trx
    .updateTable('promo_codes')
    .set((eb) => ({ used_count: eb('used_count', '+', 1) }))
    .where('code', '=', code)
    .where('promotion_id', '=', promotionId)
    .where('disabled_at', 'is', null)
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb('used_count', '<', eb.ref('max_uses'))]))
    .where((eb) =>
      eb.exists(eb.selectFrom('promotions').select('promotions.id').where('promotions.id', '=', promotionId).where('promotions.disabled_at', 'is', null)),
    )
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
