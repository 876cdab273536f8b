import { describe, expect, it } from 'vitest';
import {
  formatPskSpan,
  formatRatePpm,
  formatRublesRange,
  formatTermRange,
  formatUses,
  normalizePromoCode,
  PROMO_CODE_FORMAT,
  parsePercentToPpm,
  parseWhole,
  ppmToPercentText,
  shortDate,
} from './catalogue-format';

const nbsp = (text: string) => text.replace(/ /g, '\u00a0');

describe('rates: percent as typed ↔ integer ppm, without floats', () => {
  it('reads the decimal string into whole millionths', () => {
    expect(parsePercentToPpm('0,8')).toBe(8_000);
    expect(parsePercentToPpm('0.8')).toBe(8_000);
    expect(parsePercentToPpm('1')).toBe(10_000);
    expect(parsePercentToPpm('3')).toBe(30_000);
    expect(parsePercentToPpm('0,0125')).toBe(125);
    expect(parsePercentToPpm('0,45 %')).toBe(4_500);
    expect(parsePercentToPpm(' 0,5 ')).toBe(5_000);
    expect(parsePercentToPpm('100')).toBe(1_000_000);
    // Floats would give 0.07 * 10000 = 700.0000000000001, 0.29 * 10000 = 2899.9999999999995.
    expect(parsePercentToPpm('0,07')).toBe(700);
    expect(parsePercentToPpm('0,29')).toBe(2_900);
    expect(parsePercentToPpm('1,1')).toBe(11_000);
    expect(parsePercentToPpm('0')).toBe(0);
  });

  it('refuses what is not a percent with at most four decimals', () => {
    for (const bad of ['', ' ', ',8', '0,', '0,12345', '-1', '1e2', 'abc', '0,8,1', '1000', '0.8%%']) {
      expect(parsePercentToPpm(bad), bad).toBeNull();
    }
  });

  it('writes ppm back as percent with a decimal comma', () => {
    expect(ppmToPercentText(8_000)).toBe('0,8');
    expect(ppmToPercentText(30_000)).toBe('3');
    expect(ppmToPercentText(125)).toBe('0,0125');
    expect(ppmToPercentText(4_500)).toBe('0,45');
    expect(ppmToPercentText(0)).toBe('0');
    for (const ppm of [1, 700, 2_900, 7_999, 8_000, 12_345, 1_000_000]) expect(parsePercentToPpm(ppmToPercentText(ppm))).toBe(ppm);
  });

  it('names the rate as the calculator does', () => {
    expect(formatRatePpm(8_000, 'day')).toBe(nbsp('0,8 %') + ' в день');
    expect(formatRatePpm(30_000, 'month')).toBe(nbsp('3 %') + ' в месяц');
  });
});

describe('product ranges', () => {
  it('shows amount, term and ПСК ranges', () => {
    expect(formatRublesRange(1_000, 30_000)).toBe(`${nbsp('1 000')} – ${nbsp('30 000 ₽')}`);
    expect(formatRublesRange(5_000, 5_000)).toBe(nbsp('5 000 ₽'));
    expect(formatTermRange(5, 30, 'days')).toBe(`5 – ${nbsp('30 дней')}`);
    expect(formatTermRange(8, 52, 'weeks')).toBe(`8 – ${nbsp('52 недели')}`);
    expect(formatTermRange(6, 6, 'months')).toBe(nbsp('6 месяцев'));
    expect(formatPskSpan({ minPercent: 156.491, maxPercent: 292 })).toBe(`${nbsp('156,491 %')} – ${nbsp('292,000 %')}`);
  });

  it('reads whole numbers typed with spaces', () => {
    expect(parseWhole('30 000')).toBe(30_000);
    expect(parseWhole('29\u00a0500')).toBe(29_500);
    expect(parseWhole('10,5')).toBeNull();
    expect(parseWhole('')).toBeNull();
  });
});

describe('promotions and codes', () => {
  it('stores codes upper-case, 4–20 letters and digits', () => {
    expect(normalizePromoCode(' zima2026 ')).toBe('ZIMA2026');
    expect(PROMO_CODE_FORMAT.test('ZIMA2026')).toBe(true);
    expect(PROMO_CODE_FORMAT.test('ZIM')).toBe(false);
    expect(PROMO_CODE_FORMAT.test('ЗИМА2026')).toBe(false);
    expect(PROMO_CODE_FORMAT.test('ZIMA 2026')).toBe(false);
  });

  it('shows uses and dates compactly', () => {
    expect(formatUses(3, 100)).toBe('3 из 100');
    expect(formatUses(0, null)).toBe('0 (без ограничения)');
    expect(shortDate('2026-12-01')).toBe('01.12.2026');
  });
});
