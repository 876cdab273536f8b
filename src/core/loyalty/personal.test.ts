import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../dates';
import { dailyPpmEquivalent, DEFAULT_PRODUCTS, type Product } from '../pricing/products';
import { quote } from '../pricing/quote';
import { DEFAULT_LEGAL_RULES, inForce } from '../pricing/rules';
import { LEVELS, levelDefinition } from './level';
import {
  discountedRate,
  firstLoanLimitRubles,
  personalProduct,
  personalRate,
  personalRateReason,
  preApprovedMaxRubles,
  ratePerDayPercent,
} from './personal';

const rules = DEFAULT_LEGAL_RULES;
const product = (code: string) => DEFAULT_PRODUCTS.find((p) => p.code === code)!;
const silver = levelDefinition('silver');
const promo = (ppm: number, per: 'day' | 'month' = 'day') => ({ id: 'p1', name: 'Зима', rate: { ppm, per }, code: null });

describe('personal rate', () => {
  it('silver takes 5 % off the product rate in whole ppm, rounded down', () => {
    expect(discountedRate({ ppm: 8_000, per: 'day' }, 5)).toEqual({ ppm: 7_600, per: 'day' });
    expect(discountedRate({ ppm: 4_501, per: 'day' }, 5)).toEqual({ ppm: 4_275, per: 'day' });
    expect(discountedRate({ ppm: 30_000, per: 'month' }, 15)).toEqual({ ppm: 25_500, per: 'month' });
    const personal = personalRate(product('pdl'), silver, null);
    expect(personal).toMatchObject({ rate: { ppm: 7_600, per: 'day' }, source: 'level', promotion: null });
    expect(personalRateReason(personal)).toBe('Ставка 0,76\u00a0% в день вместо 0,8\u00a0% — уровень «Серебро»');
  });

  it('the lowest wins: a promotion below the discounted rate, else the discount; never above the product', () => {
    expect(personalRate(product('pdl'), silver, promo(5_000))).toMatchObject({ rate: { ppm: 5_000 }, source: 'promotion', promotion: { id: 'p1', name: 'Зима' } });
    expect(personalRateReason(personalRate(product('pdl'), silver, promo(5_000)))).toBe('Ставка 0,5\u00a0% в день вместо 0,8\u00a0% — акция «Зима»');
    expect(personalRate(product('pdl'), silver, promo(7_700))).toMatchObject({ rate: { ppm: 7_600 }, source: 'level', promotion: null });
    expect(personalRate(product('pdl'), silver, promo(7_600))).toMatchObject({ source: 'level' });
    expect(personalRate(product('pdl'), levelDefinition('start'), promo(9_000))).toMatchObject({ rate: { ppm: 8_000 }, source: 'product' });
    expect(personalRateReason(personalRate(product('pdl'), levelDefinition('start'), null))).toBeNull();
  });

  it('personalProduct never raises a rate', () => {
    expect(personalProduct(product('pdl'), { ppm: 9_000, per: 'day' }).rate).toEqual({ ppm: 8_000, per: 'day' });
    expect(personalProduct(product('pdl'), { ppm: 7_000, per: 'day' }).rate).toEqual({ ppm: 7_000, per: 'day' });
    expect(personalProduct(product('pdl'), null)).toBe(product('pdl'));
    expect(personalProduct(product('pdl'), { ppm: -1, per: 'day' })).toBe(product('pdl'));
  });

  it('ratePerDay: percent with 4 decimals, monthly rates spread over 365/12 days', () => {
    expect(ratePerDayPercent({ ppm: 7_600, per: 'day' })).toBe(0.76);
    expect(ratePerDayPercent({ ppm: 30_000, per: 'month' })).toBe(0.0986);
  });
});

describe('pre-approved amount', () => {
  it('half the maximum for a new customer, +50 % and +100 % above it, never past the maximum, on the grid', () => {
    const pdl = product('pdl');
    expect(firstLoanLimitRubles(pdl)).toBe(15_000);
    expect(preApprovedMaxRubles(pdl, 0)).toBe(15_000);
    expect(preApprovedMaxRubles(pdl, 50)).toBe(22_500);
    expect(preApprovedMaxRubles(pdl, 100)).toBe(30_000);
    expect(preApprovedMaxRubles(pdl, 500)).toBe(30_000);
    expect(preApprovedMaxRubles(product('installment'), 50)).toBe(75_000);
    expect(preApprovedMaxRubles(product('car'), 100)).toBe(1_000_000);
    const odd: Product = { ...pdl, amount: { minRubles: 1_000, maxRubles: 30_000, stepRubles: 700, defaultRubles: 1_000 } };
    for (const level of LEVELS) {
      const max = preApprovedMaxRubles(odd, level.amountRaisePercent);
      expect((max - 1_000) % 700).toBe(0);
      expect(max).toBeLessThanOrEqual(30_000);
    }
  });
});

/**
 * The property: whatever level, promotion, amount, term and date, a personal quote keeps
 * every legal cap and never costs more than the product's own.
 */
describe('a personal quote never breaks a cap (property)', () => {
  const productArb = fc.constantFrom(...DEFAULT_PRODUCTS);
  const levelArb = fc.constantFrom(...LEVELS);
  const promotionArb = fc.option(
    fc.record({ ppm: fc.integer({ min: 0, max: 40_000 }), per: fc.constantFrom('day' as const, 'month' as const) }),
    { nil: null },
  );
  const dateArb = fc.integer({ min: 0, max: 729 }).map((days) => addDays('2026-01-01', days));
  const caseArb = productArb.chain((p) =>
    fc.record({
      product: fc.constant(p),
      level: levelArb,
      promotion: promotionArb,
      amountRubles: fc.integer({ min: p.amount.minRubles, max: p.amount.maxRubles }),
      term: fc.integer({ min: 0, max: Math.floor((p.term.max - p.term.min) / p.term.step) }).map((k) => p.term.min + k * p.term.step),
      date: dateArb,
    }),
  );

  it('daily rate ≤ the legal cap, overpayment ≤ the cap, ПСК ≤ the ceiling, rate ≤ the product’s', () => {
    fc.assert(
      fc.property(caseArb, ({ product: p, level, promotion, amountRubles, term, date }) => {
        const personal = personalRate(p, level, promotion ? promo(promotion.ppm, promotion.per) : null);
        expect(dailyPpmEquivalent(personal.rate)).toBeLessThanOrEqual(dailyPpmEquivalent(p.rate));
        const priced = personalProduct(p, personal.rate);
        expect(dailyPpmEquivalent(priced.rate)).toBeLessThanOrEqual(dailyPpmEquivalent(p.rate));

        const own = quote({ product: p, amountRubles, term, startDate: date, rules });
        const mine = quote({ product: priced, amountRubles, term, startDate: date, rules });
        // Whatever the product's own terms allow, the personal terms allow too.
        if (own.ok) expect(mine.ok).toBe(true);
        if (!mine.ok) return;
        const q = mine.quote;
        const dailyCap = inForce(rules.dailyRateCaps, date)!;
        expect(dailyPpmEquivalent(priced.rate)).toBeLessThanOrEqual(dailyCap.maxDailyPpm);
        if (q.cap.overpaymentCapKopecks !== null) expect(q.overpaymentKopecks).toBeLessThanOrEqual(q.cap.overpaymentCapKopecks);
        expect(q.pskPercent).toBeLessThanOrEqual(q.pskLimitPercent);
        if (own.ok) {
          expect(q.totalKopecks).toBeLessThanOrEqual(own.quote.totalKopecks);
          expect(q.pskPercent).toBeLessThanOrEqual(own.quote.pskPercent);
        }
        const max = preApprovedMaxRubles(p, level.amountRaisePercent);
        expect(max).toBeLessThanOrEqual(p.amount.maxRubles);
        expect(max).toBeGreaterThanOrEqual(p.amount.minRubles);
      }),
      { numRuns: 300 },
    );
  });
});
