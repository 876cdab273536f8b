import { sql } from 'kysely';
import { DAY_MS } from '../../../core/clock';
import { moscowDate } from '../../../core/dates';
import { releaseCounts } from './collateral.service';
import type { BackofficeDeps } from './deps';
import { overdueLoans } from './operations.service';

/**
 * Today's figures for every role (docs/backoffice.md «Dashboard»): "today" is the Moscow business
 * date of the injected clock. Decisions count by the day they were made, money by the day it moved;
 * the manual review queue, overdue loans, open requests and pledge releases are as they stand now.
 */

export async function dashboard(deps: BackofficeDeps) {
  const now = deps.clock.now();
  const date = moscowDate(now);
  const from = new Date(`${date}T00:00:00+03:00`);
  const to = new Date(from.getTime() + DAY_MS);
  const between = (column: string) => sql<boolean>`${sql.ref(column)} >= ${from} AND ${sql.ref(column)} < ${to}`;

  const [applications, money, tickets, overdue, pledgeReleases] = await Promise.all([
    deps.db
      .selectFrom('applications')
      .select([
        sql<string>`count(*) FILTER (WHERE ${between('submitted_at')})`.as('submitted'),
        sql<string>`count(*) FILTER (WHERE ${between('decided_at')} AND status IN ('approved', 'signed'))`.as('approved'),
        sql<string>`count(*) FILTER (WHERE ${between('decided_at')} AND status = 'declined')`.as('declined'),
        sql<string>`count(*) FILTER (WHERE status = 'manual_review')`.as('manual_review'),
      ])
      .executeTakeFirstOrThrow(),
    Promise.all([
      deps.db
        .selectFrom('payouts')
        .select(sql<string>`coalesce(sum(amount_kopecks), 0)`.as('kopecks'))
        .where('status', '=', 'succeeded')
        .where('completed_at', '>=', from)
        .where('completed_at', '<', to)
        .executeTakeFirstOrThrow(),
      deps.db
        .selectFrom('payments')
        .select(sql<string>`coalesce(sum(amount_kopecks), 0)`.as('kopecks'))
        .where('status', '=', 'succeeded')
        .where('paid_at', '>=', from)
        .where('paid_at', '<', to)
        .executeTakeFirstOrThrow(),
    ]),
    // Waiting for us: new and in_progress.
    deps.db.selectFrom('support_tickets').select(sql<string>`count(*)`.as('open')).where('status', 'in', ['new', 'in_progress']).executeTakeFirstOrThrow(),
    overdueLoans(deps),
    releaseCounts(deps),
  ]);
  const approved = Number(applications.approved);
  const declined = Number(applications.declined);
  return {
    date,
    applications: { submitted: Number(applications.submitted), approved, declined, manualReview: Number(applications.manual_review) },
    approvalRatePercent: approved + declined === 0 ? null : Math.round((approved / (approved + declined)) * 1000) / 10,
    disbursedKopecks: Number(money[0].kopecks),
    repaidKopecks: Number(money[1].kopecks),
    overdue: { loans: overdue.length, debtKopecks: overdue.reduce((sum, loan) => sum + loan.debtKopecks, 0) },
    openTickets: Number(tickets.open),
    pledgeReleases,
  };
}
