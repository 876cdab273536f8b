import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { OffersReply } from './loyalty.schemas';
import { customerOffers, type LoyaltyDeps } from './loyalty.service';

export function loyaltyRoutes(deps: LoyaltyDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/offers',
      tag: 'cabinet',
      summary: 'The customer’s loyalty level, bonus points and personal pre-approved offers (one per product)',
      auth: 'customer',
      responses: { 200: OffersReply, 401: ErrorReply },
      handler: ({ actor }) => customerOffers(deps, actor),
    }),
  ];
}
