/**
 * Wording and reading for «Продукты и акции» (docs/backoffice.md «Products & promotions»): rates
 * typed in percent become integer millionths (ppm) by reading the decimal string, never by
 * multiplying a float; ppm go back to percent the same way. Pure functions (catalogue-format.test.ts).
 */
import { formatInteger, formatPskPercent, formatTerm, unitGenitivePlural } from '../../lib/loan-format';
import type { TermUnit } from '../../../core/pricing/products';
import type { Tone } from '../../lib/loan-status';

const NBSP = '\u00a0';

/** 1 % = 10 000 ppm: four decimal places of a percent are whole millionths. */
const PPM_PER_PERCENT = 10_000;
const PERCENT_DECIMALS = 4;

export type RatePer = 'day' | 'month';

/**
 * A percent as typed («0,8», «0.75», «3», «0,0125 %») → integer ppm (8000, 7500, 30000, 125);
 * null when it is not a non-negative number with at most four decimals (or is above 1000 %).
 */
export const parsePercentToPpm = (text: string): number | null => {
  const clean = text.replace(/[\s\u00a0\u202f]/g, '').replace(/%$/, '');
  const match = /^(\d{1,3})(?:[.,](\d{1,4}))?$/.exec(clean);
  if (!match) return null;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(PERCENT_DECIMALS, '0'));
  return whole * PPM_PER_PERCENT + fraction;
};

/** 8000 → «0,8», 30000 → «3», 125 → «0,0125»: the percent with a decimal comma, no float in between. */
export const ppmToPercentText = (ppm: number): string => {
  const sign = ppm < 0 ? '-' : '';
  const value = Math.abs(Math.trunc(ppm));
  const whole = Math.floor(value / PPM_PER_PERCENT);
  const fraction = String(value % PPM_PER_PERCENT)
    .padStart(PERCENT_DECIMALS, '0')
    .replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `,${fraction}` : ''}`;
};

export const PER_LABELS: Record<RatePer, string> = { day: 'в день', month: 'в месяц' };

/** 8000 per day → «0,8 % в день»; 30000 per month → «3 % в месяц» (no-break spaces). */
export const formatRatePpm = (ppm: number, per: RatePer): string => `${ppmToPercentText(ppm)}${NBSP}% ${PER_LABELS[per]}`;

/** «1 000 – 30 000 ₽» (one value: «30 000 ₽»). */
export const formatRublesRange = (min: number, max: number): string =>
  min === max ? `${formatInteger(min)}${NBSP}₽` : `${formatInteger(min)} – ${formatInteger(max)}${NBSP}₽`;

/** «5 – 30 дней», «8 – 52 недели»: the unit agrees with the last number (one value: «30 дней»). */
export const formatTermRange = (min: number, max: number, unit: TermUnit): string =>
  min === max ? formatTerm(max, unit) : `${formatInteger(min)} – ${formatTerm(max, unit)}`;

/** «156,491 % – 164,250 %» (one value: «292,000 %»). */
export const formatPskSpan = (range: { minPercent: number; maxPercent: number }): string =>
  range.minPercent === range.maxPercent
    ? formatPskPercent(range.minPercent)
    : `${formatPskPercent(range.minPercent)} – ${formatPskPercent(range.maxPercent)}`;

/** The term field's unit, as after a number: «дней», «недель», «месяцев». */
export const termUnitWord = (unit: TermUnit): string => unitGenitivePlural(unit);

/** `2026-12-01` → «01.12.2026»: compact dates for tables. */
export const shortDate = (date: string): string => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return match ? `${match[3]}.${match[2]}.${match[1]}` : date;
};

export type Audience = 'all' | 'first_loan' | 'returning';
export const AUDIENCES: readonly Audience[] = ['all', 'first_loan', 'returning'];
export const AUDIENCE_LABELS: Record<Audience, string> = {
  all: 'Всем клиентам',
  first_loan: 'На первый заём',
  returning: 'Повторным клиентам',
};

export type PromotionStatus = 'scheduled' | 'active' | 'ended' | 'disabled';
export const PROMOTION_STATUS_LABELS: Record<PromotionStatus, string> = {
  scheduled: 'Запланирована',
  active: 'Действует',
  ended: 'Закончилась',
  disabled: 'Отключена',
};
export const PROMOTION_STATUS_TONES: Record<PromotionStatus, Tone> = {
  scheduled: 'progress',
  active: 'success',
  ended: 'muted',
  disabled: 'muted',
};

export type PromoCodeStatus = 'active' | 'used_up' | 'ended' | 'disabled';
export const CODE_STATUS_LABELS: Record<PromoCodeStatus, string> = {
  active: 'Действует',
  used_up: 'Исчерпан',
  ended: 'Акция закончилась',
  disabled: 'Отключён',
};
export const CODE_STATUS_TONES: Record<PromoCodeStatus, Tone> = {
  active: 'success',
  used_up: 'neutral',
  ended: 'muted',
  disabled: 'muted',
};

/** What the server stores: 4–20 letters A–Z and digits, upper-case. */
export const PROMO_CODE_FORMAT = /^[A-Z0-9]{4,20}$/;

/** A promo code as typed → as stored (`zima2026 ` → `ZIMA2026`). */
export const normalizePromoCode = (text: string): string => text.trim().toUpperCase();

/** «3 из 100», «3 (без ограничения)». */
export const formatUses = (used: number, max: number | null): string =>
  max === null ? `${formatInteger(used)} (без ограничения)` : `${formatInteger(used)} из ${formatInteger(max)}`;

/** Whole positive numbers typed by a person («30 000», «30000») → 30000; null otherwise. */
export const parseWhole = (text: string): number | null => {
  const clean = text.replace(/[\s\u00a0\u202f]/g, '');
  if (!/^\d{1,9}$/.test(clean)) return null;
  return Number(clean);
};
