/**
 * 230-ФЗ limits on contacting a debtor about overdue debt (DOMAIN.md R19), for text messages:
 * not at night — on working days from 8:00 to 22:00, on weekends and holidays from 9:00 to 20:00,
 * local time — and at most 2 a day, 4 a week and 16 a month. The windows of "a week" and "a month"
 * are taken as the rolling 7 and 30 days before the moment, which is never looser than calendar
 * weeks and months. Local time is Moscow time until the borrower's region is known (the strict
 * reading: most borrowers of a Moscow lender are there).
 */

export const MESSAGE_LIMITS = { perDay: 2, perWeek: 4, perMonth: 16 } as const;

const DAY_MS = 86_400_000;

/** The Moscow wall-clock of an instant (UTC+3, no daylight saving since 2014). */
function moscowParts(at: Date): { weekday: number; hour: number; date: string } {
  const shifted = new Date(at.getTime() + 3 * 3_600_000);
  return { weekday: shifted.getUTCDay(), hour: shifted.getUTCHours(), date: shifted.toISOString().slice(0, 10) };
}

/** Whether a collection message may be sent now; `holidays` are Moscow dates (YYYY-MM-DD). */
export function messageWindowOpen(at: Date, holidays: ReadonlySet<string> = new Set()): boolean {
  const { weekday, hour, date } = moscowParts(at);
  const restDay = weekday === 0 || weekday === 6 || holidays.has(date);
  return restDay ? hour >= 9 && hour < 20 : hour >= 8 && hour < 22;
}

/** Whether one more message fits the limits, given the times of earlier collection messages. */
export function messageAllowed(at: Date, sent: readonly Date[]): boolean {
  const within = (ms: number) => sent.filter((s) => s.getTime() > at.getTime() - ms && s.getTime() <= at.getTime()).length;
  const today = moscowParts(at).date;
  const sameDay = sent.filter((s) => moscowParts(s).date === today && s.getTime() <= at.getTime()).length;
  return sameDay < MESSAGE_LIMITS.perDay && within(7 * DAY_MS) < MESSAGE_LIMITS.perWeek && within(30 * DAY_MS) < MESSAGE_LIMITS.perMonth;
}
