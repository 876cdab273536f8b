import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ApplicationReply } from '../applications/applications.schemas';
import { ErrorReply } from '../auth/auth.schemas';
import { pathId, requestMeta } from '../staff/staff.routes';
import type { BackofficeDeps } from './deps';
import { DecisionBody, ReviewDetail, ReviewItem } from './review.schemas';
import * as review from './review.service';

const ROLES = { staff: ['underwriter', 'admin'] } as const;

export function reviewRoutes(deps: BackofficeDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/staff/applications',
      tag: 'backoffice',
      summary: 'Manual review queue: applications the robot handed to a person, the longest-waiting first',
      auth: ROLES,
      responses: { 200: z.object({ items: z.array(ReviewItem) }), 401: ErrorReply, 403: ErrorReply },
      handler: async () => ({ items: await review.reviewQueue(deps) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/applications/:id',
      tag: 'backoffice',
      summary: 'One application (any status) with every check, ПДН, income, the masked applicant and the product’s range',
      auth: ROLES,
      responses: { 200: ReviewDetail, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply },
      handler: ({ request }) => review.reviewDetail(deps, pathId(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/applications/:id/decision',
      tag: 'backoffice',
      summary: 'Approve (an amount, priced like the robot’s offer) or decline an application in manual review; reaches the customer as the robot’s decision would',
      auth: ROLES,
      body: DecisionBody,
      responses: { 200: ApplicationReply, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ staff, request, body }) => review.decideApplication(deps, staff, pathId(request), body, requestMeta(request)),
    }),
  ];
}
