import { addDays, addMonths, daysBetween, isBusinessDate, type BusinessDate } from '../dates';
import { divRoundHalfUp, mulDivRoundHalfUp, rublesToKopecks, toSafeNumber, type Kopecks } from '../money';
import { dailyPpmEquivalent, type Product } from './products';
import { pskPercent, type CashFlow } from './psk';
import { inForce, type LegalRules } from './rules';

/**
 * The one pricing function. The landing-page calculator (in the browser), `GET /api/quote`, and
 * later the contract and the accrual all call it, so every figure a borrower sees is the figure
 * the lender will use.
 *
 * Interest is simple daily interest for one-payment loans and an annuity for instalment loans.
 * The overpayment cap in force on the start date (DOMAIN R2) is applied by construction: a bullet
 * loan's interest stops at the cap; an annuity whose interest would pass it is priced at the highest
 * whole-ppm rate that stays within it (the payments stay equal, the rate shown is that rate).
 */

export type QuoteInput = {
  product: Product;
  /** Whole rubles, as the borrower chooses them. */
  amountRubles: number;
  /** In the product's unit (days, weeks or months). */
  term: number;
  startDate: BusinessDate;
  rules: LegalRules;
};

export type ScheduleItem = {
  date: BusinessDate;
  principalKopecks: Kopecks;
  interestKopecks: Kopecks;
  totalKopecks: Kopecks;
};

export type Quote = {
  product: string;
  amountKopecks: Kopecks;
  term: number;
  termUnit: Product['term']['unit'];
  termDays: number;
  startDate: BusinessDate;
  returnDate: BusinessDate;
  schedule: ScheduleItem[];
  totalKopecks: Kopecks;
  overpaymentKopecks: Kopecks;
  pskPercent: number;
  pskKopecks: Kopecks;
  pskLimitPercent: number;
  /** The rate the schedule is priced at (lower than the product's when the cap bit), in % (4 decimals). */
  rate: { percent: number; per: 'day' | 'month' };
  cap: {
    /** The overpayment cap in force on the start date, or null for loans over a year. */
    overpaymentCapPercent: number | null;
    overpaymentCapKopecks: Kopecks | null;
    /** True when the cap lowered the interest below the product's rate. */
    applied: boolean;
    source: string | null;
  };
};

export type QuoteFieldErrors = Partial<Record<'amount' | 'term' | 'date' | 'product', string>>;

export type QuoteResult = { ok: true; quote: Quote } | { ok: false; errors: QuoteFieldErrors };

const PPM = 1_000_000n;
/** 1000 % per period: far above any legal rate; the cap search starts from here. */
const MAX_SEARCH_PERIOD_PPM = 10_000_000n;

const formatRange = (min: number, max: number) =>
  `${new Intl.NumberFormat('ru-RU').format(min)} до ${new Intl.NumberFormat('ru-RU').format(max)}`.replace(/\u202f|\u00a0/g, '\u00a0');

const UNIT_GENITIVE: Record<Product['term']['unit'], string> = { days: 'дней', weeks: 'недель', months: 'месяцев' };

export function validateQuoteInput(input: Omit<QuoteInput, 'rules'>): QuoteFieldErrors {
  const { product, amountRubles, term, startDate } = input;
  const errors: QuoteFieldErrors = {};
  if (!Number.isSafeInteger(amountRubles) || amountRubles < product.amount.minRubles || amountRubles > product.amount.maxRubles) {
    errors.amount = `Сумма — целое число рублей от ${formatRange(product.amount.minRubles, product.amount.maxRubles)} ₽.`;
  }
  const unit = UNIT_GENITIVE[product.term.unit];
  if (!Number.isSafeInteger(term) || term < product.term.min || term > product.term.max) {
    errors.term = `Срок — от ${product.term.min} до ${product.term.max} ${unit}.`;
  } else if ((term - product.term.min) % product.term.step !== 0) {
    errors.term = `Срок — от ${product.term.min} до ${product.term.max} ${unit}, с шагом ${product.term.step}.`;
  }
  if (!isBusinessDate(startDate)) errors.date = 'Дата — в формате ГГГГ-ММ-ДД.';
  return errors;
}

type Plan = { dates: BusinessDate[]; periodDays: number | null; periodsPerYear: number };

function paymentPlan(product: Product, term: number, start: BusinessDate): Plan {
  switch (product.repayment) {
    case 'bullet': {
      const days = product.term.unit === 'days' ? term : product.term.unit === 'weeks' ? term * 7 : daysBetween(start, addMonths(start, term));
      return { dates: [addDays(start, days)], periodDays: days, periodsPerYear: 365 / days };
    }
    case 'biweekly_annuity': {
      const days = product.term.unit === 'weeks' ? term * 7 : product.term.unit === 'days' ? term : daysBetween(start, addMonths(start, term));
      const count = Math.max(1, Math.floor(days / 14));
      return { dates: Array.from({ length: count }, (_, k) => addDays(start, 14 * (k + 1))), periodDays: 14, periodsPerYear: 365 / 14 };
    }
    case 'monthly_annuity': {
      const months = product.term.unit === 'months' ? term : Math.max(1, Math.round((product.term.unit === 'weeks' ? term * 7 : term) / 30));
      return { dates: Array.from({ length: months }, (_, k) => addMonths(start, k + 1)), periodDays: null, periodsPerYear: 12 };
    }
  }
}

/** Bullet loan: principal and simple interest on the one due date. */
function bulletSchedule(principal: bigint, dailyPpm: bigint, days: number, date: BusinessDate): ScheduleItem[] {
  const interest = mulDivRoundHalfUp(principal, dailyPpm * BigInt(days), PPM);
  return [item(date, principal, interest)];
}

/**
 * Annuity: equal payments of round_half_up(P·r·(1+r)ⁿ / ((1+r)ⁿ − 1)); each period's interest is
 * round_half_up(balance·r); the last payment takes whatever principal is left, so the principal
 * parts add up to the amount exactly. r = periodPpm / 10⁶, computed on exact rationals.
 */
function annuitySchedule(principal: bigint, periodPpm: bigint, dates: BusinessDate[]): ScheduleItem[] {
  const n = dates.length;
  let payment: bigint;
  if (periodPpm === 0n) {
    payment = divRoundHalfUp(principal, BigInt(n));
  } else {
    const growth = (PPM + periodPpm) ** BigInt(n);
    const base = PPM ** BigInt(n);
    payment = divRoundHalfUp(principal * periodPpm * growth, PPM * (growth - base));
  }
  const items: ScheduleItem[] = [];
  let balance = principal;
  dates.forEach((date, index) => {
    const interest = mulDivRoundHalfUp(balance, periodPpm, PPM);
    const isLast = index === n - 1;
    let principalPart = isLast ? balance : payment - interest;
    if (principalPart > balance) principalPart = balance;
    if (principalPart < 0n) principalPart = 0n;
    balance -= principalPart;
    items.push(item(date, principalPart, interest));
  });
  return items;
}

function item(date: BusinessDate, principal: bigint, interest: bigint): ScheduleItem {
  return {
    date,
    principalKopecks: toSafeNumber(principal),
    interestKopecks: toSafeNumber(interest),
    totalKopecks: toSafeNumber(principal + interest),
  };
}

const totalInterest = (items: ScheduleItem[]) => items.reduce((sum, i) => sum + BigInt(i.interestKopecks), 0n);

function periodPpmFor(product: Product, plan: Plan): bigint {
  if (product.rate.per === 'month') {
    if (plan.periodDays === null) return BigInt(product.rate.ppm);
    // A monthly rate on a day-based schedule: spread over the year's days.
    return mulDivRoundHalfUp(product.rate.ppm * 12, plan.periodDays, 365);
  }
  return plan.periodDays === null ? mulDivRoundHalfUp(product.rate.ppm, 365, 12) : BigInt(product.rate.ppm * plan.periodDays);
}

export function quote(input: QuoteInput): QuoteResult {
  const errors = validateQuoteInput(input);
  if (Object.keys(errors).length) return { ok: false, errors };
  const { product, rules, startDate } = input;

  const dailyCap = inForce(rules.dailyRateCaps, startDate);
  if (dailyCap && dailyPpmEquivalent(product.rate) > dailyCap.maxDailyPpm) {
    return { ok: false, errors: { product: 'Условия продукта превышают предельную дневную ставку: займ недоступен.' } };
  }

  const amount = rublesToKopecks(input.amountRubles);
  const principal = BigInt(amount);
  const plan = paymentPlan(product, input.term, startDate);
  const returnDate = plan.dates[plan.dates.length - 1]!;
  const termDays = daysBetween(startDate, returnDate);

  const overpaymentCap = inForce(rules.overpaymentCaps, startDate);
  const capApplies = overpaymentCap !== undefined && termDays <= overpaymentCap.maxTermDays;
  const capKopecks = capApplies ? mulDivRoundHalfUp(principal, overpaymentCap.capPercent, 100) : null;

  let ratePpm = periodPpmFor(product, plan);
  const build = (ppm: bigint) => annuitySchedule(principal, ppm, plan.dates);

  let schedule: ScheduleItem[];
  let applied = false;
  if (product.repayment === 'bullet') {
    schedule = bulletSchedule(principal, BigInt(Math.round(dailyPpmEquivalent(product.rate))), plan.periodDays!, returnDate);
    if (capKopecks !== null && totalInterest(schedule) > capKopecks) {
      // Accrual stops at the cap.
      schedule = [item(returnDate, principal, capKopecks)];
      applied = true;
    }
  } else {
    schedule = build(ratePpm);
    if (capKopecks !== null && totalInterest(schedule) > capKopecks) {
      // The highest whole-ppm period rate whose interest stays within the cap. The search runs
      // over a fixed range (not up to this product's rate), so kopeck rounding near the boundary
      // cannot make a dearer product come out cheaper: every rate above the cap lands on the same.
      let low = 0n;
      let high = MAX_SEARCH_PERIOD_PPM;
      while (high - low > 1n) {
        const mid = (low + high) / 2n;
        if (totalInterest(build(mid)) <= capKopecks) low = mid;
        else high = mid;
      }
      ratePpm = low < ratePpm ? low : ratePpm;
      schedule = build(ratePpm);
      applied = true;
    }
  }

  const total = schedule.reduce((sum, i) => sum + i.totalKopecks, 0);
  const overpayment = total - amount;

  const flows: CashFlow[] = [{ amount: -amount, q: 0, e: 0 }, ...schedule.map((s, k) => ({ amount: s.totalKopecks, q: k + 1, e: 0 }))];
  const psk = pskPercent(flows, plan.periodsPerYear);
  const pskLimit = inForce(
    rules.pskLimits.filter((row) => row.category === product.pskCategory),
    startDate,
  );
  if (!pskLimit) return { ok: false, errors: { product: 'Для этого продукта не задан предел ПСК: займ недоступен.' } };
  if (psk > pskLimit.limitPercent) {
    return { ok: false, errors: { product: 'ПСК превышает предельное значение: такие условия предложить нельзя.' } };
  }

  // Per-day (or per-month) rate in %, rounded to 4 decimals for display only.
  const ratePercentOf = (ppm: bigint, periodDays: number | null) => toSafeNumber(divRoundHalfUp(ppm, BigInt(periodDays ?? 1))) / 10_000;
  const displayRate =
    product.repayment === 'bullet' || !applied
      ? { percent: product.rate.ppm / 10_000, per: product.rate.per }
      : { percent: ratePercentOf(ratePpm, plan.periodDays), per: plan.periodDays === null ? ('month' as const) : ('day' as const) };

  return {
    ok: true,
    quote: {
      product: product.code,
      amountKopecks: amount,
      term: input.term,
      termUnit: product.term.unit,
      termDays,
      startDate,
      returnDate,
      schedule,
      totalKopecks: total,
      overpaymentKopecks: overpayment,
      pskPercent: psk,
      pskKopecks: overpayment,
      pskLimitPercent: pskLimit.limitPercent,
      rate: displayRate,
      cap: {
        overpaymentCapPercent: capApplies ? overpaymentCap.capPercent : null,
        overpaymentCapKopecks: capKopecks === null ? null : toSafeNumber(capKopecks),
        applied,
        source: capApplies ? overpaymentCap.source : null,
      },
    },
  };
}
