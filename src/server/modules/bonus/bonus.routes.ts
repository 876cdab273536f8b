import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { BonusSummary, SpendBody, SpendReply } from './bonus.schemas';
import * as bonus from './bonus.service';

const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;

export function bonusRoutes(deps: bonus.BonusDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/bonus',
      tag: 'loans',
      summary: 'The customer’s bonus points: balance (1 point = 1 ₽ off interest) and the latest earn / spend / expire rows',
      auth: 'customer',
      responses: { 200: BonusSummary, 401: ErrorReply },
      handler: ({ actor }) => bonus.summary(deps, actor),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/loans/:id/bonus',
      tag: 'loans',
      summary:
        'Spend bonus points on the interest due today: takes min(points, balance, whole rubles of interest), never principal. Header Idempotency-Key required (same key and body → the same spend; another body → 422). 409 when the loan is not active, there are no points or no interest to pay',
      auth: 'customer',
      body: SpendBody,
      responses: { 201: SpendReply, 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply, 422: ErrorReply },
      handler: ({ actor, request, body }) => {
        const key = request.headers['idempotency-key'];
        return bonus.spendOnInterest(deps, actor, idOf(request), typeof key === 'string' ? key : undefined, body.points);
      },
    }),
  ];
}
