import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../../core/clock';
import { moscowDate, addDays } from '../../../core/dates';
import { maskPhone } from '../../../core/phone';
import type { Keys } from '../../crypto';
import type { DB, TicketCategory, TicketStatus } from '../../db/schema';
import { AppError } from '../../errors';
import type { JobQueue } from '../../jobs/queue';
import type { Random } from '../../random';
import { recordAudit } from '../audit/audit.service';
import type { Actor } from '../auth/auth.service';
import { recordOperation } from '../history/operations';
import { queueSms } from '../notifications/sms-outbox';
import type { RequestMeta, StaffActor } from '../staff/staff.service';
import * as repo from './support.repo';

/**
 * Support requests (docs/backoffice.md «Support»): a thread between a customer and the support
 * team. Statuses: `new` (nobody has taken it) and `in_progress` wait for us, `waiting_customer` for
 * the customer, `resolved` is answered for good (the customer may still write), `closed` is over (a
 * new question is a new request). Who moves it where:
 * - created → `new`; a staff member assigned while `new` → `in_progress`;
 * - a staff reply → `waiting_customer` (and an SMS);
 * - the customer writes while `waiting_customer` or `resolved` → `in_progress` (`new` stays `new`);
 * - staff set `in_progress`, `waiting_customer`, `resolved` or `closed` by hand; a closed request
 *   only opens again as `in_progress`; nobody writes in a closed one (409).
 * Every change is one transaction that first locks the ticket row, so concurrent replies and
 * messages all land and the status is the one the last of them set.
 */

export type SupportDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
};

/** New requests a customer may open per Moscow calendar day. */
export const TICKETS_PER_DAY = 10;
export const INBOX_PAGE = 50;
export const SUPPORT_SIGNATURE = 'Поддержка CarCapital';
export const REPLY_SMS = 'CarCapital: ответ на ваше обращение в личном кабинете.';

const moscowMidnight = (date: string) => new Date(`${date}T00:00:00+03:00`);

// ---- Views ----

type Message = { id: string; author: 'customer' | 'staff'; authorName: string | null; body: string; createdAt: string };

export type CustomerTicket = {
  id: string;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string;
};

const PATRONYMIC = /\p{L}(вич|вна|ична)$/iu;
const PATRONYMIC_PARTICLE = /^(оглы|кызы|улы)$/i;

/**
 * What a customer sees of a staff member: the first name only, never the surname or the e-mail.
 * «Фамилия Имя Отчество» and «Имя Отчество Фамилия» are told apart by the patronymic; without one,
 * the first word is taken as the first name. Anything that does not look like a name is signed by
 * the team.
 */
export function staffFirstName(fullName: string | null): string {
  const words = (fullName ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || words.some((w) => w.includes('@'))) return SUPPORT_SIGNATURE;
  // «Рашид Ильхам оглы»: the patronymic is the word before the particle.
  const particle = words.findIndex((w, i) => i > 1 && PATRONYMIC_PARTICLE.test(w));
  const patronymic = particle > 0 ? particle - 1 : words.findIndex((w, i) => i > 0 && PATRONYMIC.test(w));
  const name = patronymic > 0 ? words[patronymic - 1]! : words[0]!;
  return /^\p{L}[\p{L}-]*$/u.test(name) && [...name].length >= 2 ? name : SUPPORT_SIGNATURE;
}

function customerView(row: repo.CustomerTicketRow): CustomerTicket {
  return {
    id: row.id,
    category: row.category,
    subject: row.subject,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastMessageAt: (row.last_message_at ?? row.created_at).toISOString(),
  };
}

/**
 * The time of a new message in a locked ticket: the clock, but never at or before the thread's last
 * message. The lock orders the writers; this keeps the times (and so the thread, and the inbox's
 * «waiting since») in that order even within one millisecond or across processes whose clocks differ.
 */
async function messageTime(deps: SupportDeps, trx: Transaction<DB>, ticketId: string): Promise<Date> {
  const now = deps.clock.now();
  const last = await repo.lastMessageTime(trx, ticketId);
  return last && last.getTime() >= now.getTime() ? new Date(last.getTime() + 1) : now;
}

function notFound(): AppError {
  return new AppError('not_found', 'Обращение не найдено.');
}

/** The statuses staff may set by hand (support.schemas.ts `STAFF_SET_STATUSES`). */
export type StaffSetStatus = Exclude<TicketStatus, 'new'>;

/** `new` and `in_progress`: it is our turn. */
export const isWaitingForUs = (status: TicketStatus): boolean => status === 'new' || status === 'in_progress';

/** The status after the customer writes in an open request: answered or resolved ones wait for us again. */
export function customerWroteStatus(status: Exclude<TicketStatus, 'closed'>): TicketStatus {
  return status === 'waiting_customer' || status === 'resolved' ? 'in_progress' : status;
}

// ---- Customer side ----

export async function createTicket(
  deps: SupportDeps,
  actor: Actor,
  input: { category: TicketCategory; subject: string; message: string },
): Promise<CustomerTicket & { messages: Message[] }> {
  const id = deps.random.uuid();
  await deps.db.transaction().execute(async (trx) => {
    // The count is taken under a per-customer lock: parallel requests cannot all see 9.
    await repo.lockCustomerTickets(trx, actor.customerId);
    const now = deps.clock.now();
    const today = moscowDate(now);
    if ((await repo.countTicketsSince(trx, actor.customerId, moscowMidnight(today))) >= TICKETS_PER_DAY) {
      const retryAfterSec = Math.max(1, Math.ceil((moscowMidnight(addDays(today, 1)).getTime() - now.getTime()) / 1000));
      throw new AppError(
        'too_many_requests',
        `Сегодня вы уже отправили ${TICKETS_PER_DAY} обращений. Новое можно будет отправить завтра, а пока допишите вопрос в одно из открытых обращений.`,
        { retryAfterSec },
      );
    }
    await repo.insertTicket(trx, { id, customerId: actor.customerId, category: input.category, subject: input.subject, now });
    await repo.insertMessage(trx, { id: deps.random.uuid(), ticketId: id, author: 'customer', staffId: null, body: input.message, now });
    await recordOperation(trx, deps.random, {
      customerId: actor.customerId,
      at: now,
      type: 'support',
      title: `Обращение в поддержку: ${input.subject}`,
      ref: id,
    });
  });
  return getTicket(deps, actor, id);
}

export async function listTickets(deps: SupportDeps, actor: Actor): Promise<{ items: CustomerTicket[] }> {
  return { items: (await repo.listCustomerTickets(deps.db, actor.customerId)).map(customerView) };
}

export async function getTicket(deps: SupportDeps, actor: Actor, id: string): Promise<CustomerTicket & { messages: Message[] }> {
  const row = await repo.customerTicket(deps.db, actor.customerId, id);
  if (!row) throw notFound();
  const messages = await repo.listMessages(deps.db, id);
  return {
    ...customerView(row),
    messages: messages.map((m) => ({
      id: m.id,
      author: m.author_type,
      authorName: m.author_type === 'staff' ? staffFirstName(m.staff_name) : null,
      body: m.body,
      createdAt: m.created_at.toISOString(),
    })),
  };
}

/**
 * The customer writes in their request: an answered or resolved one waits for us again
 * (`in_progress`); a `new` or `in_progress` one keeps its status. A closed one takes no more.
 */
export async function postMessage(deps: SupportDeps, actor: Actor, id: string, input: { body: string }) {
  await deps.db.transaction().execute(async (trx) => {
    const ticket = await repo.findTicket(trx, id, { customerId: actor.customerId, forUpdate: true });
    if (!ticket) throw notFound();
    if (ticket.status === 'closed') {
      throw new AppError('conflict', 'Это обращение закрыто. Если вопрос остался, создайте новое обращение.');
    }
    const now = await messageTime(deps, trx, id);
    await repo.insertMessage(trx, { id: deps.random.uuid(), ticketId: id, author: 'customer', staffId: null, body: input.body, now });
    await repo.updateTicket(trx, id, { status: customerWroteStatus(ticket.status), updated_at: now });
  });
  return getTicket(deps, actor, id);
}

// ---- Staff side ----

export type StaffTicketView = {
  id: string;
  customerId: string;
  customerPhoneMasked: string;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  assignedTo: { id: string; fullName: string } | null;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string;
  messagesCount: number;
};

function staffView(row: repo.InboxRow): StaffTicketView {
  return {
    id: row.id,
    customerId: row.customer_id,
    customerPhoneMasked: maskPhone(row.customer_phone),
    category: row.category,
    subject: row.subject,
    status: row.status,
    assignedTo: row.assigned_to ? { id: row.assigned_to, fullName: row.assigned_name ?? '' } : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastMessageAt: (row.last_message_at ?? row.created_at).toISOString(),
    messagesCount: row.messages_count,
  };
}

const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  if (extra !== undefined || !id || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) || Number.isNaN(date.getTime())) {
    throw new AppError('validation_failed', undefined, { fields: { before: 'Ссылка на страницу устарела: откройте список заново.' } });
  }
  return { at: date, id };
}

export type InboxQuery = {
  /** Any of these statuses (none or empty: every status). */
  status?: readonly TicketStatus[] | undefined;
  category?: TicketCategory | undefined;
  assignedTo?: string | undefined;
  before?: string | undefined;
};

export async function inbox(deps: SupportDeps, staff: StaffActor, query: InboxQuery): Promise<{ items: StaffTicketView[]; nextBefore: string | null }> {
  const statuses = query.status && query.status.length > 0 ? query.status : undefined;
  // Only what waits for us is a queue: the longest-waiting first. Anything else: the latest change first.
  const order = statuses && statuses.every(isWaitingForUs) ? 'waiting' : 'recent';
  const assignedTo = query.assignedTo === 'me' ? staff.staffId : query.assignedTo === 'none' ? null : query.assignedTo;
  const rows = await repo.inbox(
    deps.db,
    { statuses, category: query.category, assignedTo },
    { order, after: query.before ? decodeCursor(query.before) : null, limit: INBOX_PAGE + 1 },
  );
  const page = rows.slice(0, INBOX_PAGE);
  const last = page[page.length - 1];
  const lastKey = last ? (order === 'waiting' ? last.sort_at : last.updated_at) : null;
  return {
    items: page.map(staffView),
    nextBefore: rows.length > INBOX_PAGE && last && lastKey ? encodeCursor(lastKey, last.id) : null,
  };
}

export async function staffTicket(deps: SupportDeps, id: string) {
  const [row] = await repo.inbox(deps.db, { ticketId: id }, { order: 'recent', after: null, limit: 1 });
  if (!row) throw notFound();
  const messages = await repo.listMessages(deps.db, id);
  return {
    ...staffView(row),
    customer: { id: row.customer_id, phoneMasked: maskPhone(row.customer_phone) },
    messages: messages.map((m) => ({
      id: m.id,
      author: m.author_type,
      authorName: m.author_type === 'staff' ? (m.staff_name ?? SUPPORT_SIGNATURE) : null,
      staffId: m.staff_id,
      body: m.body,
      createdAt: m.created_at.toISOString(),
    })),
  };
}

/**
 * A staff reply: the message, the status `waiting_customer`, an SMS that only says there is an
 * answer (the text stays in the cabinet, behind the login) and an audit record — all in one
 * transaction. A closed request takes no reply (409): open it again first.
 */
export async function reply(deps: SupportDeps, staff: StaffActor, id: string, input: { body: string }, meta: RequestMeta) {
  await deps.db.transaction().execute(async (trx) => {
    const ticket = await repo.findTicket(trx, id, { forUpdate: true });
    if (!ticket) throw notFound();
    if (ticket.status === 'closed') {
      throw new AppError('conflict', 'Обращение закрыто. Чтобы ответить, сначала откройте его снова.');
    }
    const now = await messageTime(deps, trx, id);
    const messageId = deps.random.uuid();
    await repo.insertMessage(trx, { id: messageId, ticketId: id, author: 'staff', staffId: staff.staffId, body: input.body, now });
    await repo.updateTicket(trx, id, { status: 'waiting_customer', updated_at: now });
    await queueSms({ clock: deps.clock, random: deps.random, keys: deps.keys, jobs: deps.jobs }, trx, {
      to: await repo.customerPhone(trx, ticket.customer_id),
      text: REPLY_SMS,
      kind: 'notice',
    });
    await recordAudit(trx, { random: deps.random, now: deps.clock.now() }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'ticket.replied',
      entity: { type: 'support_ticket', id },
      from: meta,
      details: { messageId, statusBefore: ticket.status },
    });
  });
  return staffTicket(deps, id);
}

/**
 * Status and assignee. The assignee must be an active member with the support or admin role;
 * assigning a `new` request puts it `in_progress` (unless a status is given too). A closed request
 * only opens again as `in_progress` (else 409).
 */
export async function updateTicket(
  deps: SupportDeps,
  staff: StaffActor,
  id: string,
  input: { status?: StaffSetStatus | undefined; assignedTo?: string | null | undefined },
  meta: RequestMeta,
) {
  await deps.db.transaction().execute(async (trx) => {
    const ticket = await repo.findTicket(trx, id, { forUpdate: true });
    if (!ticket) throw notFound();
    if (input.assignedTo) {
      const assignee = await repo.findAssignableStaff(trx, input.assignedTo);
      if (!assignee) {
        const message = 'Назначить можно только действующего сотрудника поддержки или администратора.';
        throw new AppError('validation_failed', message, { fields: { assignedTo: message } });
      }
    }
    if (ticket.status === 'closed' && input.status !== undefined && input.status !== 'closed' && input.status !== 'in_progress') {
      throw new AppError('conflict', 'Обращение закрыто. Его можно только открыть снова — статус «В работе».');
    }
    const assignedTo = input.assignedTo === undefined ? ticket.assigned_to : input.assignedTo;
    const taken = ticket.status === 'new' && assignedTo !== null && assignedTo !== ticket.assigned_to;
    const status: TicketStatus = input.status ?? (taken ? 'in_progress' : ticket.status);
    if (status === ticket.status && assignedTo === ticket.assigned_to) return; // nothing changes, nothing to record
    const now = deps.clock.now();
    await repo.updateTicket(trx, id, { status, assigned_to: assignedTo, updated_at: now });
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'ticket.updated',
      entity: { type: 'support_ticket', id },
      from: meta,
      details: {
        ...(status !== ticket.status ? { status: { from: ticket.status, to: status } } : {}),
        ...(assignedTo !== ticket.assigned_to ? { assignedTo: { from: ticket.assigned_to, to: assignedTo } } : {}),
      },
    });
  });
  return staffTicket(deps, id);
}
