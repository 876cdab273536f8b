import { z } from 'zod';
import { normalizeRussianMobile } from '../../../core/phone';
import type { SupportAttachmentMime, TicketCategory, TicketStatus } from '../../db/schema';

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
  sort: optionalParam(z.enum(['due'], { error: 'Сортировка: due (по сроку ответа) или никакой.' })),
});

// ---- The public «Не приходит SMS» form ----

const PHONE_ERROR = 'Введите номер российского мобильного телефона: +7 9XX XXX-XX-XX.';
export const CONTACT_MAX = 200;
export const PUBLIC_MESSAGE_MAX = 2000;

/** Empty or missing: not given. */
const optionalText = (schema: z.ZodType<string>) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());

export const PublicSmsProblemBody = z.strictObject({
  phone: z
    .string({ error: 'Введите номер телефона.' })
    .max(40, { error: PHONE_ERROR })
    .transform((raw, ctx) => {
      const phone = normalizeRussianMobile(raw);
      if (!phone) {
        ctx.addIssue({ code: 'custom', message: PHONE_ERROR });
        return z.NEVER;
      }
      return phone;
    }),
  message: optionalText(
    typedText({ max: PUBLIC_MESSAGE_MAX, empty: 'Опишите, что происходит.', tooLong: `Сообщение — не длиннее ${PUBLIC_MESSAGE_MAX} символов.` }),
  ),
  contact: optionalText(
    typedText({ max: CONTACT_MAX, empty: 'Укажите, как с вами связаться.', tooLong: `Контакт — не длиннее ${CONTACT_MAX} символов.`, singleLine: true }),
  ),
});

export const PublicSmsProblemReply = z.object({ id: z.uuid(), status: z.literal('new'), dueDate: z.iso.date() });

// ---- Attachments ----

export const AttachmentQuery = z.strictObject({
  messageId: z.uuid({ error: 'Укажите сообщение, к которому прикрепить файл.' }),
});

const MIME_TYPES = ['image/jpeg', 'image/png', 'application/pdf', 'image/webp', 'image/heic'] as const satisfies readonly SupportAttachmentMime[];

export const Attachment = z.object({
  id: z.uuid(),
  /** The sender's name, cleaned, with the extension of the sniffed type. */
  name: z.string(),
  mimeType: z.enum(MIME_TYPES),
  size: z.number().int(),
});

export const AttachmentReply = Attachment.extend({ messageId: z.uuid() });

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
  /** Download each at `GET /api/support/attachments/:id`. */
  attachments: z.array(Attachment),
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
  /** The last day of our answer, a Moscow date: receipt + 15 working days (R20). */
  dueDate: z.iso.date(),
});

export const TicketWithMessages = Ticket.extend({ messages: z.array(Message) });

export const StaffTicket = z.object({
  id: z.uuid(),
  /** Null for a request from the public form (`source: "public"`). */
  customerId: z.uuid().nullable(),
  source: z.enum(['cabinet', 'public']),
  customerPhoneMasked: z.string(),
  category: CategorySchema,
  subject: z.string(),
  status: StatusSchema,
  assignedTo: z.object({ id: z.uuid(), fullName: z.string() }).nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  lastMessageAt: z.iso.datetime(),
  messagesCount: z.number().int(),
  dueDate: z.iso.date(),
  /** Waiting for us (new, in_progress) past the due date. */
  overdue: z.boolean(),
  /** Waiting for us and due within 3 working days. */
  dueSoon: z.boolean(),
});

export const StaffTicketPage = z.object({ items: z.array(StaffTicket), nextBefore: z.string().nullable() });

export const StaffTicketDetail = StaffTicket.extend({
  customer: z.object({ id: z.uuid(), phoneMasked: z.string() }).nullable(),
  /** A public request: the phone in full and the contact, to call back; and the customer with that phone, if any. */
  publicRequest: z.object({ phone: z.string(), contact: z.string().nullable(), matchedCustomerId: z.uuid().nullable() }).nullable(),
  messages: z.array(
    Message.extend({
      /** Staff side: the colleague's full name for staff messages. */
      staffId: z.uuid().nullable(),
    }),
  ),
});
