import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply, OtpRequestReply } from '../auth/auth.schemas';
import * as prolongation from './prolongation.service';

const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;
const meta = (request: { ip: string; headers: Record<string, unknown> }) => ({ ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') });

const Days = z.coerce
  .number({ error: 'Укажите срок продления в днях.' })
  .int({ error: 'Срок продления — целое число дней.' })
  .min(7, { error: 'Продлить можно на 7–30 дней.' })
  .max(30, { error: 'Продлить можно на 7–30 дней.' });

/** Optional: bonus points to pay part of the interest with (1 point = 1 ₽; at least 1 ₽ stays for the card). */
const BonusPoints = z.coerce
  .number({ error: 'Укажите число баллов.' })
  .int({ error: 'Баллы — целое число.' })
  .min(0, { error: 'Число баллов не может быть отрицательным.' })
  .max(1_000_000, { error: 'Слишком много баллов.' })
  .optional();

const Offer = z.object({
  days: z.number().int(),
  sequence: z.number().int(),
  remaining: z.number().int(),
  newDueDate: z.string(),
  interestKopecks: z.number().int(),
  bonusPoints: z.number().int(),
  bonusKopecks: z.number().int(),
  cardKopecks: z.number().int(),
  text: z.string(),
  sha256: z.string(),
});

export function prolongationRoutes(deps: prolongation.ProlongationDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/loans/:id/prolongation',
      tag: 'loans',
      summary:
        'What a prolongation by `days` (7–30) would cost and the addendum text to sign; optional `bonusPoints` pay part of the interest (1 point = 1 ₽, the card pays the rest, at least 1 ₽)',
      auth: 'customer',
      query: z.strictObject({ days: Days, bonusPoints: BonusPoints }),
      responses: { 200: Offer, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request, query }) => prolongation.prolongationOffer(deps, actor, idOf(request), query.days, query.bonusPoints),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/loans/:id/prolongation/otp',
      tag: 'loans',
      summary: 'Send the code that signs this addendum (bound to its text and this session)',
      auth: 'customer',
      body: z.strictObject({ days: Days, bonusPoints: BonusPoints }),
      responses: { 200: OtpRequestReply, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply, 429: ErrorReply },
      handler: ({ actor, request, body }) => prolongation.requestProlongationCode(deps, actor, idOf(request), body.days, meta(request), body.bonusPoints),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/loans/:id/prolongation',
      tag: 'loans',
      summary:
        'Sign the addendum with the code (the same `days` and `bonusPoints` as the code was sent for); the points are spent at once, the answer is the card payment of the rest of the interest (the due date moves once it succeeds)',
      auth: 'customer',
      body: z.strictObject({ days: Days, bonusPoints: BonusPoints, code: z.string({ error: 'Введите код из SMS.' }).regex(/^\d{6}$/, { error: 'Код — это 6 цифр из SMS.' }) }),
      responses: {
        201: z.object({
          addendumId: z.uuid(),
          paymentId: z.uuid(),
          status: z.enum(['created', 'pending', 'succeeded', 'canceled']),
          confirmationUrl: z.string().nullable(),
          newDueDate: z.string(),
        }),
        400: ErrorReply,
        401: ErrorReply,
        404: ErrorReply,
        409: ErrorReply,
        503: ErrorReply,
      },
      handler: ({ actor, request, body }) => prolongation.signProlongation(deps, actor, idOf(request), body.days, body.code, meta(request), body.bonusPoints),
    }),
  ];
}
