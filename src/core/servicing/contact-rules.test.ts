import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_LIMITS, messageAllowed, messageWindowOpen } from './contact-rules';

const msk = (local: string) => new Date(`${local}+03:00`);

describe('230-ФЗ message window', () => {
  it('working days 8:00–22:00, weekends 9:00–20:00, Moscow time; holidays count as rest days', () => {
    expect(messageWindowOpen(msk('2026-11-25T07:59:59'))).toBe(false); // Wednesday
    expect(messageWindowOpen(msk('2026-11-25T08:00:00'))).toBe(true);
    expect(messageWindowOpen(msk('2026-11-25T21:59:59'))).toBe(true);
    expect(messageWindowOpen(msk('2026-11-25T22:00:00'))).toBe(false);
    expect(messageWindowOpen(msk('2026-11-28T08:30:00'))).toBe(false); // Saturday
    expect(messageWindowOpen(msk('2026-11-28T09:00:00'))).toBe(true);
    expect(messageWindowOpen(msk('2026-11-29T20:00:00'))).toBe(false); // Sunday
    expect(messageWindowOpen(msk('2026-11-04T08:30:00'), new Set(['2026-11-04']))).toBe(false); // a holiday Wednesday
  });
});

describe('230-ФЗ message limits', () => {
  it('2 a day, 4 a week, 16 a month', () => {
    const at = msk('2026-12-10T12:00:00');
    expect(messageAllowed(at, [msk('2026-12-10T09:00:00')])).toBe(true);
    expect(messageAllowed(at, [msk('2026-12-10T09:00:00'), msk('2026-12-10T10:00:00')])).toBe(false);
    const week = ['2026-12-04', '2026-12-06', '2026-12-08', '2026-12-09'].map((d) => msk(`${d}T12:00:00`));
    expect(messageAllowed(at, week)).toBe(false);
    expect(messageAllowed(at, week.slice(1))).toBe(true);
  });

  it('a sender that always asks never exceeds any limit (property over random request times)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 * 24 * 60 }), { minLength: 1, maxLength: 400 }), (minutes) => {
        const start = msk('2026-12-01T00:00:00').getTime();
        const sent: Date[] = [];
        for (const m of [...minutes].sort((a, b) => a - b)) {
          const at = new Date(start + m * 60_000);
          if (messageWindowOpen(at) && messageAllowed(at, sent)) sent.push(at);
        }
        for (const s of sent) {
          const inWindow = (days: number) => sent.filter((x) => x.getTime() <= s.getTime() && x.getTime() > s.getTime() - days * 86_400_000).length;
          expect(inWindow(7)).toBeLessThanOrEqual(MESSAGE_LIMITS.perWeek);
          expect(inWindow(30)).toBeLessThanOrEqual(MESSAGE_LIMITS.perMonth);
          expect(messageWindowOpen(s)).toBe(true);
        }
      }),
    );
  });
});
