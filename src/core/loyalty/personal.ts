import { dailyPpmEquivalent, type Product } from '../pricing/products';
import type { LevelDefinition } from './level';

/**
 * Personal pricing: the rate a particular borrower gets on a product — the lowest of the product's
 * own rate, the product's rate less the loyalty discount, and the best promotion that applies to
 * them. It is only ever a rate: the figures come from core `quote()` run on the product with that
 * rate (`personalProduct`), so the overpayment cap, the daily rate cap and the ПСК ceiling apply to
 * a personal price exactly as to the product's own. A personal rate is never above the product's.
 */

export type Rate = Product['rate'];

export type PersonalRateSource = 'product' | 'level' | 'promotion';

export type PersonalRate = {
  rate: Rate;
  productRate: Rate;
  source: PersonalRateSource;
  /** The level the borrower is at (even when another source won). */
  level: { code: LevelDefinition['code']; name: string; discountPercent: number };
  /** The promotion whose rate is used (null: none is). `code`: the promo code it came through. */
  promotion: { id: string; name: string; code: string | null } | null;
};

/** The product's rate less `discountPercent` %, in whole ppm, rounded down (in the borrower's favour). */
export function discountedRate(rate: Rate, discountPercent: number): Rate {
  const percent = Math.min(100, Math.max(0, Math.floor(discountPercent)));
  return { ppm: Math.floor((rate.ppm * (100 - percent)) / 100), per: rate.per };
}

const isLower = (a: Rate, b: Rate) => dailyPpmEquivalent(a) < dailyPpmEquivalent(b);

/** The lower of two rates (compared per day); the first on a tie. */
export const lowerRate = (a: Rate, b: Rate): Rate => (isLower(b, a) ? b : a);

/**
 * The personal rate on `product` for a borrower at `level`, given the promotion `promotionFor`
 * chose for them (or null). Ties keep the simpler source: the product's rate over a discount, a
 * discount over a promotion (so a promo code is not spent for nothing).
 */
export function personalRate(
  product: Product,
  level: Pick<LevelDefinition, 'code' | 'name' | 'discountPercent'>,
  promotion: { id: string; name: string; rate: Rate; code: string | null } | null,
): PersonalRate {
  const levelInfo = { code: level.code, name: level.name, discountPercent: level.discountPercent };
  let best: PersonalRate = { rate: product.rate, productRate: product.rate, source: 'product', level: levelInfo, promotion: null };
  const byLevel = discountedRate(product.rate, level.discountPercent);
  if (isLower(byLevel, best.rate)) best = { ...best, rate: byLevel, source: 'level' };
  if (promotion && isLower(promotion.rate, best.rate) && Number.isSafeInteger(promotion.rate.ppm) && promotion.rate.ppm >= 0) {
    best = { ...best, rate: promotion.rate, source: 'promotion', promotion: { id: promotion.id, name: promotion.name, code: promotion.code } };
  }
  return best;
}

/** The product priced at `rate` when that is lower than its own; never a dearer product. */
export function personalProduct(product: Product, rate: Rate | null | undefined): Product {
  if (!rate || !Number.isSafeInteger(rate.ppm) || rate.ppm < 0) return product;
  return isLower(rate, product.rate) ? { ...product, rate: { ...rate } } : product;
}

/** The rate per day in %, 4 decimals (a monthly rate spread over 365/12 days), as offers show it. */
export function ratePerDayPercent(rate: Rate): number {
  return Math.round(dailyPpmEquivalent(rate)) / 10_000;
}

const percentText = (ppm: number) => `${(ppm / 10_000).toLocaleString('ru-RU', { maximumFractionDigits: 4 })}\u00a0%`;
const perText = (per: Rate['per']) => (per === 'day' ? 'в день' : 'в месяц');

/** «0,76 % в день». */
export const formatRate = (rate: Rate): string => `${percentText(rate.ppm)} ${perText(rate.per)}`;

/**
 * Why the rate is lower, for the quote and the contract: «Ставка 0,76 % в день вместо 0,8 % —
 * уровень «Серебро»» or «… — акция «Зима»». Null when the product's own rate applies.
 */
export function personalRateReason(personal: Pick<PersonalRate, 'rate' | 'productRate' | 'source' | 'level' | 'promotion'>): string | null {
  if (personal.source === 'product' || !isLower(personal.rate, personal.productRate)) return null;
  const why = personal.source === 'promotion' && personal.promotion ? `акция «${personal.promotion.name}»` : `уровень «${personal.level.name}»`;
  const instead = personal.rate.per === personal.productRate.per ? percentText(personal.productRate.ppm) : formatRate(personal.productRate);
  return `Ставка ${formatRate(personal.rate)} вместо ${instead} — ${why}`;
}

/** The nearest amount on the product's grid (from its minimum, by its step) not above `rubles`. */
function floorToGrid(product: Product, rubles: number): number {
  const { minRubles, maxRubles, stepRubles } = product.amount;
  const capped = Math.min(rubles, maxRubles);
  if (capped <= minRubles) return minRubles;
  return minRubles + Math.floor((capped - minRubles) / stepRubles) * stepRubles;
}

/** What a new borrower is offered before any history: half the product's maximum (on its grid). */
export function firstLoanLimitRubles(product: Product): number {
  return floorToGrid(product, Math.floor(product.amount.maxRubles / 2));
}

/**
 * The pre-approved amount at a level: the first-loan limit raised by the level's percentage,
 * never above the product's maximum, always on the product's grid.
 */
export function preApprovedMaxRubles(product: Product, amountRaisePercent: number): number {
  const raise = Math.max(0, Math.floor(amountRaisePercent));
  const first = firstLoanLimitRubles(product);
  return floorToGrid(product, Math.floor((first * (100 + raise)) / 100));
}
