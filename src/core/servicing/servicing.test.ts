import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../dates';
import { DEFAULT_PRODUCTS } from '../pricing/products';
import { quote, type Quote } from '../pricing/quote';
import { DEFAULT_LEGAL_RULES } from '../pricing/rules';
import { accrueDays, overduePrincipal, termsOf, type AccrualState } from './accrual';
import { allocatePayment, totalOf } from './allocation';

const pdl = DEFAULT_PRODUCTS.find((p) => p.code === 'pdl')!;

function pdlQuote(amountRubles: number, term: number, startDate = '2026-11-25'): Quote {
  const result = quote({ product: pdl, amountRubles, term, startDate, rules: DEFAULT_LEGAL_RULES });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.quote;
}

const startState = (q: Quote): AccrualState => ({ principalKopecks: q.amountKopecks, interestFrom: q.startDate, chargedKopecks: 0, dueDate: q.returnDate });
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('daily accrual', () => {
  it('10 000 ₽ × 30 days: the interest accrued by the due date is the contract’s 2 400 ₽, 80 ₽ a day', () => {
    const q = pdlQuote(10_000, 30);
    const { days } = accrueDays(termsOf(q), startState(q), q.startDate, q.returnDate);
    expect(days).toHaveLength(30);
    expect(new Set(days.map((d) => d.interestKopecks))).toEqual(new Set([8_000]));
    expect(sum(days.map((d) => d.interestKopecks))).toBe(q.overpaymentKopecks);
    expect(sum(days.map((d) => d.penaltyKopecks))).toBe(0);
  });

  it('for any amount and term the accrued interest at the due date equals the quote to the kopeck', () => {
    fc.assert(
      fc.property(fc.integer({ min: pdl.amount.minRubles, max: pdl.amount.maxRubles }), fc.integer({ min: pdl.term.min, max: pdl.term.max }), (amount, term) => {
        const result = quote({ product: pdl, amountRubles: amount, term, startDate: '2026-11-25', rules: DEFAULT_LEGAL_RULES });
        fc.pre(result.ok); // some terms are not offered (ПСК ceiling)
        const q = (result as { quote: Quote }).quote;
        const { days } = accrueDays(termsOf(q), startState(q), q.startDate, q.returnDate);
        expect(sum(days.map((d) => d.interestKopecks))).toBe(q.overpaymentKopecks);
      }),
    );
  });

  it('accruing in one run or in pieces gives the same days and totals (LED-7)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 30_000 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), (amount, pieces) => {
        const q = pdlQuote(amount, 30);
        const terms = termsOf(q);
        const end = addDays(q.startDate, sum(pieces));
        const whole = accrueDays(terms, startState(q), q.startDate, end);
        let state = startState(q);
        let from = q.startDate;
        const split = [];
        for (const piece of pieces) {
          const to = addDays(from, piece);
          const run = accrueDays(terms, state, from, to);
          split.push(...run.days);
          state = run.state;
          from = to;
        }
        expect(split).toEqual(whole.days);
        expect(state).toEqual(whole.state);
      }),
    );
  });

  it('after the due date interest goes on and a 20 %-a-year penalty accrues on the overdue principal', () => {
    const q = pdlQuote(10_000, 30);
    const { days } = accrueDays(termsOf(q), startState(q), q.returnDate, addDays(q.returnDate, 2));
    // 1 000 000 × 0.2 / 365 = 547.945… → 548 kopecks a day.
    expect(days.map((d) => [d.interestKopecks, d.penaltyKopecks])).toEqual([
      [8_000, 548],
      [8_000, 548],
    ]);
    expect(overduePrincipal(termsOf(q), startState(q), q.returnDate)).toBe(0);
    expect(overduePrincipal(termsOf(q), startState(q), addDays(q.returnDate, 1))).toBe(1_000_000);
  });

  it('everything stops at the overpayment cap: never more than 100 % of the principal', () => {
    fc.assert(
      fc.property(fc.integer({ min: pdl.amount.minRubles, max: pdl.amount.maxRubles }), fc.integer({ min: 0, max: 400 }), (amount, extraDays) => {
        const q = pdlQuote(amount, 30);
        const terms = termsOf(q);
        const run = accrueDays(terms, startState(q), q.startDate, addDays(q.returnDate, extraDays));
        const charged = sum(run.days.map((d) => d.interestKopecks + d.penaltyKopecks));
        expect(charged).toBe(run.state.chargedKopecks);
        expect(charged).toBeLessThanOrEqual(q.cap.overpaymentCapKopecks!);
        if (extraDays >= 130) expect(charged).toBe(q.cap.overpaymentCapKopecks);
      }),
    );
  });

  it('a smaller principal accrues less from the day after it changed', () => {
    const q = pdlQuote(10_000, 30);
    const terms = termsOf(q);
    const after = accrueDays(terms, { ...startState(q), principalKopecks: 500_000, interestFrom: '2026-12-05', chargedKopecks: 80_000 }, '2026-12-05', '2026-12-06');
    expect(after.days).toEqual([{ date: '2026-12-06', interestKopecks: 4_000, penaltyKopecks: 0 }]);
  });
});

describe('paying the debt in the legal order (353-ФЗ ст. 5 ч. 20)', () => {
  it('interest first, then overdue principal, then the penalty, then the rest of the principal, then the overpayment', () => {
    const debt = { principalKopecks: 1_000_000, interestKopecks: 240_000, penaltyKopecks: 5_000, overduePrincipalKopecks: 1_000_000 };
    expect(allocatePayment(debt, 100_000)).toEqual({ interestKopecks: 100_000, principalKopecks: 0, penaltyKopecks: 0, overpaymentKopecks: 0 });
    expect(allocatePayment(debt, 300_000)).toEqual({ interestKopecks: 240_000, principalKopecks: 60_000, penaltyKopecks: 0, overpaymentKopecks: 0 });
    expect(allocatePayment(debt, 1_243_000)).toEqual({ interestKopecks: 240_000, principalKopecks: 1_000_000, penaltyKopecks: 3_000, overpaymentKopecks: 0 });
    expect(allocatePayment(debt, 1_300_000)).toEqual({ interestKopecks: 240_000, principalKopecks: 1_000_000, penaltyKopecks: 5_000, overpaymentKopecks: 55_000 });
    // Before the due date nothing is overdue: the penalty (none yet) never jumps ahead of the principal.
    expect(allocatePayment({ ...debt, overduePrincipalKopecks: 0 }, 1_000_000)).toEqual({
      interestKopecks: 240_000,
      principalKopecks: 755_000,
      penaltyKopecks: 5_000,
      overpaymentKopecks: 0,
    });
  });

  it('nothing is lost or invented: the parts always add up to the payment and never exceed the debt', () => {
    fc.assert(
      fc.property(
        fc.record({ principalKopecks: fc.nat(10_000_000), interestKopecks: fc.nat(10_000_000), penaltyKopecks: fc.nat(1_000_000) }),
        fc.nat(100),
        fc.nat(30_000_000),
        (debt, overdueShare, amount) => {
          const full = { ...debt, overduePrincipalKopecks: Math.floor((debt.principalKopecks * overdueShare) / 100) };
          const a = allocatePayment(full, amount);
          expect(a.interestKopecks + a.principalKopecks + a.penaltyKopecks + a.overpaymentKopecks).toBe(amount);
          expect(a.interestKopecks).toBeLessThanOrEqual(debt.interestKopecks);
          expect(a.principalKopecks).toBeLessThanOrEqual(debt.principalKopecks);
          expect(a.penaltyKopecks).toBeLessThanOrEqual(debt.penaltyKopecks);
          expect(a.overpaymentKopecks).toBe(Math.max(0, amount - totalOf(debt)));
        },
      ),
    );
  });
});
