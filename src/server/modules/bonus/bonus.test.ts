import { describe, expect, it } from 'vitest';
import { lapsingPoints, pointsForInterest, pointsText, spendablePoints } from '../../../core/bonus';

describe('bonus point rules (core/bonus.ts)', () => {
  it('earns 5 % of the interest paid, in whole rubles rounded down', () => {
    expect(pointsForInterest(80_000)).toBe(40); // 800 ₽ → 40 ₽
    expect(pointsForInterest(1_999)).toBe(0); // 19,99 ₽ → 0,99 ₽ → 0
    expect(pointsForInterest(2_000)).toBe(1);
    expect(pointsForInterest(39_999)).toBe(19);
    expect(pointsForInterest(0)).toBe(0);
    expect(pointsForInterest(-100)).toBe(0);
    expect(pointsForInterest(1.5)).toBe(0);
  });

  it('a spend takes no more than asked, the balance, or the whole rubles owed', () => {
    expect(spendablePoints(30, 100, 80_000)).toBe(30);
    expect(spendablePoints(5_000, 10_000, 80_000)).toBe(800);
    expect(spendablePoints(50, 10, 80_000)).toBe(10);
    expect(spendablePoints(10, 10, 99)).toBe(0); // less than a ruble of interest
    expect(spendablePoints(10, 10, 150)).toBe(1);
    expect(spendablePoints(10, 0, 80_000)).toBe(0);
  });

  it('points lapse oldest first: what was used comes from the oldest lots', () => {
    const at = (day: number) => new Date(Date.UTC(2027, 0, day));
    const lots = [
      { id: 'a', points: 40, expiresAt: at(1) },
      { id: 'b', points: 30, expiresAt: at(10) },
      { id: 'c', points: 20, expiresAt: at(20) },
    ];
    expect(lapsingPoints(lots, 0, at(1))).toEqual([{ id: 'a', points: 40 }]);
    expect(lapsingPoints(lots, 15, at(1))).toEqual([{ id: 'a', points: 25 }]);
    expect(lapsingPoints(lots, 40, at(1))).toEqual([]);
    expect(lapsingPoints(lots, 50, at(15))).toEqual([{ id: 'b', points: 20 }]);
    expect(lapsingPoints(lots, 0, at(25))).toEqual([
      { id: 'a', points: 40 },
      { id: 'b', points: 30 },
      { id: 'c', points: 20 },
    ]);
    expect(lapsingPoints(lots, 90, at(25))).toEqual([]);
  });

  it('says the number of points in Russian', () => {
    expect([1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111].map(pointsText)).toEqual([
      '1 балл',
      '2 балла',
      '4 балла',
      '5 баллов',
      '11 баллов',
      '12 баллов',
      '14 баллов',
      '21 балл',
      '22 балла',
      '25 баллов',
      '101 балл',
      '111 баллов',
    ]);
  });
});
