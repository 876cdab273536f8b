import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../dates';
import {
  addWorkingDays,
  createWorkingCalendar,
  isConfirmedYear,
  isWorkingDay,
  nextWorkingDay,
  RUSSIAN_CALENDAR,
  statutoryYear,
  workingDaysBetween,
} from './working-days';

const daysOfYear = (year: number) => {
  const days: string[] = [];
  for (let d = `${year}-01-01`; d.startsWith(String(year)); d = addDays(d, 1)) days.push(d);
  return days;
};

describe('the Russian production calendar', () => {
  it.each([
    [2025, 247],
    [2026, 247],
  ])('%i has %i working days, as the decree counts', (year, expected) => {
    expect(daysOfYear(year).filter(isWorkingDay)).toHaveLength(expected);
  });

  it('2025: the decree’s moves (4 Jan → 2 May, 5 Jan → 31 Dec, 23 Feb → 8 May, 8 Mar → 13 Jun, 1 Nov → 3 Nov)', () => {
    for (const off of ['2025-01-08', '2025-05-02', '2025-05-08', '2025-06-13', '2025-11-03', '2025-11-04', '2025-12-31']) {
      expect(isWorkingDay(off), off).toBe(false);
    }
    // 23 Feb and 8 Mar fell on a weekend; their day off went to May and June, not to the Monday.
    expect(isWorkingDay('2025-02-24')).toBe(true);
    expect(isWorkingDay('2025-03-10')).toBe(true);
    // Saturday 1 November was worked.
    expect(isWorkingDay('2025-11-01')).toBe(true);
    expect(isWorkingDay('2025-01-09')).toBe(true);
  });

  it('2026: the New Year holidays run to 11 January; 9 March and 11 May are off; 31 December is off', () => {
    for (let d = '2026-01-01'; d <= '2026-01-11'; d = addDays(d, 1)) expect(isWorkingDay(d), d).toBe(false);
    expect(isWorkingDay('2026-01-12')).toBe(true);
    for (const off of ['2026-02-23', '2026-03-09', '2026-05-01', '2026-05-11', '2026-06-12', '2026-11-04', '2026-12-31']) {
      expect(isWorkingDay(off), off).toBe(false);
    }
    for (const on of ['2026-02-24', '2026-03-10', '2026-05-12', '2026-11-05', '2026-12-30']) expect(isWorkingDay(on), on).toBe(true);
  });

  it('2027 is provisional and is exactly what the statute alone gives; 2025 and 2026 are confirmed', () => {
    const entry = RUSSIAN_CALENDAR.find((y) => y.year === 2027)!;
    expect(entry.provisional).toBe(true);
    expect(statutoryYear(2027).daysOff).toEqual(entry.daysOff);
    expect(isConfirmedYear(2025)).toBe(true);
    expect(isConfirmedYear(2026)).toBe(true);
    expect(isConfirmedYear(2027)).toBe(false);
    expect(isConfirmedYear(2028)).toBe(false);
  });

  it('a year past the table follows the statute: holidays off, a weekend holiday moves to the next working day', () => {
    // 2028: 23 Feb is a Wednesday, 8 Mar a Wednesday, 1 May a Monday, 9 May a Tuesday, 12 Jun a Monday, 4 Nov a Saturday.
    for (const off of ['2028-01-03', '2028-01-07', '2028-02-23', '2028-03-08', '2028-05-01', '2028-05-09', '2028-06-12', '2028-11-06']) {
      expect(isWorkingDay(off), off).toBe(false);
    }
    expect(isWorkingDay('2028-11-07')).toBe(true);
    // 2021 fell like 2027: Sat 1 May, Sun 9 May and Sat 12 Jun each give their Monday.
    expect(statutoryYear(2021).daysOff).toEqual(expect.arrayContaining(['2021-05-03', '2021-05-10', '2021-06-14']));
  });

  it('every listed day off is a weekday and every listed working day a weekend day, in its own year', () => {
    for (const year of RUSSIAN_CALENDAR) {
      for (const date of year.daysOff) expect(new Date(`${date}T00:00:00Z`).getUTCDay() % 6, date).not.toBe(0);
      for (const date of year.workingDays) expect(new Date(`${date}T00:00:00Z`).getUTCDay() % 6, date).toBe(0);
    }
    expect(() => createWorkingCalendar([{ year: 2030, daysOff: ['2030-01-05'], workingDays: [], source: 't', provisional: true }])).toThrow(/weekend/);
    expect(() => createWorkingCalendar([{ year: 2030, daysOff: ['2031-01-02'], workingDays: [], source: 't', provisional: true }])).toThrow(/listed under/);
  });
});

describe('counting working days', () => {
  it('15 working days from Wednesday 25 Nov 2026 is Wednesday 16 Dec (the day itself not counted)', () => {
    expect(addWorkingDays('2026-11-25', 15)).toBe('2026-12-16');
  });

  it('across the New Year holidays: from Friday 25 Dec 2026, 15 working days is Tuesday 26 Jan 2027', () => {
    // 28, 29, 30 Dec; 31 Dec and 1–10 Jan off; 11 Jan is the 4th.
    expect(addWorkingDays('2026-12-25', 3)).toBe('2026-12-30');
    expect(addWorkingDays('2026-12-25', 4)).toBe('2027-01-11');
    expect(addWorkingDays('2026-12-25', 15)).toBe('2027-01-26');
  });

  it('from a day off, the first working day after it counts as the first', () => {
    expect(addWorkingDays('2026-01-03', 1)).toBe('2026-01-12');
    expect(addWorkingDays('2026-11-28', 1)).toBe('2026-11-30'); // Saturday → Monday
    expect(addWorkingDays('2026-11-25', 0)).toBe('2026-11-25');
    expect(addWorkingDays('2026-01-12', -1)).toBe('2025-12-30');
  });

  it('3 working days for a pledge release over the May holidays of 2026', () => {
    expect(addWorkingDays('2026-04-30', 3)).toBe('2026-05-06');
    expect(addWorkingDays('2026-05-08', 1)).toBe('2026-05-12');
  });

  it('workingDaysBetween counts (from, to], or back [to, from)', () => {
    expect(workingDaysBetween('2026-12-25', '2027-01-26')).toBe(15);
    expect(workingDaysBetween('2027-01-26', '2026-12-25')).toBe(-15);
    expect(workingDaysBetween('2026-12-31', '2027-01-10')).toBe(0);
    expect(workingDaysBetween('2026-11-27', '2026-11-30')).toBe(1);
    expect(workingDaysBetween('2026-11-25', '2026-11-25')).toBe(0);
    expect(workingDaysBetween('2026-11-28', '2026-11-27')).toBe(-1); // Saturday back to Friday
  });

  it('nextWorkingDay', () => {
    expect(nextWorkingDay('2026-12-31')).toBe('2027-01-11');
    expect(nextWorkingDay('2026-12-30')).toBe('2026-12-30');
  });

  it('refuses what is not a date', () => {
    expect(() => isWorkingDay('2026-02-30')).toThrow(RangeError);
    expect(() => addWorkingDays('2026-12-01', 1.5)).toThrow(RangeError);
  });

  const date = fc.integer({ min: 0, max: 365 * 3 - 1 }).map((offset) => addDays('2025-01-01', offset));
  const count = fc.integer({ min: -40, max: 40 });

  it('property: adding n working days lands on a working day exactly n working days away', () => {
    fc.assert(
      fc.property(date, count, (start, n) => {
        const end = addWorkingDays(start, n);
        if (n !== 0) expect(isWorkingDay(end)).toBe(true);
        expect(workingDaysBetween(start, end)).toBe(n);
        if (n > 0) expect(end > start).toBe(true);
      }),
    );
  });

  it('property: adding is monotone and composes over working days', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), (start, a, b) => {
        const from = nextWorkingDay(start);
        expect(addWorkingDays(addWorkingDays(from, a), b)).toBe(addWorkingDays(from, a + b));
        expect(addWorkingDays(from, a) <= addWorkingDays(from, a + b)).toBe(true);
      }),
    );
  });
});
