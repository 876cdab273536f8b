/**
 * Working days in Russia (the production calendar, «производственный календарь») for legal and
 * contractual deadlines counted in working days: a support answer within 15 working days (СРО
 * Базовый стандарт, DOMAIN.md R20), a car pledge released within 3 working days (R24).
 *
 * The calendar is data. A year is: Saturdays and Sundays off, plus the weekdays listed in
 * `daysOff` (non-working holidays of ст. 112 ТК РФ and days off moved there), minus the weekend
 * days listed in `workingDays` (a Saturday made working by a transfer). Each year comes from the
 * Government's decree «О переносе выходных дней в <год> году», published each autumn for the next
 * year: THE LENDER MUST ADD EACH NEW YEAR (and confirm a provisional one) when the decree appears.
 * A year not in the table is computed by the statute alone (`statutoryYear`): the holidays of
 * ст. 112, a holiday on a weekend moves the day off to the next working day, and the two January
 * weekend days the Government redistributes are simply not known. That errs towards earlier
 * deadlines (fewer days off), the safe side for a deadline we must meet.
 *
 * Pure: dates are `YYYY-MM-DD` business dates (src/core/dates.ts); no clock, no time zone.
 */
import { addDays, isBusinessDate, type BusinessDate } from '../dates';

export type CalendarYear = {
  year: number;
  /** Weekdays (Mon–Fri) that are not working days. */
  daysOff: readonly BusinessDate[];
  /** Saturdays or Sundays that are working days. */
  workingDays: readonly BusinessDate[];
  /** Where the year comes from. */
  source: string;
  /** True until the year's decree is published and checked against this entry. */
  provisional: boolean;
};

/**
 * The non-working holidays of ст. 112 ТК РФ (as amended by 35-ФЗ of 23.04.2012), month-day.
 * 1–6 and 8 January are «новогодние каникулы», 7 January is Christmas.
 */
export const STATUTORY_HOLIDAYS: readonly string[] = [
  '01-01', '01-02', '01-03', '01-04', '01-05', '01-06', '01-07', '01-08',
  '02-23', '03-08', '05-01', '05-09', '06-12', '11-04',
];

/**
 * The Russian production calendar.
 * - 2025: Постановление Правительства РФ от 04.10.2024 № 1335. Days off moved: Sat 4 Jan → Fri
 *   2 May, Sun 5 Jan → Wed 31 Dec, Sun 23 Feb → Thu 8 May, Sat 8 Mar → Fri 13 Jun, Sat 1 Nov →
 *   Mon 3 Nov (1 Nov worked). 247 working days.
 * - 2026: Постановление Правительства РФ от 24.09.2025 № 1466. Sat 3 Jan → Fri 9 Jan, Sun 4 Jan →
 *   Thu 31 Dec; Sun 8 Mar → Mon 9 Mar and Sat 9 May → Mon 11 May by ст. 112 ч. 2. 247 working days.
 * - 2027: PROVISIONAL — the decree was not available when this table was written. The statutory
 *   part only: Sat 1 May → Mon 3 May, Sun 9 May → Mon 10 May, Sat 12 Jun → Mon 14 Jun by ст. 112
 *   ч. 2; where the Government puts Sat 2 and Sun 3 January (and any Saturday swap; a reported draft
 *   had Fri 5 Nov off for Sat 13 Nov) is left out until confirmed.
 */
export const RUSSIAN_CALENDAR: readonly CalendarYear[] = [
  {
    year: 2025,
    daysOff: [
      '2025-01-01', '2025-01-02', '2025-01-03', '2025-01-06', '2025-01-07', '2025-01-08',
      '2025-05-01', '2025-05-02', '2025-05-08', '2025-05-09',
      '2025-06-12', '2025-06-13',
      '2025-11-03', '2025-11-04',
      '2025-12-31',
    ],
    workingDays: ['2025-11-01'],
    source: 'Постановление Правительства РФ от 04.10.2024 № 1335',
    provisional: false,
  },
  {
    year: 2026,
    daysOff: [
      '2026-01-01', '2026-01-02', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09',
      '2026-02-23', '2026-03-09',
      '2026-05-01', '2026-05-11',
      '2026-06-12', '2026-11-04', '2026-12-31',
    ],
    workingDays: [],
    source: 'Постановление Правительства РФ от 24.09.2025 № 1466',
    provisional: false,
  },
  {
    year: 2027,
    daysOff: [
      '2027-01-01', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08',
      '2027-02-23', '2027-03-08',
      '2027-05-03', '2027-05-10',
      '2027-06-14', '2027-11-04',
    ],
    workingDays: [],
    source: 'ст. 112 ТК РФ (постановление о переносе выходных дней в 2027 году ещё не внесено)',
    provisional: true,
  },
];

const DATE_RE = /^(\d{4})-\d{2}-\d{2}$/;

/** Monday = 1 … Sunday = 7 (ISO). */
function isoWeekday(date: BusinessDate): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

const isWeekend = (date: BusinessDate) => isoWeekday(date) >= 6;

function yearOf(date: BusinessDate): number {
  const match = DATE_RE.exec(date);
  if (!match || !isBusinessDate(date)) throw new RangeError(`not a date: ${date}`);
  return Number(match[1]);
}

/**
 * A year by the statute alone: the holidays of ст. 112 on weekdays are off, and a non-January
 * holiday on a weekend moves that day off to the next working day (ст. 112 ч. 2). The January
 * weekend days the Government redistributes by decree are not known here and not added.
 */
export function statutoryYear(year: number): CalendarYear {
  const holidays = new Set(STATUTORY_HOLIDAYS.map((md) => `${year}-${md}`));
  const daysOff = new Set<BusinessDate>();
  for (const date of [...holidays].sort()) {
    if (!isWeekend(date)) {
      daysOff.add(date);
      continue;
    }
    if (date.slice(5, 7) === '01') continue; // moved by the Government's decree, not by the statute
    let next = addDays(date, 1);
    while (isWeekend(next) || holidays.has(next) || daysOff.has(next)) next = addDays(next, 1);
    daysOff.add(next);
  }
  return {
    year,
    daysOff: [...daysOff].sort(),
    workingDays: [],
    source: 'ст. 112 ТК РФ (без постановления о переносе выходных дней)',
    provisional: true,
  };
}

export type WorkingCalendar = {
  isWorkingDay: (date: BusinessDate) => boolean;
  /**
   * The `n`-th working day after `date` (`date` itself is not counted, as a term «in n working
   * days» starts the next day, ст. 191 ГК РФ); a negative `n` counts back; 0 returns `date`.
   */
  addWorkingDays: (date: BusinessDate, n: number) => BusinessDate;
  /**
   * How many working days after `from` it takes to reach `to`: the working days in (from, to];
   * when `to` is earlier, minus the working days in [to, from). The inverse of `addWorkingDays`:
   * `addWorkingDays(from, workingDaysBetween(from, to)) === to` for a working day `to`.
   */
  workingDaysBetween: (from: BusinessDate, to: BusinessDate) => number;
  /** `date` if it is a working day, else the next one. */
  nextWorkingDay: (date: BusinessDate) => BusinessDate;
  /** Whether the year comes from a published decree (not provisional, not computed). */
  isConfirmedYear: (year: number) => boolean;
};

/** No deadline here is longer than this; a runaway loop is a bug in the data. */
const MAX_SPAN_DAYS = 366 * 20;

export function createWorkingCalendar(years: readonly CalendarYear[]): WorkingCalendar {
  const byYear = new Map<number, { off: Set<string>; on: Set<string>; provisional: boolean }>();
  const load = (entry: CalendarYear) => {
    for (const date of [...entry.daysOff, ...entry.workingDays]) {
      if (yearOf(date) !== entry.year) throw new RangeError(`${date} is listed under ${entry.year}`);
    }
    for (const date of entry.daysOff) if (isWeekend(date)) throw new RangeError(`${date} is a weekend day: list weekdays in daysOff`);
    for (const date of entry.workingDays) if (!isWeekend(date)) throw new RangeError(`${date} is a weekday: list weekend days in workingDays`);
    const value = { off: new Set(entry.daysOff), on: new Set(entry.workingDays), provisional: entry.provisional };
    byYear.set(entry.year, value);
    return value;
  };
  for (const entry of years) {
    if (byYear.has(entry.year)) throw new RangeError(`the year ${entry.year} is listed twice`);
    load(entry);
  }
  const confirmed = new Set(years.filter((y) => !y.provisional).map((y) => y.year));
  const yearData = (year: number) => byYear.get(year) ?? load(statutoryYear(year));

  const isWorkingDay = (date: BusinessDate): boolean => {
    const data = yearData(yearOf(date));
    if (data.on.has(date)) return true;
    if (data.off.has(date)) return false;
    return !isWeekend(date);
  };

  const addWorkingDays = (date: BusinessDate, n: number): BusinessDate => {
    if (!Number.isSafeInteger(n)) throw new RangeError(`not a whole number of days: ${n}`);
    yearOf(date);
    const step = n < 0 ? -1 : 1;
    let left = Math.abs(n);
    let current = date;
    for (let guard = 0; left > 0; guard += 1) {
      if (guard > MAX_SPAN_DAYS) throw new RangeError(`${n} working days is too far`);
      current = addDays(current, step);
      if (isWorkingDay(current)) left -= 1;
    }
    return current;
  };

  const workingDaysBetween = (from: BusinessDate, to: BusinessDate): number => {
    yearOf(from);
    yearOf(to);
    if (to === from) return 0;
    const forward = to > from;
    // Forward: the days after `from` up to `to`; back: the days from `to` up to before `from`.
    let current = forward ? addDays(from, 1) : to;
    const last = forward ? to : addDays(from, -1);
    let count = 0;
    for (let guard = 0; current <= last; guard += 1) {
      if (guard > MAX_SPAN_DAYS) throw new RangeError(`${from}…${to} is too long a span`);
      if (isWorkingDay(current)) count += 1;
      current = addDays(current, 1);
    }
    return forward ? count : -count;
  };

  const nextWorkingDay = (date: BusinessDate): BusinessDate => (isWorkingDay(date) ? date : addWorkingDays(date, 1));

  return { isWorkingDay, addWorkingDays, workingDaysBetween, nextWorkingDay, isConfirmedYear: (year) => confirmed.has(year) };
}

const russian = createWorkingCalendar(RUSSIAN_CALENDAR);

/** The Russian production calendar (`RUSSIAN_CALENDAR`; other years by the statute). */
export const isWorkingDay = russian.isWorkingDay;
export const addWorkingDays = russian.addWorkingDays;
export const workingDaysBetween = russian.workingDaysBetween;
export const nextWorkingDay = russian.nextWorkingDay;
export const isConfirmedYear = russian.isConfirmedYear;
