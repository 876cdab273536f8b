import type { BusinessDate } from '../dates';

/**
 * The dated legal rule table (DOMAIN R1–R3). A loan is judged by the rules in force on its contract
 * date, so every rule carries `from` and nothing is hard-coded in the pricing code. Change the law
 * by adding a row, never by editing an old one.
 */

export type DailyRateCap = {
  from: BusinessDate;
  /** Maximum interest per day, in millionths of the principal (0.8 % = 8000). */
  maxDailyPpm: number;
  source: string;
};

export type OverpaymentCap = {
  from: BusinessDate;
  /** Interest, penalties and fees together may not exceed this percentage of the principal. */
  capPercent: number;
  /** The cap applies to loans of at most this many days (one year). */
  maxTermDays: number;
  source: string;
};

export type PskLimit = {
  category: string;
  /** First day of the quarter the Bank of Russia's averages apply to. */
  from: BusinessDate;
  /** Average market ПСК for the category (published by the Bank of Russia), in %. */
  averagePercent: number;
  /** The ceiling: the lower of 292 % and the average + 1/3, in %, 3 decimals. */
  limitPercent: number;
  source: string;
};

export type LegalRules = {
  dailyRateCaps: DailyRateCap[];
  overpaymentCaps: OverpaymentCap[];
  pskLimits: PskLimit[];
};

export const ABSOLUTE_PSK_CEILING_PERCENT = 292;

/** min(292 %, average × 4/3), rounded down to 3 decimals (never above the law). */
export function pskLimitFromAverage(averagePercent: number): number {
  const limit = Math.floor(Math.round(averagePercent * 1000) * 4 / 3) / 1000;
  return Math.min(ABSOLUTE_PSK_CEILING_PERCENT, limit);
}

/** The row in force on `date`: the latest whose `from` is not after it. */
export function inForce<T extends { from: BusinessDate }>(rows: readonly T[], date: BusinessDate): T | undefined {
  let found: T | undefined;
  for (const row of rows) {
    if (row.from <= date && (!found || row.from > found.from)) found = row;
  }
  return found;
}

const pskRow = (category: string, from: BusinessDate, averagePercent: number, source: string): PskLimit => ({
  category,
  from,
  averagePercent,
  limitPercent: pskLimitFromAverage(averagePercent),
  source,
});

/**
 * The default table. The quarterly ПСК averages must be taken from the Bank of Russia's publication
 * for each quarter and added here (or supplied as LEGAL_RULES_FILE); the rows marked "placeholder"
 * are conservative stand-ins until the lender's compliance officer enters the published figures.
 */
export const DEFAULT_LEGAL_RULES: LegalRules = {
  dailyRateCaps: [{ from: '2023-07-01', maxDailyPpm: 8000, source: '151-ФЗ ст. 12 ч. 24 (613-ФЗ от 29.12.2022): 0,8 % в день' }],
  overpaymentCaps: [
    { from: '2023-07-01', capPercent: 130, maxTermDays: 365, source: '151-ФЗ ст. 12 ч. 24 (613-ФЗ): 130 %' },
    { from: '2026-04-01', capPercent: 100, maxTermDays: 365, source: '545-ФЗ от 29.12.2025: 100 % с 01.04.2026' },
  ],
  pskLimits: [
    pskRow('mfo_unsecured_upto_30k_upto_30d', '2026-01-01', 292, 'ЦБ РФ, I кв. 2026: среднее выше 219 %, предел 292 %'),
    pskRow('mfo_unsecured_30k_100k_61_365d', '2026-01-01', 170, 'placeholder: enter the Bank of Russia average for the quarter'),
    pskRow('mfo_car_pledge', '2026-01-01', 152.451, 'ЦБ РФ, I кв. 2026, МФО, займы под залог (кроме ипотеки и POS)'),
    pskRow('mfo_unsecured_upto_30k_upto_30d', '2026-10-01', 292, 'ЦБ РФ, IV кв. 2026: предел 292 %'),
    pskRow('mfo_unsecured_30k_100k_61_365d', '2026-10-01', 170, 'placeholder: enter the Bank of Russia average for the quarter'),
    pskRow('mfo_car_pledge', '2026-10-01', 152.451, 'placeholder: I кв. 2026 value kept until the IV кв. figure is entered'),
  ],
};
