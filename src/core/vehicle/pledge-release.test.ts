import { describe, expect, it } from 'vitest';
import { createWorkingCalendar, isConfirmedYear, RUSSIAN_CALENDAR } from '../calendar/working-days';
import { releaseDeadline, releaseProgress } from './pledge-release';

describe('releaseDeadline (3 working days, the repayment day not counted)', () => {
  it('mid-week: repaid Wednesday 25 Nov 2026 → Thu, Fri, Mon → Monday 30 Nov', () => {
    expect(releaseDeadline('2026-11-25')).toBe('2026-11-30');
  });

  it('a Friday before a weekend: repaid Friday 27 Nov 2026 → Mon, Tue, Wed → Wednesday 2 Dec', () => {
    expect(releaseDeadline('2026-11-27')).toBe('2026-12-02');
  });

  it('repaid on a day off: Saturday 28 Nov 2026 → the same Wednesday 2 Dec', () => {
    expect(releaseDeadline('2026-11-28')).toBe('2026-12-02');
  });

  it('before the New Year holidays: repaid Wednesday 30 Dec 2026 → Wednesday 13 Jan 2027', () => {
    // 31 Dec 2026 is off by the 2026 decree; 1–10 Jan 2027 are off; 11, 12, 13 Jan are days 1–3.
    expect(releaseDeadline('2026-12-30')).toBe('2027-01-13');
    // 2027 is still the statute-only provisional year: the decree may move the 2–3 Jan days off.
    expect(isConfirmedYear(2027)).toBe(false);
  });

  it('the May holidays of 2026: repaid Thursday 30 Apr → 1 May off, Mon 4, Tue 5, Wed 6 May', () => {
    expect(releaseDeadline('2026-04-30')).toBe('2026-05-06');
  });

  it('follows the calendar it is given: were 11 Jan 2027 made a day off, the deadline moves to the 14th', () => {
    const years = RUSSIAN_CALENDAR.map((y) => (y.year === 2027 ? { ...y, daysOff: [...y.daysOff, '2027-01-11'].sort() } : y));
    expect(releaseDeadline('2026-12-30', createWorkingCalendar(years))).toBe('2027-01-14');
  });

  it('refuses what is not a date', () => {
    expect(() => releaseDeadline('2026-02-30')).toThrow(RangeError);
  });
});

describe('releaseProgress', () => {
  const repaidOn = '2026-11-27'; // Friday; deadline Wednesday 2 Dec

  it('due on the repayment day, with 3 working days left', () => {
    expect(releaseProgress({ repaidOn, filedOn: null, today: repaidOn })).toEqual({ deadline: '2026-12-02', status: 'due', workingDaysLeft: 3 });
  });

  it('due over the weekend and on the following days, counting down to 0 on the deadline', () => {
    expect(releaseProgress({ repaidOn, filedOn: null, today: '2026-11-29' }).workingDaysLeft).toBe(3); // Sunday
    expect(releaseProgress({ repaidOn, filedOn: null, today: '2026-11-30' }).workingDaysLeft).toBe(2);
    expect(releaseProgress({ repaidOn, filedOn: null, today: '2026-12-01' }).workingDaysLeft).toBe(1);
    expect(releaseProgress({ repaidOn, filedOn: null, today: '2026-12-02' })).toEqual({ deadline: '2026-12-02', status: 'due', workingDaysLeft: 0 });
  });

  it('overdue once today is past the deadline and nothing is filed, with the working days late as negative', () => {
    expect(releaseProgress({ repaidOn, filedOn: null, today: '2026-12-03' })).toEqual({ deadline: '2026-12-02', status: 'overdue', workingDaysLeft: -1 });
    expect(releaseProgress({ repaidOn, filedOn: null, today: '2026-12-07' })).toEqual({ deadline: '2026-12-02', status: 'overdue', workingDaysLeft: -3 });
  });

  it('filed on time: on the repayment day, before, or on the deadline', () => {
    for (const filedOn of ['2026-11-27', '2026-11-30', '2026-12-02']) {
      expect(releaseProgress({ repaidOn, filedOn, today: '2026-12-20' })).toEqual({ deadline: '2026-12-02', status: 'filed_on_time', workingDaysLeft: 0 });
    }
  });

  it('filed late: any day after the deadline', () => {
    expect(releaseProgress({ repaidOn, filedOn: '2026-12-03', today: '2026-12-20' })).toEqual({
      deadline: '2026-12-02',
      status: 'filed_late',
      workingDaysLeft: 0,
    });
  });

  it('across the New Year holidays, nothing is overdue until after 13 Jan 2027', () => {
    expect(releaseProgress({ repaidOn: '2026-12-30', filedOn: null, today: '2027-01-05' })).toEqual({
      deadline: '2027-01-13',
      status: 'due',
      workingDaysLeft: 3,
    });
    expect(releaseProgress({ repaidOn: '2026-12-30', filedOn: null, today: '2027-01-14' }).status).toBe('overdue');
  });

  it('refuses what is not a date', () => {
    expect(() => releaseProgress({ repaidOn, filedOn: '2026-12-32', today: '2026-12-01' })).toThrow(RangeError);
    expect(() => releaseProgress({ repaidOn, filedOn: null, today: 'today' })).toThrow(RangeError);
  });
});
