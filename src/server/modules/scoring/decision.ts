import { addDays, type BusinessDate } from '../../../core/dates';
import type { Product } from '../../../core/pricing/products';
import type { Quote } from '../../../core/pricing/quote';
import { collateralLimitRubles, evaluateCar, type CarRules } from '../../../core/vehicle';
import type { CreditReport } from '../../providers/bureau/port';
import type { PledgeCheck, RestrictionsCheck, Valuation } from '../../providers/vehicle/port';

/**
 * The credit decision, as a pure function of what the checks returned. Reasons are stored for
 * staff; the borrower only ever sees the outcome and the date a new application is possible
 * (353-ФЗ ст. 7 ч. 5: a refusal needs no reasons).
 */

export const REAPPLY_AFTER_DAYS = 7;
/** ПДН above this → the contract step needs the signed warning (601-ФЗ). */
export const PDN_WARNING_PERCENT = 50;
/** ПДН above this → we lend less (counter-offer) or not at all. */
export const PDN_MAX_PERCENT = 80;
/** 545-ФЗ (from 2026-10-01): no loan with ПСК above 200 % to a holder of 2+ such unpaid loans. */
export const EXPENSIVE_PSK_PERCENT = 200;
export const EXPENSIVE_LOANS_LIMIT = 2;
export const EXPENSIVE_RULE_FROM: BusinessDate = '2026-10-01';
/**
 * Loans up to 50 000 ₽ (from 2026-01-01): income counts as the lower of the declared figure and the
 * regional average (Rosstat). Placeholder for Moscow until the lender configures its regions.
 */
export const SMALL_LOAN_LIMIT_RUBLES = 50_000;
export const REGIONAL_AVERAGE_INCOME_RUBLES = 97_000;
/** With no credit history we lend at most this much on a payday loan, and refer the rest. */
export const THIN_FILE_MAX_RUBLES = 15_000;

export type CheckOutcome = 'pass' | 'fail' | 'refer' | 'error';
export type CheckRecord = { name: string; outcome: CheckOutcome; details: Record<string, unknown> };

export type DecisionInput = {
  today: BusinessDate;
  product: Product;
  amountRubles: number;
  term: number;
  monthlyIncomeRubles: number;
  passportValid: boolean;
  selfBanned: boolean;
  report: CreditReport;
  /** An earlier decline whose reapply date has not come yet. */
  pendingReapplyAfter: BusinessDate | null;
  /** Prices a candidate amount (the requested one, or a smaller counter-offer). */
  price: (amountRubles: number) => Quote | null;
  /** A loan secured by a car: the car, what the checks said, and the lender's rules for cars. */
  car?: CarDecisionInput;
};

export type CarDecisionInput = {
  rules: CarRules;
  /** Model year, from the vehicle step. */
  year: number;
  pledges: PledgeCheck;
  restrictions: RestrictionsCheck;
  /** Null when the valuation service had no figure for this car: a person values it. */
  valuation: Valuation | null;
};

export type Decision =
  | { status: 'approved'; amountRubles: number; term: number; pdnPercent: number; checks: CheckRecord[] }
  | { status: 'declined'; reapplyAfter: BusinessDate; pdnPercent: number | null; checks: CheckRecord[] }
  | { status: 'manual_review'; pdnPercent: number | null; checks: CheckRecord[] };

/** The loan's cost per month, for ПДН: total to repay spread over its months (at least one). */
export function monthlyPaymentRubles(quote: Quote): number {
  return Math.ceil((quote.totalKopecks * 30) / Math.max(quote.termDays, 30) / 100);
}

export function pdnPercent(monthlyDebtRubles: number, incomeRubles: number): number {
  return Math.round((monthlyDebtRubles / incomeRubles) * 10_000) / 100;
}

/** Income counted for ПДН: up to 50 000 ₽ the lower of the declared figure and the regional average. */
export function incomeForPdn(amountRubles: number, declaredIncomeRubles: number): number {
  return amountRubles <= SMALL_LOAN_LIMIT_RUBLES ? Math.min(declaredIncomeRubles, REGIONAL_AVERAGE_INCOME_RUBLES) : declaredIncomeRubles;
}

/** After a decline: an earlier decline's date still ahead stands, else a week from today. */
export function reapplyAfterFor(today: BusinessDate, pendingReapplyAfter: BusinessDate | null): BusinessDate {
  return pendingReapplyAfter ?? addDays(today, REAPPLY_AFTER_DAYS);
}

export function decide(input: DecisionInput): Decision {
  const checks: CheckRecord[] = [];
  const declined = (pdn: number | null = null): Decision => ({
    status: 'declined',
    reapplyAfter: reapplyAfterFor(input.today, input.pendingReapplyAfter),
    pdnPercent: pdn,
    checks,
  });

  checks.push({ name: 'passport', outcome: input.passportValid ? 'pass' : 'fail', details: {} });
  checks.push({ name: 'self_ban', outcome: input.selfBanned ? 'fail' : 'pass', details: {} });
  const { report } = input;
  checks.push({ name: 'bankruptcy', outcome: report.bankruptcy ? 'fail' : 'pass', details: {} });
  const worstOverdue = Math.max(report.maxOverdueDaysLastYear, ...report.activeLoans.map((l) => l.overdueDays), 0);
  checks.push({ name: 'overdue', outcome: worstOverdue > 30 ? 'fail' : 'pass', details: { worstOverdueDays: worstOverdue } });
  checks.push({
    name: 'own_history',
    outcome: input.pendingReapplyAfter ? 'fail' : 'pass',
    details: input.pendingReapplyAfter ? { reapplyAfter: input.pendingReapplyAfter } : {},
  });
  if (checks.some((c) => c.outcome === 'fail')) return declined();

  let amount = input.amountRubles;
  if (input.car) {
    const secured = securedAmount(input, input.car, checks);
    if (secured === 'declined') return declined();
    if (secured === 'refer') return { status: 'manual_review', pdnPercent: null, checks };
    amount = secured;
  }

  const requested = input.price(amount);
  if (!requested) {
    checks.push({ name: 'pricing', outcome: 'fail', details: { reason: 'the requested loan cannot be priced today' } });
    return declined();
  }

  const expensive = report.activeLoans.filter((l) => l.pskPercent > EXPENSIVE_PSK_PERCENT).length;
  const expensiveRule = input.today >= EXPENSIVE_RULE_FROM && requested.pskPercent > EXPENSIVE_PSK_PERCENT;
  checks.push({
    name: 'expensive_loans_545fz',
    outcome: expensiveRule && expensive >= EXPENSIVE_LOANS_LIMIT ? 'fail' : 'pass',
    details: { expensiveLoans: expensive, requestedPskPercent: requested.pskPercent },
  });
  if (expensiveRule && expensive >= EXPENSIVE_LOANS_LIMIT) return declined();

  const income = incomeForPdn(amount, input.monthlyIncomeRubles);
  const otherDebt = report.activeLoans.reduce((sum, l) => sum + l.monthlyPaymentRubles, 0);
  const pdnFor = (quote: Quote) => pdnPercent(otherDebt + monthlyPaymentRubles(quote), income);

  let pdn = pdnFor(requested);
  if (pdn > PDN_MAX_PERCENT) {
    // The largest amount on the product's step that keeps ПДН within the limit, if any.
    const { minRubles, stepRubles } = input.product.amount;
    let candidate = minRubles + Math.floor((amount - 1 - minRubles) / stepRubles) * stepRubles;
    let found: number | null = null;
    while (candidate >= minRubles) {
      const quote = input.price(candidate);
      if (quote && pdnFor(quote) <= PDN_MAX_PERCENT) {
        found = candidate;
        pdn = pdnFor(quote);
        break;
      }
      candidate -= stepRubles;
    }
    checks.push({ name: 'pdn', outcome: found ? 'pass' : 'fail', details: { pdnPercent: pdnFor(requested), counterOfferRubles: found, incomeUsed: income, otherDebtRubles: otherDebt } });
    if (found === null) return declined(pdnFor(requested));
    amount = found;
  } else {
    checks.push({ name: 'pdn', outcome: 'pass', details: { pdnPercent: pdn, incomeUsed: income, otherDebtRubles: otherDebt, warningRequired: pdn > PDN_WARNING_PERCENT } });
  }

  if (!report.hasHistory) {
    if (input.product.repayment !== 'bullet') {
      checks.push({ name: 'thin_file', outcome: 'refer', details: { reason: 'no credit history for an instalment loan' } });
      return { status: 'manual_review', pdnPercent: pdn, checks };
    }
    if (amount > THIN_FILE_MAX_RUBLES) {
      const quote = input.price(THIN_FILE_MAX_RUBLES);
      if (!quote) return declined(pdn);
      amount = THIN_FILE_MAX_RUBLES;
      pdn = pdnFor(quote);
    }
    checks.push({ name: 'thin_file', outcome: 'pass', details: { maxRubles: THIN_FILE_MAX_RUBLES } });
  }

  return { status: 'approved', amountRubles: amount, term: input.term, pdnPercent: pdn, checks };
}

/**
 * A car loan: the car must pass the rules (its age at the loan's end, no earlier pledge, no
 * restriction), and the amount is at most the rules' share of its valuation, on the product's grid
 * (core/vehicle/collateral-limit.ts). Returns the amount to price, or why there is none. Each
 * check is recorded with what it found, for the underwriter.
 */
function securedAmount(input: DecisionInput, car: CarDecisionInput, checks: CheckRecord[]): number | 'declined' | 'refer' {
  const { rules } = car;
  checks.push({
    name: 'vehicle_pledges',
    outcome: car.pledges.pledged && rules.declineIfPledged ? 'fail' : 'pass',
    details: { pledged: car.pledges.pledged, notices: car.pledges.notices },
  });
  const blocking = car.restrictions.restrictions.filter((r) => rules.declineRestrictions.includes(r));
  checks.push({
    name: 'vehicle_restrictions',
    outcome: blocking.length > 0 ? 'fail' : 'pass',
    details: { wanted: car.restrictions.wanted, restrictions: car.restrictions.restrictions },
  });
  const term =
    input.product.term.unit === 'months'
      ? { termMonths: input.term }
      : { maturityDate: addDays(input.today, input.product.term.unit === 'weeks' ? input.term * 7 : input.term) };
  const evaluation = evaluateCar(rules, {
    ...term,
    year: car.year,
    contractDate: input.today,
    checks: { pledged: car.pledges.pledged, restrictions: car.restrictions.restrictions },
  });
  checks.push({ name: 'car_rules', outcome: evaluation.ok ? 'pass' : 'fail', details: evaluation.ok ? {} : { reasons: evaluation.reasons } });
  if (!evaluation.ok) return 'declined';

  if (!car.valuation) {
    checks.push({ name: 'vehicle_valuation', outcome: 'refer', details: { reason: 'the valuation service has no figure for this car' } });
    return 'refer';
  }
  const { valueKopecks, source, valuedAt } = car.valuation;
  checks.push({ name: 'vehicle_valuation', outcome: 'pass', details: { valueKopecks, source, valuedAt: valuedAt.toISOString() } });
  const limit = collateralLimitRubles({
    valuationKopecks: valueKopecks,
    sharePercent: rules.valuationSharePercent,
    product: input.product,
    requestedRubles: input.amountRubles,
  });
  const details = { valuationKopecks: valueKopecks, sharePercent: rules.valuationSharePercent, requestedRubles: input.amountRubles, capRubles: limit.capRubles };
  if ('declined' in limit) {
    checks.push({ name: 'collateral_limit', outcome: 'fail', details: { ...details, approvedRubles: null, reason: limit.reason } });
    return 'declined';
  }
  checks.push({ name: 'collateral_limit', outcome: 'pass', details: { ...details, approvedRubles: limit.approvedRubles } });
  return limit.approvedRubles;
}
