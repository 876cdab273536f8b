import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import { moscowDate, type BusinessDate } from '../../../core/dates';
import { releaseDeadline, releaseProgress, type PledgeReleaseStatus } from '../../../core/vehicle';
import type { Keys } from '../../crypto';
import type { DB, LoanPledgesTable, LoanStatus } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import { ProviderError, withTimeout } from '../../providers/errors';
import { PledgeRegistrationAnswer, PledgeReleaseAnswer, type PledgeRegistry } from '../../providers/vehicle/port';
import type { Random } from '../../random';
import { readQuestionnaire } from '../applications/applications.service';
import * as applicationsRepo from '../applications/applications.repo';
import { contractNumberOf } from '../contracts/document';
import { recordOperation } from '../history/operations';
import { queueSms } from '../notifications/sms-outbox';

/**
 * The pledge of a car loan in the notaries' registry of movable property pledges (DOMAIN.md R24),
 * from signing to the release notice:
 *
 *   signing ─► registering ─(notice filed)─► registered ─(loan repaid or refused)─► releasing ─► released
 *                   └─(loan refused before any filing was tried)─► cancelled
 *
 * One job (PLEDGE_QUEUE, at least once) moves one pledge as far as it can go. It is queued in the
 * transaction that signs the loan and in the one that repays it, and a cron run every minute picks
 * up whatever a lost job or a failed attempt left. Each filing is idempotent at the registry by key
 * (`<loan>:pledge`, `<loan>:release`): a run that crashed or timed out after the registry acted is
 * answered with the same notice on the next try. A lease (`claimed_until`) keeps two workers from
 * working one pledge at once; the row is the only record of state, changed only by conditional
 * updates, so a run that lost its lease changes nothing.
 *
 * A definitive refusal of the registry (bad data, a conflict) is kept in `last_error` and retried
 * by the cron run; staff see it in the list of pledges with its attempts.
 */

export const PLEDGE_QUEUE = 'pledges.advance';
export const PLEDGE_SWEEP_QUEUE = 'pledges.sweep';

export type PledgeDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
  logger: Logger;
  registry: PledgeRegistry;
  /** The lender as the notice names it (config PLEDGEE_NAME). */
  pledgee: string;
  providerTimeoutMs: number;
  /** How long a run holds a pledge; longer than a registry call may take. */
  leaseMs: number;
};

type PledgeRow = Selectable<LoanPledgesTable>;

/** A loan over: repaid in full, or refused before the money left. Then the pledge has to go. */
const ENDED: LoanStatus[] = ['closed', 'refused'];

/** In the signing transaction of a car loan: the pledge to register, and the job that does it. */
export async function openPledge(
  trx: Transaction<DB>,
  jobs: JobQueue,
  pledge: { loanId: string; customerId: string; applicationId: string; vin: string; at: Date },
): Promise<void> {
  await trx
    .insertInto('loan_pledges')
    .values({
      loan_id: pledge.loanId,
      customer_id: pledge.customerId,
      application_id: pledge.applicationId,
      vin: pledge.vin,
      status: 'registering',
      created_at: pledge.at,
      updated_at: pledge.at,
    })
    .execute();
  await jobs.enqueue(trx, PLEDGE_QUEUE, { loanId: pledge.loanId });
}

/** In the transaction that ends a loan: if it has a pledge, the job releases it now (not at the next sweep). */
export async function loanEnded(trx: Transaction<DB>, jobs: JobQueue, loanId: string): Promise<void> {
  const pledge = await trx.selectFrom('loan_pledges').select('loan_id').where('loan_id', '=', loanId).executeTakeFirst();
  if (pledge) await jobs.enqueue(trx, PLEDGE_QUEUE, { loanId });
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

/**
 * Takes the pledge for this run, if no other run holds it and there is something to do. Returns
 * the row as taken, or null.
 */
async function claim(deps: PledgeDeps, loanId: string): Promise<PledgeRow | null> {
  const now = deps.clock.now();
  const row = await deps.db
    .updateTable('loan_pledges')
    .set({ claimed_until: new Date(now.getTime() + deps.leaseMs) })
    .where('loan_id', '=', loanId)
    .where('status', 'in', ['registering', 'registered', 'releasing'])
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

/** Changes the row only while this run still holds it (its lease is the one it set). */
async function update(
  executor: Kysely<DB> | Transaction<DB>,
  held: PledgeRow,
  changes: Partial<Omit<PledgeRow, 'loan_id' | 'customer_id' | 'application_id' | 'vin' | 'created_at'>>,
  now: Date,
): Promise<boolean> {
  const result = await executor
    .updateTable('loan_pledges')
    .set({ ...changes, updated_at: now })
    .where('loan_id', '=', held.loan_id)
    .where('status', '=', held.status)
    .where('claimed_until', '=', held.claimed_until!)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

async function loanOf(deps: PledgeDeps, loanId: string) {
  return deps.db
    .selectFrom('loans')
    .select(['id', 'customer_id', 'application_id', 'status', 'amount_kopecks', 'contract_date', 'closed_at', 'refused_at'])
    .where('id', '=', loanId)
    .executeTakeFirstOrThrow();
}

type Loan = Awaited<ReturnType<typeof loanOf>>;

const endedAt = (loan: Loan): Date | null => (loan.status === 'closed' ? loan.closed_at : loan.status === 'refused' ? loan.refused_at : null);

async function register(deps: PledgeDeps, held: PledgeRow, loan: Loan): Promise<PledgeRow> {
  const application = (await applicationsRepo.findApplication(deps.db, loan.application_id))!;
  const q = readQuestionnaire(deps.keys, application);
  await deps.db.updateTable('loan_pledges').set({ register_attempts: held.register_attempts + 1 }).where('loan_id', '=', held.loan_id).execute();
  const answer = await withTimeout(deps.registry.name, deps.providerTimeoutMs, () =>
    deps.registry.registerPledge({
      idempotencyKey: `${held.loan_id}:pledge`,
      vin: held.vin,
      pledgor: {
        fullName: [q.lastName, q.firstName, q.middleName].filter(Boolean).join(' '),
        birthDate: q.birthDate ?? '',
        passport: `${q.passport?.series ?? ''} ${q.passport?.number ?? ''}`.trim(),
      },
      pledgee: deps.pledgee,
      contractNumber: contractNumberOf(loan.contract_date, loan.application_id),
      contractDate: loan.contract_date,
      amountKopecks: loan.amount_kopecks,
    }),
  );
  const parsed = PledgeRegistrationAnswer.safeParse(answer);
  if (!parsed.success) throw new ProviderError(deps.registry.name, 'answer does not match the expected schema');
  const now = deps.clock.now();
  const { noticeNumber, registeredAt } = parsed.data;
  const changes = { status: 'registered' as const, notice_number: noticeNumber, registered_at: registeredAt, last_error: null };
  const done = await deps.db.transaction().execute(async (trx) => {
    if (!(await update(trx, held, changes, now))) return false;
    await recordOperation(trx, deps.random, {
      customerId: held.customer_id,
      loanId: held.loan_id,
      at: registeredAt,
      type: 'pledge',
      title: `Залог автомобиля зарегистрирован, уведомление № ${noticeNumber}`,
      amountKopecks: null,
      status: 'registered',
      ref: `${held.loan_id}:pledge`,
    });
    return true;
  });
  if (!done) throw new Error('the pledge was taken by another run');
  return { ...held, ...changes, register_attempts: held.register_attempts + 1 };
}

async function release(deps: PledgeDeps, held: PledgeRow): Promise<void> {
  await deps.db.updateTable('loan_pledges').set({ release_attempts: held.release_attempts + 1 }).where('loan_id', '=', held.loan_id).execute();
  const answer = await withTimeout(deps.registry.name, deps.providerTimeoutMs, () =>
    deps.registry.releasePledge({ idempotencyKey: `${held.loan_id}:release`, noticeNumber: held.notice_number! }),
  );
  const parsed = PledgeReleaseAnswer.safeParse(answer);
  if (!parsed.success) throw new ProviderError(deps.registry.name, 'answer does not match the expected schema');
  const now = deps.clock.now();
  const { releaseNumber, releasedAt } = parsed.data;
  await deps.db.transaction().execute(async (trx) => {
    if (!(await update(trx, held, { status: 'released', release_number: releaseNumber, released_at: releasedAt, last_error: null, claimed_until: null }, now))) {
      throw new Error('the pledge was taken by another run');
    }
    await recordOperation(trx, deps.random, {
      customerId: held.customer_id,
      loanId: held.loan_id,
      at: releasedAt,
      type: 'pledge',
      title: `Залог автомобиля снят, уведомление об исключении № ${releaseNumber}`,
      amountKopecks: null,
      status: 'released',
      ref: `${held.loan_id}:release`,
    });
    await queueSms(deps, trx, { to: await applicationsRepo.customerPhone(trx, held.customer_id), text: `CarCapital: залог автомобиля снят, уведомление № ${releaseNumber} в реестре залогов.`, kind: 'notice' });
  });
}

/**
 * One run for one pledge: registers it, moves it to release once the loan has ended, files the
 * release. Throws when a registry call failed (the queue retries; the cron sweep too), after
 * keeping the error on the row.
 */
export async function advancePledge(deps: PledgeDeps, loanId: string): Promise<void> {
  let held = await claim(deps, loanId);
  if (!held) return;
  try {
    const loan = await loanOf(deps, loanId);
    const ended = ENDED.includes(loan.status) ? endedAt(loan) : null;
    if (held.status === 'registering') {
      if (ended && held.register_attempts === 0) {
        // Nothing was ever sent to the registry: there is no notice to exclude.
        await update(deps.db, held, { status: 'cancelled', claimed_until: null }, deps.clock.now());
        return;
      }
      held = await register(deps, held, loan);
    }
    if (held.status === 'registered') {
      if (!ended) {
        await update(deps.db, held, { claimed_until: null }, deps.clock.now());
        return;
      }
      const endedOn = moscowDate(ended);
      const changes = { status: 'releasing' as const, ended_on: endedOn, release_due_on: releaseDeadline(endedOn) };
      if (!(await update(deps.db, held, changes, deps.clock.now()))) return;
      held = { ...held, ...changes };
    }
    if (held.status === 'releasing') await release(deps, held);
  } catch (error) {
    deps.logger.warn({ loanId, err: errorText(error) }, 'pledge registry: attempt failed');
    await deps.db
      .updateTable('loan_pledges')
      .set({ last_error: errorText(error), claimed_until: null, updated_at: deps.clock.now() })
      .where('loan_id', '=', loanId)
      .where('claimed_until', '=', held.claimed_until!)
      .execute();
    throw error;
  }
}

export function createPledgeHandler(deps: PledgeDeps) {
  return async (data: Record<string, unknown>): Promise<void> => advancePledge(deps, String(data.loanId));
}

/**
 * Every minute: each pledge with something to do — to register, to release (its loan has ended),
 * being released — gets a run. Failures are logged and left for the next sweep.
 */
export async function sweepPledges(deps: PledgeDeps): Promise<number> {
  const due = await deps.db
    .selectFrom('loan_pledges as p')
    .innerJoin('loans as l', 'l.id', 'p.loan_id')
    .select('p.loan_id')
    .where((eb) =>
      eb.or([eb('p.status', 'in', ['registering', 'releasing']), eb.and([eb('p.status', '=', 'registered'), eb('l.status', 'in', ENDED)])]),
    )
    .where((eb) => eb.or([eb('p.claimed_until', 'is', null), eb('p.claimed_until', '<', deps.clock.now())]))
    .orderBy('p.updated_at')
    .limit(500)
    .execute();
  let advanced = 0;
  for (const { loan_id } of due) {
    try {
      await advancePledge(deps, loan_id);
      advanced += 1;
    } catch {
      // logged by advancePledge; the next sweep tries again
    }
  }
  return advanced;
}

export type PledgeView = {
  status: 'registering' | 'registered' | 'releasing' | 'released' | 'cancelled';
  vehicle: { make: string; model: string; year: number; plate: string };
  noticeNumber: string | null;
  registeredAt: string | null;
  release: {
    endedOn: BusinessDate;
    dueOn: BusinessDate;
    progress: PledgeReleaseStatus;
    workingDaysLeft: number;
    releaseNumber: string | null;
    releasedAt: string | null;
  } | null;
};

/** What the cabinet's view of a pledge is built from: the pledge row and its car. */
export type PledgeViewRow = Pick<
  PledgeRow,
  'status' | 'notice_number' | 'registered_at' | 'ended_on' | 'release_due_on' | 'release_number' | 'released_at'
> & { make: string; model: string; year: number; plate: string };

export function pledgeView(row: PledgeViewRow, today: BusinessDate): PledgeView {
  let releaseView: PledgeView['release'] = null;
  if (row.ended_on && row.release_due_on) {
    const progress = releaseProgress({ repaidOn: row.ended_on, filedOn: row.released_at ? moscowDate(row.released_at) : null, today });
    releaseView = {
      endedOn: row.ended_on,
      dueOn: row.release_due_on,
      progress: progress.status,
      workingDaysLeft: progress.workingDaysLeft,
      releaseNumber: row.release_number,
      releasedAt: row.released_at?.toISOString() ?? null,
    };
  }
  return {
    status: row.status,
    vehicle: { make: row.make, model: row.model, year: row.year, plate: row.plate },
    noticeNumber: row.notice_number,
    registeredAt: row.registered_at?.toISOString() ?? null,
    release: releaseView,
  };
}

/** One loan's pledge, or null (not a car loan). */
export async function findPledgeView(db: Kysely<DB>, loanId: string, today: BusinessDate): Promise<PledgeView | null> {
  const row = await db
    .selectFrom('loan_pledges as p')
    .innerJoin('application_vehicles as v', 'v.application_id', 'p.application_id')
    .select(['p.status', 'p.notice_number', 'p.registered_at', 'p.ended_on', 'p.release_due_on', 'p.release_number', 'p.released_at'])
    .select(['v.make', 'v.model', 'v.year', 'v.plate'])
    .where('p.loan_id', '=', loanId)
    .executeTakeFirst();
  return row ? pledgeView(row, today) : null;
}
