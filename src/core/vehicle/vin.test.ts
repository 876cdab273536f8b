import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDigitApplies, normalizeVin, validateVin, VIN_ALPHABET, VIN_WEIGHTS, vinCharValue, vinCheckDigit } from './vin';

describe('normalizeVin', () => {
  it('trims, drops spaces and dashes, upper-cases', () => {
    expect(normalizeVin('  1m8gdm9a-xkp 042788\n')).toBe('1M8GDM9AXKP042788');
    expect(normalizeVin('XTA\u00a0210990–Y2766389')).toBe('XTA210990Y2766389');
  });

  it('turns Cyrillic look-alikes typed on a Russian keyboard into Latin letters', () => {
    // Х, Т, А, С, Е, В, К, М, Н, Р, У in Cyrillic, upper and lower case.
    expect(normalizeVin('ХТА210990У2766389')).toBe('XTA210990Y2766389');
    expect(normalizeVin('хта210990у2766389')).toBe('XTA210990Y2766389');
    expect(normalizeVin('АВЕКМНОРСТХУ')).toBe('ABEKMHOPCTXY');
  });
});

describe('vinCheckDigit', () => {
  it('computes the classic example, whose remainder is 10 (X)', () => {
    expect(vinCheckDigit('1M8GDM9AXKP042788')).toBe('X');
    expect(vinCheckDigit('1M8GDM9A0KP042788')).toBe('X'); // position 9 weighs nothing
    expect(vinCheckDigit('1HGCM82633A004352')).toBe('3');
    expect(vinCheckDigit('11111111111111111')).toBe('1');
  });

  it('refuses what is not a normalised VIN', () => {
    expect(() => vinCheckDigit('1M8GDM9AXKP04278')).toThrow(RangeError);
    expect(() => vinCheckDigit('1M8GDM9AIKP042788')).toThrow(RangeError);
    expect(() => vinCheckDigit('1m8gdm9axkp042788')).toThrow(RangeError);
  });
});

describe('checkDigitApplies', () => {
  it.each(['1', '2', '3', '4', '5', 'L'])('applies to a VIN starting with %s', (first) => {
    expect(checkDigitApplies(`${first}M8GDM9AXKP042788`)).toBe(true);
  });

  it.each(['X', 'Z', 'W', 'V', 'S', 'T', 'J', 'K', '6', '9'])('does not apply to a VIN starting with %s', (first) => {
    expect(checkDigitApplies(`${first}M8GDM9AXKP042788`)).toBe(false);
  });
});

describe('validateVin', () => {
  it.each([
    ['1M8GDM9AXKP042788', 'North America, check digit X'],
    ['1HGCM82633A004352', 'North America, check digit 3'],
    ['LSVAU218XN2183294', 'China (constructed), check digit X'],
    ['XTA210990Y2766389', 'Lada, no check'],
    ['XTA21099043456789', 'Russia (constructed): position 9 is not a check digit (it would be 5)'],
    ['Z94CB41AAGR323020', 'WMI of Hyundai in Russia (constructed): a letter at position 9'],
    ['WVWZZZ1JZXW000001', 'Europe (constructed): the filler Z at position 9'],
    ['JHMCM56557C404453', 'Japan'],
  ])('accepts %s (%s)', (vin) => {
    expect(validateVin(vin)).toEqual({ ok: true, vin });
  });

  it('returns the normalised VIN for Cyrillic, lower-case, spaced input', () => {
    expect(validateVin(' хта 210990 у2766389 ')).toEqual({ ok: true, vin: 'XTA210990Y2766389' });
    expect(validateVin('1м8gdм9ах-кр042788')).toEqual({ ok: true, vin: '1M8GDM9AXKP042788' });
  });

  it('refuses a wrong length', () => {
    expect(validateVin('')).toEqual({ ok: false, error: 'Введите VIN.' });
    expect(validateVin('1M8GDM9AXKP04278')).toEqual({ ok: false, error: 'VIN состоит из 17 символов, а введено: 16.' });
    expect(validateVin('1M8GDM9AXKP0427881')).toEqual({ ok: false, error: 'VIN состоит из 17 символов, а введено: 18.' });
  });

  it('refuses I, O and Q, and a Cyrillic О', () => {
    for (const vin of ['1M8GDM9AXKP04278I', 'XTA21099OY2766389', 'QTA210990Y2766389', 'XTA21099ОY2766389']) {
      const result = validateVin(vin);
      expect(result.ok, vin).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^VIN не содержит букв I, O и Q/);
    }
  });

  it('refuses other characters', () => {
    expect(validateVin('XTA210990Y27663_9')).toEqual({ ok: false, error: 'VIN состоит только из латинских букв и цифр.' });
    expect(validateVin('XTA210990Y27663Ж9')).toEqual({ ok: false, error: 'VIN состоит только из латинских букв и цифр.' });
  });

  it('refuses a North American VIN whose check digit does not match', () => {
    const result = validateVin('1M8GDM9A1KP042788');
    expect(result).toEqual({ ok: false, error: 'В VIN ошибка: не сходится контрольный символ (9-й). Сверьте VIN с ПТС или СТС.' });
    // One digit mistyped elsewhere is caught too.
    expect(validateVin('1M8GDM9AXKP042789').ok).toBe(false);
    // A Tesla-style VIN with 7 at position 9, where the sum gives 2: refused; with 2 it passes.
    expect(vinCheckDigit('5YJ3E1EA7JF000316')).toBe('2');
    expect(validateVin('5YJ3E1EA7JF000316').ok).toBe(false);
    expect(validateVin('5YJ3E1EA2JF000316').ok).toBe(true);
  });

  it('refuses a Chinese VIN whose check digit does not match', () => {
    expect(validateVin('LSVAU2180N2183294').ok).toBe(false);
  });

  it('the check digit does not see letters with equal values swapped (A = J = 1): a known limit', () => {
    expect(validateVin('1M8GDM9AXKP042788').ok).toBe(true);
    expect(validateVin('1M8GDM9JXKP042788').ok).toBe(true);
  });

  const allowed = fc.constantFrom(...VIN_ALPHABET.split(''));
  const northAmerican = fc
    .tuple(fc.constantFrom('1', '2', '3', '4', '5'), fc.array(allowed, { minLength: 15, maxLength: 15 }))
    .map(([first, rest]) => {
      const draft = [first, ...rest.slice(0, 7), '0', ...rest.slice(7)].join('');
      return draft.slice(0, 8) + vinCheckDigit(draft) + draft.slice(9);
    });
  const weighted = VIN_WEIGHTS.flatMap((weight, index) => (weight === 0 ? [] : [index]));

  it('property: a North American VIN with its computed check digit passes', () => {
    fc.assert(
      fc.property(northAmerican, (vin) => {
        expect(validateVin(vin)).toEqual({ ok: true, vin });
      }),
    );
  });

  it('property: changing one character at a weighted position to one of another value makes it fail', () => {
    // A character of the same value (A, J, 1 are all 1) is invisible to the check digit, and a
    // first character outside 1–5 and L turns the check off; both are excluded here.
    fc.assert(
      fc.property(northAmerican, fc.constantFrom(...weighted), allowed, (vin, index, replacement) => {
        const original = vin[index]!;
        fc.pre(vinCharValue(replacement) !== vinCharValue(original));
        if (index === 0) fc.pre(/^[1-5L]$/.test(replacement));
        const changed = vin.slice(0, index) + replacement + vin.slice(index + 1);
        expect(validateVin(changed).ok).toBe(false);
      }),
    );
  });

  it('property: changing the check digit itself makes it fail', () => {
    fc.assert(
      fc.property(northAmerican, fc.constantFrom(...'0123456789X'.split('')), (vin, digit) => {
        fc.pre(digit !== vin[8]);
        expect(validateVin(vin.slice(0, 8) + digit + vin.slice(9)).ok).toBe(false);
      }),
    );
  });
});
