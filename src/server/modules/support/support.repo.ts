import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, TicketCategory, TicketStatus } from '../../db/schema';

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

export async function insertTicket(
  db: Db,
  row: { id: string; customerId: string; category: TicketCategory; subject: string; now: Date },
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
    .select(['id', 'customer_id', 'category', 'subject', 'status', 'assigned_to', 'created_at', 'updated_at'])
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
  changes: { status?: TicketStatus; assigned_to?: string | null; updated_at: Date },
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
};

const lastMessageAt = sql<Date | null>`(SELECT max(m.created_at) FROM support_messages m WHERE m.ticket_id = support_tickets.id)`;

export function listCustomerTickets(db: Db, customerId: string): Promise<CustomerTicketRow[]> {
  return db
    .selectFrom('support_tickets')
    .select(['id', 'category', 'subject', 'status', 'created_at', 'updated_at', lastMessageAt.as('last_message_at')])
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export function customerTicket(db: Db, customerId: string, id: string): Promise<CustomerTicketRow | undefined> {
  return db
    .selectFrom('support_tickets')
    .select(['id', 'category', 'subject', 'status', 'created_at', 'updated_at', lastMessageAt.as('last_message_at')])
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
  customer_id: string;
  customer_phone: string;
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
 * changed first. Keyset pages on
 * (sort key, id), so a page never skips or repeats a ticket as new ones arrive.
 */
export async function inbox(
  db: Db,
  filter: InboxFilter,
  page: { order: 'waiting' | 'recent'; after: { at: Date; id: string } | null; limit: number },
): Promise<InboxRow[]> {
  const conditions = [sql`true`];
  if (filter.ticketId !== undefined) conditions.push(sql`t.id = ${filter.ticketId}`);
  if (filter.statuses !== undefined && filter.statuses.length > 0) {
    conditions.push(sql`t.status IN (${sql.join(filter.statuses.map((status) => sql`${status}`))})`);
  }
  if (filter.category !== undefined) conditions.push(sql`t.category = ${filter.category}`);
  if (filter.assignedTo === null) conditions.push(sql`t.assigned_to IS NULL`);
  else if (filter.assignedTo !== undefined) conditions.push(sql`t.assigned_to = ${filter.assignedTo}`);

  // The recent order is on a column: filter, seek and cut the page before the per-ticket figures
  // are computed. The waiting order needs the figures first (the queue waiting for us is the short one).
  const recent = page.order === 'recent';
  const direction = recent ? sql`DESC` : sql`ASC`;
  const seekRecent = recent && page.after ? sql`AND (t.updated_at, t.id) < (${page.after.at}, ${page.after.id})` : sql``;
  const cutRecent = recent ? sql`ORDER BY t.updated_at DESC, t.id DESC LIMIT ${page.limit}` : sql``;
  const seekWaiting = !recent && page.after ? sql`WHERE (x.sort_at, x.id) > (${page.after.at}, ${page.after.id})` : sql``;

  const result = await sql<InboxRow>`
    WITH picked AS (
      SELECT t.* FROM support_tickets t
       WHERE ${sql.join(conditions, sql` AND `)} ${seekRecent}
       ${cutRecent}
    )
    SELECT * FROM (
      SELECT t.id, t.customer_id, c.phone AS customer_phone, t.category, t.subject, t.status,
             t.assigned_to, a.full_name AS assigned_name, t.created_at, t.updated_at,
             s.last_message_at, s.messages_count,
             CASE WHEN t.status IN ('new', 'in_progress') THEN coalesce(w.waiting_since, t.updated_at) END AS waiting_since,
             coalesce(w.waiting_since, t.updated_at) AS sort_at
        FROM picked t
        JOIN customers c ON c.id = t.customer_id
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
    ORDER BY ${recent ? sql.ref('x.updated_at') : sql.ref('x.sort_at')} ${direction}, x.id ${direction}
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
