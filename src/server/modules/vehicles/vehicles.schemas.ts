import { z } from 'zod';

/**
 * The vehicle step of a `car` application. The body schema checks shapes only (strings, integers,
 * lengths); the formats (VIN, plate, ПТС, СТС) and the year, which depends on today's date, are
 * checked by the service (core/vehicle/documents.ts), each with its own Russian message.
 */

const text = (max: number, missing: string) => z.string({ error: missing }).max(max, { error: `Не длиннее ${max} символов.` });

export const VehicleBody = z.strictObject({
  vin: text(40, 'Введите VIN.'),
  make: text(60, 'Укажите марку автомобиля.'),
  model: text(60, 'Укажите модель автомобиля.'),
  year: z.number({ error: 'Год выпуска — целое число.' }).int({ error: 'Год выпуска — целое число.' }),
  mileageKm: z.number({ error: 'Пробег — целое число километров.' }).int({ error: 'Пробег — целое число километров.' }),
  plate: text(20, 'Введите госномер.'),
  ptsNumber: text(30, 'Введите номер ПТС.'),
  stsNumber: text(30, 'Введите номер СТС.'),
});

export const VEHICLE_PHOTO_KINDS = ['front', 'back', 'left', 'right', 'odometer', 'vin_plate', 'pts_page'] as const;

/** `?kind=` of an upload: which photo this is. */
export const VehiclePhotoQuery = z.strictObject({
  kind: z.enum(VEHICLE_PHOTO_KINDS, { error: 'Выберите, что на фото: front, back, left, right, odometer, vin_plate или pts_page.' }),
});

export const VehiclePhotoReply = z.object({
  id: z.uuid(),
  kind: z.enum(VEHICLE_PHOTO_KINDS),
  contentType: z.enum(['image/jpeg', 'image/png', 'image/webp', 'image/heic']),
  sizeBytes: z.number().int(),
  uploadedAt: z.iso.datetime(),
  /** Where the photo's bytes are served (the customer's own session only). */
  url: z.string(),
});

export const VehicleReply = z.object({
  applicationId: z.uuid(),
  vin: z.string(),
  make: z.string(),
  model: z.string(),
  year: z.number().int(),
  mileageKm: z.number().int(),
  plate: z.string(),
  /** Masked: only the last four characters are shown. */
  ptsNumber: z.string(),
  stsNumber: z.string(),
  updatedAt: z.iso.datetime(),
  photos: z.array(VehiclePhotoReply),
  /** Whether the step is done: the data and every required photo are there (what submit checks). */
  complete: z.boolean(),
  missing: z.array(z.string()),
});

/** The vehicle step as the application view shows it (car products only). */
export const VehicleStepReply = z.object({ complete: z.boolean(), missing: z.array(z.string()) }).nullable();
