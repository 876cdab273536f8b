import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  maskDocumentNumber,
  normalizePlate,
  PLATE_LETTERS,
  validatePlate,
  validatePtsNumber,
  validateStsNumber,
  validateVehicle,
  type VehicleInput,
} from './documents';

const okValue = <T>(check: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!check.ok) throw new Error(check.error);
  return check.value;
};

describe('validatePlate', () => {
  it('accepts the standard plate with a 2- or 3-digit region, spaces and case as typed', () => {
    expect(validatePlate('А123ВС77')).toEqual({ ok: true, value: 'А123ВС77' });
    expect(validatePlate(' а 123 вс 777 ')).toEqual({ ok: true, value: 'А123ВС777' });
    expect(validatePlate('м001мм-199')).toEqual({ ok: true, value: 'М001ММ199' });
  });

  it('turns Latin look-alikes into the same Cyrillic plate (and drops a trailing RUS)', () => {
    expect(okValue(validatePlate('A123BC77'))).toBe('А123ВС77');
    expect(okValue(validatePlate('a123bc77'))).toBe('А123ВС77');
    expect(okValue(validatePlate('X777KX 99 RUS'))).toBe('Х777КХ99');
    expect(normalizePlate('Y001TT77')).toBe('У001ТТ77');
  });

  it('refuses other letters, other shapes and impossible numbers, in Russian', () => {
    expect(validatePlate('')).toEqual({ ok: false, error: 'Введите госномер.' });
    for (const plate of ['Б123ВС77', 'А123ВЖ77', 'А12ВС77', 'А1234ВС77', 'А123ВС7', 'А123ВС7777', '123АВС77', 'AA123B77', 'А123ВС77Ж', 'Q123BC77']) {
      const checked = validatePlate(plate);
      expect(checked.ok, plate).toBe(false);
      if (!checked.ok) expect(checked.error).toMatch(/^Госномер — в формате А123ВС77/);
    }
    expect(validatePlate('А000ВС77')).toEqual({ ok: false, error: 'Номера 000 не бывает: проверьте цифры госномера.' });
    expect(validatePlate('А123ВС00').ok).toBe(false);
  });

  it('accepts every plate built from the twelve letters', () => {
    const letter = fc.constantFrom(...PLATE_LETTERS);
    fc.assert(
      fc.property(letter, fc.integer({ min: 1, max: 999 }), letter, letter, fc.integer({ min: 1, max: 999 }), (a, n, b, c, region) => {
        const plate = `${a}${String(n).padStart(3, '0')}${b}${c}${String(region).padStart(2, '0')}`;
        expect(validatePlate(plate)).toEqual({ ok: true, value: plate });
      }),
    );
  });
});

describe('validatePtsNumber', () => {
  it('accepts a paper ПТС (2 digits, 2 letters, 6 digits) and a 15-digit ЭПТС', () => {
    expect(validatePtsNumber('77 УХ 123456')).toEqual({ ok: true, value: '77УХ123456' });
    expect(validatePtsNumber('63ое654321')).toEqual({ ok: true, value: '63ОЕ654321' });
    expect(validatePtsNumber('16 OE 000123')).toEqual({ ok: true, value: '16ОЕ000123' }); // Latin look-alikes
    expect(validatePtsNumber('1643 0100 0012 345')).toEqual({ ok: true, value: '164301000012345' });
  });

  it('refuses anything else, in Russian', () => {
    expect(validatePtsNumber(' ')).toEqual({ ok: false, error: 'Введите номер ПТС.' });
    for (const value of ['77 УХ 12345', '77 УХ 1234567', '7 УХ 123456', '77 У 123456', '7777 123456', '16430100001234', '1643010000123456', '77 WW 123456']) {
      expect(validatePtsNumber(value), value).toEqual({
        ok: false,
        error: 'Номер ПТС — 2 цифры, 2 буквы и 6 цифр (например, 77 УХ 123456) или 15 цифр номера ЭПТС.',
      });
    }
  });
});

describe('validateStsNumber', () => {
  it('accepts a series of 2 digits and 2 letters or of 4 digits, then 6 digits', () => {
    expect(validateStsNumber('99 ХХ 123456')).toEqual({ ok: true, value: '99ХХ123456' });
    expect(validateStsNumber('9900 123456')).toEqual({ ok: true, value: '9900123456' });
    expect(validateStsNumber('77ae123456')).toEqual({ ok: true, value: '77АЕ123456' });
  });

  it('refuses anything else, in Russian', () => {
    expect(validateStsNumber('')).toEqual({ ok: false, error: 'Введите номер СТС.' });
    for (const value of ['99 ХХ 12345', '99Х123456', 'ХХ99123456', '990 123456', '99 ХХ 1234567', '164301000012345']) {
      const checked = validateStsNumber(value);
      expect(checked.ok, value).toBe(false);
      if (!checked.ok) expect(checked.error).toMatch(/^Номер СТС — серия из 4 знаков/);
    }
  });
});

describe('maskDocumentNumber', () => {
  it('shows only the last four characters', () => {
    expect(maskDocumentNumber('77УХ123456')).toBe('******3456');
    expect(maskDocumentNumber('164301000012345')).toBe('***********2345');
    expect(maskDocumentNumber('12')).toBe('12');
  });
});

describe('validateVehicle', () => {
  const car: VehicleInput = {
    vin: 'xta gfk330 ly000001',
    make: '  LADA ',
    model: 'Vesta  SW',
    year: 2020,
    mileageKm: 60_000,
    plate: 'a123bc77',
    ptsNumber: '77 ух 123456',
    stsNumber: '9900 123456',
  };

  it('returns the normalised values to store', () => {
    expect(validateVehicle(car, 2026)).toEqual({
      ok: true,
      value: { vin: 'XTAGFK330LY000001', make: 'LADA', model: 'Vesta SW', year: 2020, mileageKm: 60_000, plate: 'А123ВС77', ptsNumber: '77УХ123456', stsNumber: '9900123456' },
    });
  });

  it('gives one Russian message per wrong field', () => {
    const checked = validateVehicle({ ...car, vin: 'XTAGFK330LY00000', make: '', model: 'x'.repeat(61), year: 1979, mileageKm: 2_000_001, plate: 'Б1', ptsNumber: '1', stsNumber: '2' }, 2026);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(Object.keys(checked.fields).sort()).toEqual(['make', 'mileageKm', 'model', 'plate', 'ptsNumber', 'stsNumber', 'vin', 'year']);
    expect(checked.fields.vin).toBe('VIN состоит из 17 символов, а введено: 16.');
    expect(checked.fields.year).toBe('Год выпуска — от 1980 до 2026.');
    expect(checked.fields.make).toBe('Укажите марку автомобиля.');
    for (const message of Object.values(checked.fields)) expect(message).toMatch(/[а-яё]/i);
  });

  it('takes the year bounds inclusive, from the given current year', () => {
    expect(validateVehicle({ ...car, year: 1980 }, 2026).ok).toBe(true);
    expect(validateVehicle({ ...car, year: 2026 }, 2026).ok).toBe(true);
    expect(validateVehicle({ ...car, year: 2027 }, 2026).ok).toBe(false);
    expect(validateVehicle({ ...car, mileageKm: 0 }, 2026).ok).toBe(true);
    expect(validateVehicle({ ...car, mileageKm: 2_000_000 }, 2026).ok).toBe(true);
    expect(validateVehicle({ ...car, mileageKm: -1 }, 2026).ok).toBe(false);
  });
});
