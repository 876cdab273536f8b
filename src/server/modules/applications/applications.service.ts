import type { Kysely, Updateable } from 'kysely';
import type { Clock } from '../../../core/clock';
import { formatLongDate, moscowDate } from '../../../core/dates';
import type { Quote } from '../../../core/pricing/quote';
import {
  missingFields,
  validateQuestionnaire,
  type PartialQuestionnaire,
  type Passport,
} from '../../../core/questionnaire';
import type { Keys } from '../../crypto';
import type { ApplicationsTable, DB } from '../../db/schema';
import { AppError } from '../../errors';
import type { JobQueue } from '../../jobs/queue';
import { lookupHash, maskInn, maskPassport, openField, sealField } from '../../pii';
import type { Random } from '../../random';
import type { Actor } from '../auth/auth.service';
import { consentDocument, REQUIRED_CONSENTS, type ConsentKind } from '../consents/documents';
import { quoteOrNull, quoteOrThrow, type Pricing } from '../pricing/pricing.service';
import { recordOperation } from '../history/operations';
import { QUESTIONNAIRE_EMAIL_QUEUE } from '../email/email.service';
import {
  applicationPricingView,
  assertPromoCodeUsable,
  normalizePromoCode,
  personalPricing,
  pricingColumns,
  storedRate,
  type PersonalPricing,
} from '../loyalty/loyalty.service';
import * as vehicleRepo from '../vehicles/vehicles.repo';
import { vehicleStep, vehicleStepErrors, type VehicleStep } from '../vehicles/vehicle-step';
import * as repo from './applications.repo';

/**
 * Loan applications: a draft filled step by step (autosaved), consents, submit → scoring job.
 * Every function takes the actor and finds the application by (id, owner): another customer's id
 * is "not found". Personal data is sealed per field before it reaches the database.
 */

export const SCORING_QUEUE = 'applications.score';

export type ApplicationDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
  pricing: Pricing;
};

export type RequestMeta = { ip: string; userAgent: string };

/** Sealed columns and the questionnaire path each holds. */
const SEALED = {
  lastName: 'last_name_ct',
  firstName: 'first_name_ct',
  middleName: 'middle_name_ct',
  birthDate: 'birth_date_ct',
  birthPlace: 'birth_place_ct',
  registrationAddress: 'registration_address_ct',
  actualAddress: 'actual_address_ct',
  inn: 'inn_ct',
  email: 'email_ct',
} as const satisfies Record<string, keyof ApplicationsTable>;

type SealedColumn = (typeof SEALED)[keyof typeof SEALED] | 'passport_ct' | 'employer_ct';

function opener(keys: Keys, row: repo.ApplicationRow) {
  return (column: SealedColumn): string | undefined => {
    const value = row[column];
    return value ? openField(keys, { table: 'applications', column, rowId: row.id }, value) : undefined;
  };
}

/** The questionnaire as stored (decrypted). Only inside the server. */
export function readQuestionnaire(keys: Keys, row: repo.ApplicationRow): PartialQuestionnaire {
  const read = opener(keys, row);
  const q: PartialQuestionnaire = {};
  for (const [field, column] of Object.entries(SEALED) as [keyof typeof SEALED, SealedColumn][]) {
    const value = read(column);
    if (value !== undefined) (q as Record<string, unknown>)[field] = value;
  }
  const passport = read('passport_ct');
  if (passport) q.passport = JSON.parse(passport) as Partial<Passport>;
  const employment: NonNullable<PartialQuestionnaire['employment']> = {};
  if (row.employment_type) employment.type = row.employment_type;
  const employer = read('employer_ct');
  if (employer !== undefined) employment.employer = employer;
  if (row.monthly_income_rubles !== null) employment.monthlyIncome = row.monthly_income_rubles;
  if (row.income_source !== null) employment.incomeSource = row.income_source;
  if (Object.keys(employment).length) q.employment = employment;
  return q;
}

function sealChanges(keys: Keys, rowId: string, merged: PartialQuestionnaire, patch: PartialQuestionnaire): Updateable<ApplicationsTable> {
  const seal = (column: SealedColumn, value: string) => sealField(keys, { table: 'applications', column, rowId }, value);
  const changes: Updateable<ApplicationsTable> = {};
  for (const [field, column] of Object.entries(SEALED) as [keyof typeof SEALED, SealedColumn][]) {
    const value = patch[field];
    if (value !== undefined) (changes as Record<string, unknown>)[column] = value === '' ? null : seal(column, value.trim());
  }
  if (field(patch, 'inn') && merged.inn) changes.inn_hash = lookupHash(keys, 'inn', merged.inn);
  if (patch.passport) {
    changes.passport_ct = seal('passport_ct', JSON.stringify(merged.passport));
    const { series, number } = merged.passport ?? {};
    changes.passport_hash = series && number ? lookupHash(keys, 'passport', `${series}${number}`) : null;
  }
  const e = patch.employment;
  if (e) {
    if (e.type !== undefined) changes.employment_type = e.type;
    if (e.employer !== undefined) changes.employer_ct = e.employer === '' ? null : seal('employer_ct', e.employer.trim());
    if (e.monthlyIncome !== undefined) changes.monthly_income_rubles = e.monthlyIncome;
    if (e.incomeSource !== undefined) changes.income_source = e.incomeSource === '' ? null : e.incomeSource.trim();
  }
  return changes;
}

const field = (q: PartialQuestionnaire, key: keyof PartialQuestionnaire) => q[key] !== undefined;

function mergeQuestionnaire(current: PartialQuestionnaire, patch: PartialQuestionnaire): PartialQuestionnaire {
  return {
    ...current,
    ...patch,
    ...(patch.passport || current.passport ? { passport: { ...current.passport, ...patch.passport } } : {}),
    ...(patch.employment || current.employment ? { employment: { ...current.employment, ...patch.employment } } : {}),
  };
}

export type ApplicationView = {
  id: string;
  status: ApplicationsTable['status'];
  product: string;
  amount: number;
  term: number;
  createdAt: string;
  submittedAt: string | null;
  decidedAt: string | null;
  questionnaire: PartialQuestionnaire;
  missing: string[];
  consents: { kind: ConsentKind; version: string; grantedAt: string; current: boolean }[];
  offer: { product: string; amount: number; term: number; quote: Quote | null } | null;
  reapplyAfter: string | null;
  pdnWarningRequired: boolean;
  /** The personal rate this application prices with and why (null: the product's own rate). */
  pricing: ReturnType<typeof applicationPricingView>;
  /** Products secured by a car: whether the vehicle step is done (modules/vehicles); null otherwise. */
  vehicle: VehicleStep | null;
  /** A scored car application: the valuation and the share of it lent (the offer is at most that). */
  collateral: { valuationKopecks: number; sharePercent: number } | null;
};

const securedByCar = (deps: ApplicationDeps, productCode: string) => deps.pricing.product(productCode)?.collateral === 'car';

/** A car application's vehicle step (data saved, photo kinds present) and valuation, in two small queries. */
async function carOf(deps: ApplicationDeps, row: repo.ApplicationRow): Promise<{ step: VehicleStep; collateral: ApplicationView['collateral'] } | null> {
  if (!securedByCar(deps, row.product_code)) return null;
  const [vehicle, kinds] = await Promise.all([vehicleRepo.findVehicle(deps.db, row.id), vehicleRepo.photoKinds(deps.db, [row.id])]);
  const valued = vehicle?.valuation_kopecks != null && vehicle.valuation_share_percent != null;
  return {
    step: vehicleStep(vehicle !== undefined, kinds.map((k) => k.kind)),
    collateral: valued ? { valuationKopecks: vehicle.valuation_kopecks!, sharePercent: vehicle.valuation_share_percent! } : null,
  };
}

async function vehicleStepOf(deps: ApplicationDeps, row: repo.ApplicationRow): Promise<VehicleStep | null> {
  return (await carOf(deps, row))?.step ?? null;
}

/**
 * `listed`: the application as the list shows it — consents read by the caller for all at once, and
 * the questionnaire neither decrypted nor sent (only a draft's missing fields are worked out).
 */
async function view(deps: ApplicationDeps, row: repo.ApplicationRow, listed?: { consents: repo.ConsentRow[] }): Promise<ApplicationView> {
  const questionnaire = listed && row.status !== 'draft' ? {} : readQuestionnaire(deps.keys, row);
  // Once submitted, the identity documents are shown masked (full view needs a step-up later).
  const shown: PartialQuestionnaire =
    row.status === 'draft'
      ? questionnaire
      : {
          ...questionnaire,
          ...(questionnaire.passport
            ? {
                passport: {
                  ...questionnaire.passport,
                  series: undefined,
                  number: maskPassport(questionnaire.passport.series ?? '', questionnaire.passport.number ?? ''),
                },
              }
            : {}),
          ...(questionnaire.inn ? { inn: maskInn(questionnaire.inn) } : {}),
        };
  const [consents, car] = await Promise.all([listed?.consents ?? repo.consentsForApplication(deps.db, row.id), carOf(deps, row)]);
  let offer: ApplicationView['offer'] = null;
  if (row.status === 'approved' && row.offer_amount_rubles !== null && row.offer_term !== null) {
    const quote = quoteOrNull(deps.pricing, {
      product: row.product_code,
      amountRubles: row.offer_amount_rubles,
      term: row.offer_term,
      rate: storedRate(row),
    });
    offer = { product: row.product_code, amount: row.offer_amount_rubles, term: row.offer_term, quote };
  }
  return {
    id: row.id,
    status: row.status,
    product: row.product_code,
    amount: row.amount_rubles,
    term: row.term,
    createdAt: row.created_at.toISOString(),
    submittedAt: row.submitted_at?.toISOString() ?? null,
    decidedAt: row.decided_at?.toISOString() ?? null,
    questionnaire: listed ? {} : shown,
    missing: row.status === 'draft' ? missingFields(questionnaire) : [],
    consents: consents
      .filter((c) => c.withdrawn_at === null)
      .map((c) => ({
        kind: c.kind,
        version: c.document_version,
        grantedAt: c.granted_at.toISOString(),
        current: consentDocument(c.kind).version === c.document_version,
      })),
    offer,
    reapplyAfter: row.status === 'declined' ? row.reapply_after : null,
    pdnWarningRequired: row.status === 'approved' && row.pdn_percent !== null && Number(row.pdn_percent) > 50,
    pricing: applicationPricingView(deps.pricing, row),
    vehicle: car?.step ?? null,
    collateral: car?.collateral ?? null,
  };
}

/**
 * The customer's personal rate for a loan of this application today (modules/loyalty), with the
 * promo code they entered. `entered`: the code comes from this request, so an unusable one is a
 * 400 on the promo code field; a code kept from before is only re-evaluated and shown.
 */
async function pricingFor(
  deps: ApplicationDeps,
  actor: Actor,
  productCode: string,
  promoCode: string | null,
  entered: boolean,
): Promise<PersonalPricing | null> {
  const personal = await personalPricing(deps.db, deps.pricing, {
    customerId: actor.customerId,
    productCode,
    date: moscowDate(deps.clock.now()),
    promoCode,
  });
  if (entered) assertPromoCodeUsable(personal);
  return personal;
}

async function ownOrNotFound(deps: ApplicationDeps, actor: Actor, id: string): Promise<repo.ApplicationRow> {
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await repo.findOwnApplication(deps.db, actor.customerId, id) : undefined;
  if (!row) throw new AppError('not_found', 'Заявка не найдена.');
  return row;
}

const notDraft = () => new AppError('conflict', 'Заявка уже отправлена: изменить её нельзя.');

export async function createApplication(
  deps: ApplicationDeps,
  actor: Actor,
  input: { product: string; amount: number; term: number; promoCode?: string | null | undefined },
): Promise<ApplicationView> {
  quoteOrThrow(deps.pricing, { product: input.product, amountRubles: input.amount, term: input.term });
  const now = deps.clock.now();
  const today = moscowDate(now);
  const reapplyAfter = await repo.pendingReapplyAfter(deps.db, actor.customerId, '00000000-0000-0000-0000-000000000000', today);
  if (reapplyAfter) {
    throw new AppError('conflict', `Новую заявку можно подать с ${formatLongDate(reapplyAfter)}.`, { fields: { reapplyAfter } });
  }
  const open = await repo.findOpenApplication(deps.db, actor.customerId);
  if (open?.status === 'scoring') throw new AppError('conflict', 'Предыдущая заявка ещё на проверке. Дождитесь решения.');
  // A code in this request replaces the draft's; without one, the draft's code is kept.
  const promoCode = input.promoCode !== undefined ? normalizePromoCode(input.promoCode) : (open?.promo_code ?? null);
  const personal = await pricingFor(deps, actor, input.product, promoCode, input.promoCode !== undefined && promoCode !== null);
  const priced = { ...pricingColumns(personal), promo_code: promoCode };
  if (open) {
    // One draft at a time: a new pick from the calculator updates the draft in progress.
    await repo.updateDraft(deps.db, open.id, { product_code: input.product, amount_rubles: input.amount, term: input.term, ...priced, updated_at: now });
    return view(deps, (await repo.findApplication(deps.db, open.id))!);
  }
  const id = deps.random.uuid();
  // A returning borrower does not type the passport again: the new draft starts with the
  // questionnaire of their latest application, sealed afresh for this row; they check it and go on.
  const previous = await repo.latestFilledApplication(deps.db, actor.customerId);
  const copied = previous ? readQuestionnaire(deps.keys, previous) : {};
  try {
    await repo.insertApplication(deps.db, {
      id,
      customer_id: actor.customerId,
      status: 'draft',
      product_code: input.product,
      amount_rubles: input.amount,
      term: input.term,
      ...priced,
      ...sealChanges(deps.keys, id, copied, copied),
      pii_key_id: deps.keys.fieldKeyId,
      created_at: now,
      updated_at: now,
    });
  } catch (error) {
    // Two parallel creates: the unique "one open application" index lets one through.
    const existing = await repo.findOpenApplication(deps.db, actor.customerId);
    if (existing) return view(deps, existing);
    throw error;
  }
  return view(deps, (await repo.findApplication(deps.db, id))!);
}

export async function getApplication(deps: ApplicationDeps, actor: Actor, id: string): Promise<ApplicationView> {
  return view(deps, await ownOrNotFound(deps, actor, id));
}

/** The list leaves the questionnaire out: a list has no business carrying passports around. */
export async function listApplications(deps: ApplicationDeps, actor: Actor): Promise<ApplicationView[]> {
  const rows = await repo.listOwnApplications(deps.db, actor.customerId);
  const consents = await repo.consentsForApplications(deps.db, rows.map((row) => row.id));
  return Promise.all(rows.map((row) => view(deps, row, { consents: consents.filter((c) => c.application_id === row.id) })));
}

export async function updateApplication(
  deps: ApplicationDeps,
  actor: Actor,
  id: string,
  patch: PartialQuestionnaire & { product?: string; amount?: number; term?: number; promoCode?: string | null },
): Promise<ApplicationView> {
  const row = await ownOrNotFound(deps, actor, id);
  if (row.status !== 'draft') throw notDraft();
  const { product, amount, term, promoCode: promoPatch, ...questionnairePatch } = patch;
  const today = moscowDate(deps.clock.now());
  const merged = mergeQuestionnaire(readQuestionnaire(deps.keys, row), questionnairePatch);
  // Check the patch, and the cross-field rules (issue date vs birth date) on the merged draft.
  const errors = validateQuestionnaire(questionnairePatch, today);
  const mergedErrors = validateQuestionnaire(merged, today);
  if (questionnairePatch.birthDate !== undefined || questionnairePatch.passport?.issuedAt !== undefined) {
    if (mergedErrors['passport.issuedAt']) errors['passport.issuedAt'] = mergedErrors['passport.issuedAt'];
  }
  const loanChange = product !== undefined || amount !== undefined || term !== undefined;
  if (loanChange) {
    try {
      quoteOrThrow(deps.pricing, { product: product ?? row.product_code, amountRubles: amount ?? row.amount_rubles, term: term ?? row.term });
    } catch (error) {
      if (error instanceof AppError && error.details.fields) Object.assign(errors, error.details.fields);
      else throw error;
    }
  }
  let priced: ReturnType<typeof pricingColumns> & { promo_code: string | null } | null = null;
  if ((loanChange || promoPatch !== undefined) && !errors.product) {
    const promoCode = promoPatch !== undefined ? normalizePromoCode(promoPatch) : row.promo_code;
    try {
      const personal = await pricingFor(deps, actor, product ?? row.product_code, promoCode, promoPatch !== undefined && promoCode !== null);
      priced = { ...pricingColumns(personal), promo_code: promoCode };
    } catch (error) {
      if (error instanceof AppError && error.details.fields) Object.assign(errors, error.details.fields);
      else throw error;
    }
  }
  if (Object.keys(errors).length) throw new AppError('validation_failed', undefined, { fields: errors });

  const changes: Updateable<ApplicationsTable> = { ...sealChanges(deps.keys, row.id, merged, questionnairePatch), ...priced };
  if (product !== undefined) changes.product_code = product;
  if (amount !== undefined) changes.amount_rubles = amount;
  if (term !== undefined) changes.term = term;
  changes.updated_at = deps.clock.now();
  if (!(await repo.updateDraft(deps.db, row.id, changes))) throw notDraft();
  return view(deps, (await repo.findApplication(deps.db, row.id))!);
}

export async function grantConsents(
  deps: ApplicationDeps,
  actor: Actor,
  id: string,
  kinds: ConsentKind[],
  meta: RequestMeta,
): Promise<ApplicationView> {
  const row = await ownOrNotFound(deps, actor, id);
  if (row.status !== 'draft') throw notDraft();
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await repo.insertConsents(
      trx,
      [...new Set(kinds)].map((kind) => ({
        id: deps.random.uuid(),
        customer_id: actor.customerId,
        application_id: row.id,
        kind,
        document_version: consentDocument(kind).version,
        granted_at: now,
        ip: meta.ip,
        user_agent: meta.userAgent.slice(0, 500),
      })),
    );
  });
  return view(deps, (await repo.findApplication(deps.db, row.id))!);
}

/**
 * Sends the application to scoring: all required fields and the current version of every required
 * consent must be there, and the loan must still be priceable today. One transaction flips the
 * status (only from draft, so a double click submits once) and enqueues the scoring job.
 */
export async function submitApplication(deps: ApplicationDeps, actor: Actor, id: string): Promise<ApplicationView> {
  const row = await ownOrNotFound(deps, actor, id);
  if (row.status !== 'draft') throw new AppError('conflict', 'Заявка уже отправлена.');
  const questionnaire = readQuestionnaire(deps.keys, row);
  const fields: Record<string, string> = {};
  for (const path of missingFields(questionnaire)) fields[path] = 'Заполните это поле.';
  const errors = validateQuestionnaire(questionnaire, moscowDate(deps.clock.now()));
  Object.assign(fields, errors);
  const granted = new Set(
    (await repo.consentsForApplication(deps.db, row.id))
      .filter((c) => c.withdrawn_at === null && consentDocument(c.kind).version === c.document_version)
      .map((c) => c.kind),
  );
  for (const kind of REQUIRED_CONSENTS) if (!granted.has(kind)) fields[`consents.${kind}`] = `Нужно согласие: «${consentDocument(kind).title}».`;
  // A loan secured by a car needs the car's data and every required photo (modules/vehicles).
  const vehicle = await vehicleStepOf(deps, row);
  const vehicleErrors = vehicle && !vehicle.complete ? vehicleStepErrors(vehicle) : null;
  if (vehicleErrors) Object.assign(fields, vehicleErrors.fields);
  // The personal rate as of today goes with the application to scoring and stays with it from the decision on.
  const personal = await pricingFor(deps, actor, row.product_code, row.promo_code, false);
  try {
    quoteOrThrow(deps.pricing, { product: row.product_code, amountRubles: row.amount_rubles, term: row.term, rate: personal?.rate });
  } catch (error) {
    if (error instanceof AppError && error.details.fields) Object.assign(fields, error.details.fields);
    else throw error;
  }
  if (Object.keys(fields).length) {
    const onlyVehicle = vehicleErrors && Object.keys(fields).every((key) => key in vehicleErrors.fields);
    const message = onlyVehicle
      ? `Заявку пока нельзя отправить. ${vehicleErrors.summary}`
      : `Анкета заполнена не полностью: проверьте отмеченные поля.${vehicleErrors ? ` ${vehicleErrors.summary}` : ''}`;
    throw new AppError('conflict', message, { fields });
  }
  const submitted = await deps.db.transaction().execute(async (trx) => {
    if (!(await repo.updateDraft(trx, row.id, pricingColumns(personal)))) return false;
    if (!(await repo.markSubmitted(trx, row.id, deps.clock.now()))) return false;
    await deps.jobs.enqueue(trx, SCORING_QUEUE, { applicationId: row.id });
    // An email in the questionnaire becomes the profile address (to confirm) if there is none yet.
    if (questionnaire.email) await deps.jobs.enqueue(trx, QUESTIONNAIRE_EMAIL_QUEUE, { applicationId: row.id });
    await recordOperation(trx, deps.random, {
      customerId: actor.customerId,
      at: deps.clock.now(),
      type: 'application',
      title: 'Заявка на займ отправлена',
      amountKopecks: row.amount_rubles === null ? null : row.amount_rubles * 100,
      status: 'submitted',
      ref: row.id,
    });
    return true;
  });
  if (!submitted) throw new AppError('conflict', 'Заявка уже отправлена.');
  return view(deps, (await repo.findApplication(deps.db, row.id))!);
}
