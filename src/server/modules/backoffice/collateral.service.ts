import { workingDaysBetween } from '../../../core/calendar/working-days';
import { daysBetween, isBusinessDate, moscowDate, type BusinessDate } from '../../../core/dates';
import { maskPhone } from '../../../core/phone';
import { maskDocumentNumber } from '../../../core/vehicle';
import type { PledgeStatus, VehiclePhotoKind } from '../../db/schema';
import { AppError } from '../../errors';
import { recordAuditAlone } from '../audit/audit.service';
import { contractNumberOf } from '../contracts/document';
import type { RequestMeta, StaffActor } from '../staff/staff.service';
import { VEHICLE_PHOTO_KINDS } from '../vehicles/vehicles.schemas';
import { openVehicleDocuments } from '../vehicles/vehicles.service';
import type { VehiclePhotoRow, VehicleRow } from '../vehicles/vehicles.repo';
import * as repo from './collateral.repo';
import { CURSOR_ERROR, type PledgeListState } from './collateral.schemas';
import type { BackofficeDeps } from './deps';
import { namesOf } from './people';

/**
 * The car behind a car loan, for staff (issue 10; docs/backoffice.md «Collateral»): the vehicle with
 * its valuation, pledge and photos in the customer card and the manual review, the photos' bytes
 * (each look audited, like a support file), and the pledges whose release is under way or late.
 *
 * ПТС and СТС numbers are personal data kept sealed: they leave masked, as the passport does; the
 * whole number only through the card's reveal, with a reason, audited (customers.service.ts).
 * A release is overdue when it is still `releasing` after `release_due_on`, the 3rd working day after
 * the loan ended (ГК РФ ст. 339.1 п. 4; core/vehicle/pledge-release.ts), by the injected clock's
 * Moscow date.
 */

/** Rows per page unless `?limit=` says otherwise. */
export const PLEDGE_PAGE = 50;

const staffPhotoUrl = (photoId: string) => `/api/staff/vehicle-photos/${photoId}`;

const KIND_ORDER = new Map<VehiclePhotoKind, number>(VEHICLE_PHOTO_KINDS.map((kind, index) => [kind, index]));

type PledgeRow = Awaited<ReturnType<typeof repo.pledgesOf>>[number];

/** Overdue: still being released after the deadline; how late in working and calendar days. */
export function releaseTiming(status: PledgeStatus, releaseDueOn: BusinessDate | null, today: BusinessDate) {
  const overdue = status === 'releasing' && releaseDueOn !== null && releaseDueOn < today;
  return {
    overdue,
    workingDaysLate: overdue ? workingDaysBetween(releaseDueOn, today) : 0,
    daysLate: overdue ? daysBetween(releaseDueOn, today) : 0,
  };
}

const iso = (value: Date | null) => value?.toISOString() ?? null;

function pledgeView(row: PledgeRow, today: BusinessDate) {
  return {
    loanId: row.loan_id,
    status: row.status,
    noticeNumber: row.notice_number,
    registeredAt: iso(row.registered_at),
    endedOn: row.ended_on,
    releaseDueOn: row.release_due_on,
    releaseNumber: row.release_number,
    releasedAt: iso(row.released_at),
    registerAttempts: row.register_attempts,
    releaseAttempts: row.release_attempts,
    lastError: row.last_error,
    ...releaseTiming(row.status, row.release_due_on, today),
  };
}

function photoView(row: VehiclePhotoRow) {
  return {
    id: row.id,
    kind: row.kind,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    uploadedAt: row.uploaded_at.toISOString(),
    url: staffPhotoUrl(row.id),
  };
}

function vehicleView(deps: BackofficeDeps, row: VehicleRow, photos: VehiclePhotoRow[], pledge: PledgeRow | undefined, today: BusinessDate) {
  const documents = openVehicleDocuments(deps.keys, row);
  return {
    applicationId: row.application_id,
    vin: row.vin,
    make: row.make,
    model: row.model,
    year: row.year,
    mileageKm: row.mileage_km,
    plate: row.plate,
    ptsNumberMasked: maskDocumentNumber(documents.ptsNumber),
    stsNumberMasked: maskDocumentNumber(documents.stsNumber),
    valuation:
      row.valuation_kopecks === null
        ? null
        : {
            valueKopecks: Number(row.valuation_kopecks),
            source: row.valuation_source,
            valuedAt: iso(row.valued_at),
            sharePercent: row.valuation_share_percent,
          },
    pledge: pledge ? pledgeView(pledge, today) : null,
    photos: [...photos]
      .sort((a, b) => KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)! || a.uploaded_at.getTime() - b.uploaded_at.getTime())
      .map(photoView),
  };
}

export type StaffVehicleView = ReturnType<typeof vehicleView>;

/** The cars of these applications (those that have one), by application id. */
export async function vehiclesByApplication(deps: BackofficeDeps, applicationIds: string[]): Promise<Map<string, StaffVehicleView>> {
  const today = moscowDate(deps.clock.now());
  const [vehicles, photos, pledges] = await Promise.all([
    repo.vehiclesOf(deps.db, applicationIds),
    repo.photosOf(deps.db, applicationIds),
    repo.pledgesOf(deps.db, applicationIds),
  ]);
  const byApplication = new Map<string, StaffVehicleView>();
  for (const vehicle of vehicles) {
    const id = vehicle.application_id;
    const pledge = pledges.find((p) => p.application_id === id);
    byApplication.set(id, vehicleView(deps, vehicle, photos.filter((photo) => photo.application_id === id), pledge, today));
  }
  return byApplication;
}

/**
 * A photo's bytes for staff, with its stored (sniffed) type. Each look is written to the audit log
 * before the bytes leave, as a support file's download is: the photos show the plate, the VIN and
 * the ПТС pages with the owner's name. A deleted customer's photos are compliance's only (403).
 */
export async function photoForStaff(deps: BackofficeDeps, staff: StaffActor, photoId: string, meta: RequestMeta) {
  const photo = await repo.photoWithCustomer(deps.db, photoId);
  if (!photo) throw new AppError('not_found', 'Фото не найдено.');
  if (photo.deleted_at) throw new AppError('forbidden', 'Клиент удалён: его данные на хранении, доступ к ним — только у комплаенса.');
  const bytes = await deps.blobs.get(photo.sha256);
  if (!bytes) throw new AppError('not_found', 'Файл фото не найден в хранилище.');
  await recordAuditAlone(deps.db, { random: deps.random, now: deps.clock.now() }, {
    actor: { type: 'staff', id: staff.staffId },
    action: 'vehicle.photo_viewed',
    entity: { type: 'customer', id: photo.customer_id },
    from: meta,
    details: { applicationId: photo.application_id, photoId: photo.id, kind: photo.kind },
  });
  return { contentType: photo.content_type, bytes };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const encodeCursor = (cursor: repo.PledgeCursor) => Buffer.from(`${cursor.rank}|${cursor.due}|${cursor.loanId}`).toString('base64url');

function decodeCursor(text: string): repo.PledgeCursor {
  const [rank, due, loanId, extra] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || !rank || !/^[0-4]$/.test(rank) || !due || !isBusinessDate(due) || !loanId || !UUID.test(loanId)) {
    throw new AppError('validation_failed', undefined, { fields: { before: CURSOR_ERROR } });
  }
  return { rank: Number(rank), due, loanId: loanId.toLowerCase() };
}

/**
 * Pledges for the release workspace, by `state` (default `releasing`): releases first, the earliest
 * deadline first — so the overdue ones lead — then the rest; pages of `limit` (PLEDGE_PAGE).
 */
export async function pledgeList(
  deps: BackofficeDeps,
  query: { state?: PledgeListState | undefined; before?: string | undefined; limit?: number | undefined },
) {
  const today = moscowDate(deps.clock.now());
  const size = query.limit ?? PLEDGE_PAGE;
  const rows = await repo.pledgeList(deps.db, {
    state: query.state ?? 'releasing',
    today,
    after: query.before ? decodeCursor(query.before) : null,
    limit: size + 1,
  });
  const page = rows.slice(0, size);
  const live = page.filter((row) => !row.deleted_at).map((row) => row.customer_id);
  const names = await namesOf(deps.db, deps.keys, live);
  const last = page[page.length - 1];
  return {
    date: today,
    items: page.map((row) => ({
      loanId: row.loan_id,
      loanNumber: contractNumberOf(row.contract_date, row.application_id),
      applicationId: row.application_id,
      customerId: row.customer_id,
      fullName: row.deleted_at ? null : (names.get(row.customer_id) ?? null),
      phoneMasked: row.deleted_at ? '***' : maskPhone(row.phone),
      customerDeleted: row.deleted_at !== null,
      vin: row.vin,
      plate: row.plate,
      make: row.make,
      model: row.model,
      status: row.status,
      noticeNumber: row.notice_number,
      endedOn: row.ended_on,
      releaseDueOn: row.release_due_on,
      releaseNumber: row.release_number,
      releasedAt: iso(row.released_at),
      registerAttempts: row.register_attempts,
      releaseAttempts: row.release_attempts,
      lastError: row.last_error,
      updatedAt: row.updated_at.toISOString(),
      ...releaseTiming(row.status, row.release_due_on, today),
    })),
    nextBefore: rows.length > size && last ? encodeCursor({ rank: Number(last.rank), due: last.due_key, loanId: last.loan_id }) : null,
  };
}

/** For the dashboard: releases under way today and those past their deadline. */
export function releaseCounts(deps: BackofficeDeps): Promise<{ releasing: number; overdue: number }> {
  return repo.releaseCounts(deps.db, moscowDate(deps.clock.now()));
}

/**
 * The ПТС or СТС number in clear for the card's recorded reveal: of the customer's car application
 * `applicationId` (404 when it is not theirs or has no car), or of their newest car.
 */
export async function vehicleDocumentInClear(deps: BackofficeDeps, customerId: string, field: 'pts' | 'sts', applicationId: string | null) {
  const vehicle = await repo.vehicleOfCustomer(deps.db, customerId, applicationId);
  if (!vehicle) {
    if (applicationId !== null) throw new AppError('not_found', 'У этой заявки клиента нет автомобиля.');
    return { value: null, applicationId: null };
  }
  const documents = openVehicleDocuments(deps.keys, vehicle);
  return { value: field === 'pts' ? documents.ptsNumber : documents.stsNumber, applicationId: vehicle.application_id };
}
