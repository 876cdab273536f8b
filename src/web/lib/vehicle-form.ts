/**
 * The vehicle step of a car application as a form: its fields as typed text, the way to and from
 * the API (`PUT /api/applications/:id/vehicle`), the photo tiles, and what is still missing in
 * words. Pure functions, no DOM (vehicle-form.test.ts). The rules and their messages are the
 * core's (`validateVehicle`), so the browser says what the server would.
 */
import { normalizeVin, VIN_LENGTH } from '../../core/vehicle/vin';
import { validateVehicle } from '../../core/vehicle/documents';
import type { Vehicle, VehicleInput, VehiclePhotoKind } from './api';
import { parseWholeNumber } from './loan-choice';
import { formatInputNumber } from './loan-format';
import type { MaskResult } from './masks';

export const VEHICLE_FIELDS = ['vin', 'make', 'model', 'year', 'mileageKm', 'plate', 'ptsNumber', 'stsNumber'] as const;
export type VehicleField = (typeof VEHICLE_FIELDS)[number];

/** Every field as the text in its input (the mileage as `60 000`). */
export type VehicleFormValues = Record<VehicleField, string>;

export const emptyVehicleValues = (): VehicleFormValues =>
  Object.fromEntries(VEHICLE_FIELDS.map((field) => [field, ''])) as VehicleFormValues;

/** The element id of a vehicle field: `vin` → `vehicle-vin`. */
export const vehicleFieldId = (field: VehicleField): string => `vehicle-${field}`;

export const VEHICLE_FIELD_LABELS: Record<VehicleField, string> = {
  vin: 'VIN',
  make: 'Марка',
  model: 'Модель',
  year: 'Год выпуска',
  mileageKm: 'Пробег, км',
  plate: 'Госномер',
  ptsNumber: 'Номер ПТС или ЭПТС',
  stsNumber: 'Номер СТС',
};

/**
 * A saved car as the form's text. The server sends the ПТС and СТС numbers masked (`******3456`),
 * so those fields start empty: they are typed again only to change the car's data.
 */
export const vehicleFormValues = (vehicle: Vehicle | null): VehicleFormValues => {
  if (!vehicle) return emptyVehicleValues();
  return {
    vin: vehicle.vin,
    make: vehicle.make,
    model: vehicle.model,
    year: String(vehicle.year),
    mileageKm: formatInputNumber(vehicle.mileageKm),
    plate: vehicle.plate,
    ptsNumber: '',
    stsNumber: '',
  };
};

/** The form as the API body; a year or mileage that is not a whole number goes as NaN (refused by the checks). */
export const toVehicleInput = (values: VehicleFormValues): VehicleInput => ({
  vin: values.vin.trim(),
  make: values.make.trim(),
  model: values.model.trim(),
  year: parseWholeNumber(values.year) ?? Number.NaN,
  mileageKm: parseWholeNumber(values.mileageKm) ?? Number.NaN,
  plate: values.plate.trim(),
  ptsNumber: values.ptsNumber.trim(),
  stsNumber: values.stsNumber.trim(),
});

/** Whether the form differs from the car as saved (or loaded). */
export const isVehicleDirty = (values: VehicleFormValues, saved: VehicleFormValues): boolean =>
  VEHICLE_FIELDS.some((field) => values[field].trim() !== saved[field].trim());

/** For a document number the server keeps masked: why it must be typed again. */
export const reenterMessage = (field: 'ptsNumber' | 'stsNumber', masked: string): string =>
  `${field === 'ptsNumber' ? 'Введите номер ПТС' : 'Введите номер СТС'} ещё раз: сохранённый (${masked}) мы показываем только последними цифрами.`;

/**
 * The core's message for each of `fields`. An empty field is an error only when `requireFilled`
 * (on saving): nobody wants «Введите VIN» for a field they have not reached yet. `masked` holds the
 * saved ПТС and СТС numbers, for the message that asks to type them again.
 */
export const checkVehicleFields = (
  values: VehicleFormValues,
  currentYear: number,
  fields: readonly VehicleField[],
  { requireFilled, masked }: { requireFilled: boolean; masked?: Partial<Record<'ptsNumber' | 'stsNumber', string>> },
): Partial<Record<VehicleField, string>> => {
  const checked = validateVehicle(toVehicleInput(values), currentYear);
  const errors: Partial<Record<VehicleField, string>> = {};
  if (checked.ok) return errors;
  for (const field of fields) {
    if (values[field].trim() === '' && !requireFilled) continue;
    const message = checked.fields[field];
    if (!message) continue;
    const saved = field === 'ptsNumber' || field === 'stsNumber' ? masked?.[field] : undefined;
    errors[field] = values[field].trim() === '' && saved ? reenterMessage(field as 'ptsNumber' | 'stsNumber', saved) : message;
  }
  return errors;
};

/**
 * The VIN as it is typed: upper case, separators dropped, Cyrillic look-alikes made Latin (as the
 * core normalises it), at most 17 characters; the caret stays after the same character.
 */
export const vinMask = (_previous: string, raw: string, caret: number): MaskResult => {
  const value = normalizeVin(raw).slice(0, VIN_LENGTH);
  return { value, caret: Math.min(value.length, normalizeVin(raw.slice(0, caret)).length) };
};

/** Plates and document numbers: upper case as typed (the core accepts spaces and Latin look-alikes). */
export const upperMask = (_previous: string, raw: string, caret: number): MaskResult => ({ value: raw.toUpperCase(), caret });

/** Digits and spaces only (a year, a mileage of «60 000»). */
export const digitsMask = (_previous: string, raw: string, caret: number): MaskResult => {
  const keep = (text: string) => text.replace(/[^\d\s\u00a0]/g, '');
  return { value: keep(raw), caret: keep(raw.slice(0, caret)).length };
};

/** One photo the step asks for: its tile's name, the name inside a sentence, what to show on it. */
export type PhotoTile = { kind: VehiclePhotoKind; label: string; inline: string; hint: string };

/** At most this many pages of the ПТС (the server's limit). */
export const MAX_PTS_PAGES = 6;

/** The photos the step asks for, in the order the server lists them, each with what to show on it. */
export const PHOTO_TILES: readonly PhotoTile[] = [
  { kind: 'front', label: 'Спереди', inline: 'спереди', hint: 'Вся машина целиком, госномер читается' },
  { kind: 'back', label: 'Сзади', inline: 'сзади', hint: 'Вся машина целиком, госномер читается' },
  { kind: 'left', label: 'Слева', inline: 'слева', hint: 'Весь левый борт' },
  { kind: 'right', label: 'Справа', inline: 'справа', hint: 'Весь правый борт' },
  { kind: 'odometer', label: 'Одометр', inline: 'одометр', hint: 'Пробег на приборной панели, зажигание включено' },
  { kind: 'vin_plate', label: 'Табличка с VIN', inline: 'табличка с VIN', hint: 'Все 17 символов читаются: табличка в проёме двери или VIN под капотом' },
  {
    kind: 'pts_page',
    label: `Страницы ПТС (1–${MAX_PTS_PAGES})`,
    inline: 'страница ПТС',
    hint: 'Каждая страница бумажного ПТС или выписка из ЭПТС',
  },
];

export const photoLabel = (kind: VehiclePhotoKind): string => PHOTO_TILES.find((tile) => tile.kind === kind)?.label ?? kind;

/** Whether `missing` (the server's list: 'vehicle', 'photos.<kind>') lacks no photo of this kind. */
export const hasPhoto = (missing: readonly string[], kind: VehiclePhotoKind): boolean => !missing.includes(`photos.${kind}`);

/** The photos still to upload, as their tiles' names: «спереди, одометр». */
const missingPhotos = (missing: readonly string[]): string[] =>
  PHOTO_TILES.filter((tile) => !hasPhoto(missing, tile.kind)).map((tile) => tile.inline);

/** «Не хватает: данных автомобиля; фото — спереди, одометр.», or null when nothing is missing. */
export const missingSummary = (missing: readonly string[]): string | null => {
  const parts: string[] = [];
  if (missing.includes('vehicle')) parts.push('данных автомобиля');
  const photos = missingPhotos(missing);
  if (photos.length > 0) parts.push(`фото — ${photos.join(', ')}`);
  return parts.length === 0 ? null : `Не хватает: ${parts.join('; ')}.`;
};

/**
 * What the review lists when the step is not done, as the server's refused submit would: by path
 * ('vehicle', 'vehicle.photos.<kind>'), each with its name and message.
 */
export const vehicleProblems = (missing: readonly string[]): { path: string; label: string; message: string }[] =>
  missing.map((item) => {
    if (item === 'vehicle') return { path: 'vehicle', label: 'Автомобиль', message: 'Заполните и сохраните данные автомобиля.' };
    const kind = item.slice('photos.'.length) as VehiclePhotoKind;
    return { path: `vehicle.${item}`, label: `Фото «${photoLabel(kind)}»`, message: 'Загрузите фото.' };
  });

/** The name of a vehicle path of a refused submit (`vehicle`, `vehicle.photos.front`), or null for any other path. */
export const vehiclePathLabel = (path: string): string | null => {
  if (path === 'vehicle') return 'Автомобиль';
  if (!path.startsWith('vehicle.photos.')) return null;
  return `Фото «${photoLabel(path.slice('vehicle.photos.'.length) as VehiclePhotoKind)}»`;
};
