import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { pathId, requestMeta } from '../staff/staff.routes';
import {
  CreateTicketBody,
  MessageBody,
  PublicSmsProblemBody,
  PublicSmsProblemReply,
  StaffTicketDetail,
  StaffTicketPage,
  StaffTicketsQuery,
  Ticket,
  TicketWithMessages,
  UpdateTicketBody,
} from './support.schemas';
import * as support from './support.service';

/** docs/backoffice.md: the support inbox is for support and admin. */
export const SUPPORT_ROLES = { staff: ['support', 'admin'] } as const;

export function supportRoutes(deps: support.SupportDeps): AnyRouteSpec[] {
  return [
    // ---- Customer side ----
    defineRoute({
      method: 'POST',
      url: '/api/support/tickets',
      tag: 'support',
      summary: 'A new support request (at most 10 a day, Moscow time)',
      auth: 'customer',
      body: CreateTicketBody,
      responses: { 201: TicketWithMessages, 400: ErrorReply, 401: ErrorReply, 429: ErrorReply },
      handler: ({ actor, body }) => support.createTicket(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/support/tickets',
      tag: 'support',
      summary: 'The customer’s support requests, newest first',
      auth: 'customer',
      responses: { 200: z.object({ items: z.array(Ticket) }), 401: ErrorReply },
      handler: ({ actor }) => support.listTickets(deps, actor),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/support/tickets/:id',
      tag: 'support',
      summary: 'One support request with its messages',
      auth: 'customer',
      responses: { 200: TicketWithMessages, 401: ErrorReply, 404: ErrorReply },
      handler: ({ actor, request }) => support.getTicket(deps, actor, pathId(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/support/tickets/:id/messages',
      tag: 'support',
      summary: 'Write in a support request (an answered or resolved one goes back in_progress); a closed one takes no more (409)',
      auth: 'customer',
      body: MessageBody,
      responses: { 201: TicketWithMessages, 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request, body }) => support.postMessage(deps, actor, pathId(request), body),
    }),

    // ---- Without a login ----
    defineRoute({
      method: 'POST',
      url: '/api/support/public/sms-problem',
      tag: 'support',
      summary:
        'The public «Не приходит SMS» form: a request (category sms) without logging in; the same 202 whether or not the phone has an account; at most 5 an hour per IP and 3 a day per phone (429 with Retry-After)',
      auth: 'public',
      body: PublicSmsProblemBody,
      responses: { 202: PublicSmsProblemReply, 400: ErrorReply, 403: ErrorReply, 429: ErrorReply },
      handler: ({ body, request }) => support.createPublicSmsTicket(deps, body, { ip: request.ip }),
    }),

    // ---- Staff side ----
    defineRoute({
      method: 'GET',
      url: '/api/staff/tickets',
      tag: 'staff',
      summary:
        'Support inbox: filters by status (one or several, comma-separated), category, assignee (me | none | id); new/in_progress longest-waiting first, or sort=due: the earliest answer due date first; pages of 50',
      auth: SUPPORT_ROLES,
      query: StaffTicketsQuery,
      responses: { 200: StaffTicketPage, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      handler: ({ staff, query }) => support.inbox(deps, staff, query),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/tickets/:id',
      tag: 'staff',
      summary: 'One support request with its messages and the customer (phone masked); a public request with the phone and contact to call back',
      auth: SUPPORT_ROLES,
      responses: { 200: StaffTicketDetail, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply },
      handler: ({ request }) => support.staffTicket(deps, pathId(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/tickets/:id/replies',
      tag: 'staff',
      summary:
        'Reply to a support request: status waiting_customer, an SMS (and an email to a confirmed address) to the customer, an audit record; a closed one: 409',
      auth: SUPPORT_ROLES,
      body: MessageBody,
      responses: { 201: StaffTicketDetail, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ staff, request, body }) => support.reply(deps, staff, pathId(request), body, requestMeta(request)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/staff/tickets/:id',
      tag: 'staff',
      summary:
        'Change a support request’s status or assignee (an active support or admin member, or null); assigning a new one puts it in_progress; a closed one only reopens (in_progress), else 409; a new status is sent to the customer (SMS, email)',
      auth: SUPPORT_ROLES,
      body: UpdateTicketBody,
      responses: { 200: StaffTicketDetail, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ staff, request, body }) => support.updateTicket(deps, staff, pathId(request), body, requestMeta(request)),
    }),
  ];
}
