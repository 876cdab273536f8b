import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS } from '../../../core/pricing/products';
import { quote } from '../../../core/pricing/quote';
import { DEFAULT_LEGAL_RULES } from '../../../core/pricing/rules';
import fc from 'fast-check';
import { DEFAULT_CAR_RULES } from '../../../core/vehicle';
import { decide, type DecisionInput } from './decision';

const pdl = DEFAULT_PRODUCTS[0]!;
const base: DecisionInput = {
  today: '2026-11-25',
  product: pdl,
  amountRubles: 10_000,
  term: 30,
  monthlyIncomeRubles: 80_000,
  passportValid: true,
  selfBanned: false,
  report: { hasHistory: true, activeLoans: [], bankruptcy: false, maxOverdueDaysLastYear: 0 },
  pendingReapplyAfter: null,
  price: (amountRubles) => {
    const result = quote({ product: pdl, amountRubles, term: 30, startDate: '2026-11-25', rules: DEFAULT_LEGAL_RULES });
    return result.ok ? result.quote : null;
  },
};

describe('decide', () => {
  it('approves a clean applicant as asked', () => {
    expect(decide(base)).toMatchObject({ status: 'approved', amountRubles: 10_000, term: 30 });
  });

  it('an earlier decline whose reapply date is ahead declines again with that same date', () => {
    expect(decide({ ...base, pendingReapplyAfter: '2026-11-28' })).toMatchObject({ status: 'declined', reapplyAfter: '2026-11-28' });
  });

  it('the 545-ФЗ rule starts on 2026-10-01', () => {
    const expensive = { ...base, report: { ...base.report, activeLoans: [1, 2].map(() => ({ monthlyPaymentRubles: 1_000, pskPercent: 250, overdueDays: 0 })) } };
    expect(decide({ ...expensive, today: '2026-09-30' }).status).toBe('approved');
    expect(decide({ ...expensive, today: '2026-10-01' }).status).toBe('declined');
  });

  it('small loans count income as at most the regional average', () => {
    const rich = decide({ ...base, monthlyIncomeRubles: 1_000_000 });
    expect(rich.status).toBe('approved');
    expect(rich.pdnPercent).toBeGreaterThan((12_400 / 1_000_000) * 100);
  });
});

describe('decide: a loan secured by a car', () => {
  const car = DEFAULT_PRODUCTS.find((p) => p.code === 'car')!;
  const carBase: DecisionInput = {
    ...base,
    product: car,
    amountRubles: 300_000,
    term: 12,
    price: (amountRubles) => {
      const result = quote({ product: car, amountRubles, term: 12, startDate: '2026-11-25', rules: DEFAULT_LEGAL_RULES });
      return result.ok ? result.quote : null;
    },
    car: {
      rules: DEFAULT_CAR_RULES,
      year: 2020,
      pledges: { pledged: false, notices: [] },
      restrictions: { wanted: false, restrictions: [] },
      valuation: { valueKopecks: 400_000_00, source: 'test', valuedAt: new Date('2026-11-25T09:00:00Z') },
    },
  };
  const withCar = (car: Partial<NonNullable<DecisionInput['car']>>): DecisionInput => ({ ...carBase, car: { ...carBase.car!, ...car } });

  it('lends at most the rules’ share of the valuation', () => {
    expect(decide(carBase)).toMatchObject({ status: 'approved', amountRubles: 280_000 });
    expect(decide(withCar({ rules: { ...DEFAULT_CAR_RULES, valuationSharePercent: 50 } }))).toMatchObject({ status: 'approved', amountRubles: 200_000 });
    expect(decide({ ...carBase, amountRubles: 100_000 })).toMatchObject({ status: 'approved', amountRubles: 100_000 });
  });

  it('declines a car already pledged, wanted, arrested or banned from registration', () => {
    const notice = { number: '2024-003-518274-406', registeredOn: '2024-03-15', pledgee: 'ООО «Другой»' };
    expect(decide(withCar({ pledges: { pledged: true, notices: [notice] } })).status).toBe('declined');
    for (const restriction of ['wanted', 'arrest', 'registration_ban'] as const) {
      const decision = decide(withCar({ restrictions: { wanted: restriction === 'wanted', restrictions: [restriction] } }));
      expect(decision.status).toBe('declined');
      expect(decision.checks.find((c) => c.name === 'vehicle_restrictions')?.outcome).toBe('fail');
    }
  });

  it('a pledge the rules allow, or no restriction the rules decline, passes', () => {
    const lenient = { ...DEFAULT_CAR_RULES, declineIfPledged: false, declineRestrictions: [] };
    const notice = { number: '2024-003-518274-406', registeredOn: '2024-03-15', pledgee: 'ООО «Другой»' };
    expect(decide(withCar({ rules: lenient, pledges: { pledged: true, notices: [notice] } })).status).toBe('approved');
    expect(decide(withCar({ rules: lenient, restrictions: { wanted: false, restrictions: ['arrest'] } })).status).toBe('approved');
  });

  it('declines when the share of the valuation is below the product minimum, and refers a car with no valuation', () => {
    expect(decide(withCar({ valuation: { valueKopecks: 100_000_00, source: 'test', valuedAt: new Date() } })).status).toBe('declined');
    expect(decide(withCar({ valuation: null })).status).toBe('manual_review');
  });

  it('the approved amount never exceeds the share of the valuation, the request or the product maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000_000_00 }), fc.integer({ min: 80_000, max: 1_000_000 }), fc.integer({ min: 30, max: 90 }), (value, asked, share) => {
        const decision = decide({
          ...withCar({ rules: { ...DEFAULT_CAR_RULES, valuationSharePercent: share }, valuation: { valueKopecks: value, source: 'test', valuedAt: new Date() } }),
          amountRubles: asked,
        });
        if (decision.status !== 'approved') return;
        expect(decision.amountRubles * 100 * 100).toBeLessThanOrEqual(value * share);
        expect(decision.amountRubles).toBeLessThanOrEqual(asked);
        expect(decision.amountRubles).toBeLessThanOrEqual(car.amount.maxRubles);
      }),
      { numRuns: 200 },
    );
  });
});
