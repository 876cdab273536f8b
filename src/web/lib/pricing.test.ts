import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS } from '../../core/pricing/products';
import { DEFAULT_LEGAL_RULES } from '../../core/pricing/rules';
import { bundledPricing, fromServer, isPricing } from './pricing';

const reply = () => ({
  today: '2026-11-25',
  products: structuredClone(DEFAULT_PRODUCTS),
  rules: structuredClone(DEFAULT_LEGAL_RULES),
  pskRanges: { pdl: { minPercent: 292, maxPercent: 292 } },
});

describe('pricing data', () => {
  it('starts from the bundled catalogue on the Moscow date', () => {
    // 21:30 UTC is already the next day in Moscow (UTC+3).
    const pricing = bundledPricing(new Date('2026-11-25T21:30:00Z'));
    expect(pricing).toMatchObject({ source: 'bundled', today: '2026-11-26', pskRanges: null });
    expect(pricing.products).toBe(DEFAULT_PRODUCTS);
  });

  it('accepts the server reply and refuses broken ones', () => {
    expect(isPricing(reply())).toBe(true);
    expect(isPricing(null)).toBe(false);
    expect(isPricing({ ...reply(), today: '2026-02-30' })).toBe(false);
    expect(isPricing({ ...reply(), products: [] })).toBe(false);
    expect(isPricing({ ...reply(), rules: { dailyRateCaps: [] } })).toBe(false);
    const zeroStep = reply();
    zeroStep.products[0]!.amount.stepRubles = 0;
    expect(isPricing(zeroStep)).toBe(false);
    const textAmount = reply() as unknown as { products: { amount: { minRubles: unknown } }[] };
    textAmount.products[0]!.amount.minRubles = '1000';
    expect(isPricing(textAmount)).toBe(false);
  });
});

describe('fromServer', () => {
  it('keeps the bundled objects when the server sends the same catalogue and rules', () => {
    const bundled = bundledPricing(new Date('2026-11-25T12:00:00Z'));
    const next = fromServer(bundled, reply());
    expect(next.source).toBe('server');
    expect(next.products).toBe(bundled.products);
    expect(next.rules).toBe(bundled.rules);
    expect(next.pskRanges).toEqual({ pdl: { minPercent: 292, maxPercent: 292 } });
  });

  it('takes the server objects when they differ', () => {
    const bundled = bundledPricing(new Date('2026-11-25T12:00:00Z'));
    const changed = reply();
    changed.products[0]!.rate.ppm = 7_000;
    const next = fromServer(bundled, changed);
    expect(next.products).toBe(changed.products);
    expect(next.rules).toBe(bundled.rules);
  });
});
