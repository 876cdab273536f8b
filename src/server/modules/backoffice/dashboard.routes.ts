import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { dashboard } from './dashboard.service';
import type { BackofficeDeps } from './deps';

export const Dashboard = z.object({
  date: z.string(),
  applications: z.object({ submitted: z.number().int(), approved: z.number().int(), declined: z.number().int(), manualReview: z.number().int() }),
  approvalRatePercent: z.number().nullable(),
  disbursedKopecks: z.number().int(),
  repaidKopecks: z.number().int(),
  overdue: z.object({ loans: z.number().int(), debtKopecks: z.number().int() }),
  openTickets: z.number().int(),
  /** Pledges of repaid car loans whose release notice is not filed yet, and those of them past the deadline. */
  pledgeReleases: z.object({ releasing: z.number().int(), overdue: z.number().int() }),
});

export function dashboardRoutes(deps: BackofficeDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/staff/dashboard',
      tag: 'backoffice',
      summary: 'Today’s figures (Moscow date): applications and decisions, money out and in, overdue loans, open requests, pledge releases under way and overdue',
      auth: { staff: ['support', 'underwriter', 'collections', 'admin', 'compliance'] },
      responses: { 200: Dashboard, 401: ErrorReply },
      handler: () => dashboard(deps),
    }),
  ];
}
