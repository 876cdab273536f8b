import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { pathId, requestMeta } from '../staff/staff.routes';
import { CustomerCard, CustomerSummary, RevealBody, RevealReply, SearchQuery } from './customers.schemas';
import * as customers from './customers.service';
import type { BackofficeDeps } from './deps';

const ROLES = { staff: ['support', 'underwriter', 'collections', 'admin'] } as const;

export function customerRoutes(deps: BackofficeDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/staff/customers',
      tag: 'backoffice',
      summary: 'Find a customer by phone (any common spelling), or by an application, loan or payment id, or a contract number',
      auth: ROLES,
      query: SearchQuery,
      responses: { 200: z.object({ items: z.array(CustomerSummary) }), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      handler: async ({ query }) => ({ items: await customers.searchCustomers(deps, query.query) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/customers/:id',
      tag: 'backoffice',
      summary: 'The customer card, personal data masked; the look is written to the audit log',
      auth: ROLES,
      responses: { 200: CustomerCard, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply },
      handler: ({ staff, request }) => customers.customerCard(deps, staff, pathId(request), requestMeta(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/customers/:id/reveal',
      tag: 'backoffice',
      summary: 'Show one personal field in clear, for a stated reason (≥ 10 characters); the reveal and its reason are written to the audit log',
      auth: ROLES,
      body: RevealBody,
      responses: { 200: RevealReply, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply },
      handler: ({ staff, request, body }) => customers.revealField(deps, staff, pathId(request), body, requestMeta(request)),
    }),
  ];
}
