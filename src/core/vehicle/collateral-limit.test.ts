import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS, type Product } from '../pricing/products';
import { collateralLimitRubles } from './collateral-limit';

const car = DEFAULT_PRODUCTS.find((p) => p.code === 'car')!;
const rub = (rubles: number) => rubles * 100;

describe('collateralLimitRubles', () => {
  it('the car product is what this is written for: 80 000 – 1 000 000 ₽ by 10 000 ₽', () => {
    expect(car.collateral).toBe('car');
    expect(car.amount).toMatchObject({ minRubles: 80_000, maxRubles: 1_000_000, stepRubles: 10_000 });
  });

  it('approves the request when 70 % of the valuation covers it', () => {
    // 70 % of 1 000 000 ₽ is 700 000 ₽.
    expect(collateralLimitRubles({ valuationKopecks: rub(1_000_000), product: car, requestedRubles: 300_000 })).toEqual({
      approvedRubles: 300_000,
      capRubles: 700_000,
    });
  });

  it('cuts the request to 70 % of the valuation, down to the product’s 10 000 ₽ step', () => {
    // 70 % of 555 555,55 ₽ = 388 888,885 ₽ → 388 888 ₽ → 380 000 ₽ on the grid.
    expect(collateralLimitRubles({ valuationKopecks: 55_555_555, product: car, requestedRubles: 500_000 })).toEqual({
      approvedRubles: 380_000,
      capRubles: 380_000,
    });
  });

  it('puts an off-grid request on the grid, downwards', () => {
    expect(collateralLimitRubles({ valuationKopecks: rub(1_000_000), product: car, requestedRubles: 123_456 })).toEqual({
      approvedRubles: 120_000,
      capRubles: 700_000,
    });
  });

  it('never goes above the product maximum, however dear the car', () => {
    expect(collateralLimitRubles({ valuationKopecks: rub(10_000_000), product: car, requestedRubles: 5_000_000 })).toEqual({
      approvedRubles: 1_000_000,
      capRubles: 1_000_000,
    });
  });

  it('takes another share when told', () => {
    expect(collateralLimitRubles({ valuationKopecks: rub(1_000_000), sharePercent: 50, product: car, requestedRubles: 900_000 })).toEqual({
      approvedRubles: 500_000,
      capRubles: 500_000,
    });
  });

  it('the minimum exactly: 70 % of 114 285,72 ₽ is 80 000,004 ₽ → approved; a kopeck less is not', () => {
    expect(collateralLimitRubles({ valuationKopecks: 11_428_572, product: car, requestedRubles: 80_000 })).toEqual({
      approvedRubles: 80_000,
      capRubles: 80_000,
    });
    // 70 % of 114 285,71 ₽ is 79 999,997 ₽, rounded down to 79 999 ₽.
    expect(collateralLimitRubles({ valuationKopecks: 11_428_571, product: car, requestedRubles: 80_000 })).toEqual({
      declined: true,
      code: 'cap_below_minimum',
      reason: 'Под залог этого автомобиля можно получить не больше 79\u00a0999\u00a0₽ (70\u00a0% оценки), а минимальная сумма займа — 80\u00a0000\u00a0₽.',
      capRubles: 79_999,
    });
  });

  it('declines a request below the product minimum', () => {
    expect(collateralLimitRubles({ valuationKopecks: rub(1_000_000), product: car, requestedRubles: 50_000 })).toEqual({
      declined: true,
      code: 'requested_below_minimum',
      reason: 'Минимальная сумма займа — 80\u00a0000\u00a0₽.',
      capRubles: 700_000,
    });
  });

  it('a valuation beyond any number’s exact product still computes exactly', () => {
    // 9 007 199 254 740 991 kopecks × 70 overflows 2^53 as a number; BigInt keeps it exact.
    const result = collateralLimitRubles({ valuationKopecks: Number.MAX_SAFE_INTEGER, product: car, requestedRubles: 1_000_000 });
    expect(result).toEqual({ approvedRubles: 1_000_000, capRubles: 1_000_000 });
  });

  it('refuses inputs that are not whole numbers or a share outside 1–100', () => {
    expect(() => collateralLimitRubles({ valuationKopecks: 100.5, product: car, requestedRubles: 80_000 })).toThrow(RangeError);
    expect(() => collateralLimitRubles({ valuationKopecks: -1, product: car, requestedRubles: 80_000 })).toThrow(RangeError);
    expect(() => collateralLimitRubles({ valuationKopecks: 1, product: car, requestedRubles: 80_000.5 })).toThrow(RangeError);
    expect(() => collateralLimitRubles({ valuationKopecks: 1, sharePercent: 0, product: car, requestedRubles: 80_000 })).toThrow(RangeError);
    expect(() => collateralLimitRubles({ valuationKopecks: 1, sharePercent: 101, product: car, requestedRubles: 80_000 })).toThrow(RangeError);
    expect(() => collateralLimitRubles({ valuationKopecks: 1, sharePercent: 70.5, product: car, requestedRubles: 80_000 })).toThrow(RangeError);
  });

  const productArb: fc.Arbitrary<Pick<Product, 'amount'>> = fc
    .tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 50_000 }), fc.integer({ min: 0, max: 200 }))
    .map(([minRubles, stepRubles, steps]) => ({
      amount: { minRubles, maxRubles: minRubles + stepRubles * steps, stepRubles, defaultRubles: minRubles },
    }));

  it('property: within share × valuation, the request and the maximum, never below the minimum, on the grid; declined exactly when the cap is below the minimum', () => {
    fc.assert(
      fc.property(
        productArb,
        fc.integer({ min: 0, max: 100_000_000_000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 2_000 }),
        (product, valuationKopecks, sharePercent, requestSteps) => {
          const { minRubles, maxRubles, stepRubles } = product.amount;
          const requestedRubles = minRubles + requestSteps * Math.max(1, Math.floor(stepRubles / 3));
          const result = collateralLimitRubles({ valuationKopecks, sharePercent, product, requestedRubles });
          // The cap in exact terms: rubles × 100 (kopecks) × 100 (percent) ≤ valuation × share.
          const capBelowMinimum = BigInt(minRubles) * 10_000n > BigInt(valuationKopecks) * BigInt(sharePercent);
          if ('declined' in result) {
            expect(result.code).toBe('cap_below_minimum');
            expect(capBelowMinimum).toBe(true);
            return;
          }
          expect(capBelowMinimum).toBe(false);
          const approved = result.approvedRubles;
          expect(BigInt(approved) * 10_000n <= BigInt(valuationKopecks) * BigInt(sharePercent)).toBe(true);
          expect(approved).toBeLessThanOrEqual(requestedRubles);
          expect(approved).toBeLessThanOrEqual(maxRubles);
          expect(approved).toBeGreaterThanOrEqual(minRubles);
          expect((approved - minRubles) % stepRubles).toBe(0);
          // And it is the largest such grid amount: one more step would break a bound.
          const next = approved + stepRubles;
          expect(
            next > requestedRubles || next > maxRubles || BigInt(next) * 10_000n > BigInt(valuationKopecks) * BigInt(sharePercent),
          ).toBe(true);
        },
      ),
    );
  });
});
