import { createHash } from 'node:crypto';
import { loanEnded } from '../pledges/pledges.service';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import { moscowDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import { allocatePayment, totalOf, type Allocation } from '../../../core/servicing/allocation';
import type { Keys } from '../../crypto';
import type { DB, PaymentsTable } from '../../db/schema';
import { AppError } from '../../errors';
import type { JobQueue } from '../../jobs/queue';
import type { AcquiringMethod, AcquiringPayment, AcquiringProvider, NotificationRequest } from '../../providers/acquiring/port';
import { ProviderError } from '../../providers/errors';
import type { Random } from '../../random';
import * as applicationsRepo from '../applications/applications.repo';
import type { Actor } from '../auth/auth.service';
import { recordOperation } from '../history/operations';
import { accounts, post } from '../ledger/ledger.service';
import { queueSms } from '../notifications/sms-outbox';
import { earnForRepayment } from '../bonus/bonus.service';
import { accrueLoan, debtForAllocation, servicingView } from '../servicing/servicing.service';
import { applyAddendum, voidAddendum } from '../servicing/prolongation.service';

/**
 * Repayments (SECURITY.md PAY-1…10). Our intent is a `payments` row created under the customer's
 * Idempotency-Key; the acquirer's payment is created with our payment id as its idempotency key, so
 * however often a request is repeated there is one payment at the acquirer. The money counts only
 * when the acquirer itself reports the payment succeeded (read back by API after every notification,
 * and by the reconciliation job for whatever stays unsettled). Applying it is one transaction: the
 * accrual up to today, the legal order of 353-ФЗ ст. 5 ч. 20, one ledger posting keyed by the
 * payment id, the loan closed at zero; anything above the debt is held as the customer's overpayment.
 */

export const RECONCILE_QUEUE = 'payments.reconcile';
/** How long the request that created an intent holds it while the acquirer answers. */
const CLAIM_MS = 15_000;

export type PaymentDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
  logger: Logger;
  acquiring: AcquiringProvider;
  publicUrl: URL;
  /** Test-only kill points on the money path (SECURITY.md REL-1). */
  crashpoint?: (name: string) => void;
};

type PaymentRow = Selectable<PaymentsTable>;

export type PaymentView = {
  id: string;
  loanId: string;
  status: PaymentRow['status'];
  amountKopecks: number;
  method: AcquiringMethod;
  createdAt: string;
  paidAt: string | null;
  confirmationUrl: string | null;
  allocation: Allocation | null;
};

const view = (row: PaymentRow): PaymentView => ({
  id: row.id,
  loanId: row.loan_id,
  status: row.status,
  amountKopecks: row.amount_kopecks,
  method: row.method,
  createdAt: row.created_at.toISOString(),
  paidAt: row.paid_at?.toISOString() ?? null,
  confirmationUrl: row.status === 'created' || row.status === 'pending' ? row.confirmation_url : null,
  allocation: (row.allocation as Allocation | null) ?? null,
});

const PAYMENT_STATUS_TITLE = { created: 'создан', pending: 'ожидает оплаты', succeeded: 'зачислен', canceled: 'не прошёл' } as const;

async function recordPaymentOperation(trx: Transaction<DB>, random: Random, row: PaymentRow) {
  await recordOperation(trx, random, {
    customerId: row.customer_id,
    loanId: row.loan_id,
    at: row.created_at,
    type: 'payment',
    title: `Платёж ${row.method === 'sbp' ? 'через СБП' : 'картой'}: ${PAYMENT_STATUS_TITLE[row.status]}`,
    amountKopecks: row.amount_kopecks,
    status: row.status,
    ref: row.id,
  });
}

export type InitiateInput = { amountKopecks: number; method: AcquiringMethod };

/** PAY-1: the same key and body → the same reply; another body → 422; the first still running → 409. */
export async function initiatePayment(deps: PaymentDeps, actor: Actor, loanId: string, idempotencyKey: string | undefined, input: InitiateInput) {
  if (!idempotencyKey || idempotencyKey.length > 255 || !/^[\x21-\x7e]+$/.test(idempotencyKey)) {
    throw new AppError('validation_failed', 'Нужен заголовок Idempotency-Key (до 255 видимых символов, лучше UUID).', {
      fields: { 'Idempotency-Key': 'Передайте уникальный ключ запроса.' },
    });
  }
  const fingerprint = createHash('sha256').update(JSON.stringify({ loanId, amountKopecks: input.amountKopecks, method: input.method })).digest('hex');
  const now = deps.clock.now();
  // Two first requests with one key race to insert: the loser finds the winner's row on its second pass.
  const attempt = () => deps.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('payments')
      .selectAll()
      .where('customer_id', '=', actor.customerId)
      .where('idempotency_key', '=', idempotencyKey)
      .forUpdate()
      .executeTakeFirst();
    if (existing) {
      if (existing.request_sha256 !== fingerprint) throw new AppError('idempotency_key_reused');
      if (existing.status !== 'created') return { row: existing, mustCreate: false };
      if (existing.claimed_until && existing.claimed_until > now) throw new AppError('in_flight');
      // The first request failed to reach the acquirer: this one takes over with the same intent.
      const taken = await trx
        .updateTable('payments')
        .set({ claimed_until: new Date(now.getTime() + CLAIM_MS), updated_at: now })
        .where('id', '=', existing.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { row: taken, mustCreate: true };
    }
    const loan = /^[0-9a-f-]{36}$/i.test(loanId)
      ? await trx.selectFrom('loans').selectAll().where('id', '=', loanId).where('customer_id', '=', actor.customerId).executeTakeFirst()
      : undefined;
    if (!loan) throw new AppError('not_found', 'Займ не найден.');
    if (loan.status !== 'active') throw new AppError('conflict', 'Этот займ сейчас нельзя оплатить.');
    // PAY-4: the amount is checked here, against today's debt, never taken on trust.
    const owed = (await servicingView(trx, loan, moscowDate(now))).debt.totalKopecks;
    if (input.amountKopecks > owed) {
      throw new AppError('validation_failed', undefined, { fields: { amountKopecks: `Сумма больше долга: сегодня нужно ${formatRubles(owed)}.` } });
    }
    const row = await trx
      .insertInto('payments')
      .values({
        id: deps.random.uuid(),
        loan_id: loan.id,
        customer_id: actor.customerId,
        idempotency_key: idempotencyKey,
        request_sha256: fingerprint,
        amount_kopecks: input.amountKopecks,
        method: input.method,
        status: 'created',
        provider: deps.acquiring.name,
        created_at: now,
        updated_at: now,
        claimed_until: new Date(now.getTime() + CLAIM_MS),
      })
      .onConflict((oc) => oc.columns(['customer_id', 'idempotency_key']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    await recordPaymentOperation(trx, deps.random, row);
    return { row, mustCreate: true };
  });
  const claimed = (await attempt()) ?? (await attempt());
  if (!claimed) throw new AppError('in_flight');
  if (!claimed.mustCreate) return view(claimed.row);
  // The intent is committed, the acquirer not yet asked: the same key (or the reconciliation) asks it.
  deps.crashpoint?.('payment.before_acquirer_create');
  return view(await createAtAcquirer(deps, claimed.row));
}

/** Creates (or finds again, by our payment id) the acquirer's payment and records it as pending. */
export async function createAtAcquirer(deps: PaymentDeps, row: PaymentRow): Promise<PaymentRow> {
  let created;
  try {
    created = await deps.acquiring.createPayment({
      idempotencyKey: row.id,
      amountKopecks: row.amount_kopecks,
      method: row.method,
      description: `Погашение займа ${row.loan_id.slice(0, 8)}`,
      returnUrl: new URL(`/loans/${row.loan_id}?payment=${row.id}`, deps.publicUrl).toString(),
    });
  } catch (error) {
    if (error instanceof ProviderError && !error.retryable) {
      // A definitive refusal (bad data, a key reused with other data): asking again gets the same answer.
      await deps.db.transaction().execute(async (trx) => {
        const canceled = await trx
          .updateTable('payments')
          .set({ status: 'canceled', claimed_until: null, flag: `refused by the acquirer: ${error.message.slice(0, 200)}`, updated_at: deps.clock.now() })
          .where('id', '=', row.id)
          .where('status', '=', 'created')
          .returningAll()
          .executeTakeFirst();
        if (canceled) await recordPaymentOperation(trx, deps.random, canceled);
        if (canceled?.addendum_id) await voidAddendum(deps, trx, canceled.addendum_id);
      });
      deps.logger.error({ paymentId: row.id, err: error.message }, 'acquirer refused to create the payment');
      throw new AppError('service_unavailable', 'Платёжный сервис отклонил платёж. Попробуйте другой способ или напишите в поддержку.');
    }
    await deps.db.updateTable('payments').set({ claimed_until: null }).where('id', '=', row.id).execute();
    if (error instanceof ProviderError) {
      deps.logger.warn({ paymentId: row.id, err: error.message }, 'acquirer did not create the payment');
      throw new AppError('service_unavailable', 'Платёжный сервис не ответил. Повторите оплату через минуту — дважды деньги не спишутся.');
    }
    throw error;
  }
  deps.crashpoint?.('payment.after_acquirer_create');
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const updated = await trx
      .updateTable('payments')
      .set({ status: 'pending', provider_payment_id: created.providerPaymentId, confirmation_url: created.confirmationUrl, claimed_until: null, updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'created')
      .returningAll()
      .executeTakeFirst();
    if (!updated) return (await trx.selectFrom('payments').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow())!;
    await recordPaymentOperation(trx, deps.random, updated);
    // The acquirer may already know the outcome (a very fast payer); settle what it says.
    if (created.status !== 'pending') await settle(deps, trx, updated, created);
    return (await trx.selectFrom('payments').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow())!;
  });
}

export async function getPayment(deps: PaymentDeps, actor: Actor, id: string): Promise<PaymentView> {
  const row = /^[0-9a-f-]{36}$/i.test(id)
    ? await deps.db.selectFrom('payments').selectAll().where('id', '=', id).where('customer_id', '=', actor.customerId).executeTakeFirst()
    : undefined;
  if (!row) throw new AppError('not_found', 'Платёж не найден.');
  return view(row);
}

export async function listLoanPayments(deps: PaymentDeps, actor: Actor, loanId: string): Promise<PaymentView[]> {
  // Someone else's loan (or none) is not found, not a loan without payments (WEB-6: 404).
  const loan = await deps.db.selectFrom('loans').select('id').where('id', '=', loanId).where('customer_id', '=', actor.customerId).executeTakeFirst();
  if (!loan) throw new AppError('not_found', 'Займ не найден.');
  const rows = await deps.db
    .selectFrom('payments')
    .selectAll()
    .where('loan_id', '=', loanId)
    .where('customer_id', '=', actor.customerId)
    .orderBy('created_at', 'desc')
    .limit(100)
    .execute();
  return rows.map(view);
}

/**
 * Brings our payment to the acquirer's state. Terminal states never go back (PAY-7): a late
 * `pending` after `succeeded` changes nothing. A succeeded payment whose amount differs from ours is
 * not applied but flagged for staff (quarantine).
 */
async function settle(deps: PaymentDeps, trx: Transaction<DB>, payment: PaymentRow, acquired: AcquiringPayment): Promise<void> {
  const now = deps.clock.now();
  const current = (await trx.selectFrom('payments').selectAll().where('id', '=', payment.id).forUpdate().executeTakeFirstOrThrow())!;
  if (current.status === 'succeeded' || current.status === 'canceled') {
    if (acquired.status !== current.status) deps.logger.warn({ paymentId: current.id, ours: current.status, acquirer: acquired.status }, 'acquirer reports another final state');
    return;
  }
  if (acquired.status === 'pending') return;
  if (acquired.status === 'canceled') {
    const canceled = await trx.updateTable('payments').set({ status: 'canceled', claimed_until: null, updated_at: now }).where('id', '=', current.id).returningAll().executeTakeFirstOrThrow();
    await recordPaymentOperation(trx, deps.random, canceled);
    if (canceled.addendum_id) await voidAddendum(deps, trx, canceled.addendum_id);
    return;
  }
  if (acquired.amountKopecks !== current.amount_kopecks) {
    await trx.updateTable('payments').set({ flag: `amount_mismatch: acquirer ${acquired.amountKopecks}`, updated_at: now }).where('id', '=', current.id).execute();
    deps.logger.error({ paymentId: current.id }, 'acquirer reports another amount: payment quarantined for staff');
    return;
  }
  await applySucceeded(deps, trx, current, acquired.paidAt ?? now);
}

async function applySucceeded(deps: PaymentDeps, trx: Transaction<DB>, payment: PaymentRow, paidAt: Date) {
  const now = deps.clock.now();
  const today = moscowDate(now);
  await accrueLoan(trx, deps.random, payment.loan_id, today);
  const loan = (await trx.selectFrom('loans').selectAll().where('id', '=', payment.loan_id).forUpdate().executeTakeFirstOrThrow())!;
  const debt = loan.status === 'active' ? await debtForAllocation(trx, loan, today) : { principalKopecks: 0, interestKopecks: 0, penaltyKopecks: 0, overduePrincipalKopecks: 0 };
  const allocation = allocatePayment(debt, payment.amount_kopecks);
  const credit = (account: ReturnType<typeof accounts.loanPrincipal>, kopecks: number) => (kopecks > 0 ? [{ account, creditKopecks: kopecks }] : []);
  await post(trx, deps.random, {
    source: 'payment',
    externalId: payment.id,
    description: 'Платёж по займу',
    at: paidAt,
    lines: [
      { account: accounts.acquiringClearing(payment.provider), debitKopecks: payment.amount_kopecks },
      ...credit(accounts.loanInterest(loan.id), allocation.interestKopecks),
      ...credit(accounts.loanPrincipal(loan.id), allocation.principalKopecks),
      ...credit(accounts.loanPenalty(loan.id), allocation.penaltyKopecks),
      ...credit(accounts.customerOverpayment(loan.customer_id), allocation.overpaymentKopecks),
    ],
  });
  const succeeded = await trx
    .updateTable('payments')
    .set({ status: 'succeeded', paid_at: paidAt, allocation: JSON.stringify(allocation), claimed_until: null, updated_at: now })
    .where('id', '=', payment.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordPaymentOperation(trx, deps.random, succeeded);

  const left = totalOf({
    principalKopecks: debt.principalKopecks - allocation.principalKopecks,
    interestKopecks: debt.interestKopecks - allocation.interestKopecks,
    penaltyKopecks: debt.penaltyKopecks - allocation.penaltyKopecks,
  });
  const phone = await applicationsRepo.customerPhone(trx, loan.customer_id);
  if (payment.addendum_id) {
    if (loan.status === 'active' && left > 0) await applyAddendum(deps, trx, payment.addendum_id, phone);
    else await voidAddendum(deps, trx, payment.addendum_id);
  }
  if (loan.status === 'active' && left === 0) {
    await trx.updateTable('loans').set({ status: 'closed', closed_at: now }).where('id', '=', loan.id).execute();
    await recordOperation(trx, deps.random, { customerId: loan.customer_id, loanId: loan.id, at: now, type: 'closing', title: 'Займ погашен полностью', amountKopecks: null, status: 'closed', ref: loan.id });
    await earnForRepayment(deps, trx, loan, now);
    await loanEnded(trx, deps.jobs, loan.id); // a car loan's pledge is released (R24)
    const extra = allocation.overpaymentKopecks > 0 ? ` Переплата ${formatRubles(allocation.overpaymentKopecks)} сохранена на вашем счёте.` : '';
    await queueSms(deps, trx, { to: phone, text: `CarCapital: платёж ${formatRubles(payment.amount_kopecks)} получен, займ погашен. Справка о погашении — в личном кабинете.${extra}`, kind: 'notice' });
  } else {
    if (allocation.principalKopecks > 0) {
      // The smaller principal accrues from tomorrow (R8: interest only for the days used).
      await trx.updateTable('loans').set({ interest_from: today }).where('id', '=', loan.id).execute();
    }
    await queueSms(deps, trx, { to: phone, text: `CarCapital: платёж ${formatRubles(payment.amount_kopecks)} получен. Остаток долга на сегодня: ${formatRubles(left)}.`, kind: 'notice' });
  }
  deps.crashpoint?.('payment.before_commit');
}

/** Reads the acquirer's state of one payment and settles ours in one transaction. */
export async function syncPayment(deps: PaymentDeps, payment: PaymentRow): Promise<void> {
  if (!payment.provider_payment_id) return;
  const acquired = await deps.acquiring.getPayment(payment.provider_payment_id);
  await deps.db.transaction().execute((trx) => settle(deps, trx, payment, acquired));
}

/**
 * The webhook (PAY-5…7): authenticate the raw bytes, then record the event id in the same
 * transaction as its effect (a duplicate → 200, nothing more), and take the state from the acquirer's
 * API, never from the notification. Returns false for a request that is not from the acquirer.
 */
export async function handleNotification(deps: PaymentDeps, request: NotificationRequest): Promise<boolean> {
  const event = deps.acquiring.verifyNotification(request);
  if (!event) return false;
  const seen = await deps.db
    .selectFrom('acquiring_events')
    .select('event_id')
    .where('provider', '=', deps.acquiring.name)
    .where('event_id', '=', event.eventId)
    .executeTakeFirst();
  if (seen) return true;
  const payment = await deps.db
    .selectFrom('payments')
    .selectAll()
    .where('provider', '=', deps.acquiring.name)
    .where('provider_payment_id', '=', event.providerPaymentId)
    .executeTakeFirst();
  const acquired = payment ? await deps.acquiring.getPayment(event.providerPaymentId) : null;
  await deps.db.transaction().execute(async (trx) => {
    const fresh = await trx
      .insertInto('acquiring_events')
      .values({ provider: deps.acquiring.name, event_id: event.eventId, received_at: deps.clock.now() })
      .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!fresh) return;
    if (!payment || !acquired) {
      deps.logger.warn({ provider: deps.acquiring.name, providerPaymentId: event.providerPaymentId }, 'notification for a payment we do not know');
      return;
    }
    await settle(deps, trx, payment, acquired);
  });
  // Credited but not yet answered 200: the acquirer sends the notification again, and its event id is known.
  deps.crashpoint?.('payment.notification_after_commit');
  return true;
}

/**
 * PAY-8: intents the acquirer never got (a crash or a timeout after our insert) are created again
 * with the same key; payments still pending are read back. Run every 10 minutes, and by tests.
 */
export async function reconcilePayments(deps: PaymentDeps, options: { olderThanMs?: number } = {}): Promise<number> {
  const now = deps.clock.now();
  const before = new Date(now.getTime() - (options.olderThanMs ?? 15 * 60_000));
  const rows = await deps.db.selectFrom('payments').selectAll().where('status', 'in', ['created', 'pending']).where('updated_at', '<=', before).limit(500).execute();
  let settled = 0;
  for (const row of rows) {
    try {
      if (row.status === 'created') {
        if (row.claimed_until && row.claimed_until > now) continue;
        const taken = await deps.db
          .updateTable('payments')
          .set({ claimed_until: new Date(now.getTime() + CLAIM_MS) })
          .where('id', '=', row.id)
          .where('status', '=', 'created')
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
          .returningAll()
          .executeTakeFirst();
        if (taken) await createAtAcquirer(deps, taken);
      } else {
        await syncPayment(deps, row);
      }
      settled += 1;
    } catch (error) {
      deps.logger.warn({ paymentId: row.id, err: error instanceof Error ? error.message : String(error) }, 'reconciliation: payment not settled yet');
    }
  }
  return settled;
}
