import { addDays, addMonths, daysBetween, type BusinessDate } from '../../../core/dates';
import { productTerms } from '../../../core/pricing/catalogue';
import { dailyPpmEquivalent, type Product } from '../../../core/pricing/products';
import { quote } from '../../../core/pricing/quote';
import { inForce, type LegalRules } from '../../../core/pricing/rules';

/**
 * The legal checks a product edit or a promotion must pass before it is saved, with a Russian
 * message per form field. Pure: the rules and the dates come in, nothing is read.
 *
 * A product is priced with the quote engine at every term it offers, for its smallest and largest
 * amount (its "corners"), on the dates that matter, and every quote must be legal: the daily rate
 * cap, the overpayment cap (applied by the engine) and the ПСК ceiling of its category.
 */

export type FieldProblems = Record<string, string>;

const number = (value: number, digits = 3) =>
  new Intl.NumberFormat('ru-RU', { maximumFractionDigits: digits }).format(value).replace(/[\u202f\u00a0]/g, '\u00a0');
const rubles = (value: number) => `${number(value, 0)} ₽`;
/** 8000 ppm → «0,8 %». */
export const ppmPercent = (ppm: number) => `${number(ppm / 10_000, 4)} %`;
const PER: Record<Product['rate']['per'], string> = { day: 'в день', month: 'в месяц' };
const UNIT_SHORT: Record<Product['term']['unit'], string> = { days: 'дн.', weeks: 'нед.', months: 'мес.' };
const UNIT_GENITIVE: Record<Product['term']['unit'], string> = { days: 'дней', weeks: 'недель', months: 'месяцев' };

/** Sanity bounds (not law): how long a term and how many offered terms one product may have. */
const MAX_TERM: Record<Product['term']['unit'], number> = { days: 1_826, weeks: 260, months: 120 };
const MAX_OFFERED_TERMS = 400;

/**
 * The amount and term ceilings written into the Bank of Russia category whose ПСК cap a product
 * uses: a product cannot leave its category by an edit (the category is not editable), or the
 * ceiling checked would be another category's.
 */
const CATEGORY_CEILINGS: Record<string, { maxRubles: number; maxDays: number }> = {
  mfo_unsecured_upto_30k_upto_30d: { maxRubles: 30_000, maxDays: 30 },
  mfo_unsecured_30k_100k_61_365d: { maxRubles: 100_000, maxDays: 365 },
};

/** The longest a term of the product can last in days (a month counted as 31). */
function maxTermDays(product: Product): number {
  const { unit, max } = product.term;
  return unit === 'days' ? max : unit === 'weeks' ? max * 7 : max * 31;
}

/** Ranges, steps and defaults of an edited product; nothing legal yet. */
function shapeProblems(product: Product): FieldProblems {
  const problems: FieldProblems = {};
  const { amount, term } = product;
  if (amount.minRubles > amount.maxRubles) problems['amount.maxRubles'] = 'Максимальная сумма должна быть не меньше минимальной.';
  else if ((amount.maxRubles - amount.minRubles) % amount.stepRubles !== 0)
    problems['amount.stepRubles'] = `Шаг суммы должен укладываться в диапазон от ${rubles(amount.minRubles)} до ${rubles(amount.maxRubles)} целое число раз.`;
  else if (amount.defaultRubles < amount.minRubles || amount.defaultRubles > amount.maxRubles || (amount.defaultRubles - amount.minRubles) % amount.stepRubles !== 0)
    problems['amount.defaultRubles'] = `Сумма по умолчанию — от ${rubles(amount.minRubles)} до ${rubles(amount.maxRubles)} с шагом ${rubles(amount.stepRubles)}.`;
  const unit = UNIT_GENITIVE[term.unit];
  if (term.max > MAX_TERM[term.unit]) problems['term.max'] = `Срок — не больше ${MAX_TERM[term.unit]} ${unit}.`;
  else if (term.min > term.max) problems['term.max'] = 'Максимальный срок должен быть не меньше минимального.';
  else if ((term.max - term.min) % term.step !== 0) problems['term.step'] = `Шаг срока должен укладываться в диапазон от ${term.min} до ${term.max} ${unit} целое число раз.`;
  else if ((term.max - term.min) / term.step + 1 > MAX_OFFERED_TERMS) problems['term.step'] = `Слишком много сроков (больше ${MAX_OFFERED_TERMS}): увеличьте шаг.`;
  else if (term.default < term.min || term.default > term.max || (term.default - term.min) % term.step !== 0)
    problems['term.default'] = `Срок по умолчанию — от ${term.min} до ${term.max} ${unit} с шагом ${term.step}.`;
  const ceiling = CATEGORY_CEILINGS[product.pskCategory];
  if (ceiling && !problems['amount.maxRubles'] && amount.maxRubles > ceiling.maxRubles)
    problems['amount.maxRubles'] = `В категории ПСК этого продукта сумма — не больше ${rubles(ceiling.maxRubles)}.`;
  if (ceiling && !problems['term.max'] && maxTermDays(product) > ceiling.maxDays)
    problems['term.max'] = `В категории ПСК этого продукта срок — не больше ${ceiling.maxDays} дней.`;
  return problems;
}

/** «Ставка выше предельной 0,8 % в день», or null when the rate is within the cap in force on `date`. */
function dailyCapProblem(rate: Product['rate'], rules: LegalRules, date: BusinessDate): string | null {
  const cap = inForce(rules.dailyRateCaps, date);
  if (!cap || dailyPpmEquivalent(rate) <= cap.maxDailyPpm) return null;
  return `Ставка выше предельной ${ppmPercent(cap.maxDailyPpm)} в день`;
}

/** Rules with no ПСК ceiling: to tell the person how high the ПСК of a refused corner would be. */
const withoutPskCeiling = (rules: LegalRules): LegalRules => ({
  ...rules,
  pskLimits: rules.pskLimits.map((row) => ({ ...row, limitPercent: Number.POSITIVE_INFINITY })),
});

/** The first corner (term × smallest/largest amount) the engine refuses on `date`, in words. */
function cornerProblem(product: Product, rules: LegalRules, date: BusinessDate): { field: 'rate' | 'amount' | 'term'; message: string } | null {
  const amounts = [...new Set([product.amount.minRubles, product.amount.maxRubles])];
  for (const term of productTerms(product)) {
    for (const amountRubles of amounts) {
      const result = quote({ product, amountRubles, term, startDate: date, rules });
      if (result.ok) continue;
      const at = `${rubles(amountRubles)} на ${term} ${UNIT_SHORT[product.term.unit]}`;
      if (result.errors.product) {
        const limit = inForce(
          rules.pskLimits.filter((row) => row.category === product.pskCategory),
          date,
        );
        if (!limit) return { field: 'rate', message: `Для категории ПСК продукта нет предельного значения на ${date}: такие условия предложить нельзя.` };
        const uncapped = quote({ product, amountRubles, term, startDate: date, rules: withoutPskCeiling(rules) });
        const psk = uncapped.ok ? `ПСК ${number(uncapped.quote.pskPercent)} %` : 'ПСК';
        return { field: 'rate', message: `${psk} при ${at} выше предельной ${number(limit.limitPercent)} % (на ${date}): снизьте ставку.` };
      }
      if (result.errors.amount) return { field: 'amount', message: `${at}: ${result.errors.amount}` };
      return { field: 'term', message: `${at}: ${result.errors.term ?? result.errors.date ?? ''}` };
    }
  }
  return null;
}

/**
 * An edited product against the rules in force on `date` (today in Moscow): sane ranges, its
 * category's amount and term ceilings, the daily rate cap, and every corner within the ПСК ceiling.
 * Field names are the body's (`amount.maxRubles`, `rate.ppm`, …).
 */
export function productEditProblems(product: Product, rules: LegalRules, date: BusinessDate): FieldProblems {
  const problems = shapeProblems(product);
  const capProblem = dailyCapProblem(product.rate, rules, date);
  if (capProblem) problems['rate.ppm'] = capProblem;
  if (Object.keys(problems).length) return problems;
  const corner = cornerProblem(product, rules, date);
  if (corner) problems[corner.field === 'rate' ? 'rate.ppm' : corner.field === 'amount' ? 'amount.maxRubles' : 'term.max'] = corner.message;
  return problems;
}

/**
 * What a quote's outcome can depend on about its start date: the legal rule rows in force that day
 * (daily cap, overpayment cap, the category's ПСК ceiling) and, for plans counted in months, the
 * calendar (how many days 1, 2, … n months from that date are). Two dates with the same key price
 * every amount and term of the product alike.
 */
export function pricingDateKey(product: Product, rules: LegalRules, date: BusinessDate): string {
  const pskRows = rules.pskLimits.filter((row) => row.category === product.pskCategory);
  const parts: unknown[] = [inForce(rules.dailyRateCaps, date), inForce(rules.overpaymentCaps, date), inForce(pskRows, date)];
  if (product.term.unit === 'months' || product.repayment === 'monthly_annuity') {
    const months = product.term.unit === 'months' ? product.term.max : Math.ceil(maxTermDays(product) / 30) + 1;
    for (let m = 1; m <= months; m += 1) parts.push(daysBetween(date, addMonths(date, m)));
  }
  return JSON.stringify(parts);
}

/** One date of each `pricingDateKey` in [from, to]: checking those is checking every date. */
export function distinctPricingDates(product: Product, rules: LegalRules, from: BusinessDate, to: BusinessDate): BusinessDate[] {
  const seen = new Set<string>();
  const dates: BusinessDate[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) {
    const key = pricingDateKey(product, rules, date);
    if (seen.has(key)) continue;
    seen.add(key);
    dates.push(date);
  }
  return dates;
}

/** The longest promotion, in days: a year (and a leap day). */
export const MAX_PROMOTION_DAYS = 366;

/**
 * A promotion's rate for `product` over its dates (validated already: from ≤ to, not past, at most
 * a year). The rate is in the product's unit and must be strictly below the product's, and every
 * corner of the product at that rate must be legal on every date of the promotion, by the rules in
 * force on each date. Field name: `ratePpm`.
 */
export function promotionRateProblems(
  product: Product,
  ratePpm: number,
  from: BusinessDate,
  to: BusinessDate,
  rules: LegalRules,
): FieldProblems {
  const rate = { ppm: ratePpm, per: product.rate.per };
  if (ratePpm >= product.rate.ppm) {
    return { ratePpm: `Ставка акции должна быть ниже ставки продукта (${ppmPercent(product.rate.ppm)} ${PER[product.rate.per]}).` };
  }
  const promoted: Product = { ...product, rate };
  for (const date of distinctPricingDates(product, rules, from, to)) {
    const capProblem = dailyCapProblem(rate, rules, date);
    if (capProblem) return { ratePpm: `${capProblem} (на ${date}).` };
    const corner = cornerProblem(promoted, rules, date);
    if (corner) return { ratePpm: corner.message };
  }
  return {};
}
