/**
 * The product catalogue, as data. Amounts are in whole rubles here (the way products are written
 * down); all computation converts to kopecks. Rates are integer millionths of the principal per
 * day or per month, so no rate is ever a float.
 */

export type TermUnit = 'days' | 'weeks' | 'months';
export type Repayment = 'bullet' | 'biweekly_annuity' | 'monthly_annuity';

export type Product = {
  code: string;
  name: string;
  description: string;
  amount: { minRubles: number; maxRubles: number; stepRubles: number; defaultRubles: number };
  term: { unit: TermUnit; min: number; max: number; step: number; default: number };
  rate: { ppm: number; per: 'day' | 'month' };
  repayment: Repayment;
  pskCategory: string;
  collateral: 'none' | 'car';
};

export const DEFAULT_PRODUCTS: Product[] = [
  {
    code: 'pdl',
    name: 'До зарплаты',
    description: 'Небольшая сумма на срок до 30 дней, возврат одним платежом.',
    amount: { minRubles: 1_000, maxRubles: 30_000, stepRubles: 500, defaultRubles: 10_000 },
    term: { unit: 'days', min: 5, max: 30, step: 1, default: 30 },
    rate: { ppm: 8_000, per: 'day' },
    repayment: 'bullet',
    pskCategory: 'mfo_unsecured_upto_30k_upto_30d',
    collateral: 'none',
  },
  {
    code: 'installment',
    name: 'Длинный займ',
    description: 'До 100 000 ₽ на срок до года, равные платежи раз в две недели.',
    amount: { minRubles: 30_000, maxRubles: 100_000, stepRubles: 1_000, defaultRubles: 50_000 },
    term: { unit: 'weeks', min: 8, max: 52, step: 2, default: 24 },
    rate: { ppm: 4_500, per: 'day' },
    repayment: 'biweekly_annuity',
    pskCategory: 'mfo_unsecured_30k_100k_61_365d',
    collateral: 'none',
  },
  {
    code: 'car',
    name: 'Под залог авто',
    description: 'До 1 000 000 ₽ под залог автомобиля, машина остаётся у вас. Ежемесячные платежи.',
    amount: { minRubles: 80_000, maxRubles: 1_000_000, stepRubles: 10_000, defaultRubles: 300_000 },
    term: { unit: 'months', min: 6, max: 60, step: 1, default: 24 },
    rate: { ppm: 30_000, per: 'month' },
    repayment: 'monthly_annuity',
    pskCategory: 'mfo_car_pledge',
    collateral: 'car',
  },
];

/** Days per year the law uses to compare a monthly rate with the daily cap (ЧБП: 365). */
const DAYS_PER_YEAR = 365;

/** The product's rate as millionths per day (a monthly rate spread over 365/12 days), for the cap. */
export function dailyPpmEquivalent(rate: Product['rate']): number {
  return rate.per === 'day' ? rate.ppm : (rate.ppm * 12) / DAYS_PER_YEAR;
}

/** 8000 ppm/day → 0.8 (percent), for display. */
export function ratePercent(rate: Product['rate']): number {
  return rate.ppm / 10_000;
}
