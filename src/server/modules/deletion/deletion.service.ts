import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../../core/clock';
import { formatLongDate, moscowDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import { maskPhone } from '../../../core/phone';
import type { Keys } from '../../crypto';
import type { DB, LoanStatus, TicketStatus } from '../../db/schema';
import { AppError } from '../../errors';
import type { JobQueue } from '../../jobs/queue';
import type { Random } from '../../random';
import { recordAudit } from '../audit/audit.service';
import type { Actor } from '../auth/auth.service';
import { contractNumberOf } from '../contracts/document';
import { recordOperation } from '../history/operations';
import { notifyCustomer } from '../notifications/notify';
import { queueSms } from '../notifications/sms-outbox';
import { servicingView } from '../servicing/servicing.service';
import type { RequestMeta, StaffActor } from '../staff/staff.service';
import * as support from '../support/support.repo';
import { REPLY_SMS } from '../support/support.service';
import * as repo from './deletion.repo';
import { openHold, RETENTION_YEARS } from './retention.service';

/**
 * Account deletion requests (SECURITY.md PD-7, PD-8; docs/backoffice.md «Deletion requests»).
 *
 * The customer asks: a support request of category `deletion` with a standard message, and a
 * `deletion_requests` row — refused (409 `debt_outstanding`) while a loan is not closed, a repayment
 * is unfinished or an application is on its way to a loan. Staff (support, admin) see the pending
 * requests with a live check of the same, and confirm or refuse. Confirming checks again in its own
 * transaction, marks the customer deleted, ends every session, and answers in the ticket and by SMS;
 * from then on the SMS login for that phone is refused (auth.service.ts). Deletion forgives nothing:
 * no loan, payment or ledger row is touched. The same transaction opens the retention hold — the
 * dated destruction task and the 5-year hold (retention.service.ts) — and queues the confirmation
 * email while the confirmed address still exists.
 */

export type DeletionDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
};

export const DELETION_SUBJECT = 'Удаление аккаунта';
export const DELETION_MESSAGE =
  'Прошу удалить мой аккаунт в CarCapital. Понимаю, что после удаления войти в личный кабинет будет нельзя.';
export const CONFIRMED_MESSAGE =
  'Ваш аккаунт удалён по вашему запросу: вход в личный кабинет закрыт. Документы по займам и платежам мы храним столько, сколько требует закон.';
export const CONFIRMED_SMS = 'CarCapital: ваш аккаунт удалён по вашему запросу. Вход в личный кабинет закрыт.';
export const CONFIRMED_EMAIL_SUBJECT = 'CarCapital: аккаунт удалён';

/** The confirmation email (to a confirmed address only): what ends now, what goes by when, what is kept and why. */
export function confirmedEmailText(dates: { destroyBy: Date; purgeAfter: Date }): string {
  return [
    'Здравствуйте!',
    '',
    'По вашему запросу аккаунт в CarCapital удалён: все сеансы завершены, войти в личный кабинет больше нельзя.',
    '',
    `Не позднее ${formatLongDate(moscowDate(dates.destroyBy))} мы уничтожим данные, которые храним только с вашего согласия: адрес почты, согласие на рекламу, обращения в поддержку (кроме вопросов по займам и платежам), данные незаключённых заявок, устройства и историю входов. Номер телефона освободится: с ним можно будет зарегистрироваться заново, как новый клиент.`,
    '',
    `Договоры займов, данные для идентификации, подписи и платежи закон (115-ФЗ, 402-ФЗ) обязывает хранить ${RETENTION_YEARS} лет после окончания отношений — до ${formatLongDate(moscowDate(dates.purgeAfter))}. Они закрыты от сотрудников поддержки, а после этого срока будут уничтожены.`,
    '',
    'Если вы не просили удалить аккаунт, сразу свяжитесь с поддержкой CarCapital.',
    '',
    'CarCapital',
  ].join('\n');
}

type Db = Kysely<DB> | Transaction<DB>;

// ---- The check ----

export type DebtCheck = { clear: boolean; reasons: string[]; debtKopecks: number };
type FullCheck = DebtCheck & { owesMoney: boolean };

const APPLICATION_REASONS: Record<string, string> = {
  scoring: 'Заявка на заём проверяется: дождитесь решения.',
  manual_review: 'Заявка на заём на рассмотрении у специалиста: дождитесь решения.',
  approved: 'Заявка на заём одобрена и ждёт подписания договора.',
  signed: 'Договор займа подписан, заём оформляется.',
};

function loanReason(status: LoanStatus, number: string, debtKopecks: number): string {
  switch (status) {
    case 'cooling_off':
      return `Заём № ${number} оформлен: идёт период охлаждения перед выплатой.`;
    case 'disbursing':
      return `По займу № ${number} идёт выплата денег.`;
    case 'payout_failed':
      return `Выплата по займу № ${number} не прошла, договор ещё не закрыт.`;
    default:
      return `Заём № ${number} не погашен: долг ${formatRubles(debtKopecks)}.`;
  }
}

/**
 * What stands in the way of deleting the account, read now. Applications are read before loans: a
 * signing turns the application into `signed` and inserts its loan in one transaction, so one of
 * the two reads sees it whichever side of the reads it commits on.
 */
async function check(db: Db, customerId: string, now: Date): Promise<FullCheck> {
  const today = moscowDate(now);
  const applications = await repo.applicationsInProgress(db, customerId);
  const loans = await repo.openLoans(db, customerId);
  const payments = await repo.unfinishedPayments(db, customerId);
  const reasons: string[] = [];
  let debtKopecks = 0;
  for (const loan of loans) {
    const owed = (await servicingView(db, loan, today)).debt.totalKopecks;
    debtKopecks += owed;
    reasons.push(loanReason(loan.status, contractNumberOf(loan.contract_date, loan.application_id), owed));
  }
  for (const payment of payments) reasons.push(`Платёж на ${formatRubles(payment.amount_kopecks)} ещё не завершён.`);
  for (const application of applications) reasons.push(APPLICATION_REASONS[application.status] ?? 'Есть незавершённая заявка на заём.');
  return { clear: reasons.length === 0, reasons, debtKopecks, owesMoney: loans.length > 0 || payments.length > 0 };
}

export async function debtCheck(db: Db, customerId: string, now: Date): Promise<DebtCheck> {
  const { owesMoney: _owesMoney, ...view } = await check(db, customerId, now);
  return view;
}

function customerRefusal(found: FullCheck): AppError {
  const next = found.owesMoney
    ? 'Удаление аккаунта не списывает долг: когда заём будет погашен, а платежи завершены, отправьте запрос ещё раз.'
    : 'Когда заявка будет завершена, отправьте запрос ещё раз.';
  return new AppError('debt_outstanding', `Удалить аккаунт сейчас нельзя. ${found.reasons.join(' ')} ${next}`);
}

// ---- Customer side ----

/**
 * The customer asks to delete the account. Idempotent while a request is pending: the same ticket
 * again. Serialised per customer, so parallel requests make one ticket.
 */
export async function requestDeletion(deps: DeletionDeps, actor: Actor, meta: RequestMeta): Promise<{ ticketId: string; status: 'pending' }> {
  return deps.db.transaction().execute(async (trx) => {
    await repo.lockCustomerDeletion(trx, actor.customerId);
    const pending = await repo.pendingRequestOf(trx, actor.customerId);
    if (pending) return { ticketId: pending.ticket_id, status: 'pending' as const };

    const now = deps.clock.now();
    const found = await check(trx, actor.customerId, now);
    if (!found.clear) throw customerRefusal(found);

    const ticketId = deps.random.uuid();
    const requestId = deps.random.uuid();
    await support.insertTicket(trx, { id: ticketId, customerId: actor.customerId, category: 'deletion', subject: DELETION_SUBJECT, now });
    await support.insertMessage(trx, { id: deps.random.uuid(), ticketId, author: 'customer', staffId: null, body: DELETION_MESSAGE, now });
    await repo.insertRequest(trx, { id: requestId, customerId: actor.customerId, ticketId, now });
    await recordOperation(trx, deps.random, {
      customerId: actor.customerId,
      at: now,
      type: 'support',
      title: `Обращение в поддержку: ${DELETION_SUBJECT}`,
      ref: ticketId,
    });
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'customer', id: actor.customerId },
      action: 'account.deletion_requested',
      entity: { type: 'customer', id: actor.customerId },
      from: meta,
      details: { deletionRequestId: requestId, ticketId },
    });
    return { ticketId, status: 'pending' as const };
  });
}

// ---- Staff side ----

export type StaffDeletionView = {
  id: string;
  customerId: string;
  phoneMasked: string;
  status: 'pending' | 'confirmed' | 'refused';
  requestedAt: string;
  decidedAt: string | null;
  decidedBy: { id: string; fullName: string } | null;
  comment: string | null;
  ticketId: string;
  debtCheck: DebtCheck;
};

async function staffView(db: Db, row: repo.ListRow, now: Date): Promise<StaffDeletionView> {
  return {
    id: row.id,
    customerId: row.customer_id,
    phoneMasked: maskPhone(row.phone),
    status: row.status,
    requestedAt: row.requested_at.toISOString(),
    decidedAt: row.decided_at?.toISOString() ?? null,
    decidedBy: row.decided_by ? { id: row.decided_by, fullName: row.decided_by_name ?? '' } : null,
    comment: row.comment,
    ticketId: row.ticket_id,
    debtCheck: await debtCheck(db, row.customer_id, now),
  };
}

export async function listRequests(deps: DeletionDeps, query: { status?: 'pending' | 'confirmed' | 'refused' | undefined }) {
  const rows = await repo.listRequests(deps.db, { status: query.status ?? 'pending' });
  const now = deps.clock.now();
  const items: StaffDeletionView[] = [];
  for (const row of rows) items.push(await staffView(deps.db, row, now));
  return { items };
}

async function requestView(deps: DeletionDeps, id: string): Promise<StaffDeletionView> {
  const [row] = await repo.listRequests(deps.db, { id });
  if (!row) throw notFound();
  return staffView(deps.db, row, deps.clock.now());
}

function notFound(): AppError {
  return new AppError('not_found', 'Запрос на удаление не найден.');
}

const alreadyDecided = (status: string) =>
  new AppError('conflict', status === 'confirmed' ? 'Этот аккаунт уже удалён.' : 'По этому запросу уже отказано: клиент может отправить новый.');

/** Locks the request and refuses one that is not pending (404 / 409). */
async function pendingForDecision(trx: Transaction<DB>, id: string) {
  const request = await repo.findRequestForUpdate(trx, id);
  if (!request) throw notFound();
  if (request.status !== 'pending') throw alreadyDecided(request.status);
  return request;
}

/** A staff message in the request's ticket and its new status; the ticket row is locked first. */
async function answerInTicket(deps: DeletionDeps, trx: Transaction<DB>, input: { ticketId: string; staffId: string; body: string; status: TicketStatus }) {
  await support.findTicket(trx, input.ticketId, { forUpdate: true });
  const clock = deps.clock.now();
  const last = await support.lastMessageTime(trx, input.ticketId);
  // Never at or before the thread's last message (as support.service.ts keeps the thread in order).
  const at = last && last.getTime() >= clock.getTime() ? new Date(last.getTime() + 1) : clock;
  await support.insertMessage(trx, { id: deps.random.uuid(), ticketId: input.ticketId, author: 'staff', staffId: input.staffId, body: input.body, now: at });
  await support.updateTicket(trx, input.ticketId, { status: input.status, updated_at: at });
}

/**
 * Confirms a pending request: checks again under the customer's row lock (409 `debt_outstanding`
 * if anything stands in the way now), marks the customer deleted, revokes every session at once,
 * answers in the ticket (resolved) and by SMS, and writes one audit record — one transaction.
 */
export async function confirm(deps: DeletionDeps, staff: StaffActor, id: string, meta: RequestMeta): Promise<StaffDeletionView> {
  await deps.db.transaction().execute(async (trx) => {
    const request = await pendingForDecision(trx, id);
    const customer = await repo.lockCustomer(trx, request.customer_id);
    const now = deps.clock.now();
    const found = await check(trx, request.customer_id, now);
    if (!found.clear) throw new AppError('debt_outstanding', `Удалить аккаунт нельзя. ${found.reasons.join(' ')}`);

    await repo.decide(trx, id, { status: 'confirmed', staffId: staff.staffId, now, comment: null });
    await repo.markCustomerDeleted(trx, request.customer_id, now);
    const sessionsRevoked = await repo.revokeAllSessions(trx, request.customer_id, now);
    const hold = await openHold(trx, deps, { customerId: request.customer_id, deletionRequestId: id, phone: customer.phone, now });
    await answerInTicket(deps, trx, { ticketId: request.ticket_id, staffId: staff.staffId, body: CONFIRMED_MESSAGE, status: 'resolved' });
    // Queued now, while the confirmed address exists: the destruction removes it a day later at the earliest.
    await notifyCustomer(deps, trx, request.customer_id, { sms: CONFIRMED_SMS, email: { subject: CONFIRMED_EMAIL_SUBJECT, text: confirmedEmailText(hold) } });
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'account.deletion_confirmed',
      entity: { type: 'customer', id: request.customer_id },
      from: meta,
      details: { deletionRequestId: id, ticketId: request.ticket_id, sessionsRevoked, destroyBy: hold.destroyBy.toISOString(), purgeAfter: hold.purgeAfter.toISOString() },
    });
  });
  return requestView(deps, id);
}

/**
 * Refuses a pending request: the comment goes to the customer in the ticket (now waiting for the
 * customer) with the usual «there is an answer» SMS, and to the audit log as the reason.
 */
export async function refuse(deps: DeletionDeps, staff: StaffActor, id: string, input: { comment: string }, meta: RequestMeta): Promise<StaffDeletionView> {
  await deps.db.transaction().execute(async (trx) => {
    const request = await pendingForDecision(trx, id);
    const now = deps.clock.now();
    await repo.decide(trx, id, { status: 'refused', staffId: staff.staffId, now, comment: input.comment });
    await answerInTicket(deps, trx, { ticketId: request.ticket_id, staffId: staff.staffId, body: input.comment, status: 'waiting_customer' });
    const phone = await support.customerPhone(trx, request.customer_id);
    await queueSms(deps, trx, { to: phone, text: REPLY_SMS, kind: 'notice' });
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'account.deletion_refused',
      entity: { type: 'customer', id: request.customer_id },
      reason: input.comment,
      from: meta,
      details: { deletionRequestId: id, ticketId: request.ticket_id },
    });
  });
  return requestView(deps, id);
}
