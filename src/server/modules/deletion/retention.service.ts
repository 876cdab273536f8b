import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { DAY_MS, type Clock } from '../../../core/clock';
import { maskPhone, normalizeRussianMobile } from '../../../core/phone';
import { hmacSha256, type Keys } from '../../crypto';
import type { DB, DeletionActKind, DeletionActsTable, RetentionHoldsTable, TicketCategory } from '../../db/schema';
import { AppError } from '../../errors';
import { maskPassport } from '../../pii';
import type { Random } from '../../random';
import { readQuestionnaire } from '../applications/applications.service';
import { recordAudit } from '../audit/audit.service';
import { paymentSummary } from '../backoffice/payment-summary';
import { contractNumberOf } from '../contracts/document';
import type { RequestMeta, StaffActor } from '../staff/staff.service';
import * as repo from './retention.repo';
import type { BlobStore } from '../../storage/blob-store';
import { deleteUnreferencedPhotos } from '../vehicles/vehicles.service';

/**
 * What happens to a deleted account's data (SECURITY.md PD-7, PD-8, scenario 12; docs/backoffice.md
 * «Deletion requests»).
 *
 * 1. Staff confirm the deletion (deletion.service.ts): sessions end and login is refused at once, and
 *    in the same transaction `openHold` writes the customer's `retention_holds` row — the dated
 *    destruction task (due a day later, to be done by day 30) and the hold's purge date.
 * 2. The retention job (hourly, system.ts) destroys what has no legal basis once the task is due:
 *    marketing consents, sessions, devices, the email address, support requests other than loan and
 *    payment questions, drafts' and declined applications' questionnaires and scoring records, login
 *    codes, SMS copies, and the phone number itself — the customer row stays as the anonymous owner
 *    of what is kept, and the number is free: a new login with it makes a new, clean customer.
 * 3. What the law makes the lender keep stays on hold until `purge_after` = the end of the
 *    relationship + 5 years (115-ФЗ ст. 7 п. 4, 402-ФЗ ст. 29): loans, signed applications'
 *    identification data, signatures and addenda, payouts and payments, the consents behind them
 *    (and the bureau consents of applications sent to the bureaus, 218-ФЗ), loan and payment
 *    questions, the contact log and history. The ledger holds amounts only and is never touched.
 *    Staff other than compliance see a deleted customer without personal data.
 * 4. At `purge_after` the job blanks or deletes the held personal data (signing evidence through the
 *    trigger's narrow purge exception); loans, payments and the ledger remain, anonymous.
 *
 * Each destruction and each purge is one transaction per customer under the hold's row lock, with
 * one audit record per category it touched and an act (`deletion_acts`, one per customer and kind)
 * naming the categories, row counts, audit ids, time and job run. A rerun or a parallel run finds the
 * work done and writes nothing.
 */

export type RetentionDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  /** The files of the photos of pledged cars (deleted after the rows' transaction commits). */
  blobs: BlobStore;
  logger?: Logger;
};

/** The destruction is due a day after the confirmation: the confirmation SMS and email are out by then. */
export const DESTRUCTION_GRACE_MS = DAY_MS;
/** ст. 21 ч. 5 152-ФЗ: destroyed within 30 days. */
export const DESTRUCTION_DEADLINE_MS = 30 * DAY_MS;
/** 115-ФЗ ст. 7 п. 4, 402-ФЗ ст. 29: at least 5 years after the relationship ends. */
export const RETENTION_YEARS = 5;
/** Loan and payment questions are kept with the loans: they may be a complaint about them. */
export const HELD_TICKET_CATEGORIES: readonly TicketCategory[] = ['payment', 'loan'];
/** How many customers one run takes per step; the next run (an hour later) goes on. */
const BATCH = 100;

export const RETENTION_QUEUE = 'deletion.retention';

export type CategoryCount = { category: string; rows: number };

/** The same instant `years` calendar years later (29 February → 1 March: never early). */
export function yearsLater(instant: Date, years: number): Date {
  const later = new Date(instant.getTime());
  later.setUTCFullYear(later.getUTCFullYear() + years);
  return later;
}

export function phoneHash(keys: Keys, phone: string): Buffer {
  return hmacSha256(keys.lookupKey, `phone:${phone}`);
}

// ---- At the confirmation ----

/**
 * Writes the hold in the confirming transaction (the customer row is locked by it). No loan can be
 * open at a confirmation, so the relationship ends now or ended with the last loan, whichever is later.
 */
export async function openHold(
  trx: Transaction<DB>,
  deps: Pick<RetentionDeps, 'keys'>,
  input: { customerId: string; deletionRequestId: string; phone: string; now: Date },
): Promise<{ destroyBy: Date; purgeAfter: Date }> {
  const { now } = input;
  const lastLoan = await repo.lastLoanEnd(trx, input.customerId);
  const relationshipEnd = lastLoan && lastLoan > now ? lastLoan : now;
  const destroyBy = new Date(now.getTime() + DESTRUCTION_DEADLINE_MS);
  const purgeAfter = yearsLater(relationshipEnd, RETENTION_YEARS);
  await repo.insertHold(trx, {
    customerId: input.customerId,
    deletionRequestId: input.deletionRequestId,
    deletedAt: now,
    destroyAfter: new Date(now.getTime() + DESTRUCTION_GRACE_MS),
    destroyBy,
    relationshipEnd,
    purgeAfter,
    phoneHash: phoneHash(deps.keys, input.phone),
  });
  return { destroyBy, purgeAfter };
}

// ---- The job ----

export type RunResult = { destroyed: string[]; purged: string[] };

/** One run of the retention job: every due destruction, then every due purge, a transaction each. */
export async function runRetention(deps: RetentionDeps, run: { jobId: string }): Promise<RunResult> {
  const result: RunResult = { destroyed: [], purged: [] };
  for (const customerId of await repo.dueForDestruction(deps.db, deps.clock.now(), BATCH)) {
    if (await destroyWithoutBasis(deps, customerId, run.jobId)) result.destroyed.push(customerId);
  }
  for (const customerId of await repo.dueForPurge(deps.db, deps.clock.now(), BATCH)) {
    if (await purgeHeld(deps, customerId, run.jobId)) result.purged.push(customerId);
  }
  if (result.destroyed.length || result.purged.length) {
    deps.logger?.info({ jobId: run.jobId, destroyed: result.destroyed.length, purged: result.purged.length }, 'retention run');
  }
  return result;
}

/** The job's handler: the pg-boss job id is the run named in the acts. */
export function createRetentionHandler(deps: RetentionDeps) {
  return async (_data: Record<string, unknown>, meta: { jobId: string }) => {
    await runRetention(deps, { jobId: meta.jobId });
  };
}

/**
 * Writes one audit record per category that lost rows and the act listing every category looked
 * at, in the transaction that did the work.
 */
async function writeAct(
  deps: RetentionDeps,
  trx: Transaction<DB>,
  input: { customerId: string; kind: DeletionActKind; jobId: string; now: Date; categories: CategoryCount[] },
): Promise<string> {
  const actId = deps.random.uuid();
  const auditIds: string[] = [];
  for (const { category, rows } of input.categories) {
    if (rows === 0) continue;
    auditIds.push(
      await recordAudit(trx, { random: deps.random, now: input.now }, {
        actor: { type: 'system', id: null },
        action: input.kind === 'destruction' ? 'account.data_destroyed' : 'account.data_purged',
        entity: { type: 'customer', id: input.customerId },
        details: { category, rows, actId, jobId: input.jobId },
      }),
    );
  }
  await repo.insertAct(trx, { id: actId, customerId: input.customerId, kind: input.kind, now: input.now, jobId: input.jobId, categories: input.categories, auditIds });
  return actId;
}

/** PD-8 (2): destroys what has no legal basis, once the task is due. False when there was nothing to do. */
export async function destroyWithoutBasis(deps: RetentionDeps, customerId: string, jobId: string): Promise<boolean> {
  const photos: string[] = [];
  const done = await deps.db.transaction().execute(async (trx) => {
    const hold = await repo.lockHold(trx, customerId);
    const now = deps.clock.now();
    if (!hold || hold.destroyed_at !== null || hold.destroy_after > now) return false;
    const customer = await repo.lockCustomer(trx, customerId);
    const phone = customer.phone as string | null;

    const tickets = await repo.deleteTickets(trx, customerId, HELD_TICKET_CATEGORIES);
    const cars = await repo.deleteUnsignedVehicles(trx, customerId);
    photos.push(...cars.photos);
    const categories: CategoryCount[] = [
      { category: 'marketing_consents', rows: await repo.deleteMarketingConsents(trx, customerId) },
      { category: 'consents_without_basis', rows: await repo.deleteConsentsWithoutBasis(trx, customerId) },
      { category: 'sessions', rows: await repo.deleteSessions(trx, customerId) },
      { category: 'devices', rows: await repo.deleteDevices(trx, customerId) },
      { category: 'email_address', rows: await repo.deleteEmailAddress(trx, customerId) },
      { category: 'email_confirmations', rows: await repo.deleteEmailConfirmations(trx, customerId) },
      { category: 'support_tickets', rows: tickets.tickets },
      { category: 'support_messages', rows: tickets.messages },
      { category: 'support_attachments', rows: tickets.attachments },
      { category: 'support_history', rows: tickets.history },
      { category: 'unsigned_applications', rows: await repo.blankUnsignedApplications(trx, customerId) },
      { category: 'unsigned_scoring_checks', rows: await repo.deleteUnsignedChecks(trx, customerId) },
      { category: 'unsigned_payout_methods', rows: await repo.deleteUnsignedPayoutMethods(trx, customerId) },
      { category: 'unsigned_vehicles', rows: cars.vehicles },
      { category: 'unsigned_vehicle_photos', rows: cars.photos.length },
      { category: 'unsigned_history', rows: await repo.deleteUnsignedHistory(trx, customerId) },
      { category: 'loan_choice', rows: await repo.deleteLoanChoice(trx, customerId) },
      { category: 'login_codes', rows: phone ? await repo.deletePhoneCodes(trx, customerId, phone) : 0 },
      { category: 'code_send_log', rows: phone ? await repo.deleteSendLog(trx, phone) : 0 },
      { category: 'code_failures', rows: phone ? await repo.deletePhoneAuthState(trx, phone) : 0 },
      { category: 'sms_outbox', rows: phone ? await repo.deleteSmsOutbox(trx, phone) : 0 },
      { category: 'sandbox_sms', rows: phone ? await repo.deleteSandboxSms(trx, phone) : 0 },
      { category: 'phone', rows: await repo.clearPhone(trx, customerId) },
    ];

    const held = Object.entries(await repo.heldCounts(trx, customerId))
      .filter(([, rows]) => rows > 0)
      .map(([category, rows]) => ({ category, rows }));
    await repo.markDestroyed(trx, customerId, now, held);
    // Nothing kept (the customer never signed a contract): the hold ends with the destruction.
    if (held.length === 0) await repo.markPurged(trx, customerId, now);
    await writeAct(deps, trx, { customerId, kind: 'destruction', jobId, now, categories });
    return true;
  });
  if (done) await deleteUnreferencedPhotos(deps, photos);
  return done;
}

/** PD-8 (4): at the end of the hold, blanks or deletes the held personal data. False when not due or done. */
export async function purgeHeld(deps: RetentionDeps, customerId: string, jobId: string): Promise<boolean> {
  const photos: string[] = [];
  const done = await deps.db.transaction().execute(async (trx) => {
    const hold = await repo.lockHold(trx, customerId);
    const now = deps.clock.now();
    if (!hold || hold.destroyed_at === null || hold.purged_at !== null || hold.purge_after > now) return false;

    // The signing codes go before the signatures are blanked (the ids are read from them).
    const signingCodes = await repo.deleteSigningCodes(trx, customerId);
    const tickets = await repo.deleteTickets(trx, customerId, []);
    const cars = await repo.purgeVehicles(trx, customerId);
    photos.push(...cars.photos);
    const categories: CategoryCount[] = [
      { category: 'applications', rows: await repo.blankAllApplications(trx, customerId) },
      { category: 'scoring_checks', rows: await repo.deleteAllChecks(trx, customerId) },
      { category: 'payout_methods', rows: await repo.deleteAllPayoutMethods(trx, customerId) },
      { category: 'vehicle_documents', rows: cars.vehicles },
      { category: 'vehicle_photos', rows: cars.photos.length },
      { category: 'signatures', rows: await repo.blankSignatures(trx, customerId, now) },
      { category: 'addenda', rows: await repo.blankAddenda(trx, customerId, now) },
      { category: 'signing_codes', rows: signingCodes },
      { category: 'cash_codes', rows: await repo.clearCashCodes(trx, customerId) },
      { category: 'consents', rows: await repo.deleteAllConsents(trx, customerId) },
      { category: 'support_tickets', rows: tickets.tickets },
      { category: 'support_messages', rows: tickets.messages },
      { category: 'support_attachments', rows: tickets.attachments },
      { category: 'contact_log', rows: await repo.deleteContactLog(trx, customerId) },
      { category: 'operations', rows: await repo.deleteOperations(trx, customerId) },
      { category: 'phone_hash', rows: 1 },
    ];
    await repo.markPurged(trx, customerId, now);
    await writeAct(deps, trx, { customerId, kind: 'purge', jobId, now, categories });
    return true;
  });
  if (done) await deleteUnreferencedPhotos(deps, photos);
  return done;
}

// ---- For the other staff screens ----

/** A deleted customer as support, underwriters, collections and admins may see it: dates, no data. */
export async function deletedCustomerNotice(db: Kysely<DB>, customerId: string): Promise<{ deletedAt: string; heldUntil: string | null } | null> {
  const hold = await repo.holdOf(db, customerId);
  if (!hold) return null;
  return { deletedAt: hold.deleted_at.toISOString(), heldUntil: hold.purged_at ? null : hold.purge_after.toISOString() };
}

// ---- Compliance ----

export type HoldStatus = 'awaiting_destruction' | 'held' | 'purged';

const statusOf = (hold: Selectable<RetentionHoldsTable>): HoldStatus =>
  hold.purged_at ? 'purged' : hold.destroyed_at ? 'held' : 'awaiting_destruction';

function holdView(hold: Selectable<RetentionHoldsTable>) {
  return {
    customerId: hold.customer_id,
    deletionRequestId: hold.deletion_request_id,
    status: statusOf(hold),
    deletedAt: hold.deleted_at.toISOString(),
    destroyAfter: hold.destroy_after.toISOString(),
    destroyBy: hold.destroy_by.toISOString(),
    destroyedAt: hold.destroyed_at?.toISOString() ?? null,
    relationshipEnd: hold.relationship_end.toISOString(),
    purgeAfter: hold.purge_after.toISOString(),
    purgedAt: hold.purged_at?.toISOString() ?? null,
    held: (hold.held as CategoryCount[] | null) ?? null,
  };
}

function actView(act: Selectable<DeletionActsTable>) {
  return {
    id: act.id,
    customerId: act.customer_id,
    kind: act.kind,
    performedAt: act.performed_at.toISOString(),
    jobId: act.job_id,
    categories: act.categories as CategoryCount[],
    auditIds: act.audit_ids as string[],
  };
}

const LIST_LIMIT = 200;

/** The holds, newest deletion first; `phone` finds one by the number (any common spelling). */
export async function listHolds(deps: RetentionDeps, query: { phone?: string | undefined }) {
  let hash: Buffer | undefined;
  if (query.phone) {
    const phone = normalizeRussianMobile(query.phone);
    if (!phone) throw new AppError('validation_failed', undefined, { fields: { phone: 'Введите номер российского мобильного телефона: +7 9XX XXX-XX-XX.' } });
    hash = phoneHash(deps.keys, phone);
  }
  const rows = await repo.listHolds(deps.db, { phoneHash: hash, limit: LIST_LIMIT });
  return { items: rows.map(holdView) };
}

export async function listActs(deps: RetentionDeps, query: { customerId?: string | undefined }) {
  const rows = await repo.listActs(deps.db, { customerId: query.customerId, limit: LIST_LIMIT });
  return { items: rows.map(actView) };
}

/**
 * Everything held for one deleted customer, for compliance (the name in clear, the passport masked,
 * as on the customer card). Each look is written to the audit log before the data leaves.
 */
export async function heldRecords(deps: RetentionDeps, staff: StaffActor, customerId: string, meta: RequestMeta) {
  const hold = await repo.holdOf(deps.db, customerId);
  if (!hold) throw new AppError('not_found', 'Удалённый клиент с таким номером не найден.');
  const [applications, loans, payments, signatures, consents, tickets, acts] = await Promise.all([
    repo.heldApplications(deps.db, customerId),
    repo.heldLoans(deps.db, customerId),
    repo.heldPayments(deps.db, customerId),
    repo.heldSignatures(deps.db, customerId),
    repo.heldConsents(deps.db, customerId),
    repo.heldTickets(deps.db, customerId),
    repo.listActs(deps.db, { customerId, limit: 10 }),
  ]);
  const view = {
    hold: holdView(hold),
    applications: applications.map((row) => {
      const q = readQuestionnaire(deps.keys, row);
      const fullName = [q.lastName, q.firstName, q.middleName].filter(Boolean).join(' ');
      const passport = q.passport?.series && q.passport.number ? maskPassport(q.passport.series, q.passport.number) : null;
      return {
        id: row.id,
        status: row.status,
        productCode: row.product_code,
        amountRubles: row.amount_rubles,
        createdAt: row.created_at.toISOString(),
        submittedAt: row.submitted_at?.toISOString() ?? null,
        decidedAt: row.decided_at?.toISOString() ?? null,
        identity: fullName || passport || q.birthDate ? { fullName: fullName || null, birthDate: q.birthDate ?? null, passportMasked: passport } : null,
      };
    }),
    loans: loans.map((loan) => ({
      id: loan.id,
      number: contractNumberOf(loan.contract_date, loan.application_id),
      status: loan.status,
      productCode: loan.product_code,
      amountKopecks: loan.amount_kopecks,
      totalKopecks: loan.total_kopecks,
      contractDate: loan.contract_date,
      closedAt: (loan.closed_at ?? loan.refused_at)?.toISOString() ?? null,
    })),
    payments: payments.map(paymentSummary),
    signatures: signatures.map((s) => ({
      loanId: s.loan_id,
      signedAt: s.signed_at.toISOString(),
      documentSha256: s.document_sha256,
      agreementVersion: s.agreement_version,
      phoneMasked: s.phone ? maskPhone(s.phone) : null,
      documentKept: Number(s.document_bytes) > 0,
      purgedAt: s.purged_at?.toISOString() ?? null,
    })),
    consents: consents.map((c) => ({
      kind: c.kind,
      documentVersion: c.document_version,
      applicationId: c.application_id,
      grantedAt: c.granted_at.toISOString(),
      withdrawnAt: c.withdrawn_at?.toISOString() ?? null,
    })),
    tickets: tickets.map((t) => ({
      id: t.id,
      category: t.category,
      subject: t.subject,
      status: t.status,
      createdAt: t.created_at.toISOString(),
      messages: Number(t.messages ?? 0),
    })),
    acts: acts.map(actView),
  };
  await deps.db.transaction().execute((trx) =>
    recordAudit(trx, { random: deps.random, now: deps.clock.now() }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'retention.viewed',
      entity: { type: 'customer', id: customerId },
      from: meta,
    }),
  );
  return view;
}
