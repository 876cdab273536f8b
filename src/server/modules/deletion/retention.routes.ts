import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { pathId, requestMeta } from '../staff/staff.routes';
import { DeletionActList, DeletionActQuery, HeldRecords, RetentionList, RetentionQuery } from './retention.schemas';
import * as retention from './retention.service';

/** SECURITY.md PD-8 (3): what is held after a deletion is for compliance only — not even admin. */
const COMPLIANCE = { staff: ['compliance'] } as const;

export function retentionRoutes(deps: retention.RetentionDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/staff/retention',
      tag: 'staff',
      summary: 'Retention holds of deleted accounts, the latest deletion first: dates, status and the categories held (no personal data); ?phone= finds one by the number',
      auth: COMPLIANCE,
      query: RetentionQuery,
      responses: { 200: RetentionList, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      handler: ({ query }) => retention.listHolds(deps, query),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/retention/:customerId',
      tag: 'staff',
      summary: 'The records held for one deleted customer (name, masked passport, loans, payments, signatures, consents, tickets, acts); each look is audited',
      auth: COMPLIANCE,
      responses: { 200: HeldRecords, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply },
      handler: ({ staff, request }) => retention.heldRecords(deps, staff, pathId(request, 'customerId'), requestMeta(request)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/deletion-acts',
      tag: 'staff',
      summary: 'Destruction and purge acts, the latest first: categories and row counts, audit record ids, time and job run; ?customerId= for one customer',
      auth: COMPLIANCE,
      query: DeletionActQuery,
      responses: { 200: DeletionActList, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      handler: ({ query }) => retention.listActs(deps, query),
    }),
  ];
}
