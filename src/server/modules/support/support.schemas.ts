import { z } from 'zod';
import type { TicketCategory, TicketStatus } from '../../db/schema';

export const TICKET_CATEGORIES = ['sms', 'payment', 'loan', 'deletion', 'other'] as const satisfies readonly TicketCategory[];
export const TICKET_STATUSES = ['new', 'in_progress', 'waiting_customer', 'resolved', 'closed'] as const satisfies readonly TicketStatus[];
/** The statuses staff may set by hand; `new` is only ever the status of a request nobody has taken. */
export const STAFF_SET_STATUSES = ['in_progress', 'waiting_customer', 'resolved', 'closed'] as const satisfies readonly TicketStatus[];
/** Waiting for us: the inbox's default list, the longest-waiting first. */
export const WAITING_FOR_US = ['new', 'in_progress'] as const satisfies readonly TicketStatus[];

/** The longest subject and message (characters, as PostgreSQL's length() counts them). */
export const SUBJECT_MAX = 200;
export const BODY_MAX = 4000;

// Control characters other than tab and newline never belong in a message (and NUL cannot be stored).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
const characters = (text: string) => [...text].length;

/** Text a person typed: controls removed, trimmed, 1…max characters, with Russian messages. */
function typedText(options: { max: number; empty: string; tooLong: string; singleLine?: boolean }) {
  return z
    .string({ error: options.empty })
    .transform((raw) => {
      const text = raw.replace(/\r\n?/g, '\n').replace(CONTROL, '');
      return (options.singleLine ? text.replace(/\s+/g, ' ') : text).trim();
    })
    .pipe(
      z
        .string()
        .min(1, { error: options.empty })
        .refine((text) => characters(text) <= options.max, { error: options.tooLong }),
    );
}

const subject = typedText({ max: SUBJECT_MAX, empty: 'Укажите тему обращения.', tooLong: `Тема — не длиннее ${SUBJECT_MAX} символов.`, singleLine: true });
const body = (empty: string) => typedText({ max: BODY_MAX, empty, tooLong: `Сообщение — не длиннее ${BODY_MAX} символов.` });

export const CategorySchema = z.enum(TICKET_CATEGORIES, {
  error: 'Выберите тему: SMS, оплата, заём, удаление аккаунта или другое.',
});
const STATUS_ERROR = 'Статус: new, in_progress, waiting_customer, resolved или closed.';
export const StatusSchema = z.enum(TICKET_STATUSES, { error: STATUS_ERROR });
const isStatus = (value: string): value is TicketStatus => (TICKET_STATUSES as readonly string[]).includes(value);

/** `?status=new` or several at once, `?status=new,in_progress` (what is waiting for us). */
const StatusListParam = z
  .string()
  .refine((text) => text.split(',').every(isStatus), { error: STATUS_ERROR })
  .transform((text) => [...new Set(text.split(','))] as TicketStatus[])
  .meta({ description: 'One status or several, comma-separated (new,in_progress: waiting for us)' });

export const CreateTicketBody = z.strictObject({
  category: CategorySchema,
  subject,
  message: body('Опишите вопрос.'),
});

export const MessageBody = z.strictObject({ body: body('Напишите сообщение.') });

/** `?status=` with nothing after it is the same as no filter. */
const optionalParam = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const StaffTicketsQuery = z.strictObject({
  status: optionalParam(StatusListParam),
  category: optionalParam(CategorySchema),
  assignedTo: optionalParam(
    z.union([z.literal('me'), z.literal('none'), z.uuid()], { error: 'Исполнитель: me, none или идентификатор сотрудника.' }),
  ),
  before: optionalParam(z.string().max(200, { error: 'Ссылка на страницу устарела: откройте список заново.' })),
});

export const UpdateTicketBody = z
  .strictObject({
    status: z
      .enum(STAFF_SET_STATUSES, { error: 'Статус: in_progress, waiting_customer, resolved или closed (new ставится только новому обращению).' })
      .optional(),
    assignedTo: z.uuid({ error: 'Выберите сотрудника из списка.' }).nullable().optional(),
  })
  .refine((b) => b.status !== undefined || b.assignedTo !== undefined, { error: 'Нечего менять.' });

// ---- Replies ----

const Message = z.object({
  id: z.uuid(),
  author: z.enum(['customer', 'staff']),
  /** Customer side: a staff member's first name or «Поддержка CarCapital»; null for the customer's own. */
  authorName: z.string().nullable(),
  body: z.string(),
  createdAt: z.iso.datetime(),
});

/** What the customer sees: no assignee, no staff identities. */
export const Ticket = z.object({
  id: z.uuid(),
  category: CategorySchema,
  subject: z.string(),
  status: StatusSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  lastMessageAt: z.iso.datetime(),
});

export const TicketWithMessages = Ticket.extend({ messages: z.array(Message) });

export const StaffTicket = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  customerPhoneMasked: z.string(),
  category: CategorySchema,
  subject: z.string(),
  status: StatusSchema,
  assignedTo: z.object({ id: z.uuid(), fullName: z.string() }).nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  lastMessageAt: z.iso.datetime(),
  messagesCount: z.number().int(),
});

export const StaffTicketPage = z.object({ items: z.array(StaffTicket), nextBefore: z.string().nullable() });

export const StaffTicketDetail = StaffTicket.extend({
  customer: z.object({ id: z.uuid(), phoneMasked: z.string() }),
  messages: z.array(
    Message.extend({
      /** Staff side: the colleague's full name for staff messages. */
      staffId: z.uuid().nullable(),
    }),
  ),
});
