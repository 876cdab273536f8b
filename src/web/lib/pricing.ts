/**
 * What the calculator prices with. The first paint uses the catalogue and rules bundled with the
 * app and today's Moscow date from the browser's clock, so it needs no network; the server's
 * `GET /api/pricing` (its catalogue, rules and business date) replaces them when it arrives, so the
 * figures end up exactly the server's.
 */
import { useEffect, useState } from 'preact/hooks';
import { isBusinessDate, moscowDate, type BusinessDate } from '../../core/dates';
import { DEFAULT_PRODUCTS, type Product } from '../../core/pricing/products';
import { DEFAULT_LEGAL_RULES, type LegalRules } from '../../core/pricing/rules';
import { api, type Pricing, type PskRange } from './api';

export type PricingState = {
  source: 'bundled' | 'server';
  today: BusinessDate;
  products: Product[];
  rules: LegalRules;
  /** The server's ranges; null with the bundled data (the calculator computes them itself). */
  pskRanges: Record<string, PskRange> | null;
};

export const bundledPricing = (now: Date): PricingState => ({
  source: 'bundled',
  today: moscowDate(now),
  products: DEFAULT_PRODUCTS,
  rules: DEFAULT_LEGAL_RULES,
  pskRanges: null,
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A sanity check of the server's reply before it replaces working data: the right shapes at the
 * top level and for each product's numbers. A reply that fails it is ignored (the bundled figures stay).
 */
export const isPricing = (value: unknown): value is Pricing => {
  if (!isRecord(value)) return false;
  const { today, products, rules, pskRanges } = value;
  if (typeof today !== 'string' || !isBusinessDate(today)) return false;
  if (!Array.isArray(products) || products.length === 0) return false;
  if (!isRecord(rules) || !Array.isArray(rules.dailyRateCaps) || !Array.isArray(rules.overpaymentCaps) || !Array.isArray(rules.pskLimits)) {
    return false;
  }
  if (!isRecord(pskRanges)) return false;
  return products.every(
    (p: unknown) =>
      isRecord(p) &&
      typeof p.code === 'string' &&
      typeof p.name === 'string' &&
      isRecord(p.amount) &&
      isRecord(p.term) &&
      isRecord(p.rate) &&
      [p.amount.minRubles, p.amount.maxRubles, p.amount.stepRubles, p.amount.defaultRubles].every(Number.isSafeInteger) &&
      [p.term.min, p.term.max, p.term.step, p.term.default].every(Number.isSafeInteger) &&
      Number(p.amount.stepRubles) > 0 &&
      Number(p.term.step) > 0,
  );
};

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The server's data as the next state. Where it equals what is shown (the usual case: the server
 * runs the bundled catalogue), the old objects are kept, so nothing priced from them is recomputed.
 */
export const fromServer = (current: PricingState, reply: Pricing): PricingState => ({
  source: 'server',
  today: reply.today,
  products: sameJson(current.products, reply.products) ? current.products : reply.products,
  rules: sameJson(current.rules, reply.rules) ? current.rules : reply.rules,
  pskRanges: reply.pskRanges,
});

/** Bundled data at once, the server's when it answers. */
export const usePricing = (): PricingState => {
  const [pricing, setPricing] = useState<PricingState>(() => bundledPricing(new Date()));
  useEffect(() => {
    let active = true;
    api
      .pricing()
      .then((reply) => {
        if (!active || !isPricing(reply)) return;
        setPricing((current) => fromServer(current, reply));
      })
      .catch(() => {
        // Keep the bundled catalogue: the figures are still right unless the server's differs, and
        // the cabinet recomputes the chosen loan on the server anyway.
      });
    return () => {
      active = false;
    };
  }, []);
  return pricing;
};
