/**
 * The customer's support requests (docs/backoffice.md «Support», customer side) over the shared
 * fetch helper; the customer's session cookie goes along as for every cabinet request.
 */
import { request } from '../../lib/api';
import type { TicketCategory, TicketStatus } from '../../lib/tickets';
import { uploadAll } from '../../lib/upload';

export type Attachment = { id: string; name: string; mimeType: string; size: number };

export type SupportMessage = {
  id: string;
  author: 'customer' | 'staff';
  body: string;
  createdAt: string;
  /** On our replies: the colleague's first name or «Поддержка CarCapital». */
  authorName?: string | null;
  attachments?: Attachment[];
};
export type Ticket = {
  id: string;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  createdAt: string;
  updatedAt?: string;
  lastMessageAt?: string;
  /** The last day of our answer (a Moscow date). */
  dueDate?: string;
  messages?: SupportMessage[];
};
export type NewTicket = { category: TicketCategory; subject: string; message: string };
export type SmsProblem = { phone: string; message?: string; contact?: string };
export type SmsProblemAccepted = { id: string; status: 'new'; dueDate?: string };

/** The customer's newest message of a thread: where the files just chosen go. */
export const ownLastMessage = (ticket: Ticket): SupportMessage | undefined => [...(ticket.messages ?? [])].reverse().find((m) => m.author === 'customer');

const id = (value: string) => encodeURIComponent(value);

export const supportApi = {
  tickets: () => request<{ items: Ticket[] }>('GET', '/api/support/tickets').then((reply) => reply.items ?? []),
  ticket: (ticketId: string) => request<Ticket>('GET', `/api/support/tickets/${id(ticketId)}`),
  create: (body: NewTicket) => request<Ticket>('POST', '/api/support/tickets', body),
  write: (ticketId: string, body: string) => request<Ticket>('POST', `/api/support/tickets/${id(ticketId)}/messages`, { body }),
  /** The files for one message, one by one; returns those that failed. */
  attach: (ticketId: string, messageId: string, files: readonly File[], onProgress: (done: number) => void) =>
    uploadAll(() => `/api/support/tickets/${id(ticketId)}/attachments?messageId=${id(messageId)}`, files, onProgress),
  /** The public «Не приходит SMS» form (no login). */
  smsProblem: (body: SmsProblem) => request<SmsProblemAccepted>('POST', '/api/support/public/sms-problem', body),
};
