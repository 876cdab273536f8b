import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS } from '../../core/pricing/products';
import { quote } from '../../core/pricing/quote';
import { DEFAULT_LEGAL_RULES } from '../../core/pricing/rules';
import {
  formatCapNote,
  formatCapPercent,
  formatDate,
  formatDaysLeft,
  formatMoscowDateTime,
  formatPaymentLine,
  formatPskPercent,
  formatPskRange,
  formatRate,
  formatTerm,
  formatTermAccusative,
  pluralRu,
  rublesWords,
} from './loan-format';

/** Tests compare with ordinary spaces; the app writes no-break ones. */
const plain = (text: string | null) => text?.replace(/\u00a0/g, ' ') ?? null;

const priced = (code: string, amountRubles: number, term: number) => {
  const product = DEFAULT_PRODUCTS.find((p) => p.code === code)!;
  const result = quote({ product, amountRubles, term, startDate: '2026-11-25', rules: DEFAULT_LEGAL_RULES });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.quote;
};

describe('Russian plurals', () => {
  it.each([
    [1, 'день'],
    [2, 'дня'],
    [4, 'дня'],
    [5, 'дней'],
    [11, 'дней'],
    [12, 'дней'],
    [14, 'дней'],
    [21, 'день'],
    [22, 'дня'],
    [30, 'дней'],
    [111, 'дней'],
  ])('%d %s', (n, word) => {
    expect(pluralRu(n, 'день', 'дня', 'дней')).toBe(word);
  });

  it('formats terms and amounts in words', () => {
    expect(plain(formatTerm(30, 'days'))).toBe('30 дней');
    expect(plain(formatTerm(24, 'weeks'))).toBe('24 недели');
    expect(plain(formatTerm(1, 'weeks'))).toBe('1 неделя');
    expect(plain(formatTermAccusative(1, 'weeks'))).toBe('1 неделю');
    expect(plain(formatTerm(21, 'months'))).toBe('21 месяц');
    expect(plain(rublesWords(10_000))).toBe('10 000 рублей');
    expect(plain(rublesWords(1))).toBe('1 рубль');
    expect(plain(rublesWords(1_000_000))).toBe('1 000 000 рублей');
  });
});

describe('rates and ПСК', () => {
  it('shows ПСК to three decimals and the range as one value when it is one', () => {
    expect(plain(formatPskPercent(164.25))).toBe('164,250 %');
    expect(plain(formatPskRange({ minPercent: 156.491, maxPercent: 164.25 }))).toBe('ПСК от 156,491 % до 164,250 %');
    expect(plain(formatPskRange({ minPercent: 292, maxPercent: 292 }))).toBe('ПСК 292,000 %');
    expect(plain(formatPskPercent(1234.5))).toBe('1 234,500 %');
  });

  it('shows rates per day and per month', () => {
    expect(plain(formatRate({ percent: 0.8, per: 'day' }))).toBe('0,8 % в день');
    expect(plain(formatRate({ percent: 3, per: 'month' }))).toBe('3 % в месяц');
    expect(plain(formatRate({ percent: 0.2917, per: 'day' }))).toBe('0,2917 % в день');
  });
});

describe('quote lines', () => {
  it('says nothing about payments for a one-payment loan', () => {
    expect(formatPaymentLine(priced('pdl', 10_000, 30))).toBeNull();
  });

  it('describes fortnightly and monthly payments, and a different last one', () => {
    const fortnightly = priced('installment', 50_000, 24);
    expect(plain(formatPaymentLine(fortnightly))).toBe('Платёж 6 062,33 ₽ раз в 2 недели, 12 платежей, последний — 6 062,28 ₽');
    const monthly = priced('car', 300_000, 24);
    expect(plain(formatPaymentLine(monthly))).toMatch(/^Платёж [\d ]+(,\d\d)? ₽ раз в месяц, 24 платежа/);
  });

  it('names the overpayment cap, and none for loans over a year', () => {
    expect(plain(formatCapNote(priced('pdl', 10_000, 30)))).toBe('Переплата не может превышать 100 % суммы займа');
    expect(formatCapNote(priced('car', 300_000, 24))).toBeNull();
  });

  it('keeps «г.» with the year', () => {
    expect(formatDate('2026-12-25')).toBe('25 декабря 2026\u00a0г.');
  });
});

describe('servicing figures', () => {
  it('says how many days are left, or how many overdue', () => {
    expect(plain(formatDaysLeft(21))).toBe('остался 21 день');
    expect(plain(formatDaysLeft(3))).toBe('осталось 3 дня');
    expect(plain(formatDaysLeft(30))).toBe('осталось 30 дней');
    expect(plain(formatDaysLeft(0))).toBe('вернуть сегодня');
    expect(plain(formatDaysLeft(-4))).toBe('Просрочка 4 дн.');
  });

  it('shows instants in Moscow time, whatever the browser zone', () => {
    expect(plain(formatMoscowDateTime('2026-11-25T21:30:00Z'))).toBe('26 ноября 2026 г., 00:30');
  });

  it('gives the cap as a share of the amount', () => {
    expect(plain(formatCapPercent(1_000_000, 1_000_000))).toBe('100 %');
    expect(plain(formatCapPercent(1_300_000, 1_000_000))).toBe('130 %');
  });
});
