import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { addDays, formatLongDate, moscowDate, type BusinessDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import type { Quote } from '../../../core/pricing/quote';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import { sealField } from '../../pii';
import * as auth from '../auth/auth.service';
import { contractNumberOf } from '../contracts/document';
import { recordOperation } from '../history/operations';
import { queueSms } from '../notifications/sms-outbox';
import { createAtAcquirer, type PaymentDeps } from '../payments/payments.service';
import { prolongationBonusQuote, spendOnProlongation } from '../bonus/bonus.service';
import { MAX_PROLONGATIONS, servicingView, type LoanRow } from './servicing.service';

/**
 * Prolongation (пролонгация, DOMAIN.md R20): the borrower pays the interest accrued to date and the
 * due date moves by 7–30 days — from the old due date, or from today when it has passed. It is an
 * addendum to the contract, signed by an SMS code bound to its text (as the contract is), and it
 * takes effect only when its payment succeeds; a failed payment voids it. At most 5 per contract;
 * accrual still stops at the overpayment cap of the contract date, so a prolongation can never
 * take the cost past it — and none is offered once the cap is reached.
 */

export type ProlongationDeps = PaymentDeps & { auth: auth.AuthDeps };

export type ProlongationOffer = {
  days: number;
  sequence: number;
  remaining: number;
  newDueDate: BusinessDate;
  interestKopecks: number;
  /** Bonus points that pay part of the interest (1 point = 1 ₽; at least 1 ₽ stays for the card). */
  bonusPoints: number;
  bonusKopecks: number;
  /** What the card payment asks: the interest less the points. */
  cardKopecks: number;
  text: string;
  sha256: string;
};

async function ownActiveLoan(deps: ProlongationDeps, actor: auth.Actor, loanId: string): Promise<LoanRow> {
  const loan = /^[0-9a-f-]{36}$/i.test(loanId)
    ? await deps.db.selectFrom('loans').selectAll().where('id', '=', loanId).where('customer_id', '=', actor.customerId).executeTakeFirst()
    : undefined;
  if (!loan) throw new AppError('not_found', 'Займ не найден.');
  if (loan.status !== 'active') throw new AppError('conflict', 'Продлить можно только действующий займ.');
  if ((loan.quote as Quote).schedule.length !== 1) throw new AppError('conflict', 'Займы с графиком платежей не продлеваются: напишите в поддержку о реструктуризации.');
  if (loan.prolongations >= MAX_PROLONGATIONS) throw new AppError('conflict', `Займ уже продлевали ${MAX_PROLONGATIONS} раз — больше нельзя.`);
  return loan;
}

export async function prolongationOffer(deps: ProlongationDeps, actor: auth.Actor, loanId: string, days: number, bonusPoints = 0): Promise<ProlongationOffer> {
  const loan = await ownActiveLoan(deps, actor, loanId);
  const today = moscowDate(deps.clock.now());
  const view = await servicingView(deps.db, loan, today);
  if (view.costMeter.legalMaximumKopecks !== null && view.costMeter.legalMaximumKopecks === view.debt.totalKopecks) {
    throw new AppError('conflict', 'Начисления достигли предела по закону: продление не нужно — погасите долг, он больше не растёт.');
  }
  const interestKopecks = view.debt.interestKopecks;
  if (interestKopecks <= 0) throw new AppError('conflict', 'Проценты на сегодня уже оплачены: продление можно оформить завтра.');
  const bonus = await prolongationBonusQuote(deps.db, actor.customerId, bonusPoints, interestKopecks);
  const cardKopecks = interestKopecks - bonus.kopecks;
  const newDueDate = addDays(loan.due_date > today ? loan.due_date : today, days);
  const sequence = loan.prolongations + 1;
  const number = contractNumberOf(loan.contract_date, loan.application_id);
  const text = [
    `ДОПОЛНИТЕЛЬНОЕ СОГЛАШЕНИЕ № ${sequence} к договору потребительского займа № ${number}`,
    `Дата: ${formatLongDate(today)}.`,
    `1. Срок возврата займа переносится на ${days} дн.: с ${formatLongDate(loan.due_date)} на ${formatLongDate(newDueDate)}.`,
    `2. Условие вступает в силу после уплаты заёмщиком процентов, начисленных на дату соглашения: ${formatRubles(interestKopecks)}` +
      (bonus.points > 0 ? `, из них ${formatRubles(bonus.kopecks)} — бонусными баллами (${bonus.points}), ${formatRubles(cardKopecks)} — картой.` : '.'),
    `3. Проценты на остаток основного долга ${formatRubles(view.debt.principalKopecks)} начисляются по ставке договора; начисление процентов, неустойки и иных платежей прекращается, когда их сумма достигнет ${view.costMeter.capKopecks === null ? 'предела по закону' : formatRubles(view.costMeter.capKopecks)} (ст. 12.1 353-ФЗ).`,
    `4. Это ${sequence}-е продление из ${MAX_PROLONGATIONS} возможных по договору. Остальные условия договора не меняются.`,
    `5. Соглашение подписано простой электронной подписью (кодом из SMS) по соглашению об ЭП.`,
  ].join('\n');
  return {
    days,
    sequence,
    remaining: MAX_PROLONGATIONS - loan.prolongations,
    newDueDate,
    interestKopecks,
    bonusPoints: bonus.points,
    bonusKopecks: bonus.kopecks,
    cardKopecks,
    text,
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}

const subjectOf = (loanId: string, sha256: string) => `prolongation:${loanId}:${sha256}`;

export async function requestProlongationCode(deps: ProlongationDeps, actor: auth.Actor, loanId: string, days: number, meta: auth.RequestMeta, bonusPoints = 0) {
  const offer = await prolongationOffer(deps, actor, loanId, days, bonusPoints);
  return auth.requestCode(
    deps.auth,
    {
      phone: actor.phone,
      purpose: 'sign_contract',
      sessionId: actor.sessionId,
      subject: subjectOf(loanId, offer.sha256),
      text: (code) => `CarCapital: код ${code} — продление займа до ${offer.newDueDate}, оплата процентов ${formatRubles(offer.cardKopecks)}. Никому не сообщайте код.`,
    },
    meta,
  );
}

/** Checks the code against the text as it is now, keeps the evidence, and starts the payment. */
export async function signProlongation(deps: ProlongationDeps, actor: auth.Actor, loanId: string, days: number, code: string, meta: auth.RequestMeta, bonusPoints = 0) {
  const offer = await prolongationOffer(deps, actor, loanId, days, bonusPoints);
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const checked = await auth.checkCode(deps.auth, trx, {
      phone: actor.phone,
      purpose: 'sign_contract',
      sessionId: actor.sessionId,
      subject: subjectOf(loanId, offer.sha256),
      code,
      now,
    });
    if (checked.kind !== 'ok') return null;
    const addendumId = deps.random.uuid();
    await trx
      .insertInto('addenda')
      .values({
        id: addendumId,
        loan_id: loanId,
        sequence: offer.sequence,
        days,
        new_due_date: offer.newDueDate,
        interest_kopecks: offer.interestKopecks,
        document: sealField(deps.keys, { table: 'addenda', column: 'document', rowId: addendumId }, offer.text),
        document_sha256: offer.sha256,
        phone: actor.phone,
        challenge_id: checked.challengeId,
        code_hash: checked.codeHash,
        session_id: actor.sessionId,
        ip: meta.ip,
        user_agent: meta.userAgent.slice(0, 500),
        signed_at: now,
        status: 'awaiting_payment',
      })
      .execute();
    // The points pay their part of the interest now; the card pays the rest.
    if (offer.bonusPoints > 0) await spendOnProlongation(deps, trx, loanId, addendumId, offer.bonusPoints);
    const payment = await trx
      .insertInto('payments')
      .values({
        id: deps.random.uuid(),
        loan_id: loanId,
        customer_id: actor.customerId,
        idempotency_key: `addendum:${addendumId}`,
        request_sha256: offer.sha256,
        amount_kopecks: offer.cardKopecks,
        method: 'card',
        status: 'created',
        provider: deps.acquiring.name,
        addendum_id: addendumId,
        created_at: now,
        updated_at: now,
        claimed_until: new Date(now.getTime() + 15_000),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordOperation(trx, deps.random, {
      customerId: actor.customerId,
      loanId,
      at: now,
      type: 'prolongation',
      title: `Продление до ${offer.newDueDate} подписано: ждём оплату процентов`,
      amountKopecks: offer.interestKopecks,
      status: 'awaiting_payment',
      ref: addendumId,
    });
    return { addendumId, payment };
  });
  if (!outcome) throw new AppError('otp_invalid');
  const payment = await createAtAcquirer(deps, outcome.payment);
  return { addendumId: outcome.addendumId, paymentId: payment.id, status: payment.status, confirmationUrl: payment.confirmation_url, newDueDate: offer.newDueDate };
}

/**
 * Called in the payment's transaction once its money is credited: the due date moves if the
 * addendum still applies (the loan is active, not prolonged meanwhile past it, under the limit).
 */
export async function applyAddendum(deps: Pick<PaymentDeps, 'random' | 'clock' | 'keys' | 'jobs'>, trx: Transaction<DB>, addendumId: string, phone: string): Promise<void> {
  const now = deps.clock.now();
  const addendum = await trx.selectFrom('addenda').selectAll().where('id', '=', addendumId).forUpdate().executeTakeFirstOrThrow();
  if (addendum.status !== 'awaiting_payment') return;
  const moved = await trx
    .updateTable('loans')
    .set((eb) => ({ due_date: addendum.new_due_date, prolongations: eb('prolongations', '+', 1) }))
    .where('id', '=', addendum.loan_id)
    .where('status', '=', 'active')
    .where('prolongations', '<', MAX_PROLONGATIONS)
    .where('due_date', '<', addendum.new_due_date)
    .returning(['customer_id'])
    .executeTakeFirst();
  await trx.updateTable('addenda').set({ status: moved ? 'applied' : 'void', applied_at: now }).where('id', '=', addendum.id).execute();
  const customer = moved?.customer_id ?? (await trx.selectFrom('loans').select('customer_id').where('id', '=', addendum.loan_id).executeTakeFirstOrThrow()).customer_id;
  await recordOperation(trx, deps.random, {
    customerId: customer,
    loanId: addendum.loan_id,
    at: addendum.signed_at,
    type: 'prolongation',
    title: moved ? `Займ продлён до ${addendum.new_due_date}` : 'Продление не применено: оплата зачтена в погашение долга',
    amountKopecks: addendum.interest_kopecks,
    status: moved ? 'applied' : 'void',
    ref: addendum.id,
  });
  if (moved) await queueSms(deps, trx, { to: phone, text: `CarCapital: займ продлён, новая дата возврата — ${addendum.new_due_date}.`, kind: 'notice' });
}

/** The payment failed: the addendum never takes effect. */
export async function voidAddendum(deps: Pick<PaymentDeps, 'random' | 'clock'>, trx: Transaction<DB>, addendumId: string): Promise<void> {
  const voided = await trx
    .updateTable('addenda')
    .set({ status: 'void', applied_at: deps.clock.now() })
    .where('id', '=', addendumId)
    .where('status', '=', 'awaiting_payment')
    .returningAll()
    .executeTakeFirst();
  if (!voided) return;
  const loan = await trx.selectFrom('loans').select('customer_id').where('id', '=', voided.loan_id).executeTakeFirstOrThrow();
  await recordOperation(trx, deps.random, {
    customerId: loan.customer_id,
    loanId: voided.loan_id,
    at: voided.signed_at,
    type: 'prolongation',
    title: 'Продление не состоялось: оплата не прошла',
    amountKopecks: voided.interest_kopecks,
    status: 'void',
    ref: voided.id,
  });
}
