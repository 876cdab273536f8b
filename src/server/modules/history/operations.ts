import type { Kysely, Transaction } from 'kysely';
import type { DB, OperationType } from '../../db/schema';
import type { Random } from '../../random';

/**
 * The customer's operation history is written by each event in its own transaction, so the history
 * can never show something that did not happen or miss something that did. An event is keyed by
 * (type, ref): writing it again — a retried job, a redelivered notification — updates its status
 * and figures instead of adding a row (a payment goes created → pending → succeeded in one row).
 */

export type Operation = {
  customerId: string;
  loanId?: string | null;
  at: Date;
  type: OperationType;
  title: string;
  amountKopecks?: number | null;
  status?: string | null;
  ref: string;
};

export async function recordOperation(db: Transaction<DB> | Kysely<DB>, random: Random, operation: Operation): Promise<void> {
  const changing = { title: operation.title, amount_kopecks: operation.amountKopecks ?? null, status: operation.status ?? null };
  await db
    .insertInto('operations')
    .values({
      id: random.uuid(),
      customer_id: operation.customerId,
      loan_id: operation.loanId ?? null,
      at: operation.at,
      type: operation.type,
      ref: operation.ref,
      ...changing,
    })
    .onConflict((oc) => oc.columns(['type', 'ref']).doUpdateSet(changing))
    .execute();
}
