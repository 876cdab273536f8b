import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';

export async function saveChoice(
  db: Kysely<DB>,
  row: { customerId: string; productCode: string; amountRubles: number; term: number; savedAt: Date },
) {
  await db
    .insertInto('loan_choices')
    .values({
      customer_id: row.customerId,
      product_code: row.productCode,
      amount_rubles: row.amountRubles,
      term: row.term,
      saved_at: row.savedAt,
    })
    .onConflict((oc) =>
      oc.column('customer_id').doUpdateSet({
        product_code: row.productCode,
        amount_rubles: row.amountRubles,
        term: row.term,
        saved_at: row.savedAt,
      }),
    )
    .execute();
}

export async function findChoice(db: Kysely<DB>, customerId: string) {
  return db.selectFrom('loan_choices').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
}
