/**
 * What car the lender accepts as a pledge, as data: the age of the car when the loan ends, an
 * optional earliest model year, and what the registry checks (notary pledge registry, ГИБДД
 * restrictions) must not find. Change the policy by changing the rules object, not the code.
 *
 * Pure: the checks are passed in, already fetched; dates are business dates.
 */
import { addMonths, isBusinessDate, type BusinessDate } from '../dates';
import { DEFAULT_VALUATION_SHARE_PERCENT } from './collateral-limit';

/** Restrictions the ГИБДД check reports: розыск, арест, запрет на регистрационные действия. */
export const CAR_RESTRICTIONS = ['wanted', 'arrest', 'registration_ban'] as const;
export type CarRestriction = (typeof CAR_RESTRICTIONS)[number];

export type CarRules = {
  /** Model years between the car's year and the loan's last day, at most (maturity year − model year). */
  maxAgeYearsAtMaturity: number;
  /** Earliest model year accepted, if any. */
  minYear?: number;
  /** Decline a car the notary registry shows as already pledged. */
  declineIfPledged: boolean;
  /** Restrictions that decline the car. */
  declineRestrictions: readonly CarRestriction[];
  /** Loan-to-value, whole percent, for collateralLimitRubles. */
  valuationSharePercent: number;
};

export const DEFAULT_CAR_RULES: CarRules = {
  maxAgeYearsAtMaturity: 20,
  declineIfPledged: true,
  declineRestrictions: CAR_RESTRICTIONS,
  valuationSharePercent: DEFAULT_VALUATION_SHARE_PERCENT,
};

export type CarChecks = {
  /** The notary registry of pledges has a live entry for this car. */
  pledged: boolean;
  /** Restrictions as the check reports them; an unknown one declines (see evaluateCar). */
  restrictions: readonly string[];
};

export type CarLoanTerm = { termMonths: number } | { maturityDate: BusinessDate };

export type EvaluateCarInput = CarLoanTerm & {
  /** Model year (год выпуска from the ПТС). */
  year: number;
  contractDate: BusinessDate;
  checks: CarChecks;
};

export type CarEvaluation = { ok: true } | { ok: false; reasons: string[] };

const RESTRICTION_REASONS: Record<CarRestriction, string> = {
  wanted: 'Автомобиль числится в розыске.',
  arrest: 'На автомобиль наложен арест.',
  registration_ban: 'На автомобиль наложен запрет на регистрационные действия.',
};

const isKnownRestriction = (value: string): value is CarRestriction => (CAR_RESTRICTIONS as readonly string[]).includes(value);

/** 1 год, 2 года, 5 лет, 11 лет, 21 год. */
export function yearsText(n: number): string {
  const mod100 = Math.abs(n) % 100;
  const mod10 = mod100 % 10;
  const word = mod100 >= 11 && mod100 <= 14 ? 'лет' : mod10 === 1 ? 'год' : mod10 >= 2 && mod10 <= 4 ? 'года' : 'лет';
  return `${n} ${word}`;
}

function maturityOf(input: EvaluateCarInput): BusinessDate {
  if (!isBusinessDate(input.contractDate)) throw new RangeError(`not a date: ${input.contractDate}`);
  if ('maturityDate' in input) {
    if (!isBusinessDate(input.maturityDate)) throw new RangeError(`not a date: ${input.maturityDate}`);
    if (input.maturityDate < input.contractDate) throw new RangeError(`maturity ${input.maturityDate} is before the contract ${input.contractDate}`);
    return input.maturityDate;
  }
  if (!Number.isSafeInteger(input.termMonths) || input.termMonths < 1) throw new RangeError(`not a term in months: ${input.termMonths}`);
  return addMonths(input.contractDate, input.termMonths);
}

/**
 * Every reason the car is not accepted, in a fixed order (model year, age, pledge, the known
 * restrictions in CAR_RESTRICTIONS order, then unknown ones as reported), or ok.
 *
 * The age is counted in model years: a 2006 car on a loan ending in 2026 is 20. The ПТС gives
 * only the year, so this is the measure the lender can check.
 *
 * A restriction the check reports that this code does not know (a new kind from the provider)
 * declines the car, saying so: an unknown encumbrance is for a person to look at, not to pass.
 */
export function evaluateCar(rules: CarRules, input: EvaluateCarInput): CarEvaluation {
  if (!Number.isSafeInteger(input.year)) throw new RangeError(`not a model year: ${input.year}`);
  const maturity = maturityOf(input);
  const reasons: string[] = [];

  if (rules.minYear !== undefined && input.year < rules.minYear) {
    reasons.push(`Принимаем автомобили ${rules.minYear} года выпуска и новее, а этот — ${input.year} года.`);
  }
  const ageAtMaturity = Number(maturity.slice(0, 4)) - input.year;
  if (ageAtMaturity > rules.maxAgeYearsAtMaturity) {
    reasons.push(
      `К концу срока займа автомобилю будет ${yearsText(ageAtMaturity)}, а допускается не больше ${yearsText(rules.maxAgeYearsAtMaturity)}.`,
    );
  }
  if (rules.declineIfPledged && input.checks.pledged) reasons.push('Автомобиль уже в залоге.');

  const reported = new Set(input.checks.restrictions);
  for (const restriction of CAR_RESTRICTIONS) {
    if (reported.has(restriction) && rules.declineRestrictions.includes(restriction)) reasons.push(RESTRICTION_REASONS[restriction]);
  }
  for (const restriction of reported) {
    if (!isKnownRestriction(restriction)) reasons.push(`На автомобиль есть ограничение «${restriction}»: нужна проверка сотрудником.`);
  }

  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}
