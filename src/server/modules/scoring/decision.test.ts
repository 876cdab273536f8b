import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS } from '../../../core/pricing/products';
import { quote } from '../../../core/pricing/quote';
import { DEFAULT_LEGAL_RULES } from '../../../core/pricing/rules';
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
