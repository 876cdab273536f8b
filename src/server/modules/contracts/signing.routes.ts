import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply, OtpRequestReply } from '../auth/auth.schemas';
import * as signing from './signing.service';

const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;
const meta = (request: { ip: string; headers: Record<string, unknown> }) => ({ ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') });

const PayoutMethodBody = z.strictObject({
  type: z.enum(['card', 'sbp', 'wallet', 'cash'], { error: 'Выберите способ получения денег.' }),
  bankId: z.string().max(20).optional(),
});

export function signingRoutes(deps: signing.SigningDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/applications/:id/payout-method',
      tag: 'signing',
      summary: 'Choose how to receive the money (СБП: the bank list, then the bank; cash: nothing else)',
      auth: 'customer',
      body: PayoutMethodBody,
      responses: {
        200: z.object({
          type: z.string(),
          next: z.enum(['sign', 'choose_bank']),
          banks: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
          bank: z.string().optional(),
          recipientName: z.string().optional(),
        }),
        400: ErrorReply,
        404: ErrorReply,
        409: ErrorReply,
      },
      handler: ({ actor, request, body }) => signing.choosePayoutMethod(deps, actor, idOf(request), body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/applications/:id/contract',
      tag: 'signing',
      summary: 'The individual terms exactly as they would be signed now, with their SHA-256',
      auth: 'customer',
      responses: {
        200: z.object({
          number: z.string(),
          sha256: z.string(),
          text: z.string(),
          keyFacts: z.object({ amountKopecks: z.number(), pskPercent: z.number(), pskKopecks: z.number(), totalKopecks: z.number(), returnDate: z.string() }),
          coolingOffHours: z.number(),
          pdnWarningRequired: z.boolean(),
        }),
        404: ErrorReply,
        409: ErrorReply,
      },
      handler: ({ actor, request }) => signing.getContract(deps, actor, idOf(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/applications/:id/sign/otp',
      tag: 'signing',
      summary: 'Send the signing code, bound to this document and this session',
      auth: 'customer',
      responses: { 200: OtpRequestReply, 404: ErrorReply, 409: ErrorReply, 429: ErrorReply },
      handler: ({ actor, request }) => signing.requestSigningCode(deps, actor, idOf(request), meta(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/applications/:id/sign',
      tag: 'signing',
      summary: 'Sign the contract with the code: creates the loan; the payout follows (after cooling-off if any)',
      auth: 'customer',
      body: z.strictObject({ code: z.string({ error: 'Введите код из SMS.' }).regex(/^\d{6}$/, { error: 'Код — это 6 цифр из SMS.' }) }),
      responses: { 200: z.object({ loanId: z.uuid(), payoutAt: z.iso.datetime() }), 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request, body }) => signing.signContract(deps, actor, idOf(request), body.code, meta(request)),
    }),
  ];
}
