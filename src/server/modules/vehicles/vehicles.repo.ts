import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { ApplicationVehiclePhotosTable, ApplicationVehiclesTable, DB, VehiclePhotoKind } from '../../db/schema';

/** SQL for the vehicle of a `car` application and its photos. No rules here: see vehicles.service.ts. */

type Executor = Kysely<DB> | Transaction<DB>;
export type VehicleRow = Selectable<ApplicationVehiclesTable>;
export type VehiclePhotoRow = Selectable<ApplicationVehiclePhotosTable>;

export async function findVehicle(executor: Executor, applicationId: string): Promise<VehicleRow | undefined> {
  return executor.selectFrom('application_vehicles').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
}

/** Inserts the vehicle, or replaces every field of the one there (created_at stays). */
export async function upsertVehicle(trx: Transaction<DB>, row: Insertable<ApplicationVehiclesTable>): Promise<void> {
  const { application_id: _id, customer_id: _customer, created_at: _created, ...changes } = row;
  await trx
    .insertInto('application_vehicles')
    .values(row)
    .onConflict((oc) => oc.column('application_id').doUpdateSet(changes))
    .execute();
}

export async function listPhotos(executor: Executor, applicationId: string): Promise<VehiclePhotoRow[]> {
  return executor
    .selectFrom('application_vehicle_photos')
    .selectAll()
    .where('application_id', '=', applicationId)
    .orderBy('uploaded_at')
    .orderBy('id')
    .execute();
}

/** The kinds present per application, for several at once (the application list). */
export async function photoKinds(executor: Executor, applicationIds: string[]): Promise<{ application_id: string; kind: VehiclePhotoKind }[]> {
  if (applicationIds.length === 0) return [];
  return executor
    .selectFrom('application_vehicle_photos')
    .select(['application_id', 'kind'])
    .distinct()
    .where('application_id', 'in', applicationIds)
    .execute();
}

export async function findPhoto(executor: Executor, applicationId: string, photoId: string): Promise<VehiclePhotoRow | undefined> {
  return executor
    .selectFrom('application_vehicle_photos')
    .selectAll()
    .where('id', '=', photoId)
    .where('application_id', '=', applicationId)
    .executeTakeFirst();
}

export async function countPhotos(trx: Transaction<DB>, applicationId: string, kind: VehiclePhotoKind): Promise<number> {
  const row = await trx
    .selectFrom('application_vehicle_photos')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('application_id', '=', applicationId)
    .where('kind', '=', kind)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Removes the application's photo(s) of one kind; returns the hashes they referred to. */
export async function deletePhotosOfKind(trx: Transaction<DB>, applicationId: string, kind: VehiclePhotoKind): Promise<string[]> {
  const rows = await trx
    .deleteFrom('application_vehicle_photos')
    .where('application_id', '=', applicationId)
    .where('kind', '=', kind)
    .returning('sha256')
    .execute();
  return rows.map((row) => row.sha256);
}

export async function insertPhoto(trx: Transaction<DB>, row: Insertable<ApplicationVehiclePhotosTable>): Promise<void> {
  await trx.insertInto('application_vehicle_photos').values(row).execute();
}

/** Which of these hashes a photo row still names. */
export async function namedHashes(executor: Executor, sha256s: string[]): Promise<string[]> {
  if (sha256s.length === 0) return [];
  const rows = await executor.selectFrom('application_vehicle_photos').select('sha256').distinct().where('sha256', 'in', sha256s).execute();
  return rows.map((row) => row.sha256);
}
