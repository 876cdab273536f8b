/**
 * Support requests as both sides read them (docs/backoffice.md «Support»): the categories and the
 * statuses in Russian. `new` → `in_progress` → `waiting_customer` → `resolved` → `closed`; staff
 * replies move it. The words differ only where the turn is the customer's: «Ждёт вашего ответа» for
 * the customer, «Ждёт ответа клиента» for staff.
 */
import type { Tone } from './loan-status';

export type TicketCategory = 'sms' | 'payment' | 'loan' | 'deletion' | 'other';
export type TicketStatus = 'new' | 'in_progress' | 'waiting_customer' | 'resolved' | 'closed';

export const TICKET_CATEGORIES: readonly TicketCategory[] = ['sms', 'payment', 'loan', 'deletion', 'other'];
export const TICKET_STATUSES: readonly TicketStatus[] = ['new', 'in_progress', 'waiting_customer', 'resolved', 'closed'];
/** The statuses staff may set by hand (`new` is only ever a request nobody has taken). */
export const STAFF_SET_STATUSES: readonly TicketStatus[] = ['in_progress', 'waiting_customer', 'resolved', 'closed'];
/** Waiting for us: the inbox's default list («Ждут нас»), the longest-waiting first. */
export const WAITING_FOR_US: readonly TicketStatus[] = ['new', 'in_progress'];

export const CATEGORY_LABELS: Record<TicketCategory, string> = {
  sms: 'Не приходит SMS',
  payment: 'Вопрос по оплате',
  loan: 'Вопрос по займу',
  deletion: 'Удаление аккаунта',
  other: 'Другое',
};

/** What the customer sees. */
export const CUSTOMER_STATUS_LABELS: Record<TicketStatus, string> = {
  new: 'Новое',
  in_progress: 'В работе',
  waiting_customer: 'Ждёт вашего ответа',
  resolved: 'Решено',
  closed: 'Закрыто',
};

/** What staff see. */
export const STAFF_STATUS_LABELS: Record<TicketStatus, string> = {
  new: 'Новое',
  in_progress: 'В работе',
  waiting_customer: 'Ждёт ответа клиента',
  resolved: 'Решено',
  closed: 'Закрыто',
};

/** The customer's: an answer waiting for them is good news (as «Есть ответ» was), never an alarm. */
export const CUSTOMER_STATUS_TONES: Record<TicketStatus, Tone> = {
  new: 'neutral',
  in_progress: 'progress',
  waiting_customer: 'success',
  resolved: 'success',
  closed: 'muted',
};
/** Staff's: what nobody has taken stands out. */
export const STAFF_STATUS_TONES: Record<TicketStatus, Tone> = {
  new: 'danger',
  in_progress: 'progress',
  waiting_customer: 'neutral',
  resolved: 'success',
  closed: 'muted',
};

export const categoryLabel = (category: string): string => CATEGORY_LABELS[category as TicketCategory] ?? category;
export const isTicketStatus = (value: string): value is TicketStatus => (TICKET_STATUSES as readonly string[]).includes(value);
export const isTicketCategory = (value: string): value is TicketCategory => (TICKET_CATEGORIES as readonly string[]).includes(value);

/** The longest subject and message the server keeps (support_tickets, support_messages). */
export const SUBJECT_MAX = 200;
export const MESSAGE_MAX = 4000;

/** `new` and `in_progress`: our turn, so the due date matters. */
export const waitsForUs = (status: string): boolean => status === 'new' || status === 'in_progress';

const dayMonth = new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', timeZone: 'UTC' });
const dayMonthYear = new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** `2026-12-16` → «16 декабря» (with the year when it is not this year's, Moscow time). */
export const formatDueDate = (date: string, now: Date = new Date()): string => {
  const thisYear = new Intl.DateTimeFormat('en-CA', { year: 'numeric', timeZone: 'Europe/Moscow' }).format(now);
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return date;
  return (date.startsWith(thisYear) ? dayMonth : dayMonthYear).format(day);
};
