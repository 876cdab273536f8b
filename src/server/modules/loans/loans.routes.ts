import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import * as loans from './loans.service';
import { moscowDate } from '../../../core/dates';

const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;

const LoanReply = z.object({
  id: z.uuid(),
  status: z.enum(['cooling_off', 'disbursing', 'active', 'refused', 'payout_failed', 'closed']),
  product: z.string(),
  amountKopecks: z.number().int(),
  totalKopecks: z.number().int(),
  pskPercent: z.number(),
  contractDate: z.string(),
  returnDate: z.string(),
  payoutType: z.string(),
  payoutAt: z.iso.datetime(),
  signedAt: z.iso.datetime(),
  activatedAt: z.iso.datetime().nullable(),
  refusedAt: z.iso.datetime().nullable(),
  canRefuse: z.boolean(),
  cashCode: z.string().nullable(),
  closedAt: z.iso.datetime().nullable(),
  debt: z.object({ principalKopecks: z.number().int(), interestKopecks: z.number().int(), penaltyKopecks: z.number().int(), totalKopecks: z.number().int() }),
  dueDate: z.string(),
  daysLeft: z.number().int(),
  overdue: z.boolean(),
  costMeter: z.object({
    payTodayKopecks: z.number().int(),
    payByDueDateKopecks: z.number().int().nullable(),
    legalMaximumKopecks: z.number().int().nullable(),
    capKopecks: z.number().int().nullable(),
    chargedKopecks: z.number().int(),
  }),
  schedule: z.array(
    z.object({
      date: z.string(),
      principalKopecks: z.number(),
      interestKopecks: z.number(),
      totalKopecks: z.number(),
      status: z.enum(['paid', 'upcoming', 'overdue', 'partly_paid']),
    }),
  ),
  overpaymentKopecks: z.number().int(),
  prolongations: z.object({ used: z.number().int(), left: z.number().int() }),
  /** A car loan's pledge in the notaries' registry (issue 10); null for other loans. */
  pledge: z
    .object({
      status: z.enum(['registering', 'registered', 'releasing', 'released', 'cancelled']),
      vehicle: z.object({ make: z.string(), model: z.string(), year: z.number().int(), plate: z.string() }),
      noticeNumber: z.string().nullable(),
      registeredAt: z.iso.datetime().nullable(),
      release: z
        .object({
          endedOn: z.iso.date(),
          /** The 3rd working day after endedOn: the last day to file the release notice (R24). */
          dueOn: z.iso.date(),
          progress: z.enum(['due', 'overdue', 'filed_on_time', 'filed_late']),
          workingDaysLeft: z.number().int(),
          releaseNumber: z.string().nullable(),
          releasedAt: z.iso.datetime().nullable(),
        })
        .nullable(),
    })
    .nullable(),
});

export function loanRoutes(deps: loans.LoanDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/loans',
      tag: 'loans',
      summary: 'The customer\u2019s loans with their status',
      auth: 'customer',
      responses: { 200: z.array(LoanReply), 401: ErrorReply },
      handler: ({ actor }) => loans.listLoans(deps, actor),
      // Today's debt and days left move with the Moscow date; the rest with the customer's rows.
      cacheKey: () => `loans:${moscowDate(deps.clock.now())}`,
    }),
    defineRoute({
      method: 'GET',
      url: '/api/loans/:id',
      tag: 'loans',
      summary: 'One loan',
      auth: 'customer',
      responses: { 200: LoanReply, 401: ErrorReply, 404: ErrorReply },
      handler: ({ actor, request }) => loans.getLoan(deps, actor, idOf(request)),
      cacheKey: ({ params }) => `loan:${params.id!.toLowerCase()}:${moscowDate(deps.clock.now())}`,
    }),
    defineRoute({
      method: 'GET',
      url: '/api/loans/:id/contract.pdf',
      tag: 'loans',
      summary: 'The signed individual terms as a PDF',
      auth: 'customer',
      responses: { 200: null, 401: ErrorReply, 404: ErrorReply },
      handler: async ({ actor, request, reply }) => {
        const { fileName, pdf } = await loans.contractPdf(deps, actor, idOf(request));
        return reply.type('application/pdf').header('content-disposition', `inline; filename="${fileName}"`).send(pdf);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/loans/:id/refuse',
      tag: 'loans',
      summary: 'Refuse the loan during cooling-off: nothing is paid out, nothing is owed',
      auth: 'customer',
      responses: { 200: LoanReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request }) => loans.refuseLoan(deps, actor, idOf(request)),
    }),
  ];
}
