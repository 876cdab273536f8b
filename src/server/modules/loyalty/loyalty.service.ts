import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../../core/clock';
import { daysBetween, moscowDate, type BusinessDate } from '../../../core/dates';
import { loyaltyLevel, type LoyaltyHistory, type LoyaltyLevel, type LoyaltyLevelCode } from '../../../core/loyalty/level';
import {
  lowerRate,
  personalProduct,
  personalRate,
  personalRateReason,
  preApprovedMaxRubles,
  ratePerDayPercent,
  type PersonalRateSource,
  type Rate,
} from '../../../core/loyalty/personal';
import { dailyPpmEquivalent } from '../../../core/pricing/products';
import { quote } from '../../../core/pricing/quote';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import type { Actor } from '../auth/auth.service';
import { bonusBalance } from '../bonus/bonus.service';
import { offersFor as promotionOffersFor, promotionFor, type CustomerKind, type PromoCodeStatus } from '../catalogue/catalogue.service';
import type { Pricing } from '../pricing/pricing.service';
import * as repo from './loyalty.repo';

/**
 * Loyalty and personal pricing (issue 8, docs/ARCHITECTURE.md «Loyalty and personal pricing»).
 *
 * The level comes from the customer's own loans (core/loyalty/level.ts). The personal rate on a
 * product is the lowest of the product's rate, the level's discount and the best promotion for the
 * customer (`promotionFor`, with the promo code they entered); it is only a rate, priced by core
 * `quote()` like any other, so no cap can be broken by it. An application stores the rate and why
 * (applications.offer_rate_ppm / offer_rate_per / pricing_basis); every quote of that application
 * prices with it through `quoteOrThrow(…, { rate })`.
 */

export type LoyaltyDeps = { db: Kysely<DB>; clock: Clock; pricing: Pricing };

type Executor = Kysely<DB> | Transaction<DB>;

export type Standing = { level: LoyaltyLevel; kind: CustomerKind };

/** Loans that never reached the borrower (refused in the cooling-off, payout failed) are not history. */
const REAL_LOAN = new Set(['active', 'closed']);

/** The summary the level is computed from, as of `today` (Moscow). */
export function historyOf(loans: readonly { status: string; due_date: string; closed_at: Date | null }[], today: BusinessDate): LoyaltyHistory {
  const history: LoyaltyHistory = { loansRepaid: 0, repaidOnTime: 0, maxOverdueDays: 0, totalOverdueDays: 0, openOverdueDays: 0 };
  for (const loan of loans) {
    if (!REAL_LOAN.has(loan.status)) continue;
    let overdue: number;
    if (loan.status === 'closed' && loan.closed_at) {
      overdue = Math.max(0, daysBetween(loan.due_date, moscowDate(loan.closed_at)));
      history.loansRepaid += 1;
      if (overdue === 0) history.repaidOnTime += 1;
    } else {
      overdue = Math.max(0, daysBetween(loan.due_date, today));
      history.openOverdueDays = Math.max(history.openOverdueDays, overdue);
    }
    history.maxOverdueDays = Math.max(history.maxOverdueDays, overdue);
    history.totalOverdueDays += overdue;
  }
  return history;
}

/** The customer's level and whether promotions see them as a first-time or a returning borrower. */
export async function customerStanding(db: Executor, customerId: string, today: BusinessDate): Promise<Standing> {
  const loans = await repo.loanRecords(db, customerId);
  // Any signed loan that was not refused makes a returning customer (a promotion for first loans is for the first one).
  const returning = loans.some((l) => l.status !== 'refused' && l.status !== 'payout_failed');
  return { level: loyaltyLevel(historyOf(loans, today)), kind: returning ? 'returning' : 'first_loan' };
}

/** Why an application prices as it does; stored as applications.pricing_basis. */
export type PricingBasis = {
  level: LoyaltyLevelCode;
  levelName: string;
  discountPercent: number;
  source: PersonalRateSource;
  productRate: Rate;
  /** The promotion whose rate is used; `code`: the promo code it came through (counted at signing). */
  promotion: { id: string; name: string; code: string | null } | null;
  /** The code the customer entered and what became of it. */
  promoCode: { code: string; status: PromoCodeStatus } | null;
};

const RateSchema = z.object({ ppm: z.number().int().min(0), per: z.enum(['day', 'month']) });
const BasisSchema = z.object({
  level: z.enum(['start', 'silver', 'gold', 'platinum']),
  levelName: z.string(),
  discountPercent: z.number(),
  source: z.enum(['product', 'level', 'promotion']),
  productRate: RateSchema,
  promotion: z.object({ id: z.string(), name: z.string(), code: z.string().nullable() }).nullable(),
  promoCode: z
    .object({ code: z.string(), status: z.enum(['applied', 'unknown', 'disabled', 'used_up', 'not_applicable', 'not_better']) })
    .nullable(),
});

export function parseBasis(value: unknown): PricingBasis | null {
  const parsed = BasisSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export type PersonalPricing = { rate: Rate; basis: PricingBasis; note: string | null };

/** A promo code as typed: trimmed, upper case; null when empty. */
export function normalizePromoCode(code: string | null | undefined): string | null {
  const text = code?.trim().toUpperCase() ?? '';
  return text === '' ? null : text;
}

export const PROMO_CODE_MESSAGES: Record<PromoCodeStatus, string> = {
  applied: 'Промокод применён.',
  unknown: 'Такого промокода нет. Проверьте, как он написан.',
  disabled: 'Этот промокод больше не действует.',
  used_up: 'Этот промокод уже использован максимальное число раз.',
  not_applicable: 'Промокод не подходит к этому займу: акция — на другой продукт, другие даты или для других клиентов.',
  not_better: 'Промокод действует, но ваша ставка и без него ниже — она и останется.',
};

/** Statuses that refuse the code when it is entered (400); the others are accepted and shown. */
const REFUSED: ReadonlySet<PromoCodeStatus> = new Set(['unknown', 'disabled', 'used_up', 'not_applicable']);

/**
 * The personal rate on `productCode` for the customer on `date`, with the promo code they entered
 * (if any). Null when the product is not in the catalogue.
 */
export async function personalPricing(
  db: Executor,
  pricing: Pricing,
  input: { customerId: string; productCode: string; date: BusinessDate; promoCode?: string | null | undefined; standing?: Standing },
): Promise<PersonalPricing | null> {
  const product = pricing.product(input.productCode);
  if (!product) return null;
  const standing = input.standing ?? (await customerStanding(db, input.customerId, input.date));
  const entered = normalizePromoCode(input.promoCode);
  const offers = await promotionOffersFor(db, product.code, input.date);
  const choice = promotionFor(offers, product, input.date, standing.kind, entered);
  const personal = personalRate(product, standing.level, choice.promotion);
  let code = choice.code;
  // promotionFor compares promotions only; the level's discount may still beat the code's rate.
  if (code?.status === 'applied' && personal.promotion?.code !== code.code) code = { ...code, status: 'not_better' };
  const basis: PricingBasis = {
    level: standing.level.code,
    levelName: standing.level.name,
    discountPercent: standing.level.discountPercent,
    source: personal.source,
    productRate: product.rate,
    promotion: personal.promotion,
    promoCode: code,
  };
  return { rate: personal.rate, basis, note: personalRateReason(personal) };
}

/** A 400 for a promo code that cannot be used, in the field the loan step shows. */
export function assertPromoCodeUsable(personal: PersonalPricing | null): void {
  const code = personal?.basis.promoCode;
  if (code && REFUSED.has(code.status)) {
    throw new AppError('validation_failed', undefined, { fields: { promoCode: PROMO_CODE_MESSAGES[code.status] } });
  }
}

/** The application columns that carry a personal pricing. */
export function pricingColumns(personal: PersonalPricing | null) {
  return personal
    ? { offer_rate_ppm: personal.rate.ppm, offer_rate_per: personal.rate.per, pricing_basis: JSON.stringify(personal.basis) }
    : { offer_rate_ppm: null, offer_rate_per: null, pricing_basis: null };
}

type PricedRow = { product_code: string; offer_rate_ppm: number | null; offer_rate_per: 'day' | 'month' | null; pricing_basis: unknown };

/** The personal rate stored with an application; null: the product's own (older applications). */
export function storedRate(row: Pick<PricedRow, 'offer_rate_ppm' | 'offer_rate_per'>): Rate | null {
  return row.offer_rate_ppm !== null && row.offer_rate_per !== null ? { ppm: row.offer_rate_ppm, per: row.offer_rate_per } : null;
}

const rateView = (rate: Rate) => ({ ppm: rate.ppm, per: rate.per, percent: rate.ppm / 10_000 });

/**
 * How an application is priced, for its owner: the rate, the product's rate, and why. The
 * product's current rate wins if staff lowered it below the stored one since (never a higher rate).
 */
export function applicationPricingView(pricing: Pricing, row: PricedRow) {
  const product = pricing.product(row.product_code);
  const stored = storedRate(row);
  const basis = parseBasis(row.pricing_basis);
  if (!product || !stored || !basis) return null;
  const rate = lowerRate(product.rate, stored);
  const personalWins = dailyPpmEquivalent(rate) < dailyPpmEquivalent(product.rate);
  const source: PersonalRateSource = personalWins ? basis.source : 'product';
  const level = { code: basis.level, name: basis.levelName, discountPercent: basis.discountPercent };
  const promotion = personalWins ? basis.promotion : null;
  return {
    rate: rateView(rate),
    productRate: rateView(product.rate),
    ratePerDay: ratePerDayPercent(rate),
    source,
    discounted: personalWins,
    level: { code: level.code, name: level.name },
    discountPercent: basis.discountPercent,
    promotion: promotion ? { id: promotion.id, name: promotion.name } : null,
    promoCode: basis.promoCode ? { ...basis.promoCode, message: PROMO_CODE_MESSAGES[basis.promoCode.status] } : null,
    note: personalRateReason({ rate, productRate: product.rate, source, level, promotion }),
  };
}

/** The line the contract carries about the personal rate (null: the product's own rate). */
export function contractPricingNote(pricing: Pricing, row: PricedRow): string | null {
  const note = applicationPricingView(pricing, row)?.note;
  return note ? `${note}.` : null;
}

/**
 * At signing, in the signing transaction: one use of the promo code the application's rate came
 * through. False when the code can no longer be used (the caller rolls the signing back).
 */
export async function countPromoCodeAtSigning(trx: Transaction<DB>, pricing: Pricing, row: PricedRow): Promise<boolean> {
  const view = applicationPricingView(pricing, row);
  const basis = parseBasis(row.pricing_basis);
  // The code only counts when its promotion's rate is the one the contract uses.
  if (!view || view.source !== 'promotion' || !basis?.promotion?.code) return true;
  return repo.countPromoCodeUse(trx, basis.promotion.code, basis.promotion.id);
}

/**
 * GET /api/offers: the level, the bonus points, and one pre-approved offer per product the
 * customer can take today — the personal rate (no promo code: one is entered on the loan step), the
 * pre-approved maximum for the level (never above the product's maximum; scoring still decides the
 * application), and the choice that starts an application prefilled.
 */
export async function customerOffers(deps: LoyaltyDeps, actor: Actor) {
  const today = moscowDate(deps.clock.now());
  const standing = await customerStanding(deps.db, actor.customerId, today);
  const bonusPoints = await bonusBalance(deps.db, actor.customerId);
  const offers = [];
  for (const product of deps.pricing.products) {
    const personal = await personalPricing(deps.db, deps.pricing, { customerId: actor.customerId, productCode: product.code, date: today, standing });
    if (!personal) continue;
    const maxAmount = preApprovedMaxRubles(product, standing.level.amountRaisePercent);
    const term = product.term.default;
    const example = quote({ product: personalProduct(product, personal.rate), amountRubles: maxAmount, term, startDate: today, rules: deps.pricing.rules });
    // A product that cannot be priced today (the rules changed under it) is not offered.
    if (!example.ok) continue;
    const q = example.quote;
    offers.push({
      product: product.code,
      productName: product.name,
      maxAmount,
      minAmount: product.amount.minRubles,
      amountStep: product.amount.stepRubles,
      term: { ...product.term },
      ratePerDay: ratePerDayPercent(personal.rate),
      rate: rateView(personal.rate),
      productRate: rateView(product.rate),
      productRatePerDay: ratePerDayPercent(product.rate),
      basis: {
        source: personal.basis.source,
        level: personal.basis.level,
        discountPercent: personal.basis.discountPercent,
        promotion: personal.basis.promotion ? { id: personal.basis.promotion.id, name: personal.basis.promotion.name } : null,
      },
      note: personal.note,
      choice: { product: product.code, amount: maxAmount, term },
      example: {
        amountKopecks: q.amountKopecks,
        term: q.term,
        termUnit: q.termUnit,
        totalKopecks: q.totalKopecks,
        overpaymentKopecks: q.overpaymentKopecks,
        returnDate: q.returnDate,
        pskPercent: q.pskPercent,
      },
    });
  }
  const { level } = standing;
  return {
    level: {
      code: level.code,
      name: level.name,
      title: level.title,
      discountPercent: level.discountPercent,
      amountRaisePercent: level.amountRaisePercent,
      benefits: level.benefits,
      requirement: level.requirement,
      restriction: level.restriction,
      next: level.next,
      history: level.history,
    },
    bonusPoints,
    offers,
  };
}
