/**
 * Russian wording for loan figures: terms with the right plural, rates, ПСК, the payment line.
 * Money and dates go through the core's `formatRubles` and `formatLongDate`; this adds the rest.
 * Group separators are no-break spaces, like `formatRubles`, so a figure never breaks across lines.
 */
import type { Quote } from '../../core/pricing/quote';
import type { Product, TermUnit } from '../../core/pricing/products';
import { formatLongDate, moscowDate } from '../../core/dates';
import { formatRubles } from '../../core/money';

const NBSP = '\u00a0';
const nbsp = (text: string) => text.replace(/[\u202f\u00a0 ]/g, NBSP);

/** «25 декабря 2026 г.», with «г.» kept on the year's line. */
export const formatDate = (date: string): string => formatLongDate(date).replace(/ г\.$/, `${NBSP}г.`);

/** 1 → one, 2–4 → few, 5–20 → many, by the last two digits (21 день, 22 дня, 25 дней, 111 дней). */
export const pluralRu = (n: number, one: string, few: string, many: string): string => {
  const mod10 = Math.abs(n) % 10;
  const mod100 = Math.abs(n) % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
};

const integerFormat = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 0 });
const pskFormat = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const rateFormat = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 4 });

/** 10000 → «10 000» (no-break space). */
export const formatInteger = (n: number): string => nbsp(integerFormat.format(n));

/** 10000 → «10 000», with an ordinary space: what an input field shows and a user types. */
export const formatInputNumber = (n: number): string => integerFormat.format(n).replace(/[\u202f\u00a0]/g, ' ');

const UNIT_FORMS: Record<TermUnit, [string, string, string]> = {
  days: ['день', 'дня', 'дней'],
  weeks: ['неделя', 'недели', 'недель'],
  months: ['месяц', 'месяца', 'месяцев'],
};

/** «на 1 неделю»: the accusative differs from the nominative only for weeks. */
const UNIT_FORMS_ACCUSATIVE: Record<TermUnit, [string, string, string]> = {
  ...UNIT_FORMS,
  weeks: ['неделю', 'недели', 'недель'],
};

/** The word for the unit after n: 30 → «дней», 24 → «недели». */
export const unitWord = (n: number, unit: TermUnit): string => pluralRu(n, ...UNIT_FORMS[unit]);

/** 30 → «30 дней», 24 → «24 недели», 1 → «1 месяц». */
export const formatTerm = (n: number, unit: TermUnit): string => `${formatInteger(n)}${NBSP}${unitWord(n, unit)}`;

/** As after «на»: «на 1 неделю», «на 30 дней». */
export const formatTermAccusative = (n: number, unit: TermUnit): string =>
  `${formatInteger(n)}${NBSP}${pluralRu(n, ...UNIT_FORMS_ACCUSATIVE[unit])}`;

/** The field label's unit: «дней», «недель», «месяцев». */
export const unitGenitivePlural = (unit: TermUnit): string => UNIT_FORMS[unit][2];

/** For a slider's aria-valuetext: 10000 → «10 000 рублей», 1 → «1 рубль». */
export const rublesWords = (rubles: number): string => `${formatInteger(rubles)} ${pluralRu(rubles, 'рубль', 'рубля', 'рублей')}`;

/** 164.25 → «164,250 %» (ПСК is shown to three decimals, as the law computes it). */
export const formatPskPercent = (percent: number): string => `${nbsp(pskFormat.format(percent))}${NBSP}%`;

/** «ПСК от 156,491 % до 164,250 %», or «ПСК 292,000 %» when the range is one value. */
export const formatPskRange = (range: { minPercent: number; maxPercent: number }): string =>
  range.minPercent === range.maxPercent
    ? `ПСК ${formatPskPercent(range.minPercent)}`
    : `ПСК от ${formatPskPercent(range.minPercent)} до ${formatPskPercent(range.maxPercent)}`;

/** { percent: 0.8, per: 'day' } → «0,8 % в день»; 3 per month → «3 % в месяц». */
export const formatRate = (rate: { percent: number; per: 'day' | 'month' }): string =>
  `${nbsp(rateFormat.format(rate.percent))}${NBSP}% ${rate.per === 'day' ? 'в день' : 'в месяц'}`;

/** The product's own rate (ppm per day or month) as a display rate. */
export const productRate = (product: Product): { percent: number; per: 'day' | 'month' } => ({
  percent: product.rate.ppm / 10_000,
  per: product.rate.per,
});

/** How often an instalment loan is paid, from its schedule: «раз в 2 недели», «раз в месяц». */
const frequency = (quote: Quote): string => {
  const [first, second] = quote.schedule;
  if (first && second) {
    const days = Math.round((Date.parse(`${second.date}T00:00:00Z`) - Date.parse(`${first.date}T00:00:00Z`)) / 86_400_000);
    if (days === 14) return 'раз в 2\u00a0недели';
    if (days === 7) return 'раз в неделю';
  }
  return 'раз в месяц';
};

/**
 * «Платёж 7 917 ₽ раз в 2 недели, 26 платежей», with «последний — …» when the last payment (which
 * takes the remaining principal) differs. Null for a one-payment loan.
 */
export const formatPaymentLine = (quote: Quote): string | null => {
  const count = quote.schedule.length;
  const first = quote.schedule[0];
  const last = quote.schedule[count - 1];
  if (!first || !last || count < 2) return null;
  const payments = `${formatInteger(count)}${NBSP}${pluralRu(count, 'платёж', 'платежа', 'платежей')}`;
  const lastPart = last.totalKopecks === first.totalKopecks ? '' : `, последний${NBSP}— ${formatRubles(last.totalKopecks)}`;
  return `Платёж ${formatRubles(first.totalKopecks)} ${frequency(quote)}, ${payments}${lastPart}`;
};

/** «Переплата не может превышать 100 % суммы займа», or null when no cap applies (loans over a year). */
export const formatCapNote = (quote: Quote): string | null => {
  const percent = quote.cap.overpaymentCapPercent;
  if (percent === null) return null;
  return `Переплата не может превышать ${formatInteger(percent)}${NBSP}% суммы займа`;
};

/** Days to the due date as a loan page says it: «осталось 12 дней», «сегодня», «просрочка 3 дн.». */
export const formatDaysLeft = (daysLeft: number): string => {
  if (daysLeft === 0) return 'вернуть сегодня';
  if (daysLeft < 0) return `Просрочка ${formatInteger(-daysLeft)}${NBSP}дн.`;
  return `${pluralRu(daysLeft, 'остался', 'осталось', 'осталось')} ${formatInteger(daysLeft)}${NBSP}${pluralRu(daysLeft, 'день', 'дня', 'дней')}`;
};

const timeFormat = new Intl.DateTimeFormat('ru-RU', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Moscow' });

/** An instant's time of day in Moscow: «09:05». */
export const formatMoscowTime = (iso: string): string => timeFormat.format(new Date(iso));

/** An instant as a Moscow date and time: «25 ноября 2026 г., 09:05». */
export const formatMoscowDateTime = (iso: string): string => `${formatDate(moscowDate(new Date(iso)))}, ${formatMoscowTime(iso)}`;

/** The part of the amount the overpayment cap allows: 1 000 000 of 1 000 000 → «100 %». */
export const formatCapPercent = (capKopecks: number, amountKopecks: number): string =>
  `${formatInteger(Math.round((capKopecks * 100) / amountKopecks))}${NBSP}%`;
