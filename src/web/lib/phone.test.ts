import { describe, expect, it } from 'vitest';
import { applyPhoneMask, formatNational, nationalDigits } from './phone';

describe('nationalDigits', () => {
  it.each([
    ['+7 (912) 345-67-89', '9123456789'],
    ['8 912 345-67-89', '9123456789'],
    ['8(912)3456789', '9123456789'],
    ['79123456789', '9123456789'],
    ['9123456789', '9123456789'],
    ['+7 912 345 67 89 000', '9123456789'],
    ['', ''],
    ['abc', ''],
  ])('%s → %s', (raw, national) => {
    expect(nationalDigits(raw)).toBe(national);
  });
});

describe('formatNational', () => {
  it.each([
    ['', ''],
    ['9', '+7 (9'],
    ['912', '+7 (912'],
    ['9123', '+7 (912) 3'],
    ['912345', '+7 (912) 345'],
    ['9123456', '+7 (912) 345-6'],
    ['91234567', '+7 (912) 345-67'],
    ['912345678', '+7 (912) 345-67-8'],
    ['9123456789', '+7 (912) 345-67-89'],
  ])('%s → %s', (national, formatted) => {
    expect(formatNational(national)).toBe(formatted);
  });
});

describe('applyPhoneMask', () => {
  it('formats digits typed one by one', () => {
    let value = '';
    for (const digit of '9123456789') {
      const raw = value + digit;
      value = applyPhoneMask(value, raw, raw.length, 'insertText').value;
    }
    expect(value).toBe('+7 (912) 345-67-89');
  });

  it('accepts a pasted number with a trunk 8', () => {
    const result = applyPhoneMask('', '8 912 345-67-89', 15, 'insertFromPaste');
    expect(result).toEqual({ value: '+7 (912) 345-67-89', caret: 18 });
  });

  it('starts the prefix when the user types + or 8 first', () => {
    expect(applyPhoneMask('', '+', 1, 'insertText')).toEqual({ value: '+7 (', caret: 4 });
    expect(applyPhoneMask('', '8', 1, 'insertText')).toEqual({ value: '+7 (', caret: 4 });
  });

  it('clears the field when the last digit is deleted', () => {
    expect(applyPhoneMask('+7 (9', '+7 (', 4, 'deleteContentBackward')).toEqual({ value: '', caret: 0 });
  });

  it('drops trailing separators on backspace at the end', () => {
    const result = applyPhoneMask('+7 (912) 3', '+7 (912) ', 9, 'deleteContentBackward');
    expect(result.value).toBe('+7 (912');
  });

  it('deletes the digit before a separator when backspace hits the separator', () => {
    // Caret right after ")" in "+7 (912) 345": backspace removes ")" → the mask removes "2" instead.
    const result = applyPhoneMask('+7 (912) 345', '+7 (912 345', 8, 'deleteContentBackward');
    expect(result).toEqual({ value: '+7 (913) 45', caret: 6 });
  });

  it('keeps the caret after the inserted digit in the middle', () => {
    // "+7 (912) 345" with the caret after "1": type "0".
    const result = applyPhoneMask('+7 (912) 345', '+7 (9102) 345', 7, 'insertText');
    expect(result).toEqual({ value: '+7 (910) 234-5', caret: 7 });
  });

  it('ignores letters', () => {
    expect(applyPhoneMask('+7 (912', '+7 (912a', 8, 'insertText').value).toBe('+7 (912');
  });
});
