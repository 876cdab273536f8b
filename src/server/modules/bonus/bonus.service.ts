import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { lapsingPoints, pointsForInterest, pointsText, POINT_KOPECKS, POINTS_LIFETIME_MONTHS, spendablePoints } from '../../../core/bonus';
import type { Clock } from '../../../core/clock';
import { addMonths, moscowDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import type { Logger } from 'pino';
import type { Random } from '../../random';
import type { Actor } from '../auth/auth.service';
import { recordOperation } from '../history/operations';
import { accounts, post, type AccountSpec } from '../ledger/ledger.service';
import { accrueLoan, ledgerDebt, servicingView, type LoanRow, type ServicingView } from '../servicing/servicing.service';
import * as repo from './bonus.repo';

/**
 * Bonus points (docs/ARCHITECTURE.md «Bonus points»). Whole points; 1 point = 1 ₽ (100 kopecks)
 * off interest or off a prolongation's fee. Points live in an append-only ledger
 * (bonus_point_entries: earn / spend / expire rows); the balance is the sum of a customer's rows,
 * cached in bonus_accounts whose row is the per-customer lock and whose CHECK keeps it ≥ 0.
 * - Earned when a loan is closed by a repayment on or before its due date and was never overdue:
 *   5 % of the interest paid with money (core/bonus.ts), in the closing's own transaction.
 * - Spent on interest: the interest receivable is written off against the lender's bonus expense
 *   (a balanced ledger posting), so the debt the borrower sees drops by exactly the points' worth.
 *   Never principal, never below zero interest, only on the customer's own active loan.
 * - Unspent points lapse 12 months after they were earned (the expiry job), oldest first.
 * Lock order is the repayment's: the loan row, then the points account — never the other way round.
 */

export type BonusDeps = { db: Kysely<DB>; clock: Clock; random: Random; logger?: Logger };

export const EXPIRY_QUEUE = 'bonus.expire';

/** The lender's marketing expense: what the interest written off with points costs the lender. */
export const bonusExpenseAccount = (): AccountSpec => ({ id: 'lender:bonus_expense', kind: 'bonus_expense', normalSide: 'debit' });

/** A customer's spendable balance in whole points (1 point = 1 ₽ off interest). Never negative. */
export async function bonusBalance(db: Kysely<DB> | Transaction<DB>, customerId: string): Promise<number> {
  const row = await db
    .selectFrom('bonus_point_entries')
    .select(sql<string | number>`COALESCE(SUM(points), 0)::int8`.as('balance'))
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  return Number(row.balance);
}

/** Moscow midnight a lifetime after `at`: points earned today lapse on that morning 12 months on. */
const expiryOf = (at: Date) => new Date(`${addMonths(moscowDate(at), POINTS_LIFETIME_MONTHS)}T00:00:00+03:00`);

/**
 * Called in the transaction that closes a loan by repayment (payments.service applySucceeded), with
 * the loan row as it was before closing. Returns the points credited (0 when late or too little).
 */
export async function earnForRepayment(deps: { random: Random }, trx: Transaction<DB>, loan: LoanRow, closedAt: Date): Promise<number> {
  if (moscowDate(closedAt) > loan.due_date) return 0;
  if (await repo.everOverdue(trx, accounts.loanPenalty(loan.id).id)) return 0;
  const points = pointsForInterest(await repo.interestPaidKopecks(trx, accounts.loanInterest(loan.id).id));
  if (points === 0) return 0;
  await repo.lockAccount(trx, loan.customer_id);
  const entry = await repo.appendEntry(trx, deps.random, {
    customerId: loan.customer_id,
    loanId: loan.id,
    kind: 'earn',
    points,
    reason: 'on_time_repayment',
    idempotencyKey: `earn:${loan.id}`,
    at: closedAt,
    expiresAt: expiryOf(closedAt),
  });
  if (!entry) return 0;
  await recordOperation(trx, deps.random, {
    customerId: loan.customer_id,
    loanId: loan.id,
    at: closedAt,
    type: 'bonus',
    title: `Начислено ${pointsText(points)} за погашение займа в срок (действуют до ${moscowDate(entry.expires_at!)})`,
    amountKopecks: null,
    status: 'posted',
    ref: entry.id,
  });
  return points;
}

export type WriteOff = { entryId: string; points: number; kopecks: number };

/**
 * Writes off up to `requested` points' worth of the loan's interest as of today, inside the caller's
 * transaction. The loan row must be locked and accrued to today, and the caller must have locked the
 * points account (repo.lockAccount) and checked the key is new. Returns null when nothing can be
 * written off (no points, or less than 1 ₽ of interest).
 */
export async function writeOffInterest(
  deps: { random: Random },
  trx: Transaction<DB>,
  loan: LoanRow,
  input: {
    requested: number;
    balance: number;
    reason: 'interest' | 'prolongation';
    idempotencyKey: string;
    requestSha256: string | null;
    at: Date;
    /** Interest that must stay to be paid with money. */
    keepKopecks?: number;
  },
): Promise<WriteOff | null> {
  const { interestKopecks } = await ledgerDebt(trx, loan.id);
  const points = spendablePoints(input.requested, input.balance, interestKopecks - (input.keepKopecks ?? 0));
  if (points === 0) return null;
  const kopecks = points * POINT_KOPECKS;
  const entry = await repo.appendEntry(trx, deps.random, {
    customerId: loan.customer_id,
    loanId: loan.id,
    kind: 'spend',
    points: -points,
    reason: input.reason,
    idempotencyKey: input.idempotencyKey,
    requestSha256: input.requestSha256,
    at: input.at,
  });
  if (!entry) throw new AppError('in_flight');
  // The interest receivable cannot go below zero (a ledger constraint), so neither can this.
  await post(trx, deps.random, {
    source: 'bonus',
    externalId: entry.id,
    description: 'Проценты оплачены бонусными баллами',
    at: input.at,
    lines: [
      { account: bonusExpenseAccount(), debitKopecks: kopecks },
      { account: accounts.loanInterest(loan.id), creditKopecks: kopecks },
    ],
  });
  await recordOperation(trx, deps.random, {
    customerId: loan.customer_id,
    loanId: loan.id,
    at: input.at,
    type: 'bonus',
    title:
      input.reason === 'prolongation'
        ? `Списано ${pointsText(points)} в оплату процентов при продлении: −${formatRubles(kopecks)}`
        : `Списано ${pointsText(points)} в оплату процентов: −${formatRubles(kopecks)}`,
    amountKopecks: kopecks,
    status: 'spent',
    ref: entry.id,
  });
  return { entryId: entry.id, points, kopecks };
}

export type SpendReply = {
  spentPoints: number;
  writtenOffKopecks: number;
  balancePoints: number;
  debt: ServicingView['debt'];
};

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function checkIdempotencyKey(key: string | undefined): string {
  if (!key || !KEY_PATTERN.test(key)) {
    throw new AppError('validation_failed', 'Нужен заголовок Idempotency-Key (до 255 видимых символов, лучше UUID).', {
      fields: { 'Idempotency-Key': 'Передайте уникальный ключ запроса.' },
    });
  }
  return key;
}

const isUuid = (value: string) => /^[0-9a-f-]{36}$/i.test(value);

/**
 * POST /api/loans/:id/bonus: spends min(points, balance, whole rubles of interest due today) on the
 * interest of the customer's own active loan. The same Idempotency-Key with the same body answers
 * the first spend again; with another body → 422.
 */
export async function spendOnInterest(deps: BonusDeps, actor: Actor, loanId: string, idempotencyKey: string | undefined, requested: number): Promise<SpendReply> {
  const key = checkIdempotencyKey(idempotencyKey);
  const fingerprint = createHash('sha256').update(JSON.stringify({ loanId, points: requested })).digest('hex');
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const today = moscowDate(now);
    const owned = isUuid(loanId)
      ? await trx.selectFrom('loans').selectAll().where('id', '=', loanId).where('customer_id', '=', actor.customerId).forUpdate().executeTakeFirst()
      : undefined;
    if (!owned) throw new AppError('not_found', 'Займ не найден.');
    const balance = await repo.lockAccount(trx, actor.customerId);
    const entryKey = `spend:${actor.customerId}:${key}`;
    const earlier = await repo.entryByKey(trx, entryKey);
    if (earlier) {
      if (earlier.request_sha256 !== fingerprint) throw new AppError('idempotency_key_reused', 'Этот ключ запроса уже использован для другого списания.');
      const view = await servicingView(trx, owned, today);
      return { spentPoints: -Number(earlier.points), writtenOffKopecks: -Number(earlier.points) * POINT_KOPECKS, balancePoints: balance, debt: view.debt };
    }
    if (owned.status !== 'active') throw new AppError('conflict', 'Баллы можно списать только по действующему займу.');
    if (balance === 0) throw new AppError('conflict', 'На бонусном счёте нет баллов.');
    await accrueLoan(trx, deps.random, owned.id, today);
    const loan = (await trx.selectFrom('loans').selectAll().where('id', '=', owned.id).executeTakeFirstOrThrow())!;
    const done = await writeOffInterest(deps, trx, loan, { requested, balance, reason: 'interest', idempotencyKey: entryKey, requestSha256: fingerprint, at: now });
    if (!done) throw new AppError('conflict', 'Проценты на сегодня меньше 1 ₽ — списывать баллы не на что.');
    const view = await servicingView(trx, loan, today);
    return { spentPoints: done.points, writtenOffKopecks: done.kopecks, balancePoints: balance - done.points, debt: view.debt };
  });
}

/**
 * A prolongation takes effect when its card payment succeeds, so points pay its interest only down
 * to this: at least 1 ₽ is always paid by card.
 */
export const PROLONGATION_CARD_MINIMUM_KOPECKS = 100;

/** What `requested` points would pay of a prolongation's interest today (for the offer and its text). */
export async function prolongationBonusQuote(db: Kysely<DB>, customerId: string, requested: number, interestKopecks: number): Promise<{ points: number; kopecks: number }> {
  if (requested <= 0) return { points: 0, kopecks: 0 };
  const points = spendablePoints(requested, await bonusBalance(db, customerId), interestKopecks - PROLONGATION_CARD_MINIMUM_KOPECKS);
  return { points, kopecks: points * POINT_KOPECKS };
}

/**
 * Spends exactly the points the signed addendum names on the loan's interest, in the signing
 * transaction (prolongation.service signProlongation): the card payment then asks only for the rest.
 * If the balance or the interest changed since the offer, nothing is spent and the signing fails.
 * The points stay spent if the card payment later fails: the interest they paid is paid for good.
 */
export async function spendOnProlongation(deps: { random: Random; clock: Clock }, trx: Transaction<DB>, loanId: string, addendumId: string, points: number): Promise<void> {
  const now = deps.clock.now();
  await accrueLoan(trx, deps.random, loanId, moscowDate(now));
  const loan = (await trx.selectFrom('loans').selectAll().where('id', '=', loanId).forUpdate().executeTakeFirstOrThrow())!;
  const balance = await repo.lockAccount(trx, loan.customer_id);
  const done = await writeOffInterest(deps, trx, loan, {
    requested: points,
    balance,
    reason: 'prolongation',
    idempotencyKey: `prolongation:${addendumId}`,
    requestSha256: null,
    at: now,
    keepKopecks: PROLONGATION_CARD_MINIMUM_KOPECKS,
  });
  if (done?.points !== points) {
    throw new AppError('conflict', 'Баллов на счёте стало меньше, чем в соглашении. Откройте продление заново — сумма пересчитается.');
  }
}

export type BonusSummary = {
  balancePoints: number;
  pointKopecks: number;
  entries: { id: string; kind: 'earn' | 'spend' | 'expire'; points: number; reason: string; loanId: string | null; at: string; expiresAt: string | null }[];
};

/** GET /api/bonus: the balance and the latest movements of points. */
export async function summary(deps: BonusDeps, actor: Actor): Promise<BonusSummary> {
  const [balancePoints, entries] = await Promise.all([bonusBalance(deps.db, actor.customerId), repo.entriesOf(deps.db, actor.customerId, 50)]);
  return {
    balancePoints,
    pointKopecks: POINT_KOPECKS,
    entries: entries.map((e) => ({
      id: e.id,
      kind: e.kind,
      points: e.points,
      reason: e.reason,
      loanId: e.loan_id,
      at: e.created_at.toISOString(),
      expiresAt: e.expires_at?.toISOString() ?? null,
    })),
  };
}

/**
 * The expiry job: points earned 12 months ago and still unspent lapse, oldest first, one
 * transaction per customer under the account lock. Each lapse is keyed by the earned row, so a
 * second run (or two at once) takes nothing more.
 */
export async function expirePoints(deps: BonusDeps): Promise<number> {
  const now = deps.clock.now();
  let lapsed = 0;
  for (const customerId of await repo.customersWithExpiredPoints(deps.db, now)) {
    lapsed += await deps.db.transaction().execute(async (trx) => {
      await repo.lockAccount(trx, customerId);
      const lots = (await repo.earnedOldestFirst(trx, customerId)).map((e) => ({ id: e.id, points: e.points, expiresAt: e.expires_at! }));
      let total = 0;
      for (const lot of lapsingPoints(lots, await repo.usedPoints(trx, customerId), now)) {
        const entry = await repo.appendEntry(trx, deps.random, {
          customerId,
          loanId: null,
          kind: 'expire',
          points: -lot.points,
          reason: 'expiry',
          idempotencyKey: `expire:${lot.id}`,
          at: now,
        });
        if (!entry) continue;
        total += lot.points;
        await recordOperation(trx, deps.random, {
          customerId,
          at: now,
          type: 'bonus',
          title: `Сгорело ${pointsText(lot.points)}: прошло ${POINTS_LIFETIME_MONTHS} месяцев с начисления`,
          amountKopecks: null,
          status: 'expired',
          ref: entry.id,
        });
      }
      return total;
    });
  }
  if (lapsed) deps.logger?.info({ points: lapsed }, 'bonus points expired');
  return lapsed;
}

/** Test and operator check: the cached balances agree with the rows, and none is negative. */
export async function bonusProblems(db: Kysely<DB>): Promise<string[]> {
  const rows = await sql<{ customer_id: string; cached: string | number; actual: string | number }>`
    SELECT a.customer_id, a.balance_points AS cached, COALESCE(SUM(e.points), 0)::int8 AS actual
    FROM bonus_accounts a LEFT JOIN bonus_point_entries e ON e.customer_id = a.customer_id
    GROUP BY a.customer_id, a.balance_points
    HAVING a.balance_points <> COALESCE(SUM(e.points), 0) OR a.balance_points < 0
  `.execute(db);
  return rows.rows.map((r) => `customer ${r.customer_id}: cached ${r.cached} ≠ entries ${r.actual}`);
}
