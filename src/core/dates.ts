/**
 * Business dates: calendar days in Europe/Moscow, as `YYYY-MM-DD` strings. Arithmetic is done on
 * UTC midnights, which have no DST or zone surprises; the time zone matters only when turning an
 * instant (the clock) into today's date.
 */

export type BusinessDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function isBusinessDate(value: string): value is BusinessDate {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function toUtc(date: BusinessDate): Date {
  if (!isBusinessDate(date)) throw new RangeError(`not a date: ${date}`);
  return new Date(`${date}T00:00:00Z`);
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
  return fromUtc(new Date(toUtc(date).getTime() + days * DAY_MS));
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
  return Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / DAY_MS);
}

const longFormat = new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** 2026-12-25 → «25 декабря 2026 г.» */
export function formatLongDate(date: BusinessDate): string {
  return longFormat.format(toUtc(date));
}
