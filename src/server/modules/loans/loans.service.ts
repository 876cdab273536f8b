import { sql, type Kysely } from 'kysely';
import { loanEnded, pledgeView, type PledgeView, type PledgeViewRow } from '../pledges/pledges.service';
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import { formatRubles } from '../../../core/money';
import type { Quote } from '../../../core/pricing/quote';
import type { Keys } from '../../crypto';
import type { DB, LoanStatus } from '../../db/schema';
import { AppError } from '../../errors';
import type { JobQueue } from '../../jobs/queue';
import { openField, sealField } from '../../pii';
import { ProviderError } from '../../providers/errors';
import type { PayoutProvider } from '../../providers/payouts/port';
import type { Random } from '../../random';
import { readQuestionnaire } from '../applications/applications.service';
import * as applicationsRepo from '../applications/applications.repo';
import type { Actor } from '../auth/auth.service';
import { accounts, loanAccountIdSql, post } from '../ledger/ledger.service';
import { queueSms } from '../notifications/sms-outbox';
import { renderContractPdf } from '../contracts/pdf';
import { recordOperation } from '../history/operations';
import { ledgerDebt, servicingView, type LoanRow, type ServicingView } from '../servicing/servicing.service';
import { moscowDate } from '../../../core/dates';
import { payoutDestination } from '../contracts/payout-methods';
import { maskPhone } from '../../../core/phone';

/**
 * Loans from signature to money in hand: cooling-off, refusal, and the payout job — one payout per
 * loan whatever the retries, crashes or parallel runs (the provider's idempotency key is the loan
 * id; the local record and the ledger posting are conditional on the loan still disbursing).
 */

export const DISBURSE_QUEUE = 'loans.disburse';
export const RELEASE_QUEUE = 'loans.release';
export const PAYOUT_RETRY_LIMIT = 5;

const PAYOUT_TITLE = {
  card: 'Выдача займа на карту',
  sbp: 'Выдача займа через СБП',
  wallet: 'Выдача займа на электронный кошелёк',
  cash: 'Выдача займа наличными (Золотая Корона)',
} as const;


export type LoanDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
  logger: Logger;
  payouts: PayoutProvider;
  crashpoint: (name: string) => void;
  /**
   * How long one run holds the right to call the provider; a crashed run's lease simply runs out.
   * Equal to the job expiry, so the queue's retry of a crashed run finds the lease passed.
   */
  payoutLeaseMs: number;
};

export type LoanView = {
  id: string;
  status: LoanStatus;
  product: string;
  amountKopecks: number;
  totalKopecks: number;
  pskPercent: number;
  contractDate: string;
  returnDate: string;
  payoutType: string;
  payoutAt: string;
  signedAt: string;
  activatedAt: string | null;
  refusedAt: string | null;
  canRefuse: boolean;
  cashCode: string | null;
  closedAt: string | null;
  /** A car loan's pledge in the notaries' registry; null for other loans. */
  pledge: PledgeView | null;
} & ServicingView;

type PayoutCode = { id: string; cash_code_ct: Uint8Array | null };
type LoanBalances = Awaited<ReturnType<typeof ledgerDebt>>;

type LoanReads = { payout: PayoutCode | undefined; balances: LoanBalances; pledge: PledgeViewRow | null };

/** One loan's payout, ledger balances and pledge, at once (none depends on the others). */
async function readOne(db: Kysely<DB>, row: { id: string; customer_id: string }): Promise<LoanReads> {
  const [payout, balances, pledge] = await Promise.all([
    db.selectFrom('payouts').select(['id', 'cash_code_ct']).where('loan_id', '=', row.id).executeTakeFirst(),
    ledgerDebt(db, row.id, row.customer_id),
    db
      .selectFrom('loan_pledges as lp')
      .innerJoin('application_vehicles as lv', 'lv.application_id', 'lp.application_id')
      .select(PLEDGE_COLUMNS)
      .where('lp.loan_id', '=', row.id)
      .executeTakeFirst(),
  ]);
  return { payout, balances, pledge: pledge ? pledgeRowOf(pledge) : null };
}

/** The pledge's columns as the loan queries select them (prefixed, the loan's own names are taken). */
const PLEDGE_COLUMNS = [
  'lp.status as pledge_status',
  'lp.notice_number as pledge_notice_number',
  'lp.registered_at as pledge_registered_at',
  'lp.ended_on as pledge_ended_on',
  'lp.release_due_on as pledge_release_due_on',
  'lp.release_number as pledge_release_number',
  'lp.released_at as pledge_released_at',
  'lv.make as pledge_make',
  'lv.model as pledge_model',
  'lv.year as pledge_year',
  'lv.plate as pledge_plate',
] as const;

type PledgeColumns = {
  pledge_status: PledgeViewRow['status'] | null;
  pledge_notice_number: string | null;
  pledge_registered_at: Date | null;
  pledge_ended_on: string | null;
  pledge_release_due_on: string | null;
  pledge_release_number: string | null;
  pledge_released_at: Date | null;
  pledge_make: string | null;
  pledge_model: string | null;
  pledge_year: number | null;
  pledge_plate: string | null;
};

function pledgeRowOf(row: PledgeColumns): PledgeViewRow | null {
  if (row.pledge_status === null) return null;
  return {
    status: row.pledge_status,
    notice_number: row.pledge_notice_number,
    registered_at: row.pledge_registered_at,
    ended_on: row.pledge_ended_on,
    release_due_on: row.pledge_release_due_on,
    release_number: row.pledge_release_number,
    released_at: row.pledge_released_at,
    make: row.pledge_make!,
    model: row.pledge_model!,
    year: row.pledge_year!,
    plate: row.pledge_plate!,
  };
}

/** `read`: the loan's payout and ledger balances when the caller has read them already (the list). */
async function view(
  deps: Pick<LoanDeps, 'db' | 'keys' | 'clock'>,
  row: LoanRow,
  read?: LoanReads,
): Promise<LoanView> {
  const { payout, balances, pledge } = read ?? (await readOne(deps.db, row));
  const today = moscowDate(deps.clock.now());
  const cashCode =
    payout?.cash_code_ct && row.status === 'active'
      ? openField(deps.keys, { table: 'payouts', column: 'cash_code_ct', rowId: payout.id }, payout.cash_code_ct)
      : null;
  return {
    id: row.id,
    status: row.status,
    product: row.product_code,
    amountKopecks: row.amount_kopecks,
    totalKopecks: row.total_kopecks,
    pskPercent: Number(row.psk_percent),
    contractDate: row.contract_date,
    returnDate: row.return_date,
    payoutType: row.payout_type,
    payoutAt: row.payout_at.toISOString(),
    signedAt: row.signed_at.toISOString(),
    activatedAt: row.activated_at?.toISOString() ?? null,
    refusedAt: row.refused_at?.toISOString() ?? null,
    canRefuse: row.status === 'cooling_off',
    cashCode,
    closedAt: row.closed_at?.toISOString() ?? null,
    pledge: pledge ? pledgeView(pledge, today) : null,
    ...(await servicingView(deps.db, row, today, balances)),
  };
}

/**
 * The customer's loans (or the one asked for), each with its payout's cash code and its ledger
 * balances, in one query: the dashboard is read on every visit, and on a small machine each round
 * trip to the database costs more than all the rest of the request.
 */
async function loansWithReads(db: Kysely<DB>, customerId: string, loanId?: string) {
  const balance = (alias: 'principal' | 'interest' | 'penalty') =>
    sql<number>`coalesce((SELECT balance_kopecks FROM ledger_accounts WHERE id = ${loanAccountIdSql('l.id', alias)}), 0)`.as(`${alias}_kopecks`);
  let query = db
    .selectFrom('loans as l')
    .leftJoin('payouts as p', 'p.loan_id', 'l.id')
    .leftJoin('loan_pledges as lp', 'lp.loan_id', 'l.id')
    .leftJoin('application_vehicles as lv', 'lv.application_id', 'lp.application_id')
    .selectAll('l')
    .select(PLEDGE_COLUMNS)
    .select([
      'p.id as payout_id',
      'p.cash_code_ct as payout_cash_code_ct',
      balance('principal'),
      balance('interest'),
      balance('penalty'),
      sql<number>`coalesce((SELECT balance_kopecks FROM ledger_accounts WHERE id = ${accounts.customerOverpayment(customerId).id}), 0)`.as('overpayment_kopecks'),
    ])
    .where('l.customer_id', '=', customerId);
  if (loanId !== undefined) query = query.where('l.id', '=', loanId);
  const rows = await query.orderBy('l.created_at', 'desc').execute();
  return rows.map((row) => {
    const { payout_id, payout_cash_code_ct, principal_kopecks, interest_kopecks, penalty_kopecks, overpayment_kopecks, ...rest } = row;
    const loan = Object.fromEntries(Object.entries(rest).filter(([key]) => !key.startsWith('pledge_'))) as LoanRow;
    return {
      loan,
      read: {
        pledge: pledgeRowOf(row),
        payout: payout_id ? { id: payout_id, cash_code_ct: payout_cash_code_ct } : undefined,
        balances: { principalKopecks: principal_kopecks, interestKopecks: interest_kopecks, penaltyKopecks: penalty_kopecks, overpaymentKopecks: overpayment_kopecks },
      },
    };
  });
}

export async function listLoans(deps: LoanDeps, actor: Actor): Promise<LoanView[]> {
  const loans = await loansWithReads(deps.db, actor.customerId);
  return Promise.all(loans.map(({ loan, read }) => view(deps, loan, read)));
}

const LOAN_NOT_FOUND = 'Займ не найден.';

/** The route has refused an id that is not a uuid (404) before this. */
async function ownLoanOrNotFound(deps: LoanDeps, actor: Actor, id: string) {
  const row = await deps.db.selectFrom('loans').selectAll().where('id', '=', id).where('customer_id', '=', actor.customerId).executeTakeFirst();
  if (!row) throw new AppError('not_found', LOAN_NOT_FOUND);
  return row;
}

export async function getLoan(deps: LoanDeps, actor: Actor, id: string): Promise<LoanView> {
  const [found] = await loansWithReads(deps.db, actor.customerId, id);
  if (!found) throw new AppError('not_found', LOAN_NOT_FOUND);
  return view(deps, found.loan, found.read);
}

/** The signed contract as a PDF, rebuilt from the sealed text that was signed. */
export async function contractPdf(deps: LoanDeps, actor: Actor, id: string): Promise<{ fileName: string; pdf: Buffer }> {
  const loan = await ownLoanOrNotFound(deps, actor, id);
  const signature = await deps.db.selectFrom('signatures').selectAll().where('loan_id', '=', loan.id).executeTakeFirstOrThrow();
  const text = openField(deps.keys, { table: 'signatures', column: 'document', rowId: signature.id }, signature.document);
  const quote = loan.quote as Quote;
  const number = /№ (\S+)/.exec(text)?.[1] ?? loan.id;
  const pdf = await renderContractPdf({
    number,
    text,
    sha256: signature.document_sha256,
    pskPercent: quote.pskPercent,
    pskKopecks: quote.pskKopecks,
    signedAt: signature.signed_at,
    signerPhoneMasked: maskPhone(signature.phone),
  });
  return { fileName: `contract-${number}.pdf`, pdf };
}

/** ст. 11 353-ФЗ: before the money leaves, the borrower may refuse — at no cost. */
export async function refuseLoan(deps: LoanDeps, actor: Actor, id: string): Promise<LoanView> {
  const row = await ownLoanOrNotFound(deps, actor, id);
  const refused = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const result = await trx
      .updateTable('loans')
      .set({ status: 'refused', refused_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'cooling_off')
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) return false;
    await loanEnded(trx, deps.jobs, row.id); // a car loan's pledge is cancelled or released
    await queueSms(deps, trx, { to: actor.phone, text: 'CarCapital: вы отказались от займа. Деньги не отправлены, вы ничего не должны.', kind: 'notice' });
    await recordOperation(trx, deps.random, {
      customerId: actor.customerId,
      loanId: row.id,
      at: now,
      type: 'refusal',
      title: 'Отказ от займа до выдачи денег',
      amountKopecks: row.amount_kopecks,
      status: 'refused',
      ref: row.id,
    });
    return true;
  });
  if (!refused) throw new AppError('conflict', 'Отказаться можно только до выдачи денег.');
  return getLoan(deps, actor, id);
}

/** Moves loans whose cooling-off has ended to payout (run every minute, and by tests). */
export async function releaseDueLoans(deps: Pick<LoanDeps, 'db' | 'clock' | 'jobs'>): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const released = await trx
      .updateTable('loans')
      .set({ status: 'disbursing' })
      .where('status', '=', 'cooling_off')
      .where('payout_at', '<=', deps.clock.now())
      .returning('id')
      .execute();
    for (const { id } of released) await deps.jobs.enqueue(trx, DISBURSE_QUEUE, { loanId: id });
    return released.length;
  });
}

export function createDisburseHandler(deps: LoanDeps) {
  return async (data: Record<string, unknown>): Promise<void> => {
    const loanId = String(data.loanId);
    const loan = await deps.db.selectFrom('loans').selectAll().where('id', '=', loanId).executeTakeFirst();
    if (!loan || loan.status !== 'disbursing') return; // refused, already paid, or unknown
    const application = (await applicationsRepo.findApplication(deps.db, loan.application_id))!;
    const method = await deps.db.selectFrom('payout_methods').selectAll().where('application_id', '=', application.id).executeTakeFirstOrThrow();
    const q = readQuestionnaire(deps.keys, application);
    const phone = await applicationsRepo.customerPhone(deps.db, loan.customer_id);
    const now = deps.clock.now();
    await deps.db
      .insertInto('payouts')
      .values({
        id: deps.random.uuid(),
        loan_id: loan.id,
        provider: deps.payouts.name,
        idempotency_key: loan.id,
        status: 'pending',
        amount_kopecks: loan.amount_kopecks,
        created_at: now,
      })
      // No target: a parallel run's row may collide on loan_id or on idempotency_key first.
      .onConflict((oc) => oc.doNothing())
      .execute();
    // Only the run holding the lease calls the provider: parallel runs of the same payout stop here.
    const attempt = await deps.db
      .updateTable('payouts')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), claimed_until: new Date(now.getTime() + deps.payoutLeaseMs) }))
      .where('loan_id', '=', loan.id)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
      .returning(['id', 'attempts'])
      .executeTakeFirst();
    if (!attempt) return;

    const failFinally = async (message: string) => {
      await deps.db.transaction().execute(async (trx) => {
        await trx.updateTable('payouts').set({ status: 'failed', last_error: message.slice(0, 500), claimed_until: null }).where('id', '=', attempt.id).where('status', '=', 'pending').execute();
        await trx.updateTable('loans').set({ status: 'payout_failed' }).where('id', '=', loan.id).where('status', '=', 'disbursing').execute();
        await queueSms(deps, trx, { to: phone, text: 'CarCapital: не удалось отправить деньги. Мы уже разбираемся и свяжемся с вами.', kind: 'notice' });
      });
      deps.logger.error({ loanId, err: message }, 'payout failed; staff must look');
    };

    let result;
    try {
      result = await deps.payouts.payout({
        idempotencyKey: loan.id,
        type: method.type,
        amountKopecks: loan.amount_kopecks,
        recipient: {
          phone,
          fullName: [q.lastName, q.firstName, q.middleName].filter(Boolean).join(' '),
          name: { lastName: q.lastName ?? '', firstName: q.firstName ?? '', middleName: q.middleName },
        },
        ...payoutDestination(deps.keys, method),
      });
    } catch (error) {
      const message = error instanceof ProviderError ? error.message : 'unexpected error';
      // Give the lease back so the retry (same idempotency key) may call again.
      await deps.db.updateTable('payouts').set({ last_error: message.slice(0, 500), claimed_until: null }).where('id', '=', attempt.id).execute();
      // A definitive refusal (e.g. a 4xx) is not retried; anything unknown is, with the same key.
      const retryable = (error as { retryable?: boolean }).retryable !== false;
      if (retryable && attempt.attempts < PAYOUT_RETRY_LIMIT) throw error;
      await failFinally(message);
      return;
    }
    // The provider answered and refused (card closed, wallet blocked…): retrying with the same key
    // would get the same answer.
    if (result.status === 'failed') {
      await failFinally(`provider refused: ${result.failureReason ?? 'no reason given'}`);
      return;
    }
    deps.crashpoint('payout.after_provider');

    await deps.db.transaction().execute(async (trx) => {
      const now = deps.clock.now();
      const completed = await trx
        .updateTable('payouts')
        .set({
          status: 'succeeded',
          provider_payout_id: result.providerPayoutId,
          completed_at: now,
          cash_code_ct: result.cashCode ? sealField(deps.keys, { table: 'payouts', column: 'cash_code_ct', rowId: attempt.id }, result.cashCode) : null,
        })
        .where('id', '=', attempt.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (completed.numUpdatedRows !== 1n) return;
      // Interest runs from the day the money left, not from the signature (cooling-off days are free).
      const today = moscowDate(now);
      await trx
        .updateTable('loans')
        .set({ status: 'active', activated_at: now, interest_from: today, accrued_through: today })
        .where('id', '=', loan.id)
        .where('status', '=', 'disbursing')
        .execute();
      await recordOperation(trx, deps.random, {
        customerId: loan.customer_id,
        loanId: loan.id,
        at: now,
        type: 'payout',
        title: PAYOUT_TITLE[method.type],
        amountKopecks: loan.amount_kopecks,
        status: 'succeeded',
        ref: loan.id,
      });
      await post(trx, deps.random, {
        source: 'payout',
        externalId: loan.id,
        description: 'Выдача займа',
        at: now,
        lines: [
          { account: accounts.loanPrincipal(loan.id), debitKopecks: loan.amount_kopecks },
          { account: accounts.payoutClearing(deps.payouts.name), creditKopecks: loan.amount_kopecks },
        ],
      });
      const where = { card: 'на вашу карту', wallet: 'на ваш электронный кошелёк', sbp: 'на ваш счёт через СБП', cash: '' }[method.type];
      const text =
        method.type === 'cash'
          ? `CarCapital: перевод ${formatRubles(loan.amount_kopecks)} готов к получению в «Золотой Короне». Код перевода ${result.cashCode ?? '— в личном кабинете'}, с собой паспорт. Никому не сообщайте код.`
          : `CarCapital: ${formatRubles(loan.amount_kopecks)} отправлены ${where}. Вернуть до ${loan.return_date}.`;
      await queueSms(deps, trx, { to: phone, text, kind: 'notice' });
    });
    // Recorded, the job not yet marked done: its retry finds the loan active and stops.
    deps.crashpoint('payout.after_commit');
  };
}
