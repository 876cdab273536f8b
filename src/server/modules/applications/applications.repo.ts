import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { ApplicationsTable, ConsentsTable, DB } from '../../db/schema';

/** SQL for applications, consents and scoring records. Every read is scoped by owner where it can be. */

type Executor = Kysely<DB> | Transaction<DB>;
export type ApplicationRow = Selectable<ApplicationsTable>;

export async function insertApplication(executor: Executor, row: Insertable<ApplicationsTable>) {
  await executor.insertInto('applications').values(row).execute();
}

export async function findOwnApplication(executor: Executor, customerId: string, id: string, options: { forUpdate?: boolean } = {}) {
  let query = executor.selectFrom('applications').selectAll().where('id', '=', id).where('customer_id', '=', customerId);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function findApplication(executor: Executor, id: string) {
  return executor.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOpenApplication(executor: Executor, customerId: string) {
  return executor
    .selectFrom('applications')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('status', 'in', ['draft', 'scoring'])
    .executeTakeFirst();
}

/** The customer's latest application that went past the draft (its questionnaire was complete). */
export async function latestFilledApplication(executor: Executor, customerId: string) {
  return executor
    .selectFrom('applications')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('status', '<>', 'draft')
    .where('passport_ct', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function listOwnApplications(executor: Executor, customerId: string) {
  return executor.selectFrom('applications').selectAll().where('customer_id', '=', customerId).orderBy('created_at', 'desc').execute();
}

/** Changes a draft; returns false when it is no longer a draft (submitted meanwhile). */
export async function updateDraft(executor: Executor, id: string, changes: Updateable<ApplicationsTable>): Promise<boolean> {
  const result = await executor.updateTable('applications').set(changes).where('id', '=', id).where('status', '=', 'draft').executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** draft → scoring, only once. */
export async function markSubmitted(trx: Transaction<DB>, id: string, now: Date): Promise<boolean> {
  const result = await trx
    .updateTable('applications')
    .set({ status: 'scoring', submitted_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function insertConsents(trx: Transaction<DB>, rows: Insertable<ConsentsTable>[]) {
  if (rows.length) await trx.insertInto('consents').values(rows).execute();
}

export type ConsentRow = Awaited<ReturnType<typeof consentsForApplication>>[number];

/** The consents of several applications in one query (the application list). */
export async function consentsForApplications(executor: Executor, applicationIds: string[]) {
  if (applicationIds.length === 0) return [];
  return executor
    .selectFrom('consents')
    .select(['application_id', 'kind', 'document_version', 'granted_at', 'withdrawn_at'])
    .where('application_id', 'in', applicationIds)
    .orderBy('granted_at')
    .execute();
}

export async function consentsForApplication(executor: Executor, applicationId: string) {
  return executor
    .selectFrom('consents')
    .select(['kind', 'document_version', 'granted_at', 'withdrawn_at'])
    .where('application_id', '=', applicationId)
    .orderBy('granted_at')
    .execute();
}

export async function bumpScoringAttempt(executor: Executor, id: string): Promise<number | null> {
  const row = await executor
    .updateTable('applications')
    .set((eb) => ({ scoring_attempts: eb('scoring_attempts', '+', 1) }))
    .where('id', '=', id)
    .where('status', '=', 'scoring')
    .returning('scoring_attempts')
    .executeTakeFirst();
  return row?.scoring_attempts ?? null;
}

export async function insertScoringChecks(
  trx: Transaction<DB>,
  rows: { applicationId: string; attempt: number; name: string; outcome: 'pass' | 'fail' | 'refer' | 'error'; details: unknown; at: Date }[],
) {
  if (!rows.length) return;
  await trx
    .insertInto('scoring_checks')
    .values(
      rows.map((r) => ({
        application_id: r.applicationId,
        attempt: r.attempt,
        check_name: r.name,
        outcome: r.outcome,
        details: JSON.stringify(r.details),
        checked_at: r.at,
      })),
    )
    .execute();
}

/** The latest decline of this customer whose reapply date is still ahead. */
export async function pendingReapplyAfter(executor: Executor, customerId: string, exceptId: string, today: string): Promise<string | null> {
  const row = await executor
    .selectFrom('applications')
    .select('reapply_after')
    .where('customer_id', '=', customerId)
    .where('id', '<>', exceptId)
    .where('status', '=', 'declined')
    .where('reapply_after', '>', today)
    .orderBy('reapply_after', 'desc')
    .executeTakeFirst();
  return row?.reapply_after ?? null;
}

export async function customerPhone(executor: Executor, customerId: string): Promise<string> {
  const row = await executor.selectFrom('customers').select('phone').where('id', '=', customerId).executeTakeFirstOrThrow();
  return row.phone;
}
