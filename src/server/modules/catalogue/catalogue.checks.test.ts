import { describe, expect, it } from 'vitest';
import { addDays } from '../../../core/dates';
import { catalogueProblems, productTerms } from '../../../core/pricing/catalogue';
import { DEFAULT_PRODUCTS, type Product } from '../../../core/pricing/products';
import { quote } from '../../../core/pricing/quote';
import { DEFAULT_LEGAL_RULES, pskLimitFromAverage, type LegalRules } from '../../../core/pricing/rules';
import { distinctPricingDates, pricingDateKey, productEditProblems, promotionRateProblems } from './catalogue.checks';

const TODAY = '2026-11-25';
const rules = DEFAULT_LEGAL_RULES;
const byCode = (code: string) => DEFAULT_PRODUCTS.find((p) => p.code === code)!;
const pdl = byCode('pdl');
const installment = byCode('installment');
const car = byCode('car');
const edit = (product: Product, change: Partial<Product>) => ({ ...product, ...change });

describe('productEditProblems', () => {
  it('passes every built-in product unchanged', () => {
    for (const product of DEFAULT_PRODUCTS) expect(productEditProblems(product, rules, TODAY)).toEqual({});
  });

  it('refuses a rate above the daily cap, per day or per month, with the Russian message', () => {
    expect(productEditProblems(edit(pdl, { rate: { ppm: 8_001, per: 'day' } }), rules, TODAY)).toEqual({
      'rate.ppm': 'Ставка выше предельной 0,8 % в день',
    });
    // 25 % a month is 0.82 % a day.
    expect(productEditProblems(edit(car, { rate: { ppm: 250_000, per: 'month' } }), rules, TODAY)['rate.ppm']).toBe('Ставка выше предельной 0,8 % в день');
  });

  it('refuses a rate under the daily cap whose ПСК breaks the category ceiling, naming the corner and both figures', () => {
    // 17 % a month (0.56 % a day) on a car loan: ПСК far above the 203.268 % ceiling.
    const problems = productEditProblems(edit(car, { rate: { ppm: 170_000, per: 'month' } }), rules, TODAY);
    expect(problems['rate.ppm']).toMatch(/^ПСК [\d,]+ % при 80\u00a0000 ₽ на 6 мес\. выше предельной 203,268 % \(на 2026-11-25\): снизьте ставку\.$/);
    expect(catalogueProblems([edit(car, { rate: { ppm: 170_000, per: 'month' } })], rules, TODAY)).not.toEqual([]);
  });

  it('checks ranges, steps and defaults per field', () => {
    expect(productEditProblems(edit(pdl, { amount: { ...pdl.amount, minRubles: 40_000 } }), rules, TODAY)).toHaveProperty('amount.maxRubles');
    expect(productEditProblems(edit(pdl, { amount: { ...pdl.amount, stepRubles: 700 } }), rules, TODAY)).toHaveProperty('amount.stepRubles');
    expect(productEditProblems(edit(pdl, { amount: { ...pdl.amount, defaultRubles: 10_100 } }), rules, TODAY)['amount.defaultRubles']).toMatch(
      /от 1\u00a0000 ₽ до 30\u00a0000 ₽ с шагом 500 ₽/,
    );
    expect(productEditProblems(edit(pdl, { term: { ...pdl.term, min: 31 } }), rules, TODAY)).toHaveProperty('term.max');
    expect(productEditProblems(edit(installment, { term: { ...installment.term, step: 3 } }), rules, TODAY)).toHaveProperty('term.step');
    expect(productEditProblems(edit(pdl, { term: { ...pdl.term, default: 31 } }), rules, TODAY)).toHaveProperty('term.default');
    expect(productEditProblems(edit(car, { term: { ...car.term, max: 121 } }), rules, TODAY)['term.max']).toMatch(/не больше 120 месяцев/);
  });

  it('keeps a product inside the amount and term ceilings of its ПСК category', () => {
    expect(productEditProblems(edit(pdl, { amount: { ...pdl.amount, maxRubles: 35_000 } }), rules, TODAY)['amount.maxRubles']).toMatch(
      /категории ПСК этого продукта сумма — не больше 30\u00a0000 ₽/,
    );
    expect(productEditProblems(edit(pdl, { term: { ...pdl.term, max: 31 } }), rules, TODAY)['term.max']).toMatch(/не больше 30 дней/);
    expect(productEditProblems(edit(installment, { term: { ...installment.term, max: 54 } }), rules, TODAY)['term.max']).toMatch(/не больше 365 дней/);
    // The car-pledge category has no such ceiling.
    expect(productEditProblems(edit(car, { amount: { ...car.amount, maxRubles: 2_000_000 } }), rules, TODAY)).toEqual({});
  });
});

/** A quote's figures without its dates (those move with the start date by construction). */
function figures(product: Product, amountRubles: number, term: number, date: string, table: LegalRules) {
  const result = quote({ product, amountRubles, term, startDate: date, rules: table });
  if (!result.ok) return result;
  const { startDate: _s, returnDate: _r, schedule, ...rest } = result.quote;
  return { ...rest, schedule: schedule.map(({ date: _d, ...item }) => item) };
}

describe('distinctPricingDates: checking one date of each kind is checking every date', () => {
  const withChange: LegalRules = {
    ...rules,
    pskLimits: [
      ...rules.pskLimits,
      { category: 'mfo_car_pledge', from: '2027-01-01', averagePercent: 30, limitPercent: pskLimitFromAverage(30), source: 'test' },
    ],
  };

  it('every date priced like the date of its kind (car: calendar months and a rule change)', () => {
    const representative = new Map<string, string>();
    const terms = [6, 11, 12, 13, 60];
    for (let i = 0; i < 120; i += 1) {
      const date = addDays('2026-11-25', i);
      const key = pricingDateKey(car, withChange, date);
      const first = representative.get(key) ?? (representative.set(key, date), date);
      for (const term of terms) {
        for (const amount of [car.amount.minRubles, car.amount.maxRubles]) {
          expect(figures(car, amount, term, date, withChange)).toEqual(figures(car, amount, term, first, withChange));
        }
      }
    }
    expect(distinctPricingDates(car, withChange, '2026-11-25', addDays('2026-11-25', 119))).toEqual([...representative.values()]);
  });

  it('day-counted products change only where a rule does', () => {
    expect(distinctPricingDates(pdl, rules, '2026-03-25', '2026-10-05')).toEqual(['2026-03-25', '2026-04-01', '2026-10-01']);
    expect(productTerms(pdl)).toHaveLength(26);
  });
});

describe('promotionRateProblems', () => {
  it('accepts a lower rate legal on every date', () => {
    expect(promotionRateProblems(pdl, 5_000, TODAY, addDays(TODAY, 90), rules)).toEqual({});
    expect(promotionRateProblems(car, 20_000, TODAY, addDays(TODAY, 365), rules)).toEqual({});
  });

  it('refuses a rate not below the product’s', () => {
    expect(promotionRateProblems(pdl, 8_000, TODAY, TODAY, rules)).toEqual({ ratePpm: 'Ставка акции должна быть ниже ставки продукта (0,8 % в день).' });
    expect(promotionRateProblems(car, 31_000, TODAY, TODAY, rules).ratePpm).toMatch(/ниже ставки продукта \(3 % в месяц\)/);
  });

  it('refuses a rate that a rule coming into force during the promotion makes illegal, naming the date', () => {
    const stricter: LegalRules = {
      ...rules,
      dailyRateCaps: [...rules.dailyRateCaps, { from: '2027-01-01', maxDailyPpm: 5_000, source: 'test' }],
    };
    expect(promotionRateProblems(pdl, 6_000, TODAY, '2026-12-31', stricter)).toEqual({});
    expect(promotionRateProblems(pdl, 6_000, TODAY, '2027-01-10', stricter)).toEqual({ ratePpm: 'Ставка выше предельной 0,5 % в день (на 2027-01-01).' });
    const lowerPsk: LegalRules = {
      ...rules,
      pskLimits: [...rules.pskLimits, { category: pdl.pskCategory, from: '2027-01-01', averagePercent: 120, limitPercent: 160, source: 'test' }],
    };
    expect(promotionRateProblems(pdl, 6_000, TODAY, '2027-01-10', lowerPsk).ratePpm).toMatch(/^ПСК 219 % при 1\u00a0000 ₽ на 5 дн\. выше предельной 160 % \(на 2027-01-01\)/);
  });
});
