import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema';

/** SQL for the loans & payments workspace. */

/**
 * Active loans that may be overdue today: past the final due date, or past their first scheduled
 * payment (an instalment loan). Whether anything is actually owed is worked out from the ledger.
 */
export function overdueCandidates(db: Kysely<DB>, today: string) {
  return db
    .selectFrom('loans')
    .innerJoin('customers', 'customers.id', 'loans.customer_id')
    .selectAll('loans')
    .select('customers.phone')
    .where('loans.status', '=', 'active')
    .where((eb) => eb.or([eb('loans.due_date', '<', today), eb(sql<string>`loans.quote -> 'schedule' -> 0 ->> 'date'`, '<', today)]))
    .execute();
}

/** Repayments the acquirer has not settled and that are older than `before`: reconciliation's work. */
export function unsettledPayments(db: Kysely<DB>, before: Date, limit = 200) {
  return db
    .selectFrom('payments')
    .innerJoin('loans', 'loans.id', 'payments.loan_id')
    .innerJoin('customers', 'customers.id', 'payments.customer_id')
    .selectAll('payments')
    .select(['loans.contract_date', 'loans.application_id', 'customers.phone'])
    .where('payments.status', 'in', ['created', 'pending'])
    .where('payments.created_at', '<=', before)
    .orderBy('payments.created_at', 'asc')
    .limit(limit)
    .execute();
}

/** Loans whose payout failed for good, with the payout's last error. */
export function failedPayouts(db: Kysely<DB>, limit = 200) {
  return db
    .selectFrom('loans')
    .innerJoin('customers', 'customers.id', 'loans.customer_id')
    .leftJoin('payouts', 'payouts.loan_id', 'loans.id')
    .select([
      'loans.id as loan_id',
      'loans.customer_id',
      'loans.application_id',
      'loans.contract_date',
      'loans.amount_kopecks',
      'loans.payout_type',
      'loans.signed_at',
      'customers.phone',
      'payouts.provider',
      'payouts.attempts',
      'payouts.last_error',
      'payouts.created_at as payout_created_at',
    ])
    .where('loans.status', '=', 'payout_failed')
    .orderBy('loans.signed_at', 'asc')
    .limit(limit)
    .execute();
}
