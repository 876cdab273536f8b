/**
 * Support requests as both sides read them (docs/backoffice.md «Support»): the categories and the
 * statuses in Russian. The customer's words say whose turn it is from the customer's side («Есть
 * ответ»); staff see the same statuses from theirs («Ждёт ответа» is their turn).
 */
import type { Tone } from './loan-status';

export type TicketCategory = 'loan' | 'payment' | 'documents' | 'account' | 'other';
export type TicketStatus = 'open' | 'answered' | 'closed';

export const TICKET_CATEGORIES: readonly TicketCategory[] = ['loan', 'payment', 'documents', 'account', 'other'];
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'answered', 'closed'];

export const CATEGORY_LABELS: Record<TicketCategory, string> = {
  loan: 'Заём',
  payment: 'Платежи',
  documents: 'Документы',
  account: 'Личный кабинет и данные',
  other: 'Другое',
};

/** What the customer sees. */
export const CUSTOMER_STATUS_LABELS: Record<TicketStatus, string> = {
  open: 'Ждёт ответа',
  answered: 'Есть ответ',
  closed: 'Закрыто',
};

/** What staff see: «open» is waiting for us, «answered» for the customer. */
export const STAFF_STATUS_LABELS: Record<TicketStatus, string> = {
  open: 'Ждёт ответа',
  answered: 'Отвечено',
  closed: 'Закрыто',
};

export const CUSTOMER_STATUS_TONES: Record<TicketStatus, Tone> = { open: 'neutral', answered: 'success', closed: 'muted' };
export const STAFF_STATUS_TONES: Record<TicketStatus, Tone> = { open: 'danger', answered: 'progress', closed: 'muted' };

export const categoryLabel = (category: string): string => CATEGORY_LABELS[category as TicketCategory] ?? category;
export const isTicketStatus = (value: string): value is TicketStatus => (TICKET_STATUSES as readonly string[]).includes(value);
export const isTicketCategory = (value: string): value is TicketCategory => (TICKET_CATEGORIES as readonly string[]).includes(value);

/** The longest subject and message the server keeps (support_tickets, support_messages). */
export const SUBJECT_MAX = 200;
export const MESSAGE_MAX = 4000;
