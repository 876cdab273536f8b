import { addDays, daysBetween, type BusinessDate } from '../dates';
import { mulDivRoundHalfUp, toSafeNumber, type Kopecks } from '../money';
import type { Quote } from '../pricing/quote';

/**
 * Daily accrual of a loan, as pure functions of its terms and its state (DOMAIN.md R1, R2, R8;
 * 353-ФЗ ст. 5 ч. 21). The accrual job posts exactly what these return, and the loan view adds the
 * days not yet posted the same way, so both always agree.
 *
 * - Interest accrues for each calendar day after the principal changed (the payout, then each
 *   payment that reduced it), at the contract's rate. Within one such stretch the interest to date is
 *   rounded once — round_half_up(P × rate × days) — and each day gets the difference, so splitting a
 *   stretch into days or periods never changes the total (SECURITY.md LED-7), and the interest on the
 *   due date equals the contract's figure to the kopeck.
 * - After the due date a penalty of 20 % a year accrues on the overdue principal (the ceiling while
 *   interest still accrues), rounded half up per day.
 * - Everything stops when interest and penalties charged since the start reach the overpayment cap in
 *   force on the contract date (100 % of the principal for loans from 2026-04-01).
 */

/** Interest per day per kopeck of principal, as an exact fraction. */
export type DailyRate = { num: bigint; den: bigint };

export const PENALTY_YEAR_PPM = 200_000n; // 20 % a year
const PPM = 1_000_000n;

export type LoanTerms = {
  /** The amount lent: the base of the overpayment cap. */
  amountKopecks: Kopecks;
  rate: DailyRate;
  /** Most that interest and penalties together may ever reach; null: no cap (loans over a year). */
  capKopecks: Kopecks | null;
  /** Principal scheduled per instalment date (one item for a one-payment loan). */
  schedule: { date: BusinessDate; principalKopecks: Kopecks }[];
};

export type AccrualState = {
  principalKopecks: Kopecks;
  /** The day the current principal started to accrue from (exclusive). */
  interestFrom: BusinessDate;
  /** Interest and penalties charged so far, whether paid or not. */
  chargedKopecks: Kopecks;
  /** The current due date (a prolongation moves it): the last instalment's date. */
  dueDate: BusinessDate;
};

export type DayCharges = { date: BusinessDate; interestKopecks: Kopecks; penaltyKopecks: Kopecks };

export function dailyRateOf(quote: Pick<Quote, 'rate'>): DailyRate {
  // Rates are kept with 4 decimals of a percent: percent × 10⁴ is a whole number of ppm.
  const periodPpm = BigInt(Math.round(quote.rate.percent * 10_000));
  return quote.rate.per === 'day' ? { num: periodPpm, den: PPM } : { num: periodPpm * 12n, den: PPM * 365n };
}

export function termsOf(quote: Quote): LoanTerms {
  return {
    amountKopecks: quote.amountKopecks,
    rate: dailyRateOf(quote),
    capKopecks: quote.cap.overpaymentCapKopecks,
    schedule: quote.schedule.map((item) => ({ date: item.date, principalKopecks: item.principalKopecks })),
  };
}

function interestToDate(principal: Kopecks, rate: DailyRate, days: number): bigint {
  return days <= 0 ? 0n : mulDivRoundHalfUp(BigInt(principal) * BigInt(days), rate.num, rate.den);
}

/**
 * Principal past its instalment date on `date`: what is still outstanding beyond what the schedule
 * leaves for later instalments. With a moved due date (prolongation) the last instalment moves too.
 */
export function overduePrincipal(terms: LoanTerms, state: AccrualState, date: BusinessDate): Kopecks {
  const last = terms.schedule.length - 1;
  const notYetDue = terms.schedule.reduce((sum, item, index) => {
    const due = index === last ? state.dueDate : item.date;
    return due >= date ? sum + item.principalKopecks : sum;
  }, 0);
  return Math.max(0, state.principalKopecks - notYetDue);
}

/** What accrues for the calendar day `date` (the day after interestFrom or later). */
export function chargesForDay(terms: LoanTerms, state: AccrualState, date: BusinessDate): DayCharges {
  const days = daysBetween(state.interestFrom, date);
  let interest = days <= 0 ? 0n : interestToDate(state.principalKopecks, terms.rate, days) - interestToDate(state.principalKopecks, terms.rate, days - 1);
  const overdue = overduePrincipal(terms, state, date);
  let penalty = date > state.dueDate && overdue > 0 ? mulDivRoundHalfUp(overdue, PENALTY_YEAR_PPM, PPM * 365n) : 0n;
  if (terms.capKopecks !== null) {
    let room = BigInt(Math.max(0, terms.capKopecks - state.chargedKopecks));
    if (interest > room) interest = room;
    room -= interest;
    if (penalty > room) penalty = room;
  }
  return { date, interestKopecks: toSafeNumber(interest), penaltyKopecks: toSafeNumber(penalty) };
}

/** The charges for every day after `from` up to and including `to`, and the state after them. */
export function accrueDays(terms: LoanTerms, state: AccrualState, from: BusinessDate, to: BusinessDate): { days: DayCharges[]; state: AccrualState } {
  const days: DayCharges[] = [];
  let current = state;
  for (let date = addDays(from, 1); date <= to; date = addDays(date, 1)) {
    const charges = chargesForDay(terms, current, date);
    days.push(charges);
    current = { ...current, chargedKopecks: current.chargedKopecks + charges.interestKopecks + charges.penaltyKopecks };
  }
  return { days, state: current };
}

export const capRoomKopecks = (terms: LoanTerms, state: AccrualState): Kopecks | null =>
  terms.capKopecks === null ? null : Math.max(0, terms.capKopecks - state.chargedKopecks);
