import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import { moscowDate } from '../../../core/dates';
import { maskDocumentNumber, validateVehicle, type VehicleInput } from '../../../core/vehicle';
import type { Keys } from '../../crypto';
import type { DB, VehiclePhotoKind } from '../../db/schema';
import { AppError } from '../../errors';
import { openField, sealField } from '../../pii';
import type { Random } from '../../random';
import type { BlobStore } from '../../storage/blob-store';
import { checkPhoto } from '../../storage/image-type';
import * as applications from '../applications/applications.repo';
import type { Actor } from '../auth/auth.service';
import type { Pricing } from '../pricing/pricing.service';
import { MAX_PTS_PAGES, vehicleStep } from './vehicle-step';
import { VEHICLE_PHOTO_KINDS } from './vehicles.schemas';
import * as repo from './vehicles.repo';

/**
 * The vehicle step of a `car` application (issue 10): the car's data and its photos. Only the
 * customer's own application is found (anyone else's id is "not found", WEB-6); only a draft of a
 * product with `collateral: 'car'` takes changes (409 otherwise). Every change is one transaction
 * that holds the application's row, so a submit running at the same time sees all of it or none.
 */

export type VehicleDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  pricing: Pricing;
  /** Where photo bytes live (DATA_DIR/blobs), named by their SHA-256. */
  blobs: BlobStore;
};

/**
 * The largest photo: 5 MiB, as SECURITY.md WEB-9 sets for attachments (the storage module's own
 * default, DEFAULT_PHOTO_MAX_BYTES, is 10 MiB). Exactly this many bytes is allowed.
 */
export const MAX_VEHICLE_PHOTO_BYTES = 5 * 1024 * 1024;

/** Sealed per field (AAD `application_vehicles.<column>:<application id>`), listed in pii-rekey.ts. */
type SealedColumn = 'pts_number_ct' | 'sts_number_ct';

const where = (applicationId: string, column: SealedColumn) => ({ table: 'application_vehicles', column, rowId: applicationId });

export type VehiclePhotoView = {
  id: string;
  kind: VehiclePhotoKind;
  contentType: repo.VehiclePhotoRow['content_type'];
  sizeBytes: number;
  uploadedAt: string;
  url: string;
};

/** The car as the customer gave it (VIN and plate normalised; ПТС and СТС masked), with its photos. */
export type VehicleView = VehicleInput & {
  applicationId: string;
  updatedAt: string;
  photos: VehiclePhotoView[];
  complete: boolean;
  missing: string[];
};

const photoUrl = (applicationId: string, photoId: string) => `/api/applications/${applicationId}/vehicle/photos/${photoId}`;

function photoView(row: repo.VehiclePhotoRow): VehiclePhotoView {
  return {
    id: row.id,
    kind: row.kind,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    uploadedAt: row.uploaded_at.toISOString(),
    url: photoUrl(row.application_id, row.id),
  };
}

const KIND_ORDER = new Map<VehiclePhotoKind, number>(VEHICLE_PHOTO_KINDS.map((kind, index) => [kind, index]));

function view(deps: VehicleDeps, row: repo.VehicleRow, photos: repo.VehiclePhotoRow[]): VehicleView {
  // The document numbers leave only masked (PD-4): the customer typed them and sees the last four.
  const masked = (column: SealedColumn) => maskDocumentNumber(openField(deps.keys, where(row.application_id, column), row[column]));
  const step = vehicleStep(true, photos.map((photo) => photo.kind));
  return {
    applicationId: row.application_id,
    vin: row.vin,
    make: row.make,
    model: row.model,
    year: row.year,
    mileageKm: row.mileage_km,
    plate: row.plate,
    ptsNumber: masked('pts_number_ct'),
    stsNumber: masked('sts_number_ct'),
    updatedAt: row.updated_at.toISOString(),
    photos: [...photos].sort((a, b) => KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)!).map(photoView),
    complete: step.complete,
    missing: step.missing,
  };
}

async function ownApplication(deps: VehicleDeps, actor: Actor, applicationId: string) {
  const row = await applications.findOwnApplication(deps.db, actor.customerId, applicationId);
  if (!row) throw new AppError('not_found', 'Заявка не найдена.');
  return row;
}

/** 409 unless the application is a draft of a car-secured product. */
function assertEditable(deps: VehicleDeps, row: applications.ApplicationRow): void {
  if (deps.pricing.product(row.product_code)?.collateral !== 'car') {
    throw new AppError('conflict', 'Данные автомобиля нужны только для займа под залог авто.');
  }
  if (row.status !== 'draft') throw new AppError('conflict', 'Заявка уже отправлена: изменить данные автомобиля нельзя.');
}

export async function saveVehicle(deps: VehicleDeps, actor: Actor, applicationId: string, input: VehicleInput): Promise<VehicleView> {
  const application = await ownApplication(deps, actor, applicationId);
  assertEditable(deps, application);
  const now = deps.clock.now();
  const checked = validateVehicle(input, Number(moscowDate(now).slice(0, 4)));
  if (!checked.ok) throw new AppError('validation_failed', undefined, { fields: checked.fields });
  const car = checked.value;
  await deps.db.transaction().execute(async (trx) => {
    const locked = await applications.findOwnApplication(trx, actor.customerId, applicationId, { forUpdate: true });
    if (!locked) throw new AppError('not_found', 'Заявка не найдена.');
    assertEditable(deps, locked);
    await repo.upsertVehicle(trx, {
      application_id: applicationId,
      customer_id: actor.customerId,
      vin: car.vin,
      make: car.make,
      model: car.model,
      year: car.year,
      mileage_km: car.mileageKm,
      plate: car.plate,
      pts_number_ct: sealField(deps.keys, where(applicationId, 'pts_number_ct'), car.ptsNumber),
      sts_number_ct: sealField(deps.keys, where(applicationId, 'sts_number_ct'), car.stsNumber),
      created_at: now,
      updated_at: now,
    });
  });
  return (await readVehicle(deps, applicationId))!;
}

async function readVehicle(deps: VehicleDeps, applicationId: string): Promise<VehicleView | null> {
  const row = await repo.findVehicle(deps.db, applicationId);
  if (!row) return null;
  return view(deps, row, await repo.listPhotos(deps.db, applicationId));
}

/** The vehicle of the customer's own application, whatever its status; 404 when none was saved. */
export async function getVehicle(deps: VehicleDeps, actor: Actor, applicationId: string): Promise<VehicleView> {
  await ownApplication(deps, actor, applicationId);
  const vehicle = await readVehicle(deps, applicationId);
  if (!vehicle) throw new AppError('not_found', 'Данные автомобиля ещё не заполнены.');
  return vehicle;
}

/**
 * Stores one photo. The bytes decide the type (JPEG, PNG, WebP, HEIC) and must be 1 byte–5 MiB; they
 * go to the blob store first (idempotent, by hash), then one transaction under the application's
 * row lock replaces the photo of that kind, or adds a ПТС page (at most MAX_PTS_PAGES).
 *
 * The replaced photo's file stays in the blob store: identical bytes share one file across rows,
 * and deleting it safely needs a sweep of unreferenced hashes (a later slice, with retention).
 */
export async function uploadPhoto(deps: VehicleDeps, actor: Actor, applicationId: string, kind: VehiclePhotoKind, bytes: Uint8Array): Promise<VehiclePhotoView> {
  const application = await ownApplication(deps, actor, applicationId);
  assertEditable(deps, application);
  const checked = checkPhoto(bytes, { maxBytes: MAX_VEHICLE_PHOTO_BYTES });
  if (!checked.ok) throw new AppError('validation_failed', checked.error);
  const stored = await deps.blobs.put(bytes);
  const id = deps.random.uuid();
  const replaced = await deps.db.transaction().execute(async (trx) => {
    const locked = await applications.findOwnApplication(trx, actor.customerId, applicationId, { forUpdate: true });
    if (!locked) throw new AppError('not_found', 'Заявка не найдена.');
    assertEditable(deps, locked);
    if (kind === 'pts_page') {
      if ((await repo.countPhotos(trx, applicationId, kind)) >= MAX_PTS_PAGES) {
        throw new AppError('conflict', `Можно загрузить не больше ${MAX_PTS_PAGES} страниц ПТС.`);
      }
    }
    const replacedHashes = kind === 'pts_page' ? [] : await repo.deletePhotosOfKind(trx, applicationId, kind);
    await repo.insertPhoto(trx, {
      id,
      application_id: applicationId,
      customer_id: actor.customerId,
      kind,
      sha256: stored.sha256,
      content_type: checked.type,
      size_bytes: stored.size,
      uploaded_at: deps.clock.now(),
    });
    return replacedHashes;
  });
  await deleteUnreferencedPhotos(deps, replaced);
  const row = await repo.findPhoto(deps.db, applicationId, id);
  return photoView(row!);
}

/**
 * Deletes the files of these hashes that no photo row names any more (a replaced photo, the photos
 * of a deleted account), after the rows' transaction committed. The store is content-addressed, so
 * a file may be shared by several rows; one still named stays. A crash between the commit and this
 * leaves an unnamed file, not a missing one. The same bytes uploaded at this very moment (a row
 * about to name the file) are the one race: that upload's photo then reads as missing and is asked
 * for again.
 */
export async function deleteUnreferencedPhotos(deps: { db: Kysely<DB>; blobs: BlobStore }, sha256s: readonly string[]): Promise<number> {
  const unique = [...new Set(sha256s)];
  if (unique.length === 0) return 0;
  const named = new Set(await repo.namedHashes(deps.db, unique));
  let deleted = 0;
  for (const sha256 of unique) if (!named.has(sha256) && (await deps.blobs.delete(sha256))) deleted += 1;
  return deleted;
}

/** The bytes of one photo of the customer's own application, with the type sniffed at upload. */
export async function photoForDownload(
  deps: VehicleDeps,
  actor: Actor,
  applicationId: string,
  photoId: string,
): Promise<{ contentType: string; bytes: Uint8Array }> {
  await ownApplication(deps, actor, applicationId);
  const photo = await repo.findPhoto(deps.db, applicationId, photoId);
  if (!photo) throw new AppError('not_found', 'Фото не найдено.');
  const bytes = await deps.blobs.get(photo.sha256);
  if (!bytes) throw new AppError('not_found', 'Фото не найдено. Загрузите его ещё раз.');
  return { contentType: photo.content_type, bytes };
}

/**
 * The cars of these applications for the customer's data export (PD-7), document numbers in clear
 * as the questionnaire is there; the photos listed (kind, type, size, time, SHA-256), not embedded.
 */
export async function vehiclesForExport(db: Kysely<DB>, keys: Keys, applicationIds: string[]) {
  const byApplication = new Map<string, ReturnType<typeof exported>>();
  if (applicationIds.length === 0) return byApplication;
  const [rows, photos] = await Promise.all([
    db.selectFrom('application_vehicles').selectAll().where('application_id', 'in', applicationIds).execute(),
    db.selectFrom('application_vehicle_photos').selectAll().where('application_id', 'in', applicationIds).orderBy('uploaded_at').execute(),
  ]);
  for (const row of rows) byApplication.set(row.application_id, exported(keys, row, photos.filter((photo) => photo.application_id === row.application_id)));
  return byApplication;
}

/** The ПТС and СТС numbers in clear: for the customer's own export and the pledge agreement. */
export function openVehicleDocuments(keys: Keys, row: repo.VehicleRow): { ptsNumber: string; stsNumber: string } {
  return {
    ptsNumber: openField(keys, where(row.application_id, 'pts_number_ct'), row.pts_number_ct),
    stsNumber: openField(keys, where(row.application_id, 'sts_number_ct'), row.sts_number_ct),
  };
}

function exported(keys: Keys, row: repo.VehicleRow, photos: repo.VehiclePhotoRow[]) {
  return {
    vin: row.vin,
    make: row.make,
    model: row.model,
    year: row.year,
    mileageKm: row.mileage_km,
    plate: row.plate,
    ...openVehicleDocuments(keys, row),
    savedAt: row.updated_at.toISOString(),
    photos: photos.map((photo) => ({
      kind: photo.kind,
      contentType: photo.content_type,
      sizeBytes: photo.size_bytes,
      uploadedAt: photo.uploaded_at.toISOString(),
      sha256: photo.sha256,
    })),
  };
}
