import { readFileSync } from 'node:fs';
import type { Clock } from '../../../core/clock';
import { moscowDate, type BusinessDate } from '../../../core/dates';
import { catalogueProblems, pskRange } from '../../../core/pricing/catalogue';
import { DEFAULT_PRODUCTS, type Product } from '../../../core/pricing/products';
import { quote, type Quote } from '../../../core/pricing/quote';
import { personalProduct } from '../../../core/loyalty/personal';
import { DEFAULT_LEGAL_RULES, type LegalRules } from '../../../core/pricing/rules';
import { AppError } from '../../errors';
import { LegalRulesSchema, ProductSchema } from './pricing.schemas';

/**
 * The catalogue and the legal rules this process prices with: the defaults in src/core, or JSON
 * files named by CATALOGUE_FILE / LEGAL_RULES_FILE. Checked at start: a catalogue that breaks a
 * rule in force today stops the process. Once staff save a catalogue version (modules/catalogue),
 * that version replaces the products here, in every process (loaded at start, refreshed while running).
 */

export type Pricing = {
  /** The catalogue in force now (read through `catalogue`: staff may replace it while running). */
  readonly products: readonly Product[];
  rules: LegalRules;
  today: () => BusinessDate;
  product: (code: string) => Product | undefined;
  /** Where `products` and `product()` read from; the catalogue module installs saved versions. */
  catalogue: CatalogueHolder;
};

/**
 * The current catalogue, replaced whole (never edited in place): seq 0 is the file or built-in
 * catalogue this process started with, seq ≥ 1 a version saved by staff (modules/catalogue).
 */
export type CatalogueHolder = {
  current: () => { seq: number; products: readonly Product[] };
  /** Installs a newer version; an older or equal seq is ignored (a slow reader never goes back). */
  replace: (seq: number, products: readonly Product[]) => boolean;
};

export function createCatalogueHolder(initial: readonly Product[]): CatalogueHolder & { product: (code: string) => Product | undefined } {
  let state = { seq: 0, products: initial, byCode: new Map(initial.map((p) => [p.code, p])) };
  return {
    current: () => ({ seq: state.seq, products: state.products }),
    product: (code) => state.byCode.get(code),
    replace: (seq, products) => {
      if (seq <= state.seq) return false;
      state = { seq, products, byCode: new Map(products.map((p) => [p.code, p])) };
      return true;
    },
  };
}

export class PricingConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid product catalogue or legal rules:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PricingConfigError';
  }
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PricingConfigError([`${what} ${path}: ${(error as Error).message}`]);
  }
}

export function loadPricing(options: { catalogueFile?: string | undefined; legalRulesFile?: string | undefined; clock: Clock }): Pricing {
  let products: Product[] = DEFAULT_PRODUCTS;
  let rules: LegalRules = DEFAULT_LEGAL_RULES;
  if (options.catalogueFile) {
    const parsed = ProductSchema.array().min(1).safeParse(readJson(options.catalogueFile, 'CATALOGUE_FILE'));
    if (!parsed.success) throw new PricingConfigError(parsed.error.issues.map((i) => `catalogue ${i.path.join('.')}: ${i.message}`));
    products = parsed.data;
  }
  if (options.legalRulesFile) {
    const parsed = LegalRulesSchema.safeParse(readJson(options.legalRulesFile, 'LEGAL_RULES_FILE'));
    if (!parsed.success) throw new PricingConfigError(parsed.error.issues.map((i) => `rules ${i.path.join('.')}: ${i.message}`));
    rules = parsed.data;
  }
  const today = () => moscowDate(options.clock.now());
  const problems = catalogueProblems(products, rules, today());
  if (problems.length) throw new PricingConfigError(problems);
  const holder = createCatalogueHolder(products);
  return {
    get products() {
      return holder.current().products;
    },
    rules,
    today,
    product: holder.product,
    catalogue: { current: holder.current, replace: holder.replace },
  };
}

type PskRanges = { seq: number; date: BusinessDate; rules: LegalRules; products: readonly Product[]; ranges: Record<string, { minPercent: number; maxPercent: number }> };
const rangesByPricing = new WeakMap<Pricing, PskRanges>();

/**
 * The catalogue in force and each product's ПСК range today. A range prices every term at the
 * smallest and the largest amount (about 200 quotes for the built-in catalogue, ~10 ms), and the
 * landing page asks for it on every visit: computed once per catalogue version, rule table and day.
 */
function catalogueWithRanges(pricing: Pricing): PskRanges {
  const date = pricing.today();
  const { seq, products } = pricing.catalogue.current();
  const cached = rangesByPricing.get(pricing);
  if (cached && cached.seq === seq && cached.date === date && cached.rules === pricing.rules) return cached;
  const ranges = Object.fromEntries(products.map((p) => [p.code, pskRange(p, pricing.rules, date)]));
  const fresh = { seq, date, rules: pricing.rules, products, ranges };
  rangesByPricing.set(pricing, fresh);
  return fresh;
}

export function productsWithRanges(pricing: Pricing) {
  const { products, ranges } = catalogueWithRanges(pricing);
  return products.map((product) => ({
    ...product,
    rate: { ...product.rate, percent: product.rate.ppm / 10_000 },
    pskRange: ranges[product.code]!,
  }));
}

export function pricingForBrowser(pricing: Pricing) {
  const { date, products, rules, ranges } = catalogueWithRanges(pricing);
  return { today: date, products, rules, pskRanges: ranges };
}

/**
 * A quote, or a 400 with a Russian message per field. `rate`: a personal rate (modules/loyalty),
 * used only where it is below the product's current rate — a rate is never raised — and priced by
 * the same `quote()`, so every legal cap applies to it as to the product's own.
 */
export function quoteOrThrow(
  pricing: Pricing,
  input: { product: string; amountRubles: number; term: number; date?: BusinessDate | undefined; rate?: Product['rate'] | null | undefined },
): Quote {
  const product = pricing.product(input.product);
  if (!product) {
    throw new AppError('validation_failed', undefined, { fields: { product: 'Такого продукта нет. Выберите продукт из списка.' } });
  }
  const result = quote({
    product: personalProduct(product, input.rate),
    amountRubles: input.amountRubles,
    term: input.term,
    startDate: input.date ?? pricing.today(),
    rules: pricing.rules,
  });
  if (!result.ok) throw new AppError('validation_failed', undefined, { fields: result.errors });
  return result.quote;
}

/** A quote, or null when the loan can no longer be priced (catalogue or rules changed since). */
export function quoteOrNull(pricing: Pricing, input: Parameters<typeof quoteOrThrow>[1]): Quote | null {
  try {
    return quoteOrThrow(pricing, input);
  } catch (error) {
    if (error instanceof AppError) return null;
    throw error;
  }
}
