import { describe, expect, it } from 'vitest';
import { DEFAULT_CAR_RULES, evaluateCar, yearsText, type CarRules, type EvaluateCarInput } from './car-rules';

const clean = { pledged: false, restrictions: [] };
const base = { year: 2015, contractDate: '2026-03-15', termMonths: 24, checks: clean } satisfies EvaluateCarInput;

describe('DEFAULT_CAR_RULES', () => {
  it('20 years at maturity, 70 %, pledges and all three restrictions decline, no minimum year', () => {
    expect(DEFAULT_CAR_RULES).toEqual({
      maxAgeYearsAtMaturity: 20,
      declineIfPledged: true,
      declineRestrictions: ['wanted', 'arrest', 'registration_ban'],
      valuationSharePercent: 70,
    });
  });
});

describe('evaluateCar', () => {
  it('accepts a clean car young enough', () => {
    expect(evaluateCar(DEFAULT_CAR_RULES, base)).toEqual({ ok: true });
  });

  describe('age at maturity (model years)', () => {
    it('a 2008 car on 24 months from March 2026 ends in 2028 at 20: accepted', () => {
      expect(evaluateCar(DEFAULT_CAR_RULES, { ...base, year: 2008 })).toEqual({ ok: true });
    });

    it('a 2007 car on the same loan would be 21: declined', () => {
      expect(evaluateCar(DEFAULT_CAR_RULES, { ...base, year: 2007 })).toEqual({
        ok: false,
        reasons: ['К концу срока займа автомобилю будет 21 год, а допускается не больше 20 лет.'],
      });
    });

    it('the term decides: the same 2007 car on 9 months (ending December 2026) is 19', () => {
      expect(evaluateCar(DEFAULT_CAR_RULES, { ...base, year: 2007, termMonths: 9 })).toEqual({ ok: true });
      expect(evaluateCar(DEFAULT_CAR_RULES, { ...base, year: 2007, termMonths: 10 }).ok).toBe(true); // 15 Jan 2027: 20
      expect(evaluateCar(DEFAULT_CAR_RULES, { ...base, year: 2006, termMonths: 10 }).ok).toBe(false); // 21
    });

    it('a maturity date may be given instead of a term', () => {
      const { termMonths: _termMonths, ...rest } = base;
      expect(evaluateCar(DEFAULT_CAR_RULES, { ...rest, year: 2006, maturityDate: '2026-12-31' })).toEqual({ ok: true });
      expect(evaluateCar(DEFAULT_CAR_RULES, { ...rest, year: 2006, maturityDate: '2027-01-01' }).ok).toBe(false);
    });

    it('a stricter policy: at most 7 years', () => {
      const rules: CarRules = { ...DEFAULT_CAR_RULES, maxAgeYearsAtMaturity: 7 };
      expect(evaluateCar(rules, { ...base, year: 2015 })).toEqual({
        ok: false,
        reasons: ['К концу срока займа автомобилю будет 13 лет, а допускается не больше 7 лет.'],
      });
      expect(evaluateCar(rules, { ...base, year: 2021 })).toEqual({ ok: true });
    });
  });

  it('minYear declines an older model year', () => {
    const rules: CarRules = { ...DEFAULT_CAR_RULES, minYear: 2010 };
    expect(evaluateCar(rules, { ...base, year: 2009 })).toEqual({
      ok: false,
      reasons: ['Принимаем автомобили 2010 года выпуска и новее, а этот — 2009 года.'],
    });
    expect(evaluateCar(rules, { ...base, year: 2010 })).toEqual({ ok: true });
  });

  it('a car already pledged is declined, unless the rules allow it', () => {
    const pledged = { ...base, checks: { pledged: true, restrictions: [] } };
    expect(evaluateCar(DEFAULT_CAR_RULES, pledged)).toEqual({ ok: false, reasons: ['Автомобиль уже в залоге.'] });
    expect(evaluateCar({ ...DEFAULT_CAR_RULES, declineIfPledged: false }, pledged)).toEqual({ ok: true });
  });

  it.each([
    ['wanted', 'Автомобиль числится в розыске.'],
    ['arrest', 'На автомобиль наложен арест.'],
    ['registration_ban', 'На автомобиль наложен запрет на регистрационные действия.'],
  ] as const)('the restriction %s declines the car, unless the rules leave it out', (restriction, reason) => {
    const input = { ...base, checks: { pledged: false, restrictions: [restriction] } };
    expect(evaluateCar(DEFAULT_CAR_RULES, input)).toEqual({ ok: false, reasons: [reason] });
    const lenient: CarRules = { ...DEFAULT_CAR_RULES, declineRestrictions: DEFAULT_CAR_RULES.declineRestrictions.filter((r) => r !== restriction) };
    expect(evaluateCar(lenient, input)).toEqual({ ok: true });
  });

  it('an unknown restriction declines the car for a person to look at', () => {
    expect(evaluateCar(DEFAULT_CAR_RULES, { ...base, checks: { pledged: false, restrictions: ['customs_hold'] } })).toEqual({
      ok: false,
      reasons: ['На автомобиль есть ограничение «customs_hold»: нужна проверка сотрудником.'],
    });
  });

  it('gives every reason at once, in a fixed order, each once', () => {
    const rules: CarRules = { ...DEFAULT_CAR_RULES, minYear: 2000 };
    const input = { ...base, year: 1999, checks: { pledged: true, restrictions: ['registration_ban', 'other', 'arrest', 'wanted', 'arrest'] } };
    expect(evaluateCar(rules, input)).toEqual({
      ok: false,
      reasons: [
        'Принимаем автомобили 2000 года выпуска и новее, а этот — 1999 года.',
        'К концу срока займа автомобилю будет 29 лет, а допускается не больше 20 лет.',
        'Автомобиль уже в залоге.',
        'Автомобиль числится в розыске.',
        'На автомобиль наложен арест.',
        'На автомобиль наложен запрет на регистрационные действия.',
        'На автомобиль есть ограничение «other»: нужна проверка сотрудником.',
      ],
    });
  });

  it('refuses bad inputs', () => {
    expect(() => evaluateCar(DEFAULT_CAR_RULES, { ...base, year: 2015.5 })).toThrow(RangeError);
    expect(() => evaluateCar(DEFAULT_CAR_RULES, { ...base, contractDate: '2026-13-01' })).toThrow(RangeError);
    expect(() => evaluateCar(DEFAULT_CAR_RULES, { ...base, termMonths: 0 })).toThrow(RangeError);
    const { termMonths: _termMonths, ...rest } = base;
    expect(() => evaluateCar(DEFAULT_CAR_RULES, { ...rest, maturityDate: '2026-01-01' })).toThrow(RangeError);
  });
});

describe('yearsText', () => {
  it.each([
    [1, '1 год'],
    [2, '2 года'],
    [4, '4 года'],
    [5, '5 лет'],
    [11, '11 лет'],
    [14, '14 лет'],
    [20, '20 лет'],
    [21, '21 год'],
    [22, '22 года'],
    [111, '111 лет'],
  ])('%i → %s', (n, text) => {
    expect(yearsText(n)).toBe(text);
  });
});
