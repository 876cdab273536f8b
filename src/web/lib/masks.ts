/**
 * Input masks for fixed-format numbers (`ДД.ММ.ГГГГ`, the passport's division code `000-000`,
 * digits-only fields) and the conversion between the Russian date people type and the ISO date the
 * API takes. Pure functions only (unit-tested in masks.test.ts); the core rules stay the judge of
 * what is valid, the masks only help to type and read.
 */
import { isBusinessDate } from '../../core/dates';

export type MaskResult = { value: string; caret: number };

/** `D` stands for a digit, anything else is a separator the mask writes itself. */
export const DATE_PATTERN = 'DD.DD.DDDD';
export const DIVISION_CODE_PATTERN = 'DDD-DDD';

const digitsOf = (text: string) => text.replace(/\D/g, '');
const slotCount = (pattern: string) => pattern.split('').filter((c) => c === 'D').length;

/**
 * Digits laid into the pattern. A separator is written only when a digit follows it, so deleting
 * the last digit never leaves the user stuck behind a dot: `1705` → `17.05`, `17` → `17`.
 */
export const formatPattern = (pattern: string, digits: string): string => {
  let out = '';
  let next = 0;
  for (const slot of pattern) {
    if (next >= digits.length) break;
    if (slot === 'D') {
      out += digits.charAt(next);
      next += 1;
    } else {
      out += slot;
    }
  }
  return out;
};

/** Caret position in `formatted` just after its `count`-th digit. */
const caretAfterDigits = (formatted: string, count: number): number => {
  if (count <= 0) return 0;
  let seen = 0;
  for (let i = 0; i < formatted.length; i += 1) {
    if (/\d/.test(formatted.charAt(i))) {
      seen += 1;
      if (seen === count) return i + 1;
    }
  }
  return formatted.length;
};

/**
 * Applies a pattern mask after an `input` event, keeping the caret after the same digit.
 *
 * @param previous the field's value before the edit (already masked)
 * @param raw the field's value after the browser applied the edit
 * @param caret the caret position in `raw`
 * @param inputType `InputEvent.inputType` (`insertText`, `deleteContentBackward`, ...)
 */
export const applyPatternMask = (pattern: string, previous: string, raw: string, caret: number, inputType: string): MaskResult => {
  const max = slotCount(pattern);
  let digits = digitsOf(raw).slice(0, max);
  let before = Math.min(max, digitsOf(raw.slice(0, caret)).length);
  // Deleting only a separator would be undone by the mask: delete the digit next to it instead.
  if (inputType.startsWith('delete') && digits === digitsOf(previous).slice(0, max) && raw.length < previous.length) {
    if (inputType === 'deleteContentBackward' && before > 0) {
      digits = digits.slice(0, before - 1) + digits.slice(before);
      before -= 1;
    } else if (inputType === 'deleteContentForward') {
      digits = digits.slice(0, before) + digits.slice(before + 1);
    }
  }
  const value = formatPattern(pattern, digits);
  return { value, caret: caretAfterDigits(value, before) };
};

/**
 * A date as typed or pasted, in the `ДД.ММ.ГГГГ` mask. Pasted `1990-05-17` (ISO) and `7.5.1990`
 * (single-digit day or month with separators) are understood too; anything else is masked digit
 * by digit.
 */
export const applyDateMask = (previous: string, raw: string, caret: number, inputType: string): MaskResult => {
  const trimmed = raw.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
  if (iso) {
    const value = `${iso[3]}.${iso[2]}.${iso[1]}`;
    return { value, caret: value.length };
  }
  const loose = /^(\d{1,2})[./\s-](\d{1,2})[./\s-](\d{4})$/.exec(trimmed);
  if (loose && inputType.startsWith('insert')) {
    const value = `${loose[1]!.padStart(2, '0')}.${loose[2]!.padStart(2, '0')}.${loose[3]}`;
    return { value, caret: value.length };
  }
  return applyPatternMask(DATE_PATTERN, previous, raw, caret, inputType);
};

/** `17.05.1990` → `1990-05-17`; null unless it is a whole, real calendar date. */
export const ruDateToIso = (text: string): string | null => {
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text.trim());
  if (!m) return null;
  const iso = `${m[3]}-${m[2]}-${m[1]}`;
  return isBusinessDate(iso) ? iso : null;
};

/** `1990-05-17` → `17.05.1990`; an empty string for anything that is not an ISO date. */
export const isoToRuDate = (iso: string | undefined): string => {
  if (!iso || !isBusinessDate(iso)) return '';
  const [y, m, d] = iso.split('-');
  return `${d}.${m}.${y}`;
};

/** Keeps the digits of `raw`, at most `max` of them (passport series and number, ИНН). */
export const onlyDigits = (raw: string, max: number): string => digitsOf(raw).slice(0, max);
