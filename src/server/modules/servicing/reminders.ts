import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import { daysBetween, moscowDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import { messageAllowed, messageWindowOpen } from '../../../core/servicing/contact-rules';
import type { Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import type { Random } from '../../random';
import * as applicationsRepo from '../applications/applications.repo';
import { queueSms } from '../notifications/sms-outbox';
import { servicingView } from './servicing.service';

/**
 * SMS about loans (issue 6, notifications): a reminder 3 days and 1 day before the due date, and
 * while a debt is overdue, collection messages on a schedule that thins out (days 1, 2, 3, 5, 7, 10,
 * 14, 21, 30, then weekly) — each only inside the 230-ФЗ time window and limits (core contact-rules),
 * checked under a lock on the customer so two workers cannot both send the one message allowed.
 * Run hourly; a message not allowed now is tried again next hour, until its day passes.
 */

export const REMINDER_QUEUE = 'servicing.remind';
const BEFORE_DUE = [3, 1];
const OVERDUE_DAYS = new Set([1, 2, 3, 5, 7, 10, 14, 21, 30]);

export type ReminderDeps = { db: Kysely<DB>; clock: Clock; random: Random; keys: Keys; jobs: JobQueue; logger: Logger; publicUrl: URL };

const dueToday = (overdueDays: number) => OVERDUE_DAYS.has(overdueDays) || (overdueDays > 30 && overdueDays % 7 === 2);

export async function sendReminders(deps: ReminderDeps): Promise<number> {
  const now = deps.clock.now();
  const today = moscowDate(now);
  const loans = await deps.db.selectFrom('loans').selectAll().where('status', '=', 'active').execute();
  let sent = 0;
  for (const loan of loans) {
    const left = daysBetween(today, loan.due_date);
    const overdue = -left;
    let kind: 'due_reminder' | 'collection';
    let ref: string;
    if (BEFORE_DUE.includes(left)) {
      kind = 'due_reminder';
      ref = `due:${loan.id}:${loan.due_date}:${left}`;
      // Not a collection contact, but nobody wants an SMS at night either.
      if (!messageWindowOpen(now)) continue;
    } else if (overdue > 0 && dueToday(overdue)) {
      kind = 'collection';
      ref = `overdue:${loan.id}:${today}`;
      if (!messageWindowOpen(now)) continue;
    } else {
      continue;
    }
    const view = await servicingView(deps.db, loan, today);
    if (view.debt.totalKopecks === 0) continue;
    const link = new URL(`/loans/${loan.id}`, deps.publicUrl).toString();
    const text =
      kind === 'due_reminder'
        ? `CarCapital: ${left === 1 ? 'завтра' : `через ${left} дн.`}, ${loan.due_date}, срок возврата займа. К оплате ${formatRubles(view.costMeter.payByDueDateKopecks ?? view.debt.totalKopecks)}. Оплатить или продлить: ${link}`
        : `CarCapital: просрочка по займу ${overdue} дн., долг ${formatRubles(view.debt.totalKopecks)}. Оплатите, чтобы не росла неустойка: ${link}. Если уже оплатили — не обращайте внимания.`;
    const done = await deps.db.transaction().execute(async (trx) => {
      await trx.selectFrom('customers').select('id').where('id', '=', loan.customer_id).forUpdate().executeTakeFirst();
      const already = await trx.selectFrom('contact_log').select('id').where('ref', '=', ref).executeTakeFirst();
      if (already) return false;
      if (kind === 'collection') {
        const earlier = await trx
          .selectFrom('contact_log')
          .select('at')
          .where('customer_id', '=', loan.customer_id)
          .where('kind', '=', 'collection')
          .where('at', '>', new Date(now.getTime() - 31 * 86_400_000))
          .execute();
        if (!messageAllowed(now, earlier.map((e) => e.at))) return false;
      }
      await trx.insertInto('contact_log').values({ id: deps.random.uuid(), customer_id: loan.customer_id, loan_id: loan.id, channel: 'sms', kind, ref, at: now }).execute();
      await queueSms(deps, trx, { to: await applicationsRepo.customerPhone(trx, loan.customer_id), text, kind: 'notice' });
      return true;
    });
    if (done) sent += 1;
  }
  if (sent) deps.logger.info({ sent }, 'loan reminders queued');
  return sent;
}
