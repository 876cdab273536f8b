import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, DeletionActKind, TicketCategory } from '../../db/schema';

/**
 * SQL for the retention lifecycle of a deleted account: the hold row, the destruction of what has
 * no legal basis, the purge at the end of the hold, and the compliance reads. No rules here: which
 * records are kept and for how long is decided in retention.service.ts.
 */

type Db = Kysely<DB> | Transaction<DB>;

const count = (result: { numDeletedRows?: bigint; numUpdatedRows?: bigint }) => Number(result.numDeletedRows ?? result.numUpdatedRows ?? 0n);

/** The questionnaire's personal fields: sealed values, their lookup hashes and the free-text income source. */
const QUESTIONNAIRE_PII = {
  last_name_ct: null,
  first_name_ct: null,
  middle_name_ct: null,
  birth_date_ct: null,
  birth_place_ct: null,
  passport_ct: null,
  registration_address_ct: null,
  actual_address_ct: null,
  inn_ct: null,
  email_ct: null,
  employer_ct: null,
  passport_hash: null,
  inn_hash: null,
  income_source: null,
} as const;

/** Any of those still filled. */
const hasPersonalData = sql<boolean>`(${sql.join(
  Object.keys(QUESTIONNAIRE_PII).map((column) => sql`${sql.ref(column)} IS NOT NULL`),
  sql` OR `,
)})`;

// ---- The hold ----

export async function insertHold(
  trx: Transaction<DB>,
  row: {
    customerId: string;
    deletionRequestId: string;
    deletedAt: Date;
    destroyAfter: Date;
    destroyBy: Date;
    relationshipEnd: Date;
    purgeAfter: Date;
    phoneHash: Buffer;
  },
): Promise<void> {
  await trx
    .insertInto('retention_holds')
    .values({
      customer_id: row.customerId,
      deletion_request_id: row.deletionRequestId,
      deleted_at: row.deletedAt,
      destroy_after: row.destroyAfter,
      destroy_by: row.destroyBy,
      relationship_end: row.relationshipEnd,
      purge_after: row.purgeAfter,
      phone_hash: row.phoneHash,
    })
    .execute();
}

/** When the customer's last loan ended (closed, or refused in the cooling-off period); null without loans. */
export async function lastLoanEnd(trx: Transaction<DB>, customerId: string): Promise<Date | null> {
  const row = await trx
    .selectFrom('loans')
    .select((eb) => [eb.fn.max('closed_at').as('closed'), eb.fn.max('refused_at').as('refused')])
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  const ends = [row?.closed, row?.refused].filter((d) => d !== null && d !== undefined).map((d) => new Date(d).getTime());
  return ends.length ? new Date(Math.max(...ends)) : null;
}

export function holdOf(db: Db, customerId: string) {
  return db.selectFrom('retention_holds').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
}

/** The hold, locked for the rest of the transaction: one run at a time works on a customer. */
export function lockHold(trx: Transaction<DB>, customerId: string) {
  return trx.selectFrom('retention_holds').selectAll().where('customer_id', '=', customerId).forUpdate().executeTakeFirst();
}

export async function dueForDestruction(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('retention_holds')
    .select('customer_id')
    .where('destroyed_at', 'is', null)
    .where('destroy_after', '<=', now)
    .orderBy('destroy_after')
    .limit(limit)
    .execute();
  return rows.map((r) => r.customer_id);
}

export async function dueForPurge(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('retention_holds')
    .select('customer_id')
    .where('purged_at', 'is', null)
    .where('destroyed_at', 'is not', null)
    .where('purge_after', '<=', now)
    .orderBy('purge_after')
    .limit(limit)
    .execute();
  return rows.map((r) => r.customer_id);
}

export async function markDestroyed(trx: Transaction<DB>, customerId: string, now: Date, held: unknown[]): Promise<void> {
  await trx.updateTable('retention_holds').set({ destroyed_at: now, held: JSON.stringify(held) }).where('customer_id', '=', customerId).execute();
}

/** The end of the hold: the phone's hash goes too, nothing is left to find by it. */
export async function markPurged(trx: Transaction<DB>, customerId: string, now: Date): Promise<void> {
  await trx.updateTable('retention_holds').set({ purged_at: now, phone_hash: null }).where('customer_id', '=', customerId).execute();
}

export function lockCustomer(trx: Transaction<DB>, customerId: string) {
  return trx.selectFrom('customers').select(['id', 'phone', 'deleted_at']).where('id', '=', customerId).forUpdate().executeTakeFirstOrThrow();
}

// ---- The acts ----

export async function insertAct(
  trx: Transaction<DB>,
  act: { id: string; customerId: string; kind: DeletionActKind; now: Date; jobId: string; categories: unknown[]; auditIds: string[] },
): Promise<void> {
  await trx
    .insertInto('deletion_acts')
    .values({
      id: act.id,
      customer_id: act.customerId,
      kind: act.kind,
      performed_at: act.now,
      job_id: act.jobId,
      categories: JSON.stringify(act.categories),
      audit_ids: JSON.stringify(act.auditIds),
    })
    .execute();
}

export function listActs(db: Db, filter: { customerId?: string | undefined; limit: number }) {
  let query = db.selectFrom('deletion_acts').selectAll().orderBy('performed_at', 'desc').orderBy('id', 'desc').limit(filter.limit);
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  return query.execute();
}

export function listHolds(db: Db, filter: { phoneHash?: Buffer | undefined; limit: number }) {
  let query = db.selectFrom('retention_holds').selectAll().orderBy('deleted_at', 'desc').orderBy('customer_id', 'desc').limit(filter.limit);
  if (filter.phoneHash) query = query.where('phone_hash', '=', filter.phoneHash);
  return query.execute();
}

// ---- What a record belongs to ----

/** Applications that became a contract: their identification data is kept (115-ФЗ). */
const signedApplications = (db: Db, customerId: string) =>
  db.selectFrom('applications').select('id').where('customer_id', '=', customerId).where('status', '=', 'signed');

const loansOf = (db: Db, customerId: string) => db.selectFrom('loans').select('id').where('customer_id', '=', customerId);

/** The login-code rows that are part of signing evidence (a contract's or an addendum's code). */
async function evidenceChallengeIds(db: Db, customerId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('signatures')
    .select('challenge_id as id')
    .where('loan_id', 'in', loansOf(db, customerId))
    .union(db.selectFrom('addenda').select('challenge_id as id').where('loan_id', 'in', loansOf(db, customerId)))
    .execute();
  return rows.map((r) => r.id);
}

/** Tickets the customer's deletion requests are recorded by: kept, without their messages. */
const requestTickets = (db: Db, customerId: string) => db.selectFrom('deletion_requests').select('ticket_id').where('customer_id', '=', customerId);

// ---- Destruction: what has no legal basis (PD-8 (2)) ----

export async function deleteMarketingConsents(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.deleteFrom('consents').where('customer_id', '=', customerId).where('kind', '=', 'marketing').executeTakeFirst());
}

/**
 * Consents that were the basis of nothing kept: not given for a signed application, and not the
 * credit-bureau consent of an application that was sent to the bureaus (218-ФЗ: the user of a
 * credit history keeps the consent it asked on).
 */
export async function deleteConsentsWithoutBasis(trx: Transaction<DB>, customerId: string): Promise<number> {
  const result = await trx
    .deleteFrom('consents')
    .where('customer_id', '=', customerId)
    .where((eb) =>
      eb.and([
        eb.or([eb('application_id', 'is', null), eb('application_id', 'not in', signedApplications(trx, customerId))]),
        eb.not(
          eb.and([
            eb('kind', '=', 'credit_history'),
            eb(
              'application_id',
              'in',
              trx.selectFrom('applications').select('id').where('customer_id', '=', customerId).where('submitted_at', 'is not', null),
            ),
          ]),
        ),
      ]),
    )
    .executeTakeFirst();
  return count(result);
}

export async function deleteSessions(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.deleteFrom('sessions').where('customer_id', '=', customerId).executeTakeFirst());
}

export async function deleteDevices(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.deleteFrom('customer_devices').where('customer_id', '=', customerId).executeTakeFirst());
}

export async function deleteEmailAddress(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.deleteFrom('customer_emails').where('customer_id', '=', customerId).executeTakeFirst());
}

export async function deleteEmailConfirmations(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.deleteFrom('email_confirmations').where('customer_id', '=', customerId).executeTakeFirst());
}

/** The customer's tickets that go: none of `keptCategories`, and not a deletion request's record. */
function ticketsToDelete(db: Db, customerId: string, keptCategories: readonly TicketCategory[]) {
  let query = db
    .selectFrom('support_tickets')
    .select('id')
    .where('customer_id', '=', customerId)
    .where('id', 'not in', requestTickets(db, customerId));
  if (keptCategories.length) query = query.where('category', 'not in', [...keptCategories]);
  return query;
}

/**
 * Support requests: the files, messages and history entries of the deleted tickets and of the
 * deletion request's own ticket (a standard text and our answer; the ticket row stays as the record
 * of the request), then the deleted tickets.
 */
export async function deleteTickets(
  trx: Transaction<DB>,
  customerId: string,
  keptCategories: readonly TicketCategory[],
): Promise<{ tickets: number; messages: number; attachments: number; history: number }> {
  const doomed = (await ticketsToDelete(trx, customerId, keptCategories).execute()).map((r) => r.id);
  const requestTicketIds = (await requestTickets(trx, customerId).execute()).map((r) => r.ticket_id);
  const emptied = [...doomed, ...requestTicketIds];
  if (!emptied.length) return { tickets: 0, messages: 0, attachments: 0, history: 0 };
  const attachments = count(await trx.deleteFrom('support_attachments').where('ticket_id', 'in', emptied).executeTakeFirst());
  const messages = count(await trx.deleteFrom('support_messages').where('ticket_id', 'in', emptied).executeTakeFirst());
  const history = count(
    await trx.deleteFrom('operations').where('customer_id', '=', customerId).where('type', '=', 'support').where('ref', 'in', emptied).executeTakeFirst(),
  );
  const tickets = doomed.length ? count(await trx.deleteFrom('support_tickets').where('id', 'in', doomed).executeTakeFirst()) : 0;
  return { tickets, messages, attachments, history };
}

/** Drafts and declined applications: their questionnaires are blanked (the row — amounts, dates, outcome — stays). */
export async function blankUnsignedApplications(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(
    await trx
      .updateTable('applications')
      .set(QUESTIONNAIRE_PII)
      .where('customer_id', '=', customerId)
      .where('status', '<>', 'signed')
      .where(hasPersonalData)
      .executeTakeFirst(),
  );
}

/** What the scoring saw of an application that became no contract (income, debts, bureau findings). */
export async function deleteUnsignedChecks(trx: Transaction<DB>, customerId: string): Promise<number> {
  const unsigned = trx.selectFrom('applications').select('id').where('customer_id', '=', customerId).where('status', '<>', 'signed');
  return count(await trx.deleteFrom('scoring_checks').where('application_id', 'in', unsigned).executeTakeFirst());
}

export async function deleteUnsignedPayoutMethods(trx: Transaction<DB>, customerId: string): Promise<number> {
  const unsigned = trx.selectFrom('applications').select('id').where('customer_id', '=', customerId).where('status', '<>', 'signed');
  return count(await trx.deleteFrom('payout_methods').where('application_id', 'in', unsigned).executeTakeFirst());
}

/**
 * The cars of applications that became no contract: their photos' rows and the vehicle rows go;
 * returns the hashes of the photos, whose files the caller deletes after the commit.
 */
export async function deleteUnsignedVehicles(trx: Transaction<DB>, customerId: string): Promise<{ vehicles: number; photos: string[] }> {
  const unsigned = trx.selectFrom('applications').select('id').where('customer_id', '=', customerId).where('status', '<>', 'signed');
  const photos = await trx.deleteFrom('application_vehicle_photos').where('application_id', 'in', unsigned).returning('sha256').execute();
  const vehicles = count(await trx.deleteFrom('application_vehicles').where('application_id', 'in', unsigned).executeTakeFirst());
  return { vehicles, photos: photos.map((photo) => photo.sha256) };
}

/** The history entries of applications that became no contract (sent, decided). */
export async function deleteUnsignedHistory(trx: Transaction<DB>, customerId: string): Promise<number> {
  const unsigned = (
    await trx.selectFrom('applications').select('id').where('customer_id', '=', customerId).where('status', '<>', 'signed').execute()
  ).map((r) => r.id);
  if (!unsigned.length) return 0;
  return count(
    await trx
      .deleteFrom('operations')
      .where('customer_id', '=', customerId)
      .where('type', 'in', ['application', 'decision'])
      .where('ref', 'in', unsigned)
      .executeTakeFirst(),
  );
}

export async function deleteLoanChoice(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.deleteFrom('loan_choices').where('customer_id', '=', customerId).executeTakeFirst());
}

/** Login codes and other one-time codes sent to the phone, except those that are signing evidence. */
export async function deletePhoneCodes(trx: Transaction<DB>, customerId: string, phone: string): Promise<number> {
  const evidence = await evidenceChallengeIds(trx, customerId);
  let query = trx.deleteFrom('otp_challenges').where('phone', '=', phone);
  if (evidence.length) query = query.where('id', 'not in', evidence);
  return count(await query.executeTakeFirst());
}

export async function deleteSendLog(trx: Transaction<DB>, phone: string): Promise<number> {
  return count(await trx.deleteFrom('otp_send_log').where('phone', '=', phone).executeTakeFirst());
}

/** The wrong-code counters of the phone; a lock-out (abuse of the number) stays. */
export async function deletePhoneAuthState(trx: Transaction<DB>, phone: string): Promise<number> {
  return count(await trx.deleteFrom('phone_auth_state').where('phone', '=', phone).where('locked_at', 'is', null).executeTakeFirst());
}

export async function deleteSmsOutbox(trx: Transaction<DB>, phone: string): Promise<number> {
  return count(await trx.deleteFrom('sms_outbox').where('to_phone', '=', phone).executeTakeFirst());
}

export async function deleteSandboxSms(trx: Transaction<DB>, phone: string): Promise<number> {
  return count(await trx.deleteFrom('sandbox_sms').where('to_phone', '=', phone).executeTakeFirst());
}

/** Frees the number: the customer row stays as the anonymous owner of the records kept. */
export async function clearPhone(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.updateTable('customers').set({ phone: null }).where('id', '=', customerId).where('phone', 'is not', null).executeTakeFirst());
}

// ---- What is kept (counted for the hold and the compliance view) ----

export async function heldCounts(db: Db, customerId: string): Promise<Record<string, number>> {
  const loans = loansOf(db, customerId);
  const signed = signedApplications(db, customerId);
  const one = async (query: { executeTakeFirst: () => Promise<{ n: number | string | bigint } | undefined> }) => Number((await query.executeTakeFirst())?.n ?? 0);
  const n = sql<number>`count(*)`.as('n');
  return {
    loans: await one(db.selectFrom('loans').select(n).where('customer_id', '=', customerId)),
    signed_applications: await one(db.selectFrom('applications').select(n).where('customer_id', '=', customerId).where('status', '=', 'signed')),
    signatures: await one(db.selectFrom('signatures').select(n).where('loan_id', 'in', loans)),
    addenda: await one(db.selectFrom('addenda').select(n).where('loan_id', 'in', loans)),
    signing_codes: (await evidenceChallengeIds(db, customerId)).length,
    payments: await one(db.selectFrom('payments').select(n).where('customer_id', '=', customerId)),
    payouts: await one(db.selectFrom('payouts').select(n).where('loan_id', 'in', loans)),
    payout_methods: await one(db.selectFrom('payout_methods').select(n).where('application_id', 'in', signed)),
    vehicles: await one(db.selectFrom('application_vehicles').select(n).where('application_id', 'in', signed)),
    vehicle_photos: await one(db.selectFrom('application_vehicle_photos').select(n).where('application_id', 'in', signed)),
    scoring_checks: await one(db.selectFrom('scoring_checks').select(n).where('application_id', 'in', signed)),
    consents: await one(db.selectFrom('consents').select(n).where('customer_id', '=', customerId)),
    support_tickets: await one(db.selectFrom('support_tickets').select(n).where('customer_id', '=', customerId).where('id', 'not in', requestTickets(db, customerId))),
    contact_log: await one(db.selectFrom('contact_log').select(n).where('customer_id', '=', customerId)),
    operations: await one(db.selectFrom('operations').select(n).where('customer_id', '=', customerId)),
    bonus_points: await one(db.selectFrom('bonus_point_entries').select(n).where('customer_id', '=', customerId)),
  };
}

// ---- The purge at the end of the hold (PD-8 (4)) ----

export async function blankAllApplications(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(
    await trx.updateTable('applications').set(QUESTIONNAIRE_PII).where('customer_id', '=', customerId).where(hasPersonalData).executeTakeFirst(),
  );
}

export async function deleteAllChecks(trx: Transaction<DB>, customerId: string): Promise<number> {
  const all = trx.selectFrom('applications').select('id').where('customer_id', '=', customerId);
  return count(await trx.deleteFrom('scoring_checks').where('application_id', 'in', all).executeTakeFirst());
}

/**
 * At the purge: the photos of the pledged cars go, and the ПТС/СТС numbers are blanked (empty
 * ciphertext, as other sealed fields are blanked). The car's VIN, make, model, year and plate stay
 * with the anonymous loan and its pledge record: they describe the car, not a person any more.
 */
export async function purgeVehicles(trx: Transaction<DB>, customerId: string): Promise<{ vehicles: number; photos: string[] }> {
  const photos = await trx.deleteFrom('application_vehicle_photos').where('customer_id', '=', customerId).returning('sha256').execute();
  const blanked = await trx
    .updateTable('application_vehicles')
    .set({ pts_number_ct: new Uint8Array(0), sts_number_ct: new Uint8Array(0) })
    .where('customer_id', '=', customerId)
    .where(sql<boolean>`length(pts_number_ct) > 0`)
    .executeTakeFirst();
  return { vehicles: count(blanked), photos: photos.map((photo) => photo.sha256) };
}

export async function deleteAllPayoutMethods(trx: Transaction<DB>, customerId: string): Promise<number> {
  const all = trx.selectFrom('applications').select('id').where('customer_id', '=', customerId);
  return count(await trx.deleteFrom('payout_methods').where('application_id', 'in', all).executeTakeFirst());
}

/**
 * The signed contracts' evidence: the document and where it was signed from are blanked through the
 * trigger's purge exception (0018); hash, agreement version and times stay as the record.
 */
export async function blankSignatures(trx: Transaction<DB>, customerId: string, now: Date): Promise<number> {
  return count(
    await trx
      .updateTable('signatures')
      .set({ document: Buffer.alloc(0), phone: '', ip: '', user_agent: '', purged_at: now })
      .where('loan_id', 'in', loansOf(trx, customerId))
      .where('purged_at', 'is', null)
      .executeTakeFirst(),
  );
}

export async function blankAddenda(trx: Transaction<DB>, customerId: string, now: Date): Promise<number> {
  return count(
    await trx
      .updateTable('addenda')
      .set({ document: Buffer.alloc(0), phone: '', ip: '', user_agent: '', purged_at: now })
      .where('loan_id', 'in', loansOf(trx, customerId))
      .where('purged_at', 'is', null)
      .executeTakeFirst(),
  );
}

/** Cash transfer codes (sealed) of the loans' payouts; amounts and provider ids stay. */
export async function clearCashCodes(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(
    await trx
      .updateTable('payouts')
      .set({ cash_code_ct: null })
      .where('loan_id', 'in', loansOf(trx, customerId))
      .where('cash_code_ct', 'is not', null)
      .executeTakeFirst(),
  );
}

export async function deleteAllConsents(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.deleteFrom('consents').where('customer_id', '=', customerId).executeTakeFirst());
}

export async function deleteContactLog(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.deleteFrom('contact_log').where('customer_id', '=', customerId).executeTakeFirst());
}

export async function deleteOperations(trx: Transaction<DB>, customerId: string): Promise<number> {
  return count(await trx.deleteFrom('operations').where('customer_id', '=', customerId).executeTakeFirst());
}

export async function deleteSigningCodes(trx: Transaction<DB>, customerId: string): Promise<number> {
  const evidence = await evidenceChallengeIds(trx, customerId);
  if (!evidence.length) return 0;
  return count(await trx.deleteFrom('otp_challenges').where('id', 'in', evidence).executeTakeFirst());
}

// ---- Compliance reads ----

export function heldApplications(db: Db, customerId: string) {
  return db.selectFrom('applications').selectAll().where('customer_id', '=', customerId).orderBy('created_at', 'desc').execute();
}

export function heldLoans(db: Db, customerId: string) {
  return db
    .selectFrom('loans')
    .select(['id', 'application_id', 'status', 'product_code', 'amount_kopecks', 'total_kopecks', 'contract_date', 'closed_at', 'refused_at'])
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .execute();
}

export function heldPayments(db: Db, customerId: string) {
  return db
    .selectFrom('payments')
    .select(['id', 'loan_id', 'status', 'method', 'amount_kopecks', 'created_at', 'paid_at'])
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .execute();
}

export function heldSignatures(db: Db, customerId: string) {
  return db
    .selectFrom('signatures')
    .select(['loan_id', 'document_sha256', 'agreement_version', 'phone', 'signed_at', 'purged_at', sql<number>`length(document)`.as('document_bytes')])
    .where('loan_id', 'in', loansOf(db, customerId))
    .orderBy('signed_at', 'desc')
    .execute();
}

export function heldConsents(db: Db, customerId: string) {
  return db
    .selectFrom('consents')
    .select(['kind', 'document_version', 'application_id', 'granted_at', 'withdrawn_at'])
    .where('customer_id', '=', customerId)
    .orderBy('granted_at', 'desc')
    .execute();
}

export function heldTickets(db: Db, customerId: string) {
  return db
    .selectFrom('support_tickets as t')
    .select(['t.id', 't.category', 't.subject', 't.status', 't.created_at'])
    .select((eb) => eb.selectFrom('support_messages as m').select(sql<number>`count(*)::int`.as('n')).whereRef('m.ticket_id', '=', 't.id').as('messages'))
    .where('t.customer_id', '=', customerId)
    .orderBy('t.created_at', 'desc')
    .execute();
}
