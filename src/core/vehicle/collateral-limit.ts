/**
 * How much a car can secure: a share of its valuation, on the product's amount grid, within the
 * product's range. The valuation is in kopecks (a valuer's figure may have kopecks); the product
 * and the result are in whole rubles, as products.ts writes amounts. Integer arithmetic only: the
 * share is taken on BigInt, so no valuation can overflow or round through a float.
 */
import { formatRubles } from '../money';
import type { Product } from '../pricing/products';

/** The lender's usual loan-to-value: 70 % of the valuation (the market runs 50–80 %). */
export const DEFAULT_VALUATION_SHARE_PERCENT = 70;

export type CollateralLimitOptions = {
  /** The car's valuation, whole kopecks. */
  valuationKopecks: number;
  /** Loan-to-value, whole percent (1–100). */
  sharePercent?: number;
  /** The product's amount range and step, in whole rubles (a `Product` fits as it is). */
  product: Pick<Product, 'amount'>;
  /** What the customer asked for, whole rubles. */
  requestedRubles: number;
};

export type CollateralLimitDeclineCode = 'cap_below_minimum' | 'requested_below_minimum';

export type CollateralLimit =
  | {
      approvedRubles: number;
      /** The share of the valuation on the product's grid, before the request and maximum: for "up to … ₽". */
      capRubles: number;
    }
  | { declined: true; code: CollateralLimitDeclineCode; reason: string; capRubles: number };

const rublesText = (rubles: number) => formatRubles(rubles * 100);

function assertWhole(value: number, what: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${what} must be a whole number ≥ ${min}, got ${value}`);
}

/**
 * The nearest amount on the product's grid (from its minimum, by its step, as the pricing code
 * lays it out) not above `rubles`; `rubles` itself when it is below the minimum.
 */
function floorToGrid(amount: Product['amount'], rubles: number): number {
  if (rubles < amount.minRubles) return rubles;
  return amount.minRubles + Math.floor((rubles - amount.minRubles) / amount.stepRubles) * amount.stepRubles;
}

/**
 * approved = min(requested, share × valuation, product maximum), rounded down to whole rubles and
 * down to the product's grid. Declined when the share of the valuation does not reach the
 * product's minimum (or the request itself is below it).
 */
export function collateralLimitRubles(options: CollateralLimitOptions): CollateralLimit {
  const { valuationKopecks, sharePercent = DEFAULT_VALUATION_SHARE_PERCENT, product, requestedRubles } = options;
  const { amount } = product;
  assertWhole(valuationKopecks, 'valuationKopecks', 0);
  assertWhole(sharePercent, 'sharePercent', 1);
  if (sharePercent > 100) throw new RangeError(`sharePercent must be at most 100, got ${sharePercent}`);
  assertWhole(requestedRubles, 'requestedRubles', 0);
  assertWhole(amount.minRubles, 'product minRubles', 0);
  assertWhole(amount.stepRubles, 'product stepRubles', 1);
  assertWhole(amount.maxRubles, 'product maxRubles', amount.minRubles);

  // floor(valuation × share / 100) kopecks, then down to whole rubles: one floor of the exact ratio.
  const shareRubles = Number((BigInt(valuationKopecks) * BigInt(sharePercent)) / 10_000n);
  const capRubles = floorToGrid(amount, Math.min(shareRubles, amount.maxRubles));

  if (capRubles < amount.minRubles) {
    return {
      declined: true,
      code: 'cap_below_minimum',
      reason: `Под залог этого автомобиля можно получить не больше ${rublesText(capRubles)} (${sharePercent}\u00a0% оценки), а минимальная сумма займа — ${rublesText(amount.minRubles)}.`,
      capRubles,
    };
  }
  if (requestedRubles < amount.minRubles) {
    return {
      declined: true,
      code: 'requested_below_minimum',
      reason: `Минимальная сумма займа — ${rublesText(amount.minRubles)}.`,
      capRubles,
    };
  }
  return { approvedRubles: floorToGrid(amount, Math.min(requestedRubles, capRubles)), capRubles };
}
