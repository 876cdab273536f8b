import { describe, expect, it } from 'vitest';
import {
  DATE_PATTERN,
  DIVISION_CODE_PATTERN,
  applyDateMask,
  applyPatternMask,
  formatPattern,
  isoToRuDate,
  onlyDigits,
  ruDateToIso,
} from './masks';

/** Types `text` into an empty field one character at a time, as a keyboard would. */
const typeInto = (mask: (previous: string, raw: string, caret: number, inputType: string) => { value: string; caret: number }, text: string) => {
  let value = '';
  let caret = 0;
  for (const char of text) {
    const raw = value.slice(0, caret) + char + value.slice(caret);
    ({ value, caret } = mask(value, raw, caret + 1, 'insertText'));
  }
  return { value, caret };
};

describe('date conversion ДД.ММ.ГГГГ ↔ YYYY-MM-DD', () => {
  it.each([
    ['17.05.1990', '1990-05-17'],
    ['01.01.2000', '2000-01-01'],
    ['29.02.2024', '2024-02-29'],
    [' 31.12.1999 ', '1999-12-31'],
  ])('%s → %s', (ru, iso) => {
    expect(ruDateToIso(ru)).toBe(iso);
    expect(isoToRuDate(iso)).toBe(ru.trim());
  });

  it.each(['', '17.05.90', '17.5.1990', '1990-05-17', '31.02.1990', '29.02.2023', '00.01.2000', '32.01.2000', '17/05/1990', '17.13.1990'])(
    'refuses «%s»',
    (text) => {
      expect(ruDateToIso(text)).toBeNull();
    },
  );

  it('shows nothing for a missing or malformed ISO date', () => {
    expect(isoToRuDate(undefined)).toBe('');
    expect(isoToRuDate('')).toBe('');
    expect(isoToRuDate('1990-02-30')).toBe('');
    expect(isoToRuDate('17.05.1990')).toBe('');
  });
});

describe('pattern masks', () => {
  it('writes a separator only before a digit that follows it', () => {
    expect(formatPattern(DATE_PATTERN, '')).toBe('');
    expect(formatPattern(DATE_PATTERN, '17')).toBe('17');
    expect(formatPattern(DATE_PATTERN, '170')).toBe('17.0');
    expect(formatPattern(DATE_PATTERN, '17051990')).toBe('17.05.1990');
    expect(formatPattern(DIVISION_CODE_PATTERN, '770001')).toBe('770-001');
    expect(formatPattern(DIVISION_CODE_PATTERN, '770')).toBe('770');
  });

  it('formats a date typed digit by digit, ignoring letters and extra digits', () => {
    expect(typeInto(applyDateMask, '17051990').value).toBe('17.05.1990');
    expect(typeInto(applyDateMask, '17.05.1990').value).toBe('17.05.1990');
    expect(typeInto(applyDateMask, '17x05y1990123').value).toBe('17.05.1990');
  });

  it('formats the division code', () => {
    const mask = (previous: string, raw: string, caret: number, inputType: string) =>
      applyPatternMask(DIVISION_CODE_PATTERN, previous, raw, caret, inputType);
    expect(typeInto(mask, '770001')).toEqual({ value: '770-001', caret: 7 });
    expect(mask('', '770 001', 7, 'insertFromPaste').value).toBe('770-001');
  });

  it('understands a pasted ISO date and a date with one-digit day or month', () => {
    expect(applyDateMask('', '1990-05-17', 10, 'insertFromPaste').value).toBe('17.05.1990');
    expect(applyDateMask('', '7.5.1990', 8, 'insertFromPaste').value).toBe('07.05.1990');
    expect(applyDateMask('', '17/05/1990', 10, 'insertFromPaste').value).toBe('17.05.1990');
  });

  it('backspace over a separator deletes the digit before it', () => {
    // «17.05|» then Backspace over «.»? The caret sits after «17.» in «17.0»: delete the «.».
    const result = applyDateMask('17.0', '170', 2, 'deleteContentBackward');
    expect(result).toEqual({ value: '10', caret: 1 });
  });

  it('keeps the caret after the same digit when editing in the middle', () => {
    // «17.05.1990» with the caret after «17.0»: typing «6» gives «17.06.5199» (digits shift right, cut at 8).
    const result = applyDateMask('17.05.1990', '17.065.1990', 5, 'insertText');
    expect(result).toEqual({ value: '17.06.5199', caret: 5 });
  });

  it('keeps digits only, up to a length', () => {
    expect(onlyDigits('45 10', 4)).toBe('4510');
    expect(onlyDigits('7712-3456-7859-99', 12)).toBe('771234567859');
  });
});
