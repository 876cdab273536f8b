import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../core/clock';
import { MESSAGE_LIMITS, messageWindowOpen } from '../../../core/servicing/contact-rules';
import { activeLoan } from '../../testing/applicant';
import { useTestSystem } from '../../testing/test-system';

const system = useTestSystem();

const smsTo = async (phone: string) => {
  await system.jobs.drain();
  return (await system.sandboxSms!.list({ phone, limit: 200 })).map((m) => m.text);
};

describe('loan reminders', () => {
  it('3 days and 1 day before the due date, once each, with the amount and the link', async () => {
    const { phone, loanId } = await activeLoan(system); // due 2026-12-25; now 2026-11-25 12:00 MSK
    system.clock.advance(27 * DAY_MS);
    expect(await system.money.sendReminders()).toBe(1);
    expect(await system.money.sendReminders()).toBe(0);
    system.clock.advance(2 * DAY_MS);
    expect(await system.money.sendReminders()).toBe(1);
    const texts = (await smsTo(phone)).filter((t) => /срок возврата/.test(t));
    expect(texts).toHaveLength(2);
    expect(texts.some((t) => /через 3 дн\., 2026-12-25.*К оплате 12\s400\s₽/.test(t))).toBe(true);
    expect(texts.some((t) => new RegExp(`завтра.*loans/${loanId}`).test(t))).toBe(true);
  });

  it('overdue: messages only inside the 230-ФЗ hours and never above 2 a day, 4 a week, 16 a month', async () => {
    const { phone } = await activeLoan(system);
    system.clock.advance(31 * DAY_MS - 12 * HOUR_MS); // 2026-12-26 00:00 MSK, the first overdue day
    for (let hour = 0; hour < 45 * 24; hour += 1) {
      await system.money.sendReminders();
      system.clock.advance(HOUR_MS);
    }
    const log = await system.database.db.selectFrom('contact_log').select(['at', 'kind']).where('kind', '=', 'collection').orderBy('at').execute();
    expect(log.length).toBeGreaterThanOrEqual(8);
    for (const entry of log) {
      expect(messageWindowOpen(entry.at)).toBe(true);
      const within = (days: number) => log.filter((e) => e.at <= entry.at && e.at.getTime() > entry.at.getTime() - days * DAY_MS).length;
      expect(within(1)).toBeLessThanOrEqual(MESSAGE_LIMITS.perDay);
      expect(within(7)).toBeLessThanOrEqual(MESSAGE_LIMITS.perWeek);
      expect(within(30)).toBeLessThanOrEqual(MESSAGE_LIMITS.perMonth);
    }
    const texts = (await smsTo(phone)).filter((t) => /просрочка/.test(t));
    expect(texts).toHaveLength(log.length);
    // The first day overdue: the debt is the contract total plus a day of interest and of penalty.
    expect(texts.find((t) => /просрочка по займу 1 дн\./.test(t))).toMatch(/долг 12\s485,48\s₽/);
  }, 300_000);
});
