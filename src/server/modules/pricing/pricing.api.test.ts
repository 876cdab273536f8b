import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS } from '../../../core/pricing/products';
import { createTestSystem, useTestSystem } from '../../testing/test-system';
import { PricingConfigError } from './pricing.service';

const system = useTestSystem();

describe('GET /api/products', () => {
  it('lists the catalogue with ranges, rate and the ПСК range', async () => {
    const response = await system.get('/api/products');
    expect(response.statusCode).toBe(200);
    const products = response.json();
    expect(products.map((p: { code: string }) => p.code)).toEqual(['pdl', 'installment', 'car']);
    expect(products[0]).toMatchObject({
      name: 'До зарплаты',
      amount: { minRubles: 1_000, maxRubles: 30_000 },
      term: { unit: 'days', min: 5, max: 30 },
      rate: { ppm: 8_000, per: 'day', percent: 0.8 },
      repayment: 'bullet',
      pskRange: { minPercent: 292, maxPercent: 292 },
    });
    expect(products[1]).toMatchObject({ amount: { minRubles: 30_000, maxRubles: 100_000 }, term: { unit: 'weeks', min: 8, max: 52 }, repayment: 'biweekly_annuity' });
    expect(products[2]).toMatchObject({ amount: { minRubles: 80_000, maxRubles: 1_000_000 }, term: { unit: 'months', min: 6, max: 60 }, collateral: 'car' });
  });

  it('GET /api/pricing gives the browser the same catalogue, rules and today', async () => {
    const pricing = (await system.get('/api/pricing')).json();
    expect(pricing.today).toBe('2026-11-25');
    expect(pricing.products).toEqual(JSON.parse(JSON.stringify(DEFAULT_PRODUCTS)));
    expect(pricing.rules.overpaymentCaps.map((c: { capPercent: number }) => c.capPercent)).toEqual([130, 100]);
  });
});

describe('GET /api/quote', () => {
  it('prices the golden example exactly', async () => {
    const response = await system.get('/api/quote?product=pdl&amount=10000&term=30&date=2026-11-25');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      product: 'pdl',
      amountKopecks: 1_000_000,
      totalKopecks: 1_240_000,
      overpaymentKopecks: 240_000,
      returnDate: '2026-12-25',
      pskPercent: 292.0,
      pskKopecks: 240_000,
      schedule: [{ date: '2026-12-25', principalKopecks: 1_000_000, interestKopecks: 240_000, totalKopecks: 1_240_000 }],
    });
  });

  it('without a date, starts today in Moscow (already tomorrow there at 21:30 UTC)', async () => {
    system.clock.set('2026-11-25T21:30:00Z');
    const q = (await system.get('/api/quote?product=pdl&amount=10000&term=30')).json();
    expect(q.startDate).toBe('2026-11-26');
    expect(q.returnDate).toBe('2026-12-26');
  });

  it('applies the cap in force on the date', async () => {
    const before = (await system.get('/api/quote?product=installment&amount=100000&term=52&date=2026-03-31')).json();
    const after = (await system.get('/api/quote?product=installment&amount=100000&term=52&date=2026-04-01')).json();
    expect(before.cap).toMatchObject({ overpaymentCapPercent: 130, applied: false });
    expect(after.cap).toMatchObject({ overpaymentCapPercent: 100, applied: true });
    expect(after.overpaymentKopecks).toBeLessThanOrEqual(10_000_000);
  });

  it.each([
    ['amount below the range', 'product=pdl&amount=999&term=30', 'amount', /от 1\u00a0000 до 30\u00a0000/],
    ['amount above the range', 'product=pdl&amount=30001&term=30', 'amount', /целое число рублей/],
    ['term outside the range', 'product=pdl&amount=10000&term=31', 'term', /от 5 до 30 дней/],
    ['odd weeks', 'product=installment&amount=50000&term=9', 'term', /шагом 2/],
    ['fractional amount', 'product=pdl&amount=10000.5&term=30', 'amount', /целое/],
    ['negative amount', 'product=pdl&amount=-5&term=30', 'amount', /целое/],
    ['exponent', 'product=pdl&amount=1e4&term=30', 'amount', /целое/],
    ['huge number', 'product=pdl&amount=99999999999999999999&term=30', 'amount', /целое/],
    ['unknown product', 'product=gold&amount=10000&term=30', 'product', /Такого продукта нет/],
    ['missing amount', 'product=pdl&term=30', 'amount', /./],
    ['bad date', 'product=pdl&amount=10000&term=30&date=2026-02-30', 'date', /ГГГГ-ММ-ДД/],
    ['unknown parameter', 'product=pdl&amount=10000&term=30&rate=0', 'rate', /не поддерживается/],
  ])('%s → 400 with a Russian message for the field', async (_name, query, field, message) => {
    const response = await system.get(`/api/quote?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
    expect(response.json().error.fields[field]).toMatch(message);
  });
});

describe('the catalogue is checked at start', () => {
  const file = (content: unknown) => {
    const path = join(mkdtempSync(join(tmpdir(), 'cc-catalogue-')), 'file.json');
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  it('refuses to start with a product above the daily rate cap', async () => {
    const greedy = DEFAULT_PRODUCTS.map((p) => (p.code === 'pdl' ? { ...p, rate: { ppm: 10_000, per: 'day' } } : p));
    await expect(createTestSystem({ env: { CATALOGUE_FILE: file(greedy) } })).rejects.toThrow(PricingConfigError);
  });

  it('refuses to start when a ПСК ceiling would be broken', async () => {
    const rules = JSON.parse(JSON.stringify((await import('../../../core/pricing/rules')).DEFAULT_LEGAL_RULES));
    for (const row of rules.pskLimits) if (row.category === 'mfo_car_pledge') row.limitPercent = 20;
    await expect(createTestSystem({ env: { LEGAL_RULES_FILE: file(rules) } })).rejects.toThrow(/ПСК/);
  });

  it('refuses a malformed catalogue file with a readable list', async () => {
    await expect(createTestSystem({ env: { CATALOGUE_FILE: file([{ code: 'x' }]) } })).rejects.toThrow(/catalogue 0\.name/);
  });

  it('starts with a valid replacement catalogue and prices with it', async () => {
    const only = [{ ...DEFAULT_PRODUCTS[0]!, rate: { ppm: 5_000, per: 'day' } }];
    const custom = await createTestSystem({ env: { CATALOGUE_FILE: file(only) } });
    try {
      const q = (await custom.get('/api/quote?product=pdl&amount=10000&term=30&date=2026-11-25')).json();
      expect(q.overpaymentKopecks).toBe(150_000);
      expect((await custom.get('/api/products')).json()).toHaveLength(1);
    } finally {
      await custom.close();
    }
  });
});
