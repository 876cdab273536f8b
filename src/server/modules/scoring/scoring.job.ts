import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../../core/clock';
import { addMonths, moscowDate } from '../../../core/dates';
import { quote as priceQuote } from '../../../core/pricing/quote';
import type { Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import type { BureauProvider } from '../../providers/bureau/port';
import { ProviderError, withTimeout } from '../../providers/errors';
import type { PassportCheckProvider } from '../../providers/passport/port';
import type { Random } from '../../random';
import * as repo from '../applications/applications.repo';
import { readQuestionnaire } from '../applications/applications.service';
import type { Pricing } from '../pricing/pricing.service';
import { storedRate } from '../loyalty/loyalty.service';
import { personalProduct } from '../../../core/loyalty/personal';
import type { CarRules } from '../../../core/vehicle';
import { PledgeCheckAnswer, RestrictionsAnswer, ValuationAnswer, type VehicleChecks } from '../../providers/vehicle/port';
import * as vehiclesRepo from '../vehicles/vehicles.repo';
import { decide, type CarDecisionInput, type CheckRecord, type Decision } from './decision';
import { recordApplicationDecision } from './record-decision';

/**
 * The scoring job: one run per submitted application, durable (pg-boss), at least once. It asks the
 * providers, decides, and records the decision with a conditional update, so a second run after a
 * crash finds the application already decided and does nothing: exactly one decision, one SMS.
 *
 * Fail closed (SECURITY.md EXT-1): a timeout, an error or an answer that does not match its schema
 * is never read as a pass. The job throws so the queue retries it with backoff; the last attempt
 * (SCORING_RETRY_LIMIT + 1) sends the application to manual review instead.
 */

export const SCORING_RETRY_LIMIT = 3;
/** 218-ФЗ: a credit-history consent is good for six months. */
export const CREDIT_HISTORY_CONSENT_MONTHS = 6;

const PassportAnswer = z.object({ status: z.enum(['valid', 'invalid']) });
const SelfBanAnswer = z.object({ banned: z.boolean() });
const CreditReportAnswer = z.object({
  hasHistory: z.boolean(),
  activeLoans: z
    .array(
      z.object({
        monthlyPaymentRubles: z.number().int().min(0),
        pskPercent: z.number().min(0),
        overdueDays: z.number().int().min(0),
      }),
    )
    .max(200),
  bankruptcy: z.boolean(),
  maxOverdueDaysLastYear: z.number().int().min(0),
});

export type ScoringDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
  pricing: Pricing;
  logger: Logger;
  passportCheck: PassportCheckProvider;
  /** Every qualified bureau (self-ban); the first also gives the credit report. */
  bureaus: BureauProvider[];
  /** Pledge registry, ГИБДД and valuation lookups for a loan secured by a car. */
  vehicleChecks: VehicleChecks;
  /** What cars the lender accepts and the share of the valuation it lends (config CAR_*). */
  carRules: CarRules;
  providerTimeoutMs: number;
  /** Test-only: named points where the process kills itself (crash tests). */
  crashpoint: (name: string) => void;
};

async function ask<T>(deps: ScoringDeps, provider: string, schema: z.ZodType<T>, call: (signal: AbortSignal) => Promise<unknown>): Promise<T> {
  const answer = await withTimeout(provider, deps.providerTimeoutMs, call);
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new ProviderError(provider, 'answer does not match the expected schema');
  return parsed.data;
}

/**
 * A car loan's lookups, in parallel: the pledge registry, the ГИБДД restrictions and the valuation.
 * A valuation service that definitively has no figure for the car (a non-retryable refusal) sends
 * the application to a person; every other failure throws, to be retried like the bureaus'.
 */
async function checkCar(deps: ScoringDeps, applicationId: string): Promise<CarDecisionInput> {
  const vehicle = await vehiclesRepo.findVehicle(deps.db, applicationId);
  // Submit refuses a car application without its vehicle; a row gone since is a broken invariant.
  if (!vehicle) throw new ProviderError(deps.vehicleChecks.name, 'the application has no vehicle');
  const { vin, make, model, year, mileage_km: mileageKm } = vehicle;
  const checks = deps.vehicleChecks;
  const [pledges, restrictions, valuation] = await Promise.all([
    ask(deps, checks.name, PledgeCheckAnswer, () => checks.checkPledges(vin)),
    ask(deps, checks.name, RestrictionsAnswer, () => checks.checkRestrictions(vin)),
    ask(deps, checks.name, ValuationAnswer, () => checks.valuate({ vin, make, model, year, mileageKm })).catch((error: unknown) => {
      if (error instanceof ProviderError && !error.retryable) return null;
      throw error;
    }),
  ]);
  return { rules: deps.carRules, year, pledges, restrictions, valuation };
}

/** Asks every provider (in parallel, each bounded and schema-checked) and decides. Throws if any failed. */
async function checkAndDecide(deps: ScoringDeps, row: repo.ApplicationRow, today: string): Promise<Decision> {
  const q = readQuestionnaire(deps.keys, row);
  const catalogued = deps.pricing.product(row.product_code);
  if (!catalogued) throw new ProviderError('pricing', `product ${row.product_code} is no longer offered`);
  // Priced at the application's personal rate (modules/loyalty): the payments ПДН counts are the real ones.
  const product = personalProduct(catalogued, storedRate(row));
  const passport = { series: q.passport?.series ?? '', number: q.passport?.number ?? '' };
  const inn = q.inn ?? '';
  const [passportAnswer, selfBans, report, car] = await Promise.all([
    ask(deps, deps.passportCheck.name, PassportAnswer, () => deps.passportCheck.check(passport)),
    Promise.all(deps.bureaus.map((bureau) => ask(deps, bureau.name, SelfBanAnswer, () => bureau.selfBan(inn)))),
    ask(deps, deps.bureaus[0]!.name, CreditReportAnswer, () =>
      deps.bureaus[0]!.creditReport({
        inn,
        passportSeries: passport.series,
        passportNumber: passport.number,
        lastName: q.lastName ?? '',
        firstName: q.firstName ?? '',
        birthDate: q.birthDate ?? '',
      }),
    ),
    product.collateral === 'car' ? checkCar(deps, row.id) : undefined,
  ]);
  return decide({
    today,
    product,
    amountRubles: row.amount_rubles,
    term: row.term,
    monthlyIncomeRubles: q.employment?.monthlyIncome ?? 0,
    passportValid: passportAnswer.status === 'valid',
    selfBanned: selfBans.some((answer) => answer.banned),
    report,
    pendingReapplyAfter: await repo.pendingReapplyAfter(deps.db, row.customer_id, row.id, today),
    ...(car ? { car } : {}),
    price: (amountRubles) => {
      const result = priceQuote({ product, amountRubles, term: row.term, startDate: today, rules: deps.pricing.rules });
      return result.ok ? result.quote : null;
    },
  });
}

export function createScoringHandler(deps: ScoringDeps) {
  return async (data: Record<string, unknown>): Promise<void> => {
    const applicationId = String(data.applicationId);
    const attempt = await repo.bumpScoringAttempt(deps.db, applicationId);
    if (attempt === null) return; // already decided (a redelivered job): nothing to do
    const row = (await repo.findApplication(deps.db, applicationId))!;
    const today = moscowDate(deps.clock.now());

    // 218-ФЗ: no bureau request without a credit-history consent given within the last 6 months.
    const consents = await repo.consentsForApplication(deps.db, applicationId);
    const consentFrom = addMonths(today, -CREDIT_HISTORY_CONSENT_MONTHS);
    const hasBureauConsent = consents.some(
      (c) => c.kind === 'credit_history' && c.withdrawn_at === null && moscowDate(c.granted_at) >= consentFrom,
    );

    let decision: Decision;
    if (!hasBureauConsent) {
      decision = { status: 'manual_review', pdnPercent: null, checks: [{ name: 'credit_history_consent', outcome: 'refer', details: {} }] };
    } else {
      try {
        decision = await checkAndDecide(deps, row, today);
      } catch (error) {
        const failure: CheckRecord = {
          name: 'providers',
          outcome: 'error',
          details: { error: error instanceof ProviderError ? error.message : 'unexpected error', attempt },
        };
        deps.logger.warn({ applicationId, attempt, err: failure.details.error }, 'scoring could not complete');
        // Our own attempt counter (in the row) decides: it also counts runs a crash cut short.
        if (attempt <= SCORING_RETRY_LIMIT) {
          await deps.db.transaction().execute((trx) =>
            repo.insertScoringChecks(trx, [{ applicationId, attempt, ...failure, at: deps.clock.now() }]),
          );
          throw error; // the queue retries with backoff
        }
        decision = { status: 'manual_review', pdnPercent: null, checks: [failure] };
      }
    }

    deps.crashpoint('scoring.before_commit');
    const decided = await deps.db.transaction().execute(async (trx) => {
      const recorded = await recordApplicationDecision(trx, deps, {
        applicationId,
        customerId: row.customer_id,
        from: 'scoring',
        decision,
        attempt,
        at: deps.clock.now(),
      });
      if (recorded) await keepValuation(trx, applicationId, decision);
      return recorded;
    });
    deps.crashpoint('scoring.after_commit');
    if (decided) deps.logger.info({ applicationId, status: decision.status, attempt }, 'application decided');
  };
}

/** The valuation the decision used goes on the vehicle row: the pledge agreement states it. */
async function keepValuation(trx: Transaction<DB>, applicationId: string, decision: Decision): Promise<void> {
  const valuation = decision.checks.find((c) => c.name === 'vehicle_valuation' && c.outcome === 'pass');
  const limit = decision.checks.find((c) => c.name === 'collateral_limit');
  if (!valuation || !limit) return;
  await trx
    .updateTable('application_vehicles')
    .set({
      valuation_kopecks: valuation.details.valueKopecks as number,
      valuation_source: valuation.details.source as string,
      valued_at: new Date(valuation.details.valuedAt as string),
      valuation_share_percent: limit.details.sharePercent as number,
    })
    .where('application_id', '=', applicationId)
    .execute();
}
