/**
 * Business dates: calendar days in Europe/Moscow, as `YYYY-MM-DD` strings. Arithmetic is done on
 * UTC midnights, which have no DST or zone surprises; the time zone matters only when turning an
 * instant (the clock) into today's date.
 */

export type BusinessDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The UTC midnight of a real calendar day (years 0100…9999, as Date.UTC reads them), or NaN.
 * Checked by arithmetic, without building Date objects: the accrual and the loan view call this
 * for every day they walk through (a year-long loan: hundreds of times per request).
 */
function utcMidnight(value: string): number {
  const m = DATE_RE.exec(value);
  if (!m) return Number.NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 100 || month < 1 || month > 12 || day < 1) return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return Number.NaN;
  return Date.UTC(year, month - 1, day);
}

export function isBusinessDate(value: string): value is BusinessDate {
  return !Number.isNaN(utcMidnight(value));
}

function toUtcMs(date: BusinessDate): number {
  const ms = utcMidnight(date);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${date}`);
  return ms;
}

function toUtc(date: BusinessDate): Date {
  return new Date(toUtcMs(date));
}

function fromUtc(date: Date): BusinessDate {
  return date.toISOString().slice(0, 10);
}

const moscowFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Moscow',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Moscow calendar date of an instant. */
export function moscowDate(instant: Date): BusinessDate {
  return moscowFormat.format(instant);
}

export function addDays(date: BusinessDate, days: number): BusinessDate {
  return fromUtc(new Date(toUtcMs(date) + days * DAY_MS));
}

/** Same day of a later month; the 31st becomes the month's last day where there is none. */
export function addMonths(date: BusinessDate, months: number): BusinessDate {
  const d = toUtc(date);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return fromUtc(new Date(Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay))));
}

export function daysBetween(from: BusinessDate, to: BusinessDate): number {
  return Math.round((toUtcMs(to) - toUtcMs(from)) / DAY_MS);
}

const longFormat = new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** 2026-12-25 → «25 декабря 2026 г.» */
export function formatLongDate(date: BusinessDate): string {
  return longFormat.format(toUtc(date));
}
