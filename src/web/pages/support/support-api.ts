/**
 * The customer's support requests (docs/backoffice.md «Support», customer side) over the shared
 * fetch helper; the customer's session cookie goes along as for every cabinet request.
 */
import { request } from '../../lib/api';
import type { TicketCategory, TicketStatus } from '../../lib/tickets';

export type SupportMessage = {
  id: string;
  author: 'customer' | 'staff';
  body: string;
  createdAt: string;
  /** On our replies: the colleague's first name or «Поддержка CarCapital». */
  authorName?: string | null;
};
export type Ticket = {
  id: string;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  createdAt: string;
  updatedAt?: string;
  lastMessageAt?: string;
  messages?: SupportMessage[];
};
export type NewTicket = { category: TicketCategory; subject: string; message: string };

const id = (value: string) => encodeURIComponent(value);

export const supportApi = {
  tickets: () => request<{ items: Ticket[] }>('GET', '/api/support/tickets').then((reply) => reply.items ?? []),
  ticket: (ticketId: string) => request<Ticket>('GET', `/api/support/tickets/${id(ticketId)}`),
  create: (body: NewTicket) => request<Ticket>('POST', '/api/support/tickets', body),
  write: (ticketId: string, body: string) => request<unknown>('POST', `/api/support/tickets/${id(ticketId)}/messages`, { body }),
};
