import { z } from 'zod';
import { isBusinessDate } from '../../../core/dates';
import { MAX_KOPECKS } from '../../../core/money';
import { ProviderError } from '../errors';

/**
 * Loans secured by a car (залог ПТС): what the outside world tells us about the car, and the notary
 * filing that makes the pledge visible to anyone who buys it.
 *
 * `VehicleChecks`, asked before the decision:
 * - `checkPledges`: the Federal Notary Chamber's registry of movable property pledges
 *   (reestr-zalogov.ru) searched by VIN — the current notices, by anyone (an earlier pledgee ranks
 *   before us, ГК РФ ст. 342);
 * - `checkRestrictions`: the ГИБДД check — wanted, arrest, registration ban;
 * - `valuate`: a market valuation service.
 *
 * `PledgeRegistry`, after signing and after the loan is repaid: the notice of a pledge
 * (уведомление о возникновении залога) and the notice that excludes it (об исключении сведений),
 * filed with a notary. Both are idempotent by `idempotencyKey`: the same key gets the first answer
 * again and never a second notice, so a job that crashed or timed out retries with the same key.
 * Use a different key per operation (e.g. `${loanId}:pledge`, `${loanId}:release`).
 *
 * Failures, as for the other ports: an adapter throws `ProviderError` on timeouts, 5xx and answers
 * it cannot read (retryable: the outcome is unknown), and a non-retryable one on a definitive
 * refusal. The caller bounds every call with `withTimeout(provider, providerTimeoutMs, …)` and
 * checks the answer against the schemas below (as scoring does for the bureaus): the sandboxes'
 * `malformed` switch returns answers that fail them. A timed-out `registerPledge` may have been
 * registered: only a retry with the same key tells.
 *
 * No real adapter yet. It is to be written against the vendor's documented API (the notary
 * chamber's gateway or an accredited intermediary for filing; a data vendor for the checks and the
 * valuation) and tested against a local fake server, as `payouts/yookassa.ts` is.
 */

/** A registration number in the pledge registry: year, then 3, 6 and 3 digits (`2026-012-345678-901`). */
export const PLEDGE_NOTICE_NUMBER_RE = /^\d{4}-\d{3}-\d{6}-\d{3}$/;

export type PledgeNotice = {
  /** The registry's number of the notice, `PLEDGE_NOTICE_NUMBER_RE`. */
  number: string;
  /** `YYYY-MM-DD`, the registry's (Moscow) date. */
  registeredOn: string;
  /** The pledgee as the notice names it. */
  pledgee: string;
};

export type PledgeCheck = {
  /** True when at least one current (not excluded) notice names this VIN. */
  pledged: boolean;
  /** The current notices, oldest first. */
  notices: PledgeNotice[];
};

export type VehicleRestriction = 'arrest' | 'registration_ban' | 'wanted';

export type RestrictionsCheck = {
  /** The car is on the wanted list; then `restrictions` holds 'wanted' too. */
  wanted: boolean;
  restrictions: VehicleRestriction[];
};

export type ValuationRequest = { vin: string; make: string; model: string; year: number; mileageKm: number };

export type Valuation = {
  /** Market value, whole kopecks. */
  valueKopecks: number;
  /** Who valued it (service and method), kept with the decision. */
  source: string;
  valuedAt: Date;
};

export type VehicleChecks = {
  readonly name: string;
  checkPledges: (vin: string) => Promise<PledgeCheck>;
  checkRestrictions: (vin: string) => Promise<RestrictionsCheck>;
  valuate: (input: ValuationRequest) => Promise<Valuation>;
};

export type Pledgor = {
  fullName: string;
  /** `YYYY-MM-DD`. */
  birthDate: string;
  /** Series and number as printed, e.g. `4510 123456`. */
  passport: string;
};

export type RegisterPledgeRequest = {
  idempotencyKey: string;
  vin: string;
  pledgor: Pledgor;
  /** The lender as the notice names it. */
  pledgee: string;
  contractNumber: string;
  /** `YYYY-MM-DD`. */
  contractDate: string;
  /** The secured amount, whole kopecks. */
  amountKopecks: number;
};

export type PledgeRegistration = { noticeNumber: string; registeredAt: Date };

export type ReleasePledgeRequest = { idempotencyKey: string; noticeNumber: string };

/** The exclusion notice has a registry number of its own, in the same format. */
export type PledgeRelease = { releaseNumber: string; releasedAt: Date };

export type PledgeRegistry = {
  readonly name: string;
  registerPledge: (input: RegisterPledgeRequest) => Promise<PledgeRegistration>;
  releasePledge: (input: ReleasePledgeRequest) => Promise<PledgeRelease>;
};

/**
 * Why the registry refused, definitively (retrying the same request gets the same refusal):
 * - `invalid_request`: a field the notary would not accept (VIN, dates, amount, empty names);
 * - `idempotency_conflict`: the key was used before with different data (a bug on our side);
 * - `unknown_notice`: no such notice to exclude;
 * - `already_released`: the notice was excluded before, under another key.
 */
export type PledgeRegistryRefusalReason = 'invalid_request' | 'idempotency_conflict' | 'unknown_notice' | 'already_released';

export class PledgeRegistryRefusal extends ProviderError {
  constructor(
    provider: string,
    readonly reason: PledgeRegistryRefusalReason,
    message: string,
  ) {
    super(provider, message, { retryable: false });
    this.name = 'PledgeRegistryRefusal';
  }
}

// Answer schemas: the caller parses every answer with them (a mismatch is a retryable ProviderError).

const businessDate = z.string().refine(isBusinessDate, 'not a date');
const noticeNumber = z.string().regex(PLEDGE_NOTICE_NUMBER_RE);

export const PledgeCheckAnswer = z
  .object({
    pledged: z.boolean(),
    notices: z.array(z.object({ number: noticeNumber, registeredOn: businessDate, pledgee: z.string().min(1) })).max(100),
  })
  .refine((answer) => answer.pledged === answer.notices.length > 0, 'pledged must agree with the notices');

export const RestrictionsAnswer = z
  .object({
    wanted: z.boolean(),
    restrictions: z.array(z.enum(['arrest', 'registration_ban', 'wanted'])).max(10),
  })
  .refine((answer) => answer.wanted === answer.restrictions.includes('wanted'), 'wanted must agree with the restrictions');

export const ValuationAnswer = z.object({
  valueKopecks: z.number().int().positive().max(MAX_KOPECKS),
  source: z.string().min(1),
  valuedAt: z.date(),
});

export const PledgeRegistrationAnswer = z.object({ noticeNumber, registeredAt: z.date() });

export const PledgeReleaseAnswer = z.object({ releaseNumber: noticeNumber, releasedAt: z.date() });
