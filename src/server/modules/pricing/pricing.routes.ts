import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { PricingReply, ProductReply, QuoteQuery, QuoteSchema } from './pricing.schemas';
import { pricingForBrowser, productsWithRanges, quoteOrThrow, type Pricing } from './pricing.service';

export function pricingRoutes(deps: { pricing: Pricing }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/products',
      tag: 'pricing',
      summary: 'The product catalogue with amount and term ranges, rate and today\u2019s ПСК range',
      auth: 'public',
      responses: { 200: z.array(ProductReply) },
      handler: async () => productsWithRanges(deps.pricing),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/pricing',
      tag: 'pricing',
      summary: 'Everything the browser calculator needs to compute the same figures as the server',
      auth: 'public',
      responses: { 200: PricingReply },
      handler: async () => pricingForBrowser(deps.pricing),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/quote',
      tag: 'pricing',
      summary: 'Schedule, total, overpayment, return date and ПСК for an amount (₽) and term (product unit)',
      auth: 'public',
      query: QuoteQuery,
      responses: { 200: QuoteSchema, 400: ErrorReply },
      handler: async ({ query }) =>
        quoteOrThrow(deps.pricing, { product: query.product, amountRubles: query.amount, term: query.term, date: query.date }),
    }),
  ];
}
