import { z } from 'zod';

/** Shapes of the catalogue and the legal rule table, for files given at start and for the API. */

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

export const ProductSchema = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9_]{1,30}$/),
  name: z.string().min(1),
  description: z.string(),
  amount: z.strictObject({
    minRubles: z.number().int().positive(),
    maxRubles: z.number().int().positive(),
    stepRubles: z.number().int().positive(),
    defaultRubles: z.number().int().positive(),
  }),
  term: z.strictObject({
    unit: z.enum(['days', 'weeks', 'months']),
    min: z.number().int().positive(),
    max: z.number().int().positive(),
    step: z.number().int().positive(),
    default: z.number().int().positive(),
  }),
  rate: z.strictObject({ ppm: z.number().int().min(0), per: z.enum(['day', 'month']) }),
  repayment: z.enum(['bullet', 'biweekly_annuity', 'monthly_annuity']),
  pskCategory: z.string().min(1),
  collateral: z.enum(['none', 'car']),
});

export const LegalRulesSchema = z.strictObject({
  dailyRateCaps: z.array(z.strictObject({ from: isoDate, maxDailyPpm: z.number().int().positive(), source: z.string() })).min(1),
  overpaymentCaps: z
    .array(
      z.strictObject({
        from: isoDate,
        capPercent: z.number().positive(),
        maxTermDays: z.number().int().positive(),
        source: z.string(),
      }),
    )
    .min(1),
  pskLimits: z
    .array(
      z.strictObject({
        category: z.string().min(1),
        from: isoDate,
        averagePercent: z.number().positive(),
        limitPercent: z.number().positive().max(292),
        source: z.string(),
      }),
    )
    .min(1),
});

const Kopecks = z.number().int();

export const QuoteSchema = z.object({
  product: z.string(),
  amountKopecks: Kopecks,
  term: z.number().int(),
  termUnit: z.enum(['days', 'weeks', 'months']),
  termDays: z.number().int(),
  startDate: isoDate,
  returnDate: isoDate,
  schedule: z.array(
    z.object({ date: isoDate, principalKopecks: Kopecks, interestKopecks: Kopecks, totalKopecks: Kopecks }),
  ),
  totalKopecks: Kopecks,
  overpaymentKopecks: Kopecks,
  pskPercent: z.number(),
  pskKopecks: Kopecks,
  pskLimitPercent: z.number(),
  rate: z.object({ percent: z.number(), per: z.enum(['day', 'month']) }),
  cap: z.object({
    overpaymentCapPercent: z.number().nullable(),
    overpaymentCapKopecks: Kopecks.nullable(),
    applied: z.boolean(),
    source: z.string().nullable(),
  }),
});

const intParam = (message: string) =>
  z
    .string({ error: message })
    .regex(/^\d{1,9}$/, { error: message })
    .transform(Number);

export const QuoteQuery = z.strictObject({
  product: z.string({ error: 'Выберите продукт.' }).max(40),
  amount: intParam('Сумма — целое число рублей.'),
  term: intParam('Срок — целое число.'),
  date: isoDate.optional(),
});

export const ProductReply = ProductSchema.extend({
  rate: z.object({ ppm: z.number().int(), per: z.enum(['day', 'month']), percent: z.number() }),
  pskRange: z.object({ minPercent: z.number(), maxPercent: z.number() }),
});

export const PricingReply = z.object({
  today: isoDate,
  products: z.array(ProductSchema),
  rules: LegalRulesSchema,
  pskRanges: z.record(z.string(), z.object({ minPercent: z.number(), maxPercent: z.number() })),
});
