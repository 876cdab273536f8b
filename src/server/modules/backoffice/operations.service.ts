import { MINUTE_MS } from '../../../core/clock';
import { daysBetween, moscowDate } from '../../../core/dates';
import { maskPhone } from '../../../core/phone';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/audit.service';
import { contractNumberOf } from '../contracts/document';
import { DISBURSE_QUEUE } from '../loans/loans.service';
import { servicingView } from '../servicing/servicing.service';
import type { RequestMeta, StaffActor } from '../staff/staff.service';
import type { BackofficeDeps } from './deps';
import * as repo from './operations.repo';
import { namesOf } from './people';

/**
 * Loans & payments (docs/backoffice.md): overdue loans for collections, repayments the acquirer has
 * not settled, payouts that failed — and the admin's retry of a failed payout, which goes back
 * through the payout job with the loan's own idempotency key, so the borrower is paid at most once.
 */

/** A repayment unsettled for longer than this is reconciliation's business, not a customer still paying. */
export const PENDING_PAYMENT_AFTER_MS = 5 * MINUTE_MS;

export type OverdueLoan = {
  id: string;
  loanId: string;
  number: string;
  customerId: string;
  fullName: string | null;
  phoneMasked: string;
  productCode: string;
  principalKopecks: number;
  debtKopecks: number;
  dueDate: string;
  overdueSince: string;
  daysOverdue: number;
};

/** Active loans with a payment date passed and debt left, the longest overdue first. */
export async function overdueLoans(deps: BackofficeDeps): Promise<OverdueLoan[]> {
  const today = moscowDate(deps.clock.now());
  const candidates = await repo.overdueCandidates(deps.db, today);
  const found: Omit<OverdueLoan, 'fullName'>[] = [];
  for (const loan of candidates) {
    const view = await servicingView(deps.db, loan, today);
    const missed = view.schedule.filter((s) => s.status === 'overdue');
    if (view.debt.totalKopecks <= 0 || (!view.overdue && missed.length === 0)) continue;
    const since = missed[0]?.date ?? loan.due_date;
    found.push({
      id: loan.id,
      loanId: loan.id,
      number: contractNumberOf(loan.contract_date, loan.application_id),
      customerId: loan.customer_id,
      phoneMasked: maskPhone(loan.phone),
      productCode: loan.product_code,
      principalKopecks: view.debt.principalKopecks,
      debtKopecks: view.debt.totalKopecks,
      dueDate: loan.due_date,
      overdueSince: since,
      daysOverdue: daysBetween(since, today),
    });
  }
  const names = await namesOf(deps.db, deps.keys, found.map((l) => l.customerId));
  return found
    .map((l) => ({ ...l, fullName: names.get(l.customerId) ?? null }))
    .sort((a, b) => b.daysOverdue - a.daysOverdue || b.debtKopecks - a.debtKopecks);
}

export async function pendingPayments(deps: BackofficeDeps) {
  const now = deps.clock.now();
  const rows = await repo.unsettledPayments(deps.db, new Date(now.getTime() - PENDING_PAYMENT_AFTER_MS));
  return rows.map((p) => ({
    id: p.id,
    loanId: p.loan_id,
    loanNumber: contractNumberOf(p.contract_date, p.application_id),
    customerId: p.customer_id,
    phoneMasked: maskPhone(p.phone),
    amountKopecks: p.amount_kopecks,
    method: p.method,
    status: p.status,
    provider: p.provider,
    providerPaymentId: p.provider_payment_id,
    createdAt: p.created_at.toISOString(),
    updatedAt: p.updated_at.toISOString(),
    minutesWaiting: Math.floor((now.getTime() - p.created_at.getTime()) / MINUTE_MS),
  }));
}

export async function failedPayouts(deps: BackofficeDeps) {
  const rows = await repo.failedPayouts(deps.db);
  const names = await namesOf(deps.db, deps.keys, rows.map((r) => r.customer_id));
  return rows.map((r) => ({
    id: r.loan_id,
    loanId: r.loan_id,
    number: contractNumberOf(r.contract_date, r.application_id),
    customerId: r.customer_id,
    fullName: names.get(r.customer_id) ?? null,
    phoneMasked: maskPhone(r.phone),
    amountKopecks: r.amount_kopecks,
    payoutType: r.payout_type,
    provider: r.provider,
    attempts: r.attempts ?? 0,
    lastError: r.last_error,
    signedAt: r.signed_at.toISOString(),
    createdAt: r.payout_created_at?.toISOString() ?? null,
  }));
}

/**
 * payout_failed → disbursing, the payout record made pending again (same row, same idempotency key:
 * the loan id) and a new run of the payout job queued — all in one transaction with the audit record.
 * A provider that did pay after all answers the repeated key with that payment instead of paying twice.
 */
export async function retryPayout(deps: BackofficeDeps, staff: StaffActor, loanId: string, meta: RequestMeta) {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const loan = await trx.selectFrom('loans').select(['id', 'status', 'customer_id']).where('id', '=', loanId).forUpdate().executeTakeFirst();
    if (!loan) throw new AppError('not_found', 'Займ не найден.');
    if (loan.status !== 'payout_failed') throw new AppError('conflict', 'Повторить можно только неудавшуюся выплату.');
    const previous = await trx.selectFrom('payouts').select(['attempts', 'last_error']).where('loan_id', '=', loan.id).executeTakeFirst();
    await trx.updateTable('loans').set({ status: 'disbursing' }).where('id', '=', loan.id).where('status', '=', 'payout_failed').execute();
    // A fresh round of attempts for the job; the last error stays until a new one replaces it.
    await trx.updateTable('payouts').set({ status: 'pending', attempts: 0, claimed_until: null }).where('loan_id', '=', loan.id).where('status', '=', 'failed').execute();
    await deps.jobs.enqueue(trx, DISBURSE_QUEUE, { loanId: loan.id });
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'payout.retried',
      entity: { type: 'loan', id: loan.id },
      from: meta,
      details: { customerId: loan.customer_id, previousAttempts: previous?.attempts ?? 0, previousError: previous?.last_error ?? null },
    });
  });
  return { loanId, status: 'disbursing' as const };
}
