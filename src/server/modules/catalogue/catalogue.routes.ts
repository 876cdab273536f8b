import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { pathId, requestMeta } from '../staff/staff.routes';
import {
  CatalogueReply,
  DisabledBody,
  ProductUpdateBody,
  PromoCode,
  PromoCodeBody,
  PromoCodeQuery,
  Promotion,
  PromotionBody,
} from './catalogue.schemas';
import * as catalogue from './catalogue.service';

const ADMIN = { staff: ['admin'] } as const;
const DENIED = { 401: ErrorReply, 403: ErrorReply };

/** A product code from the path; anything that cannot be one is simply not found. */
function pathCode(request: FastifyRequest): string {
  const code = (request.params as Record<string, string>).code ?? '';
  if (!/^[a-z][a-z0-9_]{1,30}$/.test(code)) throw new AppError('not_found', 'Такого продукта нет.');
  return code;
}

export function catalogueRoutes(deps: catalogue.CatalogueDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/staff/products',
      tag: 'catalogue',
      summary: 'The product catalogue in force (latest saved version) with today’s ПСК ranges',
      auth: ADMIN,
      responses: { 200: CatalogueReply, ...DENIED },
      handler: () => catalogue.listProducts(deps),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/staff/products/:code',
      tag: 'catalogue',
      summary:
        'Change a product’s name, description, amount and term ranges and rate (not its code, repayment, ПСК category or collateral); checked against the law in force today, saved as a new catalogue version',
      auth: ADMIN,
      body: ProductUpdateBody,
      responses: { 200: CatalogueReply, 400: ErrorReply, ...DENIED, 404: ErrorReply, 409: ErrorReply },
      handler: ({ staff, request, body }) => catalogue.updateProduct(deps, staff, pathCode(request), body, requestMeta(request)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/promotions',
      tag: 'catalogue',
      summary: 'Promotions, the newest first, with their status today',
      auth: ADMIN,
      responses: { 200: z.object({ items: z.array(Promotion) }), ...DENIED },
      handler: async () => ({ items: await catalogue.listPromotions(deps) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/promotions',
      tag: 'catalogue',
      summary: 'A promotion: a lower rate on one product for a stretch of dates and an audience, legal on each of its dates',
      auth: ADMIN,
      body: PromotionBody,
      responses: { 201: Promotion, 400: ErrorReply, ...DENIED },
      handler: ({ staff, request, body }) => catalogue.createPromotion(deps, staff, body, requestMeta(request)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/staff/promotions/:id',
      tag: 'catalogue',
      summary: 'Switch a promotion off, or back on (checked again against the law)',
      auth: ADMIN,
      body: DisabledBody,
      responses: { 200: Promotion, 400: ErrorReply, ...DENIED, 404: ErrorReply },
      handler: ({ staff, request, body }) => catalogue.setPromotionDisabled(deps, staff, pathId(request), body.disabled, requestMeta(request)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/promo-codes',
      tag: 'catalogue',
      summary: 'Promo codes, the newest first (optionally of one promotion)',
      auth: ADMIN,
      query: PromoCodeQuery,
      responses: { 200: z.object({ items: z.array(PromoCode) }), 400: ErrorReply, ...DENIED },
      handler: async ({ query }) => ({ items: await catalogue.listPromoCodes(deps, { promotionId: query.promotionId }) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/promo-codes',
      tag: 'catalogue',
      summary: 'A promo code for a promotion (4–20 letters A–Z and digits, stored upper-case, unique)',
      auth: ADMIN,
      body: PromoCodeBody,
      responses: { 201: PromoCode, 400: ErrorReply, ...DENIED, 409: ErrorReply },
      handler: ({ staff, request, body }) => catalogue.createPromoCode(deps, staff, body, requestMeta(request)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/staff/promo-codes/:id',
      tag: 'catalogue',
      summary: 'Switch a promo code off or back on',
      auth: ADMIN,
      body: DisabledBody,
      responses: { 200: PromoCode, 400: ErrorReply, ...DENIED, 404: ErrorReply },
      handler: ({ staff, request, body }) => catalogue.setPromoCodeDisabled(deps, staff, pathId(request), body.disabled, requestMeta(request)),
    }),
  ];
}
