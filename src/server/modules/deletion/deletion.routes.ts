import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { pathId, requestMeta } from '../staff/staff.routes';
import { DeletionListQuery, DeletionRequested, RefuseBody, StaffDeletionList, StaffDeletionRequest } from './deletion.schemas';
import * as deletion from './deletion.service';

/** docs/backoffice.md: deletion requests are worked by support and admin. */
const DELETION_ROLES = { staff: ['support', 'admin'] } as const;

export function deletionRoutes(deps: deletion.DeletionDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/account/deletion',
      tag: 'account',
      summary:
        'Ask to delete the account: a support request (category deletion) for staff to confirm; the same one while pending. 409 debt_outstanding while a loan, a repayment or an application is not finished',
      auth: 'customer',
      responses: { 202: DeletionRequested, 401: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request }) => deletion.requestDeletion(deps, actor, requestMeta(request)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/deletion-requests',
      tag: 'staff',
      summary: 'Deletion requests by status (pending by default, the longest-waiting first), each with a live debt check',
      auth: DELETION_ROLES,
      query: DeletionListQuery,
      responses: { 200: StaffDeletionList, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      handler: ({ query }) => deletion.listRequests(deps, query),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/deletion-requests/:id/confirm',
      tag: 'staff',
      summary:
        'Confirm a pending deletion: debt checked again (409 debt_outstanding), the customer marked deleted, every session revoked, login refused from now on, ticket resolved, SMS, audit',
      auth: DELETION_ROLES,
      responses: { 200: StaffDeletionRequest, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ staff, request }) => deletion.confirm(deps, staff, pathId(request), requestMeta(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/deletion-requests/:id/refuse',
      tag: 'staff',
      summary: 'Refuse a pending deletion with a comment (≥ 10 characters) posted to the customer in the ticket (waiting_customer), SMS, audit',
      auth: DELETION_ROLES,
      body: RefuseBody,
      responses: { 200: StaffDeletionRequest, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ staff, request, body }) => deletion.refuse(deps, staff, pathId(request), body, requestMeta(request)),
    }),
  ];
}
