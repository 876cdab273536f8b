import { sql, type Kysely, type Transaction } from 'kysely';
import { addWorkingDays } from '../../../core/calendar/working-days';
import { moscowDate, type BusinessDate } from '../../../core/dates';
import type { DB, SupportAttachmentMime, TicketCategory, TicketStatus } from '../../db/schema';

type Db = Kysely<DB> | Transaction<DB>;

/** Serialises one customer's ticket creation, so the daily count and the insert agree. */
export async function lockCustomerTickets(trx: Transaction<DB>, customerId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`support:tickets:${customerId}`}))`.execute(trx);
}

export async function countTicketsSince(db: Db, customerId: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('support_tickets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('customer_id', '=', customerId)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Working days to answer a request (СРО Базовый стандарт, DOMAIN.md R20). */
export const ANSWER_WORKING_DAYS = 15;

/** The last day of the answer to a request received at `at`: its Moscow date + 15 working days. */
export function answerDueDate(at: Date): BusinessDate {
  return addWorkingDays(moscowDate(at), ANSWER_WORKING_DAYS);
}

/**
 * A new request, `new`, due in 15 working days. A customer's (`customerId`), or one from the public
 * form (`customerId` null and the sealed phone, `publicContact` optional).
 */
export async function insertTicket(
  db: Db,
  row: {
    id: string;
    customerId: string | null;
    category: TicketCategory;
    subject: string;
    now: Date;
    publicPhone?: Uint8Array | null;
    publicContact?: Uint8Array | null;
  },
): Promise<void> {
  await db
    .insertInto('support_tickets')
    .values({
      id: row.id,
      customer_id: row.customerId,
      category: row.category,
      subject: row.subject,
      status: 'new',
      assigned_to: null,
      created_at: row.now,
      updated_at: row.now,
      due_date: answerDueDate(row.now),
      public_phone_ct: row.publicPhone ?? null,
      public_contact_ct: row.publicContact ?? null,
    })
    .execute();
}

export async function insertMessage(
  db: Db,
  row: { id: string; ticketId: string; author: 'customer' | 'staff'; staffId: string | null; body: string; now: Date },
): Promise<void> {
  await db
    .insertInto('support_messages')
    .values({ id: row.id, ticket_id: row.ticketId, author_type: row.author, staff_id: row.staffId, body: row.body, created_at: row.now })
    .execute();
}

/**
 * The ticket row, locked for the rest of the transaction when `forUpdate`: every change to a ticket
 * (a message, a reply, a status or assignee change) takes this lock first, so concurrent changes
 * queue and each sees the status the previous one left.
 */
export function findTicket(db: Db, id: string, options: { customerId?: string; forUpdate?: boolean } = {}) {
  let query = db
    .selectFrom('support_tickets')
    .select(['id', 'customer_id', 'category', 'subject', 'status', 'assigned_to', 'created_at', 'updated_at', 'due_date'])
    .where('id', '=', id);
  // Owner-scoped: another customer's ticket is simply not found.
  if (options.customerId !== undefined) query = query.where('customer_id', '=', options.customerId);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function lastMessageTime(db: Db, ticketId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('support_messages')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where('ticket_id', '=', ticketId)
    .executeTakeFirst();
  return row?.at ?? null;
}

export async function updateTicket(
  db: Db,
  id: string,
  changes: { status?: TicketStatus; assigned_to?: string | null; updated_at: Date; due_date?: string },
): Promise<void> {
  await db.updateTable('support_tickets').set(changes).where('id', '=', id).execute();
}

export type CustomerTicketRow = {
  id: string;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  created_at: Date;
  updated_at: Date;
  last_message_at: Date | null;
  due_date: string | null;
};

const lastMessageAt = sql<Date | null>`(SELECT max(m.created_at) FROM support_messages m WHERE m.ticket_id = support_tickets.id)`;

export function listCustomerTickets(db: Db, customerId: string): Promise<CustomerTicketRow[]> {
  return db
    .selectFrom('support_tickets')
    .select(['id', 'category', 'subject', 'status', 'created_at', 'updated_at', 'due_date', lastMessageAt.as('last_message_at')])
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export function customerTicket(db: Db, customerId: string, id: string): Promise<CustomerTicketRow | undefined> {
  return db
    .selectFrom('support_tickets')
    .select(['id', 'category', 'subject', 'status', 'created_at', 'updated_at', 'due_date', lastMessageAt.as('last_message_at')])
    .where('id', '=', id)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
}

export function listMessages(db: Db, ticketId: string) {
  return db
    .selectFrom('support_messages as m')
    .leftJoin('staff as s', 's.id', 'm.staff_id')
    .select(['m.id', 'm.author_type', 'm.staff_id', 's.full_name as staff_name', 'm.body', 'm.created_at'])
    .where('m.ticket_id', '=', ticketId)
    .orderBy('m.created_at')
    .orderBy('m.id')
    .execute();
}

// ---- Staff inbox ----

export type InboxRow = {
  id: string;
  customer_id: string | null;
  /** Null for a public request: its phone is `public_phone_ct`. */
  customer_phone: string | null;
  public_phone_ct: Uint8Array | null;
  due_date: string | null;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  assigned_to: string | null;
  assigned_name: string | null;
  created_at: Date;
  updated_at: Date;
  last_message_at: Date | null;
  messages_count: number;
  /** For tickets waiting for us (new, in_progress): the customer's first message since our last reply (the ticket's change time if none). */
  waiting_since: Date | null;
  /** The key of the `waiting` order. */
  sort_at: Date;
  /** The key of the `due` order: the due date, rows without one last. */
  due_key: string;
};

export type InboxFilter = {
  /** Any of these statuses. */
  statuses?: readonly TicketStatus[] | undefined;
  category?: TicketCategory | undefined;
  /** A staff id, or null for unassigned tickets. */
  assignedTo?: string | null | undefined;
  ticketId?: string;
};

/**
 * The inbox order: for tickets waiting for us (`new`, `in_progress`), the longest-waiting first
 * (waiting since the customer's first message after our last reply); otherwise the most recently
 * changed first; or (`due`) the earliest answer due date first. Keyset pages on
 * (sort key, id), so a page never skips or repeats a ticket as new ones arrive.
 */
export async function inbox(
  db: Db,
  filter: InboxFilter,
  page: { order: 'waiting' | 'recent' | 'due'; after: { at: Date; id: string } | null; limit: number },
): Promise<InboxRow[]> {
  // A deleted customer's requests are hidden from staff (SECURITY.md PD-8), except the deletion
  // request itself: its ticket is the record of the request (its text goes with the destruction).
  const conditions = [sql`(t.category = 'deletion' OR NOT EXISTS (SELECT 1 FROM customers d WHERE d.id = t.customer_id AND d.deleted_at IS NOT NULL))`];
  if (filter.ticketId !== undefined) conditions.push(sql`t.id = ${filter.ticketId}`);
  if (filter.statuses !== undefined && filter.statuses.length > 0) {
    conditions.push(sql`t.status IN (${sql.join(filter.statuses.map((status) => sql`${status}`))})`);
  }
  if (filter.category !== undefined) conditions.push(sql`t.category = ${filter.category}`);
  if (filter.assignedTo === null) conditions.push(sql`t.assigned_to IS NULL`);
  else if (filter.assignedTo !== undefined) conditions.push(sql`t.assigned_to = ${filter.assignedTo}`);

  // The recent and due orders are on a column: filter, seek and cut the page before the per-ticket
  // figures are computed. The waiting order needs the figures first (the queue waiting for us is the short one).
  const recent = page.order === 'recent';
  const due = page.order === 'due';
  const dueKey = sql`coalesce(t.due_date, DATE '9999-12-31')`;
  const direction = recent ? sql`DESC` : sql`ASC`;
  const seekColumn = !page.after
    ? sql``
    : recent
      ? sql`AND (t.updated_at, t.id) < (${page.after.at}, ${page.after.id})`
      : due
        ? sql`AND (${dueKey}, t.id) > (${page.after.at.toISOString().slice(0, 10)}::date, ${page.after.id})`
        : sql``;
  const cutColumn = recent
    ? sql`ORDER BY t.updated_at DESC, t.id DESC LIMIT ${page.limit}`
    : due
      ? sql`ORDER BY ${dueKey} ASC, t.id ASC LIMIT ${page.limit}`
      : sql``;
  const seekWaiting = page.order === 'waiting' && page.after ? sql`WHERE (x.sort_at, x.id) > (${page.after.at}, ${page.after.id})` : sql``;
  const orderKey = recent ? sql.ref('x.updated_at') : due ? sql.ref('x.due_key') : sql.ref('x.sort_at');

  const result = await sql<InboxRow>`
    WITH picked AS (
      SELECT t.* FROM support_tickets t
       WHERE ${sql.join(conditions, sql` AND `)} ${seekColumn}
       ${cutColumn}
    )
    SELECT * FROM (
      SELECT t.id, t.customer_id, c.phone AS customer_phone, t.public_phone_ct, t.due_date,
             coalesce(t.due_date, DATE '9999-12-31') AS due_key, t.category, t.subject, t.status,
             t.assigned_to, a.full_name AS assigned_name, t.created_at, t.updated_at,
             s.last_message_at, s.messages_count,
             CASE WHEN t.status IN ('new', 'in_progress') THEN coalesce(w.waiting_since, t.updated_at) END AS waiting_since,
             coalesce(w.waiting_since, t.updated_at) AS sort_at
        FROM picked t
        LEFT JOIN customers c ON c.id = t.customer_id
        LEFT JOIN staff a ON a.id = t.assigned_to
        CROSS JOIN LATERAL (
          SELECT count(*)::int AS messages_count,
                 max(m.created_at) AS last_message_at,
                 max(m.created_at) FILTER (WHERE m.author_type = 'staff') AS last_staff_at
            FROM support_messages m
           WHERE m.ticket_id = t.id
        ) s
        CROSS JOIN LATERAL (
          SELECT min(m.created_at) AS waiting_since
            FROM support_messages m
           WHERE m.ticket_id = t.id AND m.author_type = 'customer'
             AND (s.last_staff_at IS NULL OR m.created_at > s.last_staff_at)
        ) w
    ) x
    ${seekWaiting}
    ORDER BY ${orderKey} ${direction}, x.id ${direction}
    LIMIT ${page.limit}
  `.execute(db);
  return result.rows;
}

/** An active staff member who may handle support requests (support or admin), or undefined. */
export function findAssignableStaff(trx: Transaction<DB>, id: string) {
  return trx
    .selectFrom('staff')
    .select(['id', 'full_name'])
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .where(sql<boolean>`roles && ARRAY['support', 'admin']::text[]`)
    // Held until commit: the member cannot be disabled between this check and the assignment.
    .forShare()
    .executeTakeFirst();
}

export function customerPhone(db: Db, customerId: string): Promise<string> {
  return db
    .selectFrom('customers')
    .select('phone')
    .where('id', '=', customerId)
    .executeTakeFirstOrThrow()
    .then((row) => row.phone);
}

/** The customer with this phone, if any (staff see it beside a public request; the public never do). */
export async function customerIdByPhone(db: Db, phone: string): Promise<string | null> {
  const row = await db.selectFrom('customers').select('id').where('phone', '=', phone).executeTakeFirst();
  return row?.id ?? null;
}

// ---- Attachments ----

export type AttachmentMeta = { id: string; message_id: string; file_name: string; mime_type: SupportAttachmentMime; size_bytes: number; created_at: Date };

/** The files of a ticket's messages, without their bytes. */
export function listAttachments(db: Db, ticketId: string): Promise<AttachmentMeta[]> {
  return db
    .selectFrom('support_attachments')
    .select(['id', 'message_id', 'file_name', 'mime_type', 'size_bytes', 'created_at'])
    .where('ticket_id', '=', ticketId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function findMessage(db: Db, ticketId: string, messageId: string) {
  return db
    .selectFrom('support_messages')
    .select(['id', 'author_type', 'staff_id', 'created_at'])
    .where('id', '=', messageId)
    .where('ticket_id', '=', ticketId)
    .executeTakeFirst();
}

export async function lastAttachmentTime(db: Db, messageId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('support_attachments')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return row?.at ?? null;
}

export async function countAttachments(db: Db, messageId: string): Promise<number> {
  const row = await db
    .selectFrom('support_attachments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('message_id', '=', messageId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertAttachment(
  db: Db,
  row: { id: string; ticketId: string; messageId: string; fileName: string; mime: SupportAttachmentMime; content: Uint8Array; sha256: Uint8Array; now: Date },
): Promise<void> {
  await db
    .insertInto('support_attachments')
    .values({
      id: row.id,
      ticket_id: row.ticketId,
      message_id: row.messageId,
      file_name: row.fileName,
      mime_type: row.mime,
      size_bytes: row.content.length,
      sha256: row.sha256,
      content: row.content,
      created_at: row.now,
    })
    .execute();
}

/** One file with its bytes and the ticket's owner (null: a public request). */
export function findAttachment(db: Db, id: string) {
  return db
    .selectFrom('support_attachments as f')
    .innerJoin('support_tickets as t', 't.id', 'f.ticket_id')
    .select(['f.id', 'f.ticket_id', 'f.file_name', 'f.mime_type', 'f.size_bytes', 'f.content', 't.customer_id'])
    .where('f.id', '=', id)
    .executeTakeFirst();
}

// ---- The public form's limits ----

/**
 * Serialises public requests for the same phone and IP (in that order, as auth does), so the
 * counts read after the locks are exact across processes.
 */
export async function lockPublicKeys(trx: Transaction<DB>, keys: { phoneHash: string; ip: string }): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`support:public:phone:${keys.phoneHash}`})),
                   pg_advisory_xact_lock(hashtext(${`support:public:ip:${keys.ip}`}))`.execute(trx);
}

export type WindowCount = { count: number; oldest: Date | null };

export async function countPublicRequests(
  trx: Transaction<DB>,
  keys: { phoneHash: Uint8Array; ip: string },
  since: { phone: Date; ip: Date },
): Promise<{ phone: WindowCount; ip: WindowCount }> {
  const result = await sql<{ phone_n: number; phone_oldest: Date | string | null; ip_n: number; ip_oldest: Date | string | null }>`
    SELECT
      (SELECT count(*)::int FROM support_public_log WHERE phone_hash = ${keys.phoneHash} AND at > ${since.phone}) AS phone_n,
      (SELECT min(at) FROM support_public_log WHERE phone_hash = ${keys.phoneHash} AND at > ${since.phone}) AS phone_oldest,
      (SELECT count(*)::int FROM support_public_log WHERE ip = ${keys.ip} AND at > ${since.ip}) AS ip_n,
      (SELECT min(at) FROM support_public_log WHERE ip = ${keys.ip} AND at > ${since.ip}) AS ip_oldest
  `.execute(trx);
  const r = result.rows[0]!;
  const toDate = (v: Date | string | null) => (v === null ? null : new Date(v));
  return { phone: { count: r.phone_n, oldest: toDate(r.phone_oldest) }, ip: { count: r.ip_n, oldest: toDate(r.ip_oldest) } };
}

/** Records an accepted request and drops entries older than any window (`before`). */
export async function recordPublicRequest(trx: Transaction<DB>, row: { phoneHash: Uint8Array; ip: string; at: Date; before: Date }): Promise<void> {
  await trx.insertInto('support_public_log').values({ phone_hash: row.phoneHash, ip: row.ip, at: row.at }).execute();
  await trx.deleteFrom('support_public_log').where('at', '<', row.before).execute();
}
