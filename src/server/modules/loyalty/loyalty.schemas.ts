import { z } from 'zod';

/** Replies of the loyalty routes, and the personal pricing an application shows. */

const LevelCode = z.enum(['start', 'silver', 'gold', 'platinum']);
const RateReply = z.object({ ppm: z.number().int(), per: z.enum(['day', 'month']), percent: z.number() });

export const LevelReply = z.object({
  code: LevelCode,
  name: z.string(),
  title: z.string(),
  discountPercent: z.number().int(),
  amountRaisePercent: z.number().int(),
  benefits: z.array(z.string()),
  requirement: z.string(),
  restriction: z.string().nullable(),
  next: z.object({ code: LevelCode, name: z.string(), loansToGo: z.number().int(), text: z.string() }).nullable(),
  history: z.object({
    loansRepaid: z.number().int(),
    repaidOnTime: z.number().int(),
    maxOverdueDays: z.number().int(),
    totalOverdueDays: z.number().int(),
    openOverdueDays: z.number().int(),
  }),
});

export const OfferReply = z.object({
  product: z.string(),
  productName: z.string(),
  /** Pre-approved maximum, whole rubles. */
  maxAmount: z.number().int(),
  minAmount: z.number().int(),
  amountStep: z.number().int(),
  term: z.object({ unit: z.enum(['days', 'weeks', 'months']), min: z.number().int(), max: z.number().int(), step: z.number().int(), default: z.number().int() }),
  /** The personal rate per day in % (4 decimals; a monthly rate spread over 365/12 days). */
  ratePerDay: z.number(),
  rate: RateReply,
  productRate: RateReply,
  productRatePerDay: z.number(),
  basis: z.object({
    source: z.enum(['product', 'level', 'promotion']),
    level: LevelCode,
    discountPercent: z.number().int(),
    promotion: z.object({ id: z.string(), name: z.string() }).nullable(),
  }),
  /** «Ставка 0,76 % в день вместо 0,8 % — уровень «Серебро»», or null at the product's rate. */
  note: z.string().nullable(),
  /** What «Оформить» saves as the loan choice (PUT /api/cabinet/loan-choice) before /application. */
  choice: z.object({ product: z.string(), amount: z.number().int(), term: z.number().int() }),
  /** The offer priced today at the pre-approved maximum and the default term. */
  example: z.object({
    amountKopecks: z.number().int(),
    term: z.number().int(),
    termUnit: z.enum(['days', 'weeks', 'months']),
    totalKopecks: z.number().int(),
    overpaymentKopecks: z.number().int(),
    returnDate: z.string(),
    pskPercent: z.number(),
  }),
});

export const OffersReply = z.object({
  level: LevelReply,
  bonusPoints: z.number().int(),
  offers: z.array(OfferReply),
});

/** On an application: its personal rate and why (null: the product's own rate). */
export const ApplicationPricingReply = z
  .object({
    rate: RateReply,
    productRate: RateReply,
    ratePerDay: z.number(),
    source: z.enum(['product', 'level', 'promotion']),
    discounted: z.boolean(),
    level: z.object({ code: LevelCode, name: z.string() }),
    discountPercent: z.number().int(),
    promotion: z.object({ id: z.string(), name: z.string() }).nullable(),
    promoCode: z
      .object({
        code: z.string(),
        status: z.enum(['applied', 'unknown', 'disabled', 'used_up', 'not_applicable', 'not_better']),
        message: z.string(),
      })
      .nullable(),
    note: z.string().nullable(),
  })
  .nullable();
