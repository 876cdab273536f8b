import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Clock } from '../../../core/clock';
import { addDays, daysBetween, moscowDate, type BusinessDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import type { Quote } from '../../../core/pricing/quote';
import { accrueDays, capRoomKopecks, overduePrincipal, termsOf, type AccrualState, type DayCharges } from '../../../core/servicing/accrual';
import { totalOf, type Debt } from '../../../core/servicing/allocation';
import type { DB, LoansTable } from '../../db/schema';
import type { Logger } from 'pino';
import type { Random } from '../../random';
import { recordOperation } from '../history/operations';
import { accounts, post } from '../ledger/ledger.service';

/**
 * Servicing an active loan: what is owed today, the daily accrual job, and the cost meter
 * (DOMAIN.md R2, "beyond the baseline" 1). The accrual job posts day by day through the ledger; the
 * loan view adds the days the job has not posted yet with the same pure functions, so a borrower
 * sees the same figure whether the job ran a minute ago or not yet today.
 */

export const ACCRUAL_QUEUE = 'servicing.accrue';
/** SRO standard (R20): at most five prolongations per contract. */
export const MAX_PROLONGATIONS = 5;

export type ServicingDeps = { db: Kysely<DB>; clock: Clock; random: Random; logger?: Logger };

export type LoanRow = Selectable<LoansTable>;

export type LedgerDebt = { principalKopecks: number; interestKopecks: number; penaltyKopecks: number };

/** The loan's receivables and, when asked, the customer's held overpayment: one query. */
export async function ledgerDebt(db: Kysely<DB> | Transaction<DB>, loanId: string, customerId?: string): Promise<LedgerDebt & { overpaymentKopecks: number }> {
  const ids = {
    principal: accounts.loanPrincipal(loanId).id,
    interest: accounts.loanInterest(loanId).id,
    penalty: accounts.loanPenalty(loanId).id,
    overpayment: customerId ? accounts.customerOverpayment(customerId).id : '',
  };
  const rows = await db.selectFrom('ledger_accounts').select(['id', 'balance_kopecks']).where('id', 'in', Object.values(ids).filter(Boolean)).execute();
  const of = (id: string) => rows.find((row) => row.id === id)?.balance_kopecks ?? 0;
  return { principalKopecks: of(ids.principal), interestKopecks: of(ids.interest), penaltyKopecks: of(ids.penalty), overpaymentKopecks: of(ids.overpayment) };
}

const stateOf = (loan: LoanRow, principalKopecks: number): AccrualState => ({
  principalKopecks,
  interestFrom: loan.interest_from ?? loan.contract_date,
  chargedKopecks: loan.charged_kopecks,
  dueDate: loan.due_date,
});

const sumCharges = (days: DayCharges[]) =>
  days.reduce((sum, d) => ({ interest: sum.interest + d.interestKopecks, penalty: sum.penalty + d.penaltyKopecks }), { interest: 0, penalty: 0 });

/**
 * Posts the accrual of every day after `accrued_through` up to `through`, inside the caller's
 * transaction, with the loan row locked. One posting per loan and day (LED-5): a second run, or two
 * processes at once, post nothing more.
 */
export async function accrueLoan(trx: Transaction<DB>, random: Random, loanId: string, through: BusinessDate): Promise<DayCharges[]> {
  const loan = await trx.selectFrom('loans').selectAll().where('id', '=', loanId).forUpdate().executeTakeFirst();
  if (!loan || loan.status !== 'active' || !loan.accrued_through || loan.accrued_through >= through) return [];
  const debt = await ledgerDebt(trx, loan.id);
  const run = accrueDays(termsOf(loan.quote as Quote), stateOf(loan, debt.principalKopecks), loan.accrued_through, through);
  for (const day of run.days) {
    const lines = [];
    if (day.interestKopecks > 0) {
      lines.push({ account: accounts.loanInterest(loan.id), debitKopecks: day.interestKopecks }, { account: accounts.interestIncome(), creditKopecks: day.interestKopecks });
    }
    if (day.penaltyKopecks > 0) {
      lines.push({ account: accounts.loanPenalty(loan.id), debitKopecks: day.penaltyKopecks }, { account: accounts.penaltyIncome(), creditKopecks: day.penaltyKopecks });
    }
    if (lines.length === 0) continue; // the cap is reached: nothing accrues any more
    const at = new Date(`${day.date}T00:00:00+03:00`);
    await post(trx, random, { source: 'accrual', externalId: `${loan.id}:${day.date}`, description: 'Начисление за день', at, lines });
    const amount = day.interestKopecks + day.penaltyKopecks;
    await recordOperation(trx, random, {
      customerId: loan.customer_id,
      loanId: loan.id,
      at,
      type: 'accrual',
      title: day.penaltyKopecks > 0 ? `Начислены проценты ${formatRubles(day.interestKopecks)} и неустойка ${formatRubles(day.penaltyKopecks)}` : 'Начислены проценты за день',
      amountKopecks: amount,
      status: 'posted',
      ref: `${loan.id}:${day.date}`,
    });
  }
  await trx.updateTable('loans').set({ accrued_through: through, charged_kopecks: run.state.chargedKopecks }).where('id', '=', loan.id).execute();
  return run.days;
}

/** The job: bring every active loan up to today (Moscow), one transaction per loan. */
export async function accrueAll(deps: ServicingDeps): Promise<number> {
  const today = moscowDate(deps.clock.now());
  const due = await deps.db.selectFrom('loans').select('id').where('status', '=', 'active').where('accrued_through', '<', today).execute();
  let days = 0;
  for (const { id } of due) {
    days += (await deps.db.transaction().execute((trx) => accrueLoan(trx, deps.random, id, today))).length;
  }
  if (due.length) deps.logger?.info({ loans: due.length, days }, 'accrual posted');
  return due.length;
}

export type ScheduleView = {
  date: BusinessDate;
  principalKopecks: number;
  interestKopecks: number;
  totalKopecks: number;
  status: 'paid' | 'upcoming' | 'overdue' | 'partly_paid';
};

export type ServicingView = {
  debt: { principalKopecks: number; interestKopecks: number; penaltyKopecks: number; totalKopecks: number };
  dueDate: BusinessDate;
  /** Positive: days left until the due date; negative: days overdue. */
  daysLeft: number;
  overdue: boolean;
  costMeter: {
    /** What closes the loan today. */
    payTodayKopecks: number;
    /** What closes it on the due date if nothing is paid before (null once it has passed). */
    payByDueDateKopecks: number | null;
    /** The most this loan can ever cost, by law: the debt today plus what is left under the cap. */
    legalMaximumKopecks: number | null;
    capKopecks: number | null;
    chargedKopecks: number;
  };
  schedule: ScheduleView[];
  overpaymentKopecks: number;
  /** Prolongations used and still possible under the contract (R20: at most 5). */
  prolongations: { used: number; left: number };
};

/**
 * What is owed on `today`, with the days the job has not posted yet, and where it can go from here.
 * `balances`: the loan's ledger balances when the caller has read them already (the loan list reads them with the loans).
 */
export async function servicingView(
  db: Kysely<DB>,
  loan: LoanRow,
  today: BusinessDate,
  balances?: LedgerDebt & { overpaymentKopecks: number },
): Promise<ServicingView> {
  const quote = loan.quote as Quote;
  const terms = termsOf(quote);
  const { overpaymentKopecks, ...posted } = balances ?? (await ledgerDebt(db, loan.id, loan.customer_id));
  let state = stateOf(loan, posted.principalKopecks);
  const debt = { ...posted };
  if (loan.status === 'active' && loan.accrued_through && loan.accrued_through < today) {
    const pending = accrueDays(terms, state, loan.accrued_through, today);
    const sums = sumCharges(pending.days);
    debt.interestKopecks += sums.interest;
    debt.penaltyKopecks += sums.penalty;
    state = pending.state;
  }
  const total = totalOf(debt);
  let byDue: number | null = null;
  if (loan.status === 'active' && today < loan.due_date) {
    const ahead = sumCharges(accrueDays(terms, state, today, loan.due_date).days);
    byDue = total + ahead.interest + ahead.penalty;
  }
  const room = capRoomKopecks(terms, state);
  const principalPaid = loan.status === 'active' || loan.status === 'closed' ? quote.amountKopecks - debt.principalKopecks : 0;
  return {
    debt: { ...debt, totalKopecks: total },
    dueDate: loan.due_date,
    daysLeft: daysBetween(today, loan.due_date),
    overdue: loan.status === 'active' && today > loan.due_date && total > 0,
    costMeter: {
      payTodayKopecks: total,
      payByDueDateKopecks: byDue,
      legalMaximumKopecks: room === null || loan.status !== 'active' ? null : total + room,
      capKopecks: terms.capKopecks,
      chargedKopecks: state.chargedKopecks,
    },
    schedule: scheduleView(quote, loan, principalPaid, today),
    overpaymentKopecks,
    prolongations: { used: loan.prolongations, left: Math.max(0, MAX_PROLONGATIONS - loan.prolongations) },
  };
}

/** The contract's instalments, marked paid as the principal paid so far covers them in order. */
function scheduleView(quote: Quote, loan: LoanRow, principalPaid: number, today: BusinessDate): ScheduleView[] {
  let covered = principalPaid;
  const last = quote.schedule.length - 1;
  return quote.schedule.map((item, index) => {
    const date = index === last ? loan.due_date : item.date;
    const paidHere = Math.min(covered, item.principalKopecks);
    covered -= paidHere;
    const status: ScheduleView['status'] =
      loan.status === 'closed' || (item.principalKopecks > 0 && paidHere === item.principalKopecks)
        ? 'paid'
        : today > date && loan.status === 'active'
          ? 'overdue'
          : paidHere > 0
            ? 'partly_paid'
            : 'upcoming';
    return { date, principalKopecks: item.principalKopecks, interestKopecks: item.interestKopecks, totalKopecks: item.totalKopecks, status };
  });
}

/** The debt split the legal order needs, from the ledger after accrual (inside a transaction). */
export async function debtForAllocation(trx: Transaction<DB>, loan: LoanRow, today: BusinessDate): Promise<Debt> {
  const { overpaymentKopecks: _overpayment, ...debt } = await ledgerDebt(trx, loan.id);
  const overdue = overduePrincipal(termsOf(loan.quote as Quote), stateOf(loan, debt.principalKopecks), addDays(today, 0));
  return { ...debt, overduePrincipalKopecks: today > loan.due_date ? debt.principalKopecks : overdue };
}
