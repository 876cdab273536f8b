import { describe, expect, it } from 'vitest';
import type { Vehicle } from './api';
import {
  PHOTO_TILES,
  checkVehicleFields,
  emptyVehicleValues,
  isVehicleDirty,
  missingSummary,
  toVehicleInput,
  upperMask,
  vehicleFormValues,
  vehiclePathLabel,
  vehicleProblems,
  vinMask,
  type VehicleFormValues,
} from './vehicle-form';

const filled = (): VehicleFormValues => ({
  vin: 'XTAGFK330LY000001',
  make: 'LADA',
  model: 'Vesta',
  year: '2020',
  mileageKm: '60 000',
  plate: 'А123ВС777',
  ptsNumber: '77ТУ123456',
  stsNumber: '7700123456',
});

const saved: Vehicle = {
  applicationId: '00000000-0000-4000-8000-000000000001',
  vin: 'XTAGFK330LY000001',
  make: 'LADA',
  model: 'Vesta',
  year: 2020,
  mileageKm: 60_000,
  plate: 'А123ВС777',
  ptsNumber: '******3456',
  stsNumber: '******3456',
  updatedAt: '2026-11-26T09:00:00.000Z',
  photos: [],
  complete: false,
  missing: ['photos.front'],
};

describe('the vehicle form', () => {
  it('sends the typed text as the API body: whole numbers for the year and the mileage', () => {
    expect(toVehicleInput(filled())).toEqual({
      vin: 'XTAGFK330LY000001',
      make: 'LADA',
      model: 'Vesta',
      year: 2020,
      mileageKm: 60_000,
      plate: 'А123ВС777',
      ptsNumber: '77ТУ123456',
      stsNumber: '7700123456',
    });
    expect(toVehicleInput({ ...filled(), year: '20.5', mileageKm: '' })).toMatchObject({ year: Number.NaN, mileageKm: Number.NaN });
  });

  it('fills from a saved car, leaving the masked document numbers to be typed again', () => {
    const values = vehicleFormValues(saved);
    expect(values).toEqual({ ...filled(), ptsNumber: '', stsNumber: '' });
    expect(vehicleFormValues(null)).toEqual(emptyVehicleValues());
    expect(isVehicleDirty(values, vehicleFormValues(saved))).toBe(false);
    expect(isVehicleDirty({ ...values, mileageKm: '61 000' }, vehicleFormValues(saved))).toBe(true);
  });

  it('checks by the core rules, empty fields only when asked to be filled', () => {
    expect(checkVehicleFields(filled(), 2026, ['vin', 'year', 'plate'], { requireFilled: true })).toEqual({});
    const typed = { ...emptyVehicleValues(), vin: 'XTAGFK330LY00000', year: '2027' };
    const loose = checkVehicleFields(typed, 2026, ['vin', 'year', 'make'], { requireFilled: false });
    expect(loose).toEqual({ vin: 'VIN состоит из 17 символов, а введено: 16.', year: 'Год выпуска — от 1980 до 2026.' });
    const strict = checkVehicleFields(typed, 2026, ['make', 'plate'], { requireFilled: true });
    expect(strict).toEqual({ make: 'Укажите марку автомобиля.', plate: 'Введите госномер.' });
  });

  it('asks to type a saved ПТС or СТС number again, naming the masked one', () => {
    const errors = checkVehicleFields({ ...filled(), ptsNumber: '' }, 2026, ['ptsNumber'], { requireFilled: true, masked: { ptsNumber: '******3456' } });
    expect(errors.ptsNumber).toBe('Введите номер ПТС ещё раз: сохранённый (******3456) мы показываем только последними цифрами.');
  });

  it('types the VIN in upper case, without separators, Cyrillic look-alikes made Latin, at most 17 characters', () => {
    expect(vinMask('', 'xta-gfk330', 10)).toEqual({ value: 'XTAGFK330', caret: 9 });
    expect(vinMask('', 'ХТА', 3)).toEqual({ value: 'XTA', caret: 3 });
    expect(vinMask('', 'XTAGFK330LY0000011', 18).value).toBe('XTAGFK330LY000001');
    expect(upperMask('', 'а123вс777', 4)).toEqual({ value: 'А123ВС777', caret: 4 });
  });
});

describe('what the vehicle step lacks', () => {
  it('has a tile per required photo kind', () => {
    expect(PHOTO_TILES.map((tile) => tile.kind)).toEqual(['front', 'back', 'left', 'right', 'odometer', 'vin_plate', 'pts_page']);
    expect(PHOTO_TILES.at(-1)!.label).toBe('Страницы ПТС (1–6)');
  });

  it('says it in one sentence, or nothing when complete', () => {
    expect(missingSummary(['vehicle', 'photos.front', 'photos.odometer', 'photos.pts_page'])).toBe(
      'Не хватает: данных автомобиля; фото — спереди, одометр, страница ПТС.',
    );
    expect(missingSummary(['photos.vin_plate'])).toBe('Не хватает: фото — табличка с VIN.');
    expect(missingSummary([])).toBeNull();
  });

  it('lists the problems by the paths a refused submit uses', () => {
    expect(vehicleProblems(['vehicle', 'photos.left'])).toEqual([
      { path: 'vehicle', label: 'Автомобиль', message: 'Заполните и сохраните данные автомобиля.' },
      { path: 'vehicle.photos.left', label: 'Фото «Слева»', message: 'Загрузите фото.' },
    ]);
    expect(vehiclePathLabel('vehicle.photos.pts_page')).toBe('Фото «Страницы ПТС (1–6)»');
    expect(vehiclePathLabel('vehicle')).toBe('Автомобиль');
    expect(vehiclePathLabel('inn')).toBeNull();
  });
});
