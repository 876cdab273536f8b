import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { pathId, requestMeta } from '../staff/staff.routes';
import type { BackofficeDeps } from './deps';
import { FailedPayout, OverdueLoan, PendingPayment, RetryReply } from './operations.schemas';
import * as operations from './operations.service';

const LISTS = { staff: ['collections', 'admin'] } as const;
const list = <T extends z.ZodType>(item: T) => ({ 200: z.object({ items: z.array(item) }), 401: ErrorReply, 403: ErrorReply });

export function operationRoutes(deps: BackofficeDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/staff/loans/overdue',
      tag: 'backoffice',
      summary: 'Active loans past a payment date with debt left: debt today and days overdue, the longest first',
      auth: LISTS,
      responses: list(OverdueLoan),
      handler: async () => ({ items: await operations.overdueLoans(deps) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/payments/pending',
      tag: 'backoffice',
      summary: 'Repayments still created or pending after 5 minutes: awaiting reconciliation with the acquirer',
      auth: LISTS,
      responses: list(PendingPayment),
      handler: async () => ({ items: await operations.pendingPayments(deps) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/payouts/failed',
      tag: 'backoffice',
      summary: 'Loans whose payout failed, with the provider’s last error',
      auth: LISTS,
      responses: list(FailedPayout),
      handler: async () => ({ items: await operations.failedPayouts(deps) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/payouts/:loanId/retry',
      tag: 'backoffice',
      summary: 'Send a failed payout again through the payout job (same idempotency key); admin only',
      auth: { staff: ['admin'] },
      responses: { 200: RetryReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ staff, request }) => operations.retryPayout(deps, staff, pathId(request, 'loanId'), requestMeta(request)),
    }),
  ];
}
