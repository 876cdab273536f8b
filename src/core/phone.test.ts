import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPhone, isRussianMobile, maskPhone, normalizeRussianMobile, phonePrefix } from './phone';

const nineDigits = fc.stringMatching(/^\d{9}$/);
const canonical = nineDigits.map((d) => `+79${d}`);

describe('normalizeRussianMobile', () => {
  it.each([
    ['8 912 345-67-89', '+79123456789'],
    ['+7 (912) 345 67 89', '+79123456789'],
    ['+7 (912) 345-67-89', '+79123456789'],
    ['79123456789', '+79123456789'],
    ['89123456789', '+79123456789'],
    ['9123456789', '+79123456789'],
    ['  +7-912-345-67-89  ', '+79123456789'],
    ['8(912)345.67.89', '+79123456789'],
  ])('accepts %s', (input, expected) => {
    expect(normalizeRussianMobile(input)).toBe(expected);
  });

  it.each([
    ['+7 495 123-45-67', 'Moscow landline'],
    ['+1 212 555 0100', 'US number'],
    ['+380 50 123 4567', 'Ukrainian mobile'],
    ['+7 912 345 67 8', 'too short'],
    ['+7 912 345 67 890', 'too long'],
    ['+7 912 345 67 8a', 'letter'],
    ['', 'empty'],
    ['+8 912 345 67 89', 'plus eight'],
    ['7 (7) 912 345 67 89', 'stray digit'],
  ])('refuses %s (%s)', (input) => {
    expect(normalizeRussianMobile(input)).toBeNull();
  });

  it('is the identity on canonical numbers and idempotent', () => {
    fc.assert(
      fc.property(canonical, (phone) => {
        expect(normalizeRussianMobile(phone)).toBe(phone);
        expect(normalizeRussianMobile(normalizeRussianMobile(phone)!)).toBe(phone);
      }),
    );
  });

  it('accepts every common spelling of the same number', () => {
    const spelling = fc.constantFrom(
      (d: string) => `8${d}`,
      (d: string) => `+7${d}`,
      (d: string) => `7${d}`,
      (d: string) => `8 ${d.slice(0, 3)} ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`,
      (d: string) => `+7 (${d.slice(0, 3)}) ${d.slice(3, 6)} ${d.slice(6, 8)} ${d.slice(8)}`,
      (d: string) => `+7-${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`,
    );
    fc.assert(
      fc.property(nineDigits, spelling, (rest, spell) => {
        expect(normalizeRussianMobile(spell(`9${rest}`))).toBe(`+79${rest}`);
      }),
    );
  });

  it('only ever returns +79XXXXXXXXX, whatever it is given', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (input) => {
        const result = normalizeRussianMobile(input);
        if (result !== null) expect(isRussianMobile(result)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[+()\-\s0-9]{0,20}$/), (input) => {
        const result = normalizeRussianMobile(input);
        if (result !== null) expect(result).toMatch(/^\+79\d{9}$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses numbers that are not mobile (the fourth digit is not 9)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), nineDigits, (first, rest) => {
        expect(normalizeRussianMobile(`+7${first}${rest}`)).toBeNull();
      }),
    );
  });
});

describe('masking and formatting', () => {
  it('masks all but the last four digits', () => {
    fc.assert(
      fc.property(canonical, (phone) => {
        const masked = maskPhone(phone);
        expect(masked).toBe(`+7******${phone.slice(-4)}`);
        expect(masked).not.toContain(phone.slice(2, 8));
      }),
    );
  });

  it('formats for people and the prefix drops the last three digits', () => {
    expect(formatPhone('+79123456789')).toBe('+7 (912) 345-67-89');
    expect(phonePrefix(normalizeRussianMobile('+79123456789')!)).toBe('+79123456');
  });
});
