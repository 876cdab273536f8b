import type { BusinessDate } from '../dates';
import { dailyPpmEquivalent, type Product } from './products';
import { quote } from './quote';
import { inForce, type LegalRules } from './rules';

/** Every term the product offers, from min to max by step. */
export function productTerms(product: Product): number[] {
  const terms: number[] = [];
  for (let t = product.term.min; t <= product.term.max; t += product.term.step) terms.push(t);
  return terms;
}

/**
 * The ПСК range a product can have on `date`, over its terms and its smallest and largest amounts:
 * what the advertising rule (DOMAIN R6) wants shown before any rate.
 */
export function pskRange(product: Product, rules: LegalRules, date: BusinessDate): { minPercent: number; maxPercent: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const term of productTerms(product)) {
    for (const amountRubles of [product.amount.minRubles, product.amount.maxRubles]) {
      const result = quote({ product, amountRubles, term, startDate: date, rules });
      if (!result.ok) continue;
      min = Math.min(min, result.quote.pskPercent);
      max = Math.max(max, result.quote.pskPercent);
    }
  }
  return Number.isFinite(min) ? { minPercent: min, maxPercent: max } : { minPercent: 0, maxPercent: 0 };
}

/**
 * Checks a catalogue against the rules in force on `date` (the server runs this at start and
 * refuses to start on a problem): unique codes, sane ranges, the daily rate cap, and a legal quote
 * — within the ПСК ceiling — at every term for the smallest and the largest amount.
 */
export function catalogueProblems(products: readonly Product[], rules: LegalRules, date: BusinessDate): string[] {
  const problems: string[] = [];
  const codes = new Set<string>();
  for (const product of products) {
    const at = `product ${product.code}`;
    if (codes.has(product.code)) problems.push(`${at}: duplicate code`);
    codes.add(product.code);
    const { amount, term } = product;
    if (!(amount.minRubles > 0 && amount.minRubles <= amount.maxRubles)) problems.push(`${at}: amount range is empty`);
    if (!(amount.defaultRubles >= amount.minRubles && amount.defaultRubles <= amount.maxRubles)) problems.push(`${at}: default amount outside the range`);
    if (!(term.min > 0 && term.min <= term.max && term.step > 0)) problems.push(`${at}: term range is empty`);
    if (!(term.default >= term.min && term.default <= term.max && (term.default - term.min) % term.step === 0))
      problems.push(`${at}: default term is not one of the offered terms`);
    if (!Number.isSafeInteger(product.rate.ppm) || product.rate.ppm < 0) problems.push(`${at}: rate must be whole ppm ≥ 0`);
    const cap = inForce(rules.dailyRateCaps, date);
    if (cap && dailyPpmEquivalent(product.rate) > cap.maxDailyPpm) {
      problems.push(`${at}: rate exceeds the daily cap of ${cap.maxDailyPpm / 10_000} % in force since ${cap.from}`);
      continue;
    }
    if (problems.length) continue;
    for (const t of productTerms(product)) {
      for (const amountRubles of [amount.minRubles, amount.maxRubles]) {
        const result = quote({ product, amountRubles, term: t, startDate: date, rules });
        if (!result.ok) problems.push(`${at}: ${amountRubles} ₽ for ${t} ${term.unit}: ${Object.values(result.errors).join(' ')}`);
      }
    }
  }
  return problems;
}
