import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { verifyAuditChain } from '../audit/audit.service';
import { ErrorReply } from '../auth/auth.schemas';
import { AuditPage, AuditQuery, ChainCheckReply } from './audit-log.schemas';
import { auditPage } from './audit-log.service';
import type { BackofficeDeps } from './deps';

export function auditLogRoutes(deps: BackofficeDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/staff/audit',
      tag: 'backoffice',
      summary: 'The audit log, 50 records a page, newest first; filter by actor, entity, action; page with `before`',
      auth: { staff: ['admin'] },
      query: AuditQuery,
      responses: { 200: AuditPage, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      handler: ({ query }) => auditPage(deps, query),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/audit/verify',
      tag: 'backoffice',
      summary: 'Walks the audit log’s hash chain and names the first broken record, if any',
      auth: { staff: ['admin'] },
      responses: { 200: ChainCheckReply, 401: ErrorReply, 403: ErrorReply },
      handler: () => verifyAuditChain(deps.db),
    }),
  ];
}
