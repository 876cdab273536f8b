import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, daysBetween, isBusinessDate } from './dates';

/** What a calendar day is, by the Date object: the definition the arithmetic check must agree with. */
const byDateObject = (value: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === value;
};
const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('isBusinessDate', () => {
  it('accepts real days, leap days included, and refuses the ones that do not exist', () => {
    for (const day of ['2026-01-01', '2026-12-31', '2024-02-29', '2000-02-29', '1900-02-28', '0100-01-01', '9999-12-31']) {
      expect(isBusinessDate(day), day).toBe(true);
    }
    for (const day of ['2026-02-29', '1900-02-29', '2100-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '0099-12-31', '0000-01-01', '2026-1-01', '2026-01-01T00:00', ' 2026-01-01', '']) {
      expect(isBusinessDate(day), day).toBe(false);
    }
  });

  it('agrees with the Date object on every string of the form YYYY-MM-DD', () => {
    const text = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
    fc.assert(fc.property(text, (value) => isBusinessDate(value) === byDateObject(value)), { numRuns: 20_000 });
  });
});

describe('date arithmetic', () => {
  it('walks day by day across month, year and leap-day boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(daysBetween('2026-11-26', '2026-11-20')).toBe(-6);
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
  });

  it('addDays and daysBetween undo each other', () => {
    const start = fc.integer({ min: 0, max: 40_000 }).map((n) => addDays('1950-01-01', n));
    fc.assert(fc.property(start, fc.integer({ min: -5_000, max: 5_000 }), (date, days) => daysBetween(date, addDays(date, days)) === days));
  });

  it('refuses what is not a date', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => daysBetween('2026-01-01', 'tomorrow')).toThrow(RangeError);
  });
});
