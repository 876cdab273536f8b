import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from '../dates';
import { catalogueProblems, pskRange } from './catalogue';
import { DEFAULT_PRODUCTS, type Product } from './products';
import { quote, type Quote, type QuoteInput } from './quote';
import { DEFAULT_LEGAL_RULES, inForce, pskLimitFromAverage, type LegalRules } from './rules';

const product = (code: string) => DEFAULT_PRODUCTS.find((p) => p.code === code)!;
const rules = DEFAULT_LEGAL_RULES;

function ok(input: QuoteInput): Quote {
  const result = quote(input);
  if (!result.ok) throw new Error(`expected a quote, got ${JSON.stringify(result.errors)}`);
  return result.quote;
}

describe('golden figures', () => {
  it('«До зарплаты» 10 000 ₽ × 30 days from 2026-11-25', () => {
    const q = ok({ product: product('pdl'), amountRubles: 10_000, term: 30, startDate: '2026-11-25', rules });
    expect(q).toMatchObject({
      amountKopecks: 1_000_000,
      overpaymentKopecks: 240_000,
      totalKopecks: 1_240_000,
      returnDate: '2026-12-25',
      pskPercent: 292,
      pskKopecks: 240_000,
      termDays: 30,
    });
    expect(q.schedule).toEqual([{ date: '2026-12-25', principalKopecks: 1_000_000, interestKopecks: 240_000, totalKopecks: 1_240_000 }]);
    expect(q.cap).toMatchObject({ overpaymentCapPercent: 100, applied: false });
  });

  it('«До зарплаты» 3 700 ₽ × 7 days: interest rounds half up to the kopeck', () => {
    // 370 000 kopecks × 0.008 × 7 = 20 720 kopecks exactly; ПСК = 0.8 × 365 = 292 %.
    const q = ok({ product: product('pdl'), amountRubles: 3_700, term: 7, startDate: '2026-02-25', rules });
    expect(q.overpaymentKopecks).toBe(20_720);
    expect(q.returnDate).toBe('2026-03-04');
    expect(q.pskPercent).toBe(292);
  });

  it('an instalment schedule agrees with an independent annuity calculation', () => {
    const amount = 50_000;
    const weeks = 24;
    const q = ok({ product: product('installment'), amountRubles: amount, term: weeks, startDate: '2026-11-25', rules });
    // Independent: textbook annuity in floating point, r = 0.45 % × 14 per fortnight.
    const r = 0.0045 * 14;
    const n = weeks / 2;
    const payment = (amount * 100 * r) / (1 - Math.pow(1 + r, -n));
    expect(q.schedule).toHaveLength(n);
    q.schedule.slice(0, -1).forEach((item) => expect(Math.abs(item.totalKopecks - payment)).toBeLessThanOrEqual(1));
    expect(Math.abs(q.schedule.at(-1)!.totalKopecks - payment)).toBeLessThanOrEqual(n);
    let balance = amount * 100;
    for (const item of q.schedule) {
      expect(Math.abs(item.interestKopecks - balance * r)).toBeLessThanOrEqual(0.5 + 1e-6);
      balance -= item.principalKopecks;
    }
    expect(balance).toBe(0);
    expect(q.schedule.map((s) => s.date)).toEqual(Array.from({ length: n }, (_, k) => addDays('2026-11-25', 14 * (k + 1))));
    // For equal periods the ПСК is the period rate × periods a year: 0.063 × 365/14 = 164.25 %.
    expect(q.pskPercent).toBe(164.25);
    expect(q.returnDate).toBe('2027-05-12');
  });

  it('«Под залог авто»: monthly annuity at 3 % a month, ПСК 36 %, no overpayment cap over a year', () => {
    const q = ok({ product: product('car'), amountRubles: 300_000, term: 24, startDate: '2026-01-31', rules });
    expect(q.schedule).toHaveLength(24);
    expect(q.schedule.slice(0, 3).map((s) => s.date)).toEqual(['2026-02-28', '2026-03-31', '2026-04-30']);
    const payment = (30_000_000 * 0.03) / (1 - Math.pow(1.03, -24));
    expect(Math.abs(q.schedule[0]!.totalKopecks - payment)).toBeLessThanOrEqual(1);
    expect(q.pskPercent).toBe(36);
    expect(q.cap.overpaymentCapPercent).toBeNull();
  });

  it('the overpayment cap switches from 130 % to 100 % on 2026-04-01', () => {
    // 100 000 ₽ for 52 weeks at 0.45 %/day would cost about 105.8 % of the principal.
    const input = { product: product('installment'), amountRubles: 100_000, term: 52, rules };
    const before = ok({ ...input, startDate: '2026-03-31' });
    const after = ok({ ...input, startDate: '2026-04-01' });

    expect(before.cap).toMatchObject({ overpaymentCapPercent: 130, applied: false });
    expect(before.overpaymentKopecks).toBeGreaterThan(10_000_000);
    expect(before.overpaymentKopecks).toBeLessThanOrEqual(13_000_000);
    expect(before.rate).toEqual({ percent: 0.45, per: 'day' });

    expect(after.cap).toMatchObject({ overpaymentCapPercent: 100, overpaymentCapKopecks: 10_000_000, applied: true });
    expect(after.overpaymentKopecks).toBeLessThanOrEqual(10_000_000);
    expect(after.overpaymentKopecks).toBeGreaterThan(9_990_000);
    expect(after.rate.percent).toBeLessThan(0.45);
    expect(after.pskPercent).toBeLessThan(before.pskPercent);
  });

  it('a one-payment loan stops accruing at the cap', () => {
    const expensive: Product = { ...product('pdl'), code: 'long_pdl', term: { unit: 'days', min: 5, max: 200, step: 1, default: 30 } };
    const q = ok({ product: expensive, amountRubles: 10_000, term: 200, startDate: '2026-11-25', rules });
    // 0.8 % × 200 days = 160 % > 100 %: the interest is the cap, 10 000 ₽.
    expect(q.overpaymentKopecks).toBe(1_000_000);
    expect(q.cap.applied).toBe(true);
  });
});

describe('validation', () => {
  it.each([
    [{ amountRubles: 999, term: 30 }, 'amount'],
    [{ amountRubles: 30_001, term: 30 }, 'amount'],
    [{ amountRubles: 10_000.5, term: 30 }, 'amount'],
    [{ amountRubles: 10_000, term: 4 }, 'term'],
    [{ amountRubles: 10_000, term: 31 }, 'term'],
  ])('refuses %o with a message for %s', (input, field) => {
    const result = quote({ product: product('pdl'), startDate: '2026-11-25', rules, ...input });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[field as 'amount']).toMatch(/[а-я]/);
  });

  it('refuses an odd number of weeks for fortnightly instalments, and a bad date', () => {
    const odd = quote({ product: product('installment'), amountRubles: 50_000, term: 9, startDate: '2026-11-25', rules });
    expect(odd.ok || odd.errors.term).toMatch(/шагом 2/);
    const bad = quote({ product: product('pdl'), amountRubles: 10_000, term: 30, startDate: '2026-02-30', rules });
    expect(bad.ok || bad.errors.date).toBeTruthy();
  });

  it('refuses an offer whose ПСК is above the ceiling in force', () => {
    const strict: LegalRules = {
      ...rules,
      pskLimits: rules.pskLimits.map((row) => (row.category === 'mfo_car_pledge' ? { ...row, limitPercent: 30 } : row)),
    };
    const result = quote({ product: product('car'), amountRubles: 300_000, term: 24, startDate: '2026-11-25', rules: strict });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.product).toMatch(/ПСК/);
  });

  it('refuses a product above the daily rate cap', () => {
    const greedy = { ...product('pdl'), rate: { ppm: 8_001, per: 'day' as const } };
    expect(quote({ product: greedy, amountRubles: 10_000, term: 30, startDate: '2026-11-25', rules }).ok).toBe(false);
  });
});

describe('catalogue and rules', () => {
  it('the default catalogue is legal today and on both sides of the cap switch', () => {
    for (const date of ['2026-03-31', '2026-04-01', '2026-11-25']) expect(catalogueProblems(DEFAULT_PRODUCTS, rules, date)).toEqual([]);
  });

  it('a catalogue that breaks a rule is reported', () => {
    const broken = [{ ...product('pdl'), rate: { ppm: 9_000, per: 'day' as const } }, product('pdl')];
    const problems = catalogueProblems(broken, rules, '2026-11-25');
    expect(problems.some((p) => /daily cap/.test(p))).toBe(true);
    expect(problems.some((p) => /duplicate/.test(p))).toBe(true);
  });

  it('the ПСК ceiling is the lower of 292 % and the average + 1/3', () => {
    expect(pskLimitFromAverage(152.451)).toBe(203.268);
    expect(pskLimitFromAverage(250)).toBe(292);
  });

  it('the rule in force is the latest that started on or before the date', () => {
    expect(inForce(rules.overpaymentCaps, '2026-03-31')!.capPercent).toBe(130);
    expect(inForce(rules.overpaymentCaps, '2026-04-01')!.capPercent).toBe(100);
    expect(inForce(rules.overpaymentCaps, '2020-01-01')).toBeUndefined();
  });

  it('the ПСК range covers every quote of the product', () => {
    const range = pskRange(product('installment'), rules, '2026-11-25');
    expect(range.minPercent).toBeLessThan(range.maxPercent);
    const q = ok({ product: product('installment'), amountRubles: 70_000, term: 30, startDate: '2026-11-25', rules });
    expect(q.pskPercent).toBeGreaterThanOrEqual(range.minPercent);
    expect(q.pskPercent).toBeLessThanOrEqual(range.maxPercent);
  });
});

/** Any product shape with any rate up to the daily cap, any amount and term in its range. */
const arbitraryQuoteInput = fc
  .record({
    repayment: fc.constantFrom<Product['repayment']>('bullet', 'biweekly_annuity', 'monthly_annuity'),
    dailyPpm: fc.integer({ min: 0, max: 8_000 }),
    amountRubles: fc.integer({ min: 1_000, max: 1_000_000 }),
    periods: fc.integer({ min: 1, max: 30 }),
    startDate: fc.integer({ min: 0, max: 900 }).map((d) => addDays('2025-12-01', d)),
  })
  .map(({ repayment, dailyPpm, amountRubles, periods, startDate }) => {
    const term =
      repayment === 'bullet'
        ? { unit: 'days' as const, min: 1, max: 400, step: 1, default: 1 }
        : repayment === 'biweekly_annuity'
          ? { unit: 'weeks' as const, min: 2, max: 60, step: 2, default: 2 }
          : { unit: 'months' as const, min: 1, max: 30, step: 1, default: 1 };
    const termValue = repayment === 'bullet' ? periods * 13 : repayment === 'biweekly_annuity' ? periods * 2 : periods;
    const rate = repayment === 'monthly_annuity' ? { ppm: Math.floor((dailyPpm * 365) / 12), per: 'month' as const } : { ppm: dailyPpm, per: 'day' as const };
    const testProduct: Product = {
      ...product('pdl'),
      code: 'generated',
      amount: { minRubles: 1_000, maxRubles: 1_000_000, stepRubles: 1, defaultRubles: 1_000 },
      term,
      rate,
      repayment,
      pskCategory: 'any',
    };
    const openRules: LegalRules = { ...rules, pskLimits: [{ category: 'any', from: '2000-01-01', averagePercent: 292, limitPercent: 292, source: 'test' }] };
    return { product: testProduct, amountRubles, term: termValue, startDate, rules: openRules } satisfies QuoteInput;
  });

describe('properties', () => {
  it('overpayment never exceeds the cap in force on the start date (loans up to a year)', () => {
    fc.assert(
      fc.property(arbitraryQuoteInput, (input) => {
        const result = quote(input);
        if (!result.ok) return; // above the ПСК ceiling: refused, never priced
        const q = result.quote;
        const cap = inForce(rules.overpaymentCaps, input.startDate)!;
        if (q.termDays <= 365) {
          expect(q.overpaymentKopecks * 100).toBeLessThanOrEqual(q.amountKopecks * cap.capPercent);
          expect(q.cap.overpaymentCapPercent).toBe(cap.capPercent);
        } else {
          expect(q.cap.overpaymentCapPercent).toBeNull();
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the schedule adds up: principal to the amount, payments to the total, total − amount to the overpayment', () => {
    fc.assert(
      fc.property(arbitraryQuoteInput, (input) => {
        const result = quote(input);
        if (!result.ok) return;
        const q = result.quote;
        const sum = (key: 'principalKopecks' | 'interestKopecks' | 'totalKopecks') => q.schedule.reduce((s, i) => s + i[key], 0);
        expect(sum('principalKopecks')).toBe(q.amountKopecks);
        expect(sum('totalKopecks')).toBe(q.totalKopecks);
        expect(sum('interestKopecks')).toBe(q.overpaymentKopecks);
        expect(q.totalKopecks - q.amountKopecks).toBe(q.overpaymentKopecks);
        expect(q.returnDate).toBe(q.schedule.at(-1)!.date);
        expect(daysBetween(q.startDate, q.returnDate)).toBe(q.termDays);
        for (const item of q.schedule) {
          expect(item.principalKopecks).toBeGreaterThanOrEqual(0);
          expect(item.interestKopecks).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('every amount is a whole number of kopecks', () => {
    fc.assert(
      fc.property(arbitraryQuoteInput, (input) => {
        const result = quote(input);
        if (!result.ok) return;
        const q = result.quote;
        const amounts = [q.amountKopecks, q.totalKopecks, q.overpaymentKopecks, q.pskKopecks, ...q.schedule.flatMap((s) => [s.principalKopecks, s.interestKopecks, s.totalKopecks])];
        for (const amount of amounts) expect(Number.isSafeInteger(amount)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('ПСК grows with the rate even where the cap reprices (regression: 13.1217 %/month, 1 005 ₽, 12 months)', () => {
    const base: Product = {
      ...product('car'),
      code: 'x',
      amount: { minRubles: 1_000, maxRubles: 1_000_000, stepRubles: 1, defaultRubles: 1_000 },
      term: { unit: 'months', min: 1, max: 30, step: 1, default: 1 },
      pskCategory: 'any',
    };
    const open: LegalRules = { ...rules, pskLimits: [{ category: 'any', from: '2000-01-01', averagePercent: 292, limitPercent: 292, source: 'test' }] };
    const at = (ppm: number) => ok({ product: { ...base, rate: { ppm, per: 'month' } }, amountRubles: 1_005, term: 12, startDate: '2026-04-01', rules: open });
    expect(at(131_218).pskPercent).toBeGreaterThanOrEqual(at(131_217).pskPercent);
    expect(at(131_218).cap.applied).toBe(true);
  });

  it('ПСК grows with the rate', () => {
    fc.assert(
      fc.property(arbitraryQuoteInput, fc.integer({ min: 1, max: 2_000 }), (input, extra) => {
        const lower = quote(input);
        const higherRate = { ...input.product.rate, ppm: input.product.rate.ppm + extra };
        const higher = quote({ ...input, product: { ...input.product, rate: higherRate } });
        if (!lower.ok || !higher.ok) return;
        expect(higher.quote.pskPercent).toBeGreaterThanOrEqual(lower.quote.pskPercent);
        // ПСК is shown to 3 decimals: a cost a few kopecks higher may not move it; 0.1 % of the principal does.
        if (!higher.quote.cap.applied && higher.quote.overpaymentKopecks - lower.quote.overpaymentKopecks >= lower.quote.amountKopecks / 1000) {
          expect(higher.quote.pskPercent).toBeGreaterThan(lower.quote.pskPercent);
        }
      }),
      { numRuns: 300 },
    );
  });
});
