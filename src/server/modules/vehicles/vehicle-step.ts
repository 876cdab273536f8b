import type { VehiclePhotoKind } from '../../db/schema';

/**
 * When the vehicle step of a `car` application is done: the car's data saved and a photo of every
 * required kind uploaded (each side, the odometer, the VIN plate and at least one page of the ПТС).
 * Pure: the application view and submit both ask it.
 */

export const REQUIRED_PHOTO_KINDS = ['front', 'back', 'left', 'right', 'odometer', 'vin_plate', 'pts_page'] as const satisfies readonly VehiclePhotoKind[];

/** At most this many pages of the ПТС (a paper ПТС has 2 pages, plus special marks and a duplicate). */
export const MAX_PTS_PAGES = 6;

export const PHOTO_KIND_LABELS: Record<VehiclePhotoKind, string> = {
  front: 'автомобиль спереди',
  back: 'автомобиль сзади',
  left: 'автомобиль слева',
  right: 'автомобиль справа',
  odometer: 'одометр с пробегом',
  vin_plate: 'табличка с VIN',
  pts_page: 'страница ПТС',
};

export type VehicleStep = { complete: boolean; missing: string[] };

/** `missing` holds 'vehicle' (the data) and 'photos.<kind>' for each kind without a photo. */
export function vehicleStep(hasVehicle: boolean, kinds: Iterable<VehiclePhotoKind>): VehicleStep {
  const present = new Set(kinds);
  const missing = [...(hasVehicle ? [] : ['vehicle']), ...REQUIRED_PHOTO_KINDS.filter((kind) => !present.has(kind)).map((kind) => `photos.${kind}`)];
  return { complete: missing.length === 0, missing };
}

/** Per-field messages for submit, and one sentence listing everything missing. */
export function vehicleStepErrors(step: VehicleStep): { fields: Record<string, string>; summary: string | null } {
  const fields: Record<string, string> = {};
  const parts: string[] = [];
  const photos: string[] = [];
  for (const item of step.missing) {
    if (item === 'vehicle') {
      fields['vehicle'] = 'Заполните данные автомобиля: VIN, марку, модель, год, пробег, госномер, ПТС и СТС.';
      parts.push('данные автомобиля');
      continue;
    }
    const kind = item.slice('photos.'.length) as VehiclePhotoKind;
    fields[`vehicle.${item}`] = `Загрузите фото: ${PHOTO_KIND_LABELS[kind]}.`;
    photos.push(PHOTO_KIND_LABELS[kind]);
  }
  if (photos.length) parts.push(`фото (${photos.join(', ')})`);
  return { fields, summary: parts.length ? `Не хватает: ${parts.join('; ')}.` : null };
}
