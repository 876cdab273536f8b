import { moscowDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import { maskPhone } from '../../../core/phone';
import { quote as priceQuote, type Quote } from '../../../core/pricing/quote';
import { personalProduct } from '../../../core/loyalty/personal';
import type { Product } from '../../../core/pricing/products';
import { collateralLimitRubles } from '../../../core/vehicle';
import * as vehiclesRepo from '../vehicles/vehicles.repo';
import { AppError } from '../../errors';
import * as applicationsRepo from '../applications/applications.repo';
import { getApplication, readQuestionnaire, type ApplicationView } from '../applications/applications.service';
import { recordAudit } from '../audit/audit.service';
import type { Actor } from '../auth/auth.service';
import {
  incomeForPdn,
  monthlyPaymentRubles,
  PDN_MAX_PERCENT,
  pdnPercent,
  reapplyAfterFor,
  type CheckRecord,
  type Decision,
} from '../scoring/decision';
import { storedRate } from '../loyalty/loyalty.service';
import { recordApplicationDecision } from '../scoring/record-decision';
import type { RequestMeta, StaffActor } from '../staff/staff.service';
import { vehiclesByApplication } from './collateral.service';
import type { BackofficeDeps } from './deps';
import { fullNameOf, maskedPassportOf, type ApplicationRow } from './people';
import * as repo from './review.repo';
import type { DecisionInput } from './review.schemas';

/**
 * Manual review (docs/backoffice.md): the queue of applications the robot handed to a person, an
 * application with every check the robot made (and, for a car loan, the car with its valuation and
 * photos), and the underwriter's decision. The decision goes
 * through the robot's own `recordApplicationDecision`, so the customer gets the same status, SMS and
 * history entry; the underwriter's name goes into `decided_by` and the comment into the audit log.
 */

/** The check a person's decision adds to the robot's checks. */
export const UNDERWRITER_CHECK = 'underwriter';

const reasonsOf = (row: ApplicationRow): string[] =>
  Array.isArray(row.decision_reasons) ? (row.decision_reasons as unknown[]).filter((r): r is string => typeof r === 'string') : [];

const iso = (date: Date | null) => date?.toISOString() ?? null;

function item(row: ApplicationRow) {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    submittedAt: iso(row.submitted_at),
    productCode: row.product_code,
    amountRubles: row.amount_rubles,
    term: row.term,
    reasons: reasonsOf(row),
  };
}

export async function reviewQueue(deps: BackofficeDeps) {
  return (await repo.manualReviewQueue(deps.db)).map(item);
}

async function applicationOrNotFound(deps: BackofficeDeps, id: string): Promise<ApplicationRow> {
  const row = await applicationsRepo.findApplication(deps.db, id);
  if (!row) throw new AppError('not_found', 'Заявка не найдена.');
  return row;
}

export async function reviewDetail(deps: BackofficeDeps, id: string) {
  const row = await applicationOrNotFound(deps, id);
  const q = readQuestionnaire(deps.keys, row);
  const [checks, phone, decidedBy, vehicles] = await Promise.all([
    repo.scoringChecks(deps.db, row.id),
    repo.customerPhone(deps.db, row.customer_id),
    row.decided_by ? repo.staffMember(deps.db, row.decided_by) : Promise.resolve(undefined),
    vehiclesByApplication(deps, [row.id]),
  ]);
  const product = deps.pricing.product(row.product_code);
  return {
    ...item(row),
    decidedAt: iso(row.decided_at),
    decidedBy: decidedBy ? { id: decidedBy.id, email: decidedBy.email, fullName: decidedBy.full_name } : null,
    offerAmountRubles: row.offer_amount_rubles,
    reapplyAfter: row.reapply_after,
    checks: checks.map((c) => ({
      name: c.check_name,
      outcome: c.outcome,
      details: c.details && typeof c.details === 'object' ? (c.details as Record<string, unknown>) : {},
      attempt: c.attempt,
      at: c.checked_at.toISOString(),
    })),
    pdnPercent: row.pdn_percent === null ? null : Number(row.pdn_percent),
    monthlyIncomeRubles: row.monthly_income_rubles,
    applicant: {
      fullName: fullNameOf(q),
      birthDate: q.birthDate ?? null,
      passport: maskedPassportOf(q),
      phone: phone ? maskPhone(phone.phone) : '***',
    },
    // A product no longer offered cannot be approved: its range is empty.
    maxAmountRubles: product?.amount.maxRubles ?? 0,
    minAmountRubles: product?.amount.minRubles ?? 0,
    amountStepRubles: product?.amount.stepRubles ?? 0,
    vehicle: vehicles.get(row.id) ?? null,
  };
}

const notInReview = () => new AppError('conflict', 'Решение по этой заявке уже принято или она не на ручной проверке.');
const amountError = (message: string) => new AppError('validation_failed', message, { fields: { amountRubles: message } });

/**
 * The other loans' monthly payments the robot counted (the bureau's figure, kept with the ПДН
 * check). Older checks lack the figure: it is recovered from the ПДН the robot computed for the
 * requested amount. Without any ПДН check (the bureau never answered) it is unknown: null.
 */
async function otherDebtRubles(deps: BackofficeDeps, row: ApplicationRow, price: (amount: number) => Quote | null): Promise<number | null> {
  const check = await repo.latestPdnCheck(deps.db, row.id);
  const details = (check?.details ?? {}) as Record<string, unknown>;
  if (typeof details.otherDebtRubles === 'number') return details.otherDebtRubles;
  if (typeof details.pdnPercent === 'number' && typeof details.incomeUsed === 'number') {
    const requested = price(row.amount_rubles);
    if (requested) return Math.max(0, Math.round((details.pdnPercent * details.incomeUsed) / 100) - monthlyPaymentRubles(requested));
  }
  return null;
}

/**
 * A car loan is at most the rules' share of the car's valuation, whoever approves it: the valuation
 * the scoring kept, or — when the service had none — the underwriter's, which is then kept the same
 * way (the pledge agreement states it). Returns the valuation to keep, or null when the scoring's stands.
 */
async function collateralCap(
  deps: BackofficeDeps,
  row: ApplicationRow,
  product: Product,
  amountRubles: number,
  valuationRubles: number | undefined,
): Promise<{ valuationKopecks: number; sharePercent: number } | null> {
  if (product.collateral !== 'car') return null;
  const vehicle = await vehiclesRepo.findVehicle(deps.db, row.id);
  if (!vehicle) throw new AppError('conflict', 'В заявке нет автомобиля: её можно только отклонить.');
  const kept = vehicle.valuation_kopecks;
  const valuationKopecks = kept ?? (valuationRubles === undefined ? null : valuationRubles * 100);
  if (valuationKopecks === null) {
    const message = 'Сервис оценки не оценил автомобиль: укажите оценку в рублях.';
    throw new AppError('validation_failed', message, { fields: { valuationRubles: message } });
  }
  const sharePercent = kept === null ? deps.carRules.valuationSharePercent : (vehicle.valuation_share_percent ?? deps.carRules.valuationSharePercent);
  const limit = collateralLimitRubles({ valuationKopecks, sharePercent, product, requestedRubles: amountRubles });
  if ('declined' in limit) throw amountError(limit.reason);
  if (limit.approvedRubles < amountRubles) {
    throw amountError(`Под залог этого автомобиля — не больше ${formatRubles(limit.approvedRubles * 100)} (${sharePercent}\u00a0% оценки ${formatRubles(valuationKopecks)}).`);
  }
  return kept === null ? { valuationKopecks, sharePercent } : null;
}

/** Checks an approval the way the robot prices its offers: the product, the law, ПДН ≤ 80 %. */
async function approval(
  deps: BackofficeDeps,
  row: ApplicationRow,
  amountRubles: number,
  today: string,
  valuationRubles?: number,
): Promise<{ decision: Extract<Decision, { status: 'approved' }>; valuation: { valuationKopecks: number; sharePercent: number } | null }> {
  const catalogued = deps.pricing.product(row.product_code);
  if (!catalogued) throw new AppError('conflict', 'Этот продукт больше не выдаётся: заявку можно только отклонить.');
  // The application's personal rate (modules/loyalty), as the robot priced it.
  const product = personalProduct(catalogued, storedRate(row));
  if (amountRubles > row.amount_rubles) throw amountError(`Не больше запрошенной суммы: ${formatRubles(row.amount_rubles * 100)}.`);
  const { minRubles, maxRubles, stepRubles } = product.amount;
  if (amountRubles < minRubles || amountRubles > maxRubles) {
    throw amountError(`Сумма по продукту — от ${formatRubles(minRubles * 100)} до ${formatRubles(maxRubles * 100)}.`);
  }
  if (amountRubles !== row.amount_rubles && (amountRubles - minRubles) % stepRubles !== 0) {
    throw amountError(`Сумма — с шагом ${formatRubles(stepRubles * 100)} (или ровно запрошенная).`);
  }
  const valuation = await collateralCap(deps, row, product, amountRubles, valuationRubles);
  const price = (amount: number) => {
    const result = priceQuote({ product, amountRubles: amount, term: row.term, startDate: today, rules: deps.pricing.rules });
    return result.ok ? result.quote : null;
  };
  const result = priceQuote({ product, amountRubles, term: row.term, startDate: today, rules: deps.pricing.rules });
  if (!result.ok) {
    if (result.errors.amount) throw amountError(result.errors.amount);
    throw new AppError('conflict', 'На таких условиях заём сегодня выдать нельзя: заявку можно только отклонить.');
  }
  const income = incomeForPdn(amountRubles, row.monthly_income_rubles ?? 0);
  if (income <= 0) throw amountError('В анкете нет дохода: ПДН не посчитать, одобрить нельзя.');
  const otherDebt = await otherDebtRubles(deps, row, price);
  const pdn = pdnPercent((otherDebt ?? 0) + monthlyPaymentRubles(result.quote), income);
  if (pdn > PDN_MAX_PERCENT) {
    throw amountError(`С этой суммой ПДН — ${pdn.toLocaleString('ru-RU')} %, больше ${PDN_MAX_PERCENT} %: уменьшите сумму.`);
  }
  const check: CheckRecord = {
    name: UNDERWRITER_CHECK,
    outcome: 'pass',
    details: { amountRubles, pdnPercent: pdn, incomeUsed: income, otherDebtRubles: otherDebt, otherDebtKnown: otherDebt !== null },
  };
  return { decision: { status: 'approved', amountRubles, term: row.term, pdnPercent: pdn, checks: [check] }, valuation };
}

/** The customer's own view of their application, minus the questionnaire (staff reveal it on purpose). */
async function customerView(deps: BackofficeDeps, row: ApplicationRow): Promise<ApplicationView> {
  // getApplication reads only the owner's id from the actor.
  const owner = { kind: 'customer', customerId: row.customer_id, sessionId: '', phone: '', customerCreatedAt: new Date(0) } satisfies Actor;
  return { ...(await getApplication(deps, owner, row.id)), questionnaire: {} };
}

export async function decideApplication(deps: BackofficeDeps, staff: StaffActor, id: string, input: DecisionInput, meta: RequestMeta): Promise<ApplicationView> {
  const row = await applicationOrNotFound(deps, id);
  if (row.status !== 'manual_review') throw notInReview();
  const now = deps.clock.now();
  const today = moscowDate(now);
  let decision: Decision;
  let valuation: Awaited<ReturnType<typeof approval>>['valuation'] = null;
  if (input.decision === 'approve') {
    ({ decision, valuation } = await approval(deps, row, input.amountRubles, today, input.valuationRubles));
  } else {
    const pending = await applicationsRepo.pendingReapplyAfter(deps.db, row.customer_id, row.id, today);
    decision = {
      status: 'declined',
      reapplyAfter: reapplyAfterFor(today, pending),
      pdnPercent: row.pdn_percent === null ? null : Number(row.pdn_percent),
      checks: [{ name: UNDERWRITER_CHECK, outcome: 'fail', details: {} }],
    };
  }
  const reasons = reasonsOf(row);
  await deps.db.transaction().execute(async (trx) => {
    const decided = await recordApplicationDecision(trx, deps, {
      applicationId: row.id,
      customerId: row.customer_id,
      from: 'manual_review',
      decision,
      attempt: row.scoring_attempts,
      // Why the robot referred it stays; a person's refusal adds itself.
      reasons: decision.status === 'declined' ? [...new Set([...reasons, UNDERWRITER_CHECK])] : reasons,
      decidedBy: staff.staffId,
      at: now,
    });
    // Another underwriter was first: this transaction rolls back and writes nothing.
    if (!decided) throw notInReview();
    if (valuation) {
      await trx
        .updateTable('application_vehicles')
        .set({ valuation_kopecks: valuation.valuationKopecks, valuation_source: `underwriter:${staff.staffId}`, valued_at: now, valuation_share_percent: valuation.sharePercent })
        .where('application_id', '=', row.id)
        .execute();
    }
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'application.decided',
      entity: { type: 'application', id: row.id },
      reason: input.comment,
      from: meta,
      details: {
        decision: input.decision,
        customerId: row.customer_id,
        ...(decision.status === 'approved'
          ? { amountRubles: decision.amountRubles, term: decision.term, pdnPercent: decision.pdnPercent, ...(valuation ? { valuationKopecks: valuation.valuationKopecks } : {}) }
          : decision.status === 'declined'
            ? { reapplyAfter: decision.reapplyAfter }
            : {}),
      },
    });
  });
  return customerView(deps, row);
}
