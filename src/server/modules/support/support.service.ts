import type { Kysely, Transaction } from 'kysely';
import { workingDaysBetween } from '../../../core/calendar/working-days';
import { HOUR_MS, DAY_MS, type Clock } from '../../../core/clock';
import { moscowDate, addDays } from '../../../core/dates';
import { maskPhone, type RussianMobile } from '../../../core/phone';
import { hmacSha256, sha256, type Keys } from '../../crypto';
import type { DB, SupportAttachmentMime, TicketCategory, TicketStatus } from '../../db/schema';
import { AppError } from '../../errors';
import type { JobQueue } from '../../jobs/queue';
import { openField, sealField } from '../../pii';
import type { Random } from '../../random';
import { recordAudit, recordAuditAlone } from '../audit/audit.service';
import type { Actor } from '../auth/auth.service';
import { recordOperation } from '../history/operations';
import { notifyCustomer } from '../notifications/notify';
import type { RequestMeta, StaffActor } from '../staff/staff.service';
import {
  ATTACH_WINDOW_MS,
  cleanFileName,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS_PER_MESSAGE,
  sniffAttachmentType,
  TOO_LARGE_MESSAGE,
  TYPE_REFUSED_MESSAGE,
} from './attachments';
import * as repo from './support.repo';

/**
 * Support requests (docs/backoffice.md «Support»): a thread between a customer and the support
 * team. Statuses: `new` (nobody has taken it) and `in_progress` wait for us, `waiting_customer` for
 * the customer, `resolved` is answered for good (the customer may still write), `closed` is over (a
 * new question is a new request). Who moves it where:
 * - created → `new`, with the answer due in 15 working days (`due_date`, R20); a staff member
 *   assigned while `new` → `in_progress`;
 * - a staff reply → `waiting_customer` (and an SMS, plus an email to a confirmed address);
 * - the customer writes while `waiting_customer` or `resolved` → `in_progress` (`new` stays `new`),
 *   and the answer to this new message is due in 15 working days from it;
 * - staff set `in_progress`, `waiting_customer`, `resolved` or `closed` by hand (the customer is
 *   told by SMS and email); a closed request only opens again as `in_progress`; nobody writes in a
 *   closed one (409).
 * A request from the public «Не приходит SMS» form has no customer: the same inbox, no notices
 * (staff reach the person by the phone or contact given).
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
/** The subject and title of a public «Не приходит SMS» request. */
export const PUBLIC_SMS_SUBJECT = 'Не приходит SMS';
export const PUBLIC_SMS_DEFAULT_MESSAGE = 'Не приходит SMS с кодом для входа.';
/** The public form: at most this many requests per IP an hour and per phone a day. */
export const PUBLIC_PER_IP_HOUR = 5;
export const PUBLIC_PER_PHONE_DAY = 3;
/** A request waiting for us is «due soon» this many working days before its due date (and on it). */
export const DUE_SOON_WORKING_DAYS = 3;

/** The status words the customer sees (src/web/lib/tickets.ts CUSTOMER_STATUS_LABELS). */
const CUSTOMER_STATUS_WORDS: Record<TicketStatus, string> = {
  new: 'Новое',
  in_progress: 'В работе',
  waiting_customer: 'Ждёт вашего ответа',
  resolved: 'Решено',
  closed: 'Закрыто',
};

/** The text of a reply stays behind the login: messages only say there is one. */
export function replyNotice(subject: string) {
  return {
    sms: REPLY_SMS,
    email: {
      subject: `Ответ на ваше обращение «${shortSubject(subject)}»`,
      text: [
        'Здравствуйте!',
        '',
        `Поддержка CarCapital ответила на ваше обращение «${subject}».`,
        'Прочитать ответ можно в личном кабинете, в разделе «Поддержка».',
        '',
        'Сам ответ мы в письме не пересылаем: в нём могут быть сведения о вашем займе.',
        '',
        'CarCapital',
      ].join('\n'),
    },
  };
}

export function statusNotice(subject: string, status: TicketStatus) {
  const word = CUSTOMER_STATUS_WORDS[status];
  return {
    sms: `CarCapital: статус вашего обращения — «${word}». Подробности в личном кабинете.`,
    email: {
      subject: `Обращение «${shortSubject(subject)}»: ${word.toLowerCase()}`,
      text: ['Здравствуйте!', '', `Статус вашего обращения «${subject}» — «${word}».`, 'Подробности — в личном кабинете, в разделе «Поддержка».', '', 'CarCapital'].join('\n'),
    },
  };
}

function shortSubject(subject: string): string {
  const chars = [...subject];
  return chars.length > 60 ? `${chars.slice(0, 59).join('')}…` : subject;
}

const moscowMidnight = (date: string) => new Date(`${date}T00:00:00+03:00`);

// ---- Views ----

export type AttachmentView = { id: string; name: string; mimeType: SupportAttachmentMime; size: number };

type Message = { id: string; author: 'customer' | 'staff'; authorName: string | null; body: string; createdAt: string; attachments: AttachmentView[] };

export type CustomerTicket = {
  id: string;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string;
  /** The last day of our answer (Moscow date). */
  dueDate: string;
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

/** The stored due date; a row written by hand without one is due 15 working days after it was made. */
const dueDateOf = (row: { due_date: string | null; created_at: Date }) => row.due_date ?? repo.answerDueDate(row.created_at);

function customerView(row: repo.CustomerTicketRow): CustomerTicket {
  return {
    id: row.id,
    category: row.category,
    subject: row.subject,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastMessageAt: (row.last_message_at ?? row.created_at).toISOString(),
    dueDate: dueDateOf(row),
  };
}

/** Each message's files, in upload order. */
async function attachmentsByMessage(db: Kysely<DB>, ticketId: string): Promise<Map<string, AttachmentView[]>> {
  const byMessage = new Map<string, AttachmentView[]>();
  for (const file of await repo.listAttachments(db, ticketId)) {
    const list = byMessage.get(file.message_id) ?? [];
    list.push({ id: file.id, name: file.file_name, mimeType: file.mime_type, size: file.size_bytes });
    byMessage.set(file.message_id, list);
  }
  return byMessage;
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
  const files = await attachmentsByMessage(deps.db, id);
  return {
    ...customerView(row),
    messages: messages.map((m) => ({
      id: m.id,
      author: m.author_type,
      authorName: m.author_type === 'staff' ? staffFirstName(m.staff_name) : null,
      body: m.body,
      createdAt: m.created_at.toISOString(),
      attachments: files.get(m.id) ?? [],
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
    const status = customerWroteStatus(ticket.status);
    // Written after our answer: a new question, answered within its own 15 working days.
    const reopened = status !== ticket.status;
    await repo.updateTicket(trx, id, { status, updated_at: now, ...(reopened ? { due_date: repo.answerDueDate(now) } : {}) });
  });
  return getTicket(deps, actor, id);
}

// ---- Staff side ----

export type StaffTicketView = {
  id: string;
  /** Null for a request from the public form. */
  customerId: string | null;
  source: 'cabinet' | 'public';
  customerPhoneMasked: string;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  assignedTo: { id: string; fullName: string } | null;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string;
  messagesCount: number;
  dueDate: string;
  /** Waiting for us past its due date. */
  overdue: boolean;
  /** Waiting for us, due within `DUE_SOON_WORKING_DAYS` working days (today included). */
  dueSoon: boolean;
};

const publicPhoneField = (rowId: string) => ({ table: 'support_tickets', column: 'public_phone_ct', rowId });
const publicContactField = (rowId: string) => ({ table: 'support_tickets', column: 'public_contact_ct', rowId });

/** The phone a request is about: the customer's, or the one typed in the public form. */
function phoneOf(keys: Keys, row: { id: string; customer_phone: string | null; public_phone_ct: Uint8Array | null }): string {
  if (row.customer_phone !== null) return row.customer_phone;
  return row.public_phone_ct ? openField(keys, publicPhoneField(row.id), row.public_phone_ct) : '';
}

/** How the due date stands today: only a request waiting for us can be late. */
export function answerTiming(status: TicketStatus, dueDate: string, today: string): { overdue: boolean; dueSoon: boolean } {
  if (!isWaitingForUs(status)) return { overdue: false, dueSoon: false };
  if (today > dueDate) return { overdue: true, dueSoon: false };
  return { overdue: false, dueSoon: workingDaysBetween(today, dueDate) < DUE_SOON_WORKING_DAYS };
}

function staffView(keys: Keys, row: repo.InboxRow, today: string): StaffTicketView {
  const dueDate = dueDateOf(row);
  return {
    id: row.id,
    customerId: row.customer_id,
    source: row.customer_id === null ? 'public' : 'cabinet',
    customerPhoneMasked: maskPhone(phoneOf(keys, row)),
    category: row.category,
    subject: row.subject,
    status: row.status,
    assignedTo: row.assigned_to ? { id: row.assigned_to, fullName: row.assigned_name ?? '' } : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastMessageAt: (row.last_message_at ?? row.created_at).toISOString(),
    messagesCount: row.messages_count,
    dueDate,
    ...answerTiming(row.status, dueDate, today),
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
  /** `due`: the earliest due date first. */
  sort?: 'due' | undefined;
};

export async function inbox(deps: SupportDeps, staff: StaffActor, query: InboxQuery): Promise<{ items: StaffTicketView[]; nextBefore: string | null }> {
  const statuses = query.status && query.status.length > 0 ? query.status : undefined;
  // Only what waits for us is a queue: the longest-waiting first. Anything else: the latest change first.
  const order = query.sort === 'due' ? 'due' : statuses && statuses.every(isWaitingForUs) ? 'waiting' : 'recent';
  const assignedTo = query.assignedTo === 'me' ? staff.staffId : query.assignedTo === 'none' ? null : query.assignedTo;
  const rows = await repo.inbox(
    deps.db,
    { statuses, category: query.category, assignedTo },
    { order, after: query.before ? decodeCursor(query.before) : null, limit: INBOX_PAGE + 1 },
  );
  const page = rows.slice(0, INBOX_PAGE);
  const last = page[page.length - 1];
  const lastKey = last ? (order === 'waiting' ? last.sort_at : order === 'due' ? new Date(`${last.due_key}T00:00:00Z`) : last.updated_at) : null;
  const today = moscowDate(deps.clock.now());
  return {
    items: page.map((row) => staffView(deps.keys, row, today)),
    nextBefore: rows.length > INBOX_PAGE && last && lastKey ? encodeCursor(lastKey, last.id) : null,
  };
}

export async function staffTicket(deps: SupportDeps, id: string) {
  const [row] = await repo.inbox(deps.db, { ticketId: id }, { order: 'recent', after: null, limit: 1 });
  if (!row) throw notFound();
  const messages = await repo.listMessages(deps.db, id);
  const files = await attachmentsByMessage(deps.db, id);
  const view = staffView(deps.keys, row, moscowDate(deps.clock.now()));
  return {
    ...view,
    customer: row.customer_id === null ? null : { id: row.customer_id, phoneMasked: view.customerPhoneMasked },
    publicRequest: row.customer_id === null ? await publicRequestView(deps, row) : null,
    messages: messages.map((m) => ({
      id: m.id,
      author: m.author_type,
      authorName: m.author_type === 'staff' ? (m.staff_name ?? SUPPORT_SIGNATURE) : null,
      staffId: m.staff_id,
      body: m.body,
      createdAt: m.created_at.toISOString(),
      attachments: files.get(m.id) ?? [],
    })),
  };
}

/**
 * What support needs to call a public request back: the phone in full and the contact given, and
 * whether a customer has that phone (to look at their login codes). Staff only: the form's own
 * reply never says.
 */
async function publicRequestView(deps: SupportDeps, row: repo.InboxRow) {
  const phone = phoneOf(deps.keys, row);
  const ticket = await deps.db.selectFrom('support_tickets').select('public_contact_ct').where('id', '=', row.id).executeTakeFirstOrThrow();
  const contact = ticket.public_contact_ct ? openField(deps.keys, publicContactField(row.id), ticket.public_contact_ct) : null;
  return { phone, contact, matchedCustomerId: await repo.customerIdByPhone(deps.db, phone) };
}

/**
 * A staff reply: the message, the status `waiting_customer`, an SMS (and an email to a confirmed
 * address) that only says there is an answer (the text stays in the cabinet, behind the login) and
 * an audit record — all in one transaction. A public request has nobody to notify. A closed
 * request takes no reply (409): open it again first.
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
    if (ticket.customer_id !== null) await notifyCustomer(deps, trx, ticket.customer_id, replyNotice(ticket.subject));
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
 * only opens again as `in_progress` (else 409). A new status is sent to the customer (SMS, and email
 * to a confirmed address); a change of assignee alone is not.
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
    if (status !== ticket.status && ticket.customer_id !== null) {
      await notifyCustomer(deps, trx, ticket.customer_id, statusNotice(ticket.subject, status));
    }
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

// ---- The public «Не приходит SMS» form ----

/** The limit hit, and when the oldest request in its window leaves it. */
function publicLimitError(window: repo.WindowCount, windowMs: number, now: Date, message: string): AppError {
  const until = (window.oldest?.getTime() ?? now.getTime()) + windowMs;
  return new AppError('too_many_requests', message, { retryAfterSec: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) });
}

/**
 * A request from someone who cannot log in because the code does not arrive. No session, so:
 * limited per IP (5 an hour) and per phone (3 a day), counted in PostgreSQL; never linked to the
 * account with that phone, and the reply is the same whether or not one exists. The phone and the
 * contact are sealed.
 */
export async function createPublicSmsTicket(
  deps: SupportDeps,
  input: { phone: RussianMobile; message?: string | undefined; contact?: string | undefined },
  meta: { ip: string },
): Promise<{ id: string; status: 'new'; dueDate: string }> {
  const id = deps.random.uuid();
  const phoneHash = hmacSha256(deps.keys.lookupKey, `support-public:${input.phone}`);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await repo.lockPublicKeys(trx, { phoneHash: phoneHash.toString('hex'), ip: meta.ip });
    const counts = await repo.countPublicRequests(trx, { phoneHash, ip: meta.ip }, {
      phone: new Date(now.getTime() - DAY_MS),
      ip: new Date(now.getTime() - HOUR_MS),
    });
    if (counts.phone.count >= PUBLIC_PER_PHONE_DAY) {
      throw publicLimitError(counts.phone, DAY_MS, now, 'По этому номеру уже есть обращения за сегодня — мы их видим и ответим. Новое можно будет отправить позже.');
    }
    if (counts.ip.count >= PUBLIC_PER_IP_HOUR) {
      throw publicLimitError(counts.ip, HOUR_MS, now, 'С этого устройства отправлено слишком много обращений. Попробуйте через час или позвоните нам.');
    }
    await repo.recordPublicRequest(trx, { phoneHash, ip: meta.ip, at: now, before: new Date(now.getTime() - DAY_MS) });
    await repo.insertTicket(trx, {
      id,
      customerId: null,
      category: 'sms',
      subject: PUBLIC_SMS_SUBJECT,
      now,
      publicPhone: sealField(deps.keys, publicPhoneField(id), input.phone),
      publicContact: input.contact ? sealField(deps.keys, publicContactField(id), input.contact) : null,
    });
    await repo.insertMessage(trx, {
      id: deps.random.uuid(),
      ticketId: id,
      author: 'customer',
      staffId: null,
      body: input.message || PUBLIC_SMS_DEFAULT_MESSAGE,
      now,
    });
  });
  return { id, status: 'new', dueDate: repo.answerDueDate(now) };
}

// ---- Attachments ----

export type Uploader = { kind: 'customer'; actor: Actor } | { kind: 'staff'; staff: StaffActor; meta: RequestMeta };

/**
 * A file attached to a message: the uploader's own message in this ticket, written at most
 * `ATTACH_WINDOW_MS` ago, not in a closed request, at most 3 files a message, ≤ 5 MiB, of a type
 * sniffed from the bytes. Another customer's ticket (or message) is simply not found. Staff uploads
 * are audited.
 */
export async function addAttachment(
  deps: SupportDeps,
  who: Uploader,
  input: { ticketId: string; messageId: string; bytes: Uint8Array; fileName: string | null },
): Promise<AttachmentView & { messageId: string }> {
  if (input.bytes.length === 0) throw new AppError('validation_failed', 'Файл пустой. Выберите другой файл.');
  if (input.bytes.length > MAX_ATTACHMENT_BYTES) throw new AppError('payload_too_large', TOO_LARGE_MESSAGE);
  const mime = sniffAttachmentType(input.bytes);
  if (!mime) throw new AppError('validation_failed', TYPE_REFUSED_MESSAGE);
  const name = cleanFileName(input.fileName, mime);
  const id = deps.random.uuid();
  await deps.db.transaction().execute(async (trx) => {
    const ticket = await repo.findTicket(trx, input.ticketId, {
      ...(who.kind === 'customer' ? { customerId: who.actor.customerId } : {}),
      forUpdate: true,
    });
    if (!ticket) throw notFound();
    const message = await repo.findMessage(trx, input.ticketId, input.messageId);
    const own =
      message && (who.kind === 'customer' ? message.author_type === 'customer' : message.author_type === 'staff' && message.staff_id === who.staff.staffId);
    if (!message || !own) throw new AppError('not_found', 'Сообщение не найдено: файлы прикрепляют к своему сообщению.');
    if (ticket.status === 'closed') throw new AppError('conflict', 'Обращение закрыто: файлы к нему больше не прикрепить.');
    const now = deps.clock.now();
    if (now.getTime() - message.created_at.getTime() > ATTACH_WINDOW_MS) {
      throw new AppError('conflict', 'Файлы прикрепляют сразу после сообщения. Напишите новое сообщение и прикрепите файл к нему.');
    }
    if ((await repo.countAttachments(trx, input.messageId)) >= MAX_ATTACHMENTS_PER_MESSAGE) {
      throw new AppError('conflict', `К одному сообщению можно прикрепить не больше ${MAX_ATTACHMENTS_PER_MESSAGE} файлов.`);
    }
    // The files of a message keep their upload order, even within one millisecond.
    const last = await repo.lastAttachmentTime(trx, input.messageId);
    await repo.insertAttachment(trx, {
      id,
      ticketId: input.ticketId,
      messageId: input.messageId,
      fileName: name,
      mime,
      content: input.bytes,
      sha256: sha256(Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength)),
      now: last && last.getTime() >= now.getTime() ? new Date(last.getTime() + 1) : now,
    });
    if (who.kind === 'staff') {
      await recordAudit(trx, { random: deps.random, now }, {
        actor: { type: 'staff', id: who.staff.staffId },
        action: 'ticket.attachment_added',
        entity: { type: 'support_ticket', id: input.ticketId },
        from: who.meta,
        details: { attachmentId: id, messageId: input.messageId, mimeType: mime, size: input.bytes.length },
      });
    }
  });
  return { id, messageId: input.messageId, name, mimeType: mime, size: input.bytes.length };
}

/**
 * A file for download: its customer (the ticket's owner) or support staff. Anyone else: not found.
 * A staff download of a customer's file is personal data access and is audited.
 */
export async function attachmentForDownload(
  deps: SupportDeps,
  who: { customer: Actor | null; staff: StaffActor | null; meta: RequestMeta },
  id: string,
): Promise<{ name: string; mimeType: SupportAttachmentMime; content: Buffer }> {
  const file = await repo.findAttachment(deps.db, id);
  const allowed = file && (who.staff !== null || (who.customer !== null && file.customer_id === who.customer.customerId));
  if (!file || !allowed) throw new AppError('not_found', 'Файл не найден.');
  if (who.staff !== null && !(who.customer !== null && file.customer_id === who.customer.customerId)) {
    await recordAuditAlone(deps.db, { random: deps.random, now: deps.clock.now() }, {
      actor: { type: 'staff', id: who.staff.staffId },
      action: 'ticket.attachment_downloaded',
      entity: { type: 'support_ticket', id: file.ticket_id },
      from: who.meta,
      details: { attachmentId: file.id },
    });
  }
  return { name: file.file_name, mimeType: file.mime_type, content: Buffer.from(file.content) };
}
