/**
 * Phone input mask for Russian numbers: `+7 (912) 345-67-89`.
 *
 * Pure functions only (unit-tested in phone.test.ts). The server stays the judge of what a valid
 * number is; the mask only helps the user type and read it. Validation and display of a whole number
 * live in src/core/phone.ts, shared with the server.
 */

/** Ten national digits follow the country code. */
export const NATIONAL_LENGTH = 10;

const PREFIX = '+7 (';

/**
 * The national part (up to 10 digits) of whatever the user typed or pasted:
 * `+7 (912) 345-67-89`, `8 912 345-67-89`, `79123456789` and `9123456789` all give `9123456789`.
 * A leading 7 or 8 is a country code or trunk prefix: Russian mobile numbers start with 9.
 */
export const nationalDigits = (raw: string): string => {
  const digits = raw.replace(/\D/g, '');
  const national = /^[78]/.test(digits) ? digits.slice(1) : digits;
  return national.slice(0, NATIONAL_LENGTH);
};

/** Formats up to 10 national digits progressively: `912` → `+7 (912`, `9123456789` → `+7 (912) 345-67-89`. */
export const formatNational = (national: string): string => {
  const d = national.replace(/\D/g, '').slice(0, NATIONAL_LENGTH);
  if (d.length === 0) return '';
  let out = PREFIX + d.slice(0, 3);
  if (d.length > 3) out += ') ' + d.slice(3, 6);
  if (d.length > 6) out += '-' + d.slice(6, 8);
  if (d.length > 8) out += '-' + d.slice(8, 10);
  return out;
};

export type MaskResult = { value: string; caret: number };

/** How many national digits stand before `caret` in `raw` (the country code or trunk digit is not counted). */
const nationalDigitsBefore = (raw: string, caret: number): number => {
  const all = raw.replace(/\D/g, '');
  const hasPrefix = /^[78]/.test(all);
  const before = raw.slice(0, caret).replace(/\D/g, '').length;
  return Math.max(0, Math.min(NATIONAL_LENGTH, hasPrefix ? before - 1 : before));
};

/** Caret position in `formatted` just after its `count`-th national digit. */
const caretAfterDigits = (formatted: string, count: number): number => {
  if (formatted === '') return 0;
  if (count === 0) return Math.min(PREFIX.length, formatted.length);
  let seen = 0;
  for (let i = PREFIX.length; i < formatted.length; i += 1) {
    if (/\d/.test(formatted.charAt(i))) {
      seen += 1;
      if (seen === count) return i + 1;
    }
  }
  return formatted.length;
};

/**
 * Applies the mask after an `input` event.
 *
 * @param previous the field's value before the edit (already masked)
 * @param raw the field's value after the browser applied the edit
 * @param caret the caret position in `raw`
 * @param inputType `InputEvent.inputType` (`insertText`, `deleteContentBackward`, `insertFromPaste`, ...)
 */
export const applyPhoneMask = (
  previous: string,
  raw: string,
  caret: number,
  inputType: string,
): MaskResult => {
  const isDelete = inputType.startsWith('delete');
  let national = nationalDigits(raw);
  let digitsBefore = nationalDigitsBefore(raw, caret);

  // Deleting only a separator (")", " ", "-") would be undone by the mask and the caret would not
  // move: delete the digit next to it instead, as the user meant.
  if (isDelete && national === nationalDigits(previous) && raw.length < previous.length) {
    if (inputType === 'deleteContentBackward' && digitsBefore > 0) {
      national = national.slice(0, digitsBefore - 1) + national.slice(digitsBefore);
      digitsBefore -= 1;
    } else if (inputType === 'deleteContentForward') {
      national = national.slice(0, digitsBefore) + national.slice(digitsBefore + 1);
    }
  }

  if (national === '') {
    // Typing "+", "7" or "8" into an empty field starts the prefix; deleting down to it clears the field.
    const startsPrefix = !isDelete && /[+78]/.test(raw);
    return startsPrefix ? { value: PREFIX, caret: PREFIX.length } : { value: '', caret: 0 };
  }

  const value = formatNational(national);
  return { value, caret: caretAfterDigits(value, digitsBefore) };
};
