import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEVELS, loansWord, loyaltyLevel, type LoyaltyHistory } from './level';

const history = (change: Partial<LoyaltyHistory> = {}): LoyaltyHistory => ({
  loansRepaid: 0,
  repaidOnTime: 0,
  maxOverdueDays: 0,
  totalOverdueDays: 0,
  openOverdueDays: 0,
  ...change,
});
const rank = (code: string) => LEVELS.findIndex((l) => l.code === code);

describe('loyaltyLevel', () => {
  it('a new customer is at «Старт» with no discount, one loan away from «Серебро»', () => {
    const level = loyaltyLevel(history());
    expect(level).toMatchObject({ code: 'start', name: 'Старт', title: 'Новый клиент', discountPercent: 0, amountRaisePercent: 0, restriction: null });
    expect(level.next).toEqual({ code: 'silver', name: 'Серебро', loansToGo: 1, text: 'Ещё 1 заём без просрочки до уровня «Серебро»' });
    expect(level.benefits.length).toBeGreaterThan(0);
  });

  it('two loans repaid on time: «Серебро», 5 % off, one more loan to «Золото»', () => {
    const level = loyaltyLevel(history({ loansRepaid: 2, repaidOnTime: 2 }));
    expect(level).toMatchObject({ code: 'silver', name: 'Серебро', discountPercent: 5, amountRaisePercent: 50 });
    expect(level.benefits).toContain('Ставка на 5 % ниже ставки продукта');
    expect(level.next).toEqual({ code: 'gold', name: 'Золото', loansToGo: 1, text: 'Ещё 1 заём без просрочки до уровня «Золото»' });
  });

  it.each([
    [0, 'start'],
    [1, 'silver'],
    [2, 'silver'],
    [3, 'gold'],
    [5, 'gold'],
    [6, 'platinum'],
    [40, 'platinum'],
  ])('%i loans on time → %s', (onTime, code) => {
    expect(loyaltyLevel(history({ loansRepaid: onTime, repaidOnTime: onTime })).code).toBe(code);
  });

  it('platinum is the top: no next level', () => {
    expect(loyaltyLevel(history({ loansRepaid: 7, repaidOnTime: 7 })).next).toBeNull();
  });

  it('loans repaid late do not count', () => {
    const level = loyaltyLevel(history({ loansRepaid: 3, repaidOnTime: 0, maxOverdueDays: 2, totalOverdueDays: 6 }));
    expect(level.code).toBe('start');
    expect(level.next?.code).toBe('silver');
  });

  it('a loan overdue now pauses every benefit until it is repaid', () => {
    const level = loyaltyLevel(history({ loansRepaid: 6, repaidOnTime: 6, maxOverdueDays: 1, totalOverdueDays: 1, openOverdueDays: 1 }));
    expect(level).toMatchObject({ code: 'start', discountPercent: 0, next: null });
    expect(level.restriction).toMatch(/просроченный заём/);
  });

  it('more than 5 days late once: at most «Серебро»; more than 30 days: «Старт»', () => {
    expect(loyaltyLevel(history({ loansRepaid: 6, repaidOnTime: 5, maxOverdueDays: 5, totalOverdueDays: 5 })).code).toBe('gold');
    const capped = loyaltyLevel(history({ loansRepaid: 6, repaidOnTime: 5, maxOverdueDays: 6, totalOverdueDays: 6 }));
    expect(capped).toMatchObject({ code: 'silver', next: null });
    expect(capped.restriction).toMatch(/не выше «Серебра»/);
    const beginner = loyaltyLevel(history({ loansRepaid: 1, repaidOnTime: 0, maxOverdueDays: 10, totalOverdueDays: 10 }));
    expect(beginner.next?.code).toBe('silver');
    expect(loyaltyLevel(history({ loansRepaid: 8, repaidOnTime: 7, maxOverdueDays: 31, totalOverdueDays: 31 }))).toMatchObject({ code: 'start', next: null });
    expect(loyaltyLevel(history({ loansRepaid: 20, repaidOnTime: 7, maxOverdueDays: 5, totalOverdueDays: 61 })).code).toBe('start');
  });

  it('more history on time never lowers the level; more overdue never raises it', () => {
    const arbitraryHistory = fc.record({
      loansRepaid: fc.integer({ min: 0, max: 30 }),
      repaidOnTime: fc.integer({ min: 0, max: 30 }),
      maxOverdueDays: fc.integer({ min: 0, max: 100 }),
      totalOverdueDays: fc.integer({ min: 0, max: 200 }),
      openOverdueDays: fc.integer({ min: 0, max: 40 }),
    });
    fc.assert(
      fc.property(arbitraryHistory, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }), (h, more, days) => {
        const base = loyaltyLevel(h);
        const better = loyaltyLevel({ ...h, loansRepaid: h.loansRepaid + more, repaidOnTime: Math.min(h.repaidOnTime, h.loansRepaid) + more });
        expect(rank(better.code)).toBeGreaterThanOrEqual(rank(base.code));
        const worse = loyaltyLevel({ ...h, maxOverdueDays: h.maxOverdueDays + days, totalOverdueDays: h.totalOverdueDays + days });
        expect(rank(worse.code)).toBeLessThanOrEqual(rank(base.code));
        expect(base.discountPercent).toBeGreaterThanOrEqual(0);
        expect(base.discountPercent).toBeLessThan(100);
      }),
    );
  });

  it('garbage in (negative, fractional, more on time than repaid) is read conservatively', () => {
    expect(loyaltyLevel(history({ loansRepaid: 1, repaidOnTime: 9 })).code).toBe('silver');
    expect(loyaltyLevel(history({ loansRepaid: -3, repaidOnTime: -3 })).code).toBe('start');
    expect(loyaltyLevel(history({ loansRepaid: Number.NaN, repaidOnTime: 2 })).code).toBe('start');
  });
});

describe('loansWord', () => {
  it.each([
    [1, 'заём'],
    [2, 'займа'],
    [4, 'займа'],
    [5, 'займов'],
    [11, 'займов'],
    [12, 'займов'],
    [21, 'заём'],
    [22, 'займа'],
  ])('%i %s', (n, word) => expect(loansWord(n)).toBe(word));
});
