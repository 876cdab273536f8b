import { z } from 'zod';
import { VEHICLE_PHOTO_KINDS } from '../vehicles/vehicles.schemas';

/**
 * The car behind a `car` application as staff see it (issue 10): the customer card and the manual
 * review show it, the pledge list shows pledges being released. ПТС and СТС numbers leave masked
 * (SECURITY.md PD-4); the full number only through the card's recorded reveal.
 */

const datetime = z.iso.datetime();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const PLEDGE_STATUSES = ['registering', 'registered', 'releasing', 'released', 'cancelled'] as const;

export const StaffVehiclePhoto = z.object({
  id: z.uuid(),
  kind: z.enum(VEHICLE_PHOTO_KINDS),
  contentType: z.enum(['image/jpeg', 'image/png', 'image/webp', 'image/heic']),
  sizeBytes: z.number().int(),
  uploadedAt: datetime,
  /** The staff download route (audited): GET /api/staff/vehicle-photos/:photoId. */
  url: z.string(),
});

/** Where the release of a pledge stands today (Moscow date): overdue = still releasing past its deadline. */
const releaseTiming = {
  overdue: z.boolean(),
  /** Working days past the deadline (the production calendar); 0 unless overdue. */
  workingDaysLate: z.number().int(),
  /** Calendar days past the deadline; 0 unless overdue. */
  daysLate: z.number().int(),
};

export const VehiclePledge = z.object({
  loanId: z.uuid(),
  status: z.enum(PLEDGE_STATUSES),
  noticeNumber: z.string().nullable(),
  registeredAt: datetime.nullable(),
  endedOn: date.nullable(),
  releaseDueOn: date.nullable(),
  releaseNumber: z.string().nullable(),
  releasedAt: datetime.nullable(),
  registerAttempts: z.number().int(),
  releaseAttempts: z.number().int(),
  lastError: z.string().nullable(),
  ...releaseTiming,
});

export const StaffVehicle = z.object({
  applicationId: z.uuid(),
  vin: z.string(),
  make: z.string(),
  model: z.string(),
  year: z.number().int(),
  mileageKm: z.number().int(),
  plate: z.string(),
  /** Only the last four characters; the whole number through POST /api/staff/customers/:id/reveal. */
  ptsNumberMasked: z.string(),
  stsNumberMasked: z.string(),
  /** The valuation the decision used; null until the application is scored. */
  valuation: z
    .object({
      valueKopecks: z.number().int(),
      source: z.string().nullable(),
      valuedAt: datetime.nullable(),
      sharePercent: z.number().int().nullable(),
    })
    .nullable(),
  /** The pledge of the loan signed on this application; null before signing. */
  pledge: VehiclePledge.nullable(),
  photos: z.array(StaffVehiclePhoto),
});

/** `?state=`: `overdue` — releasing past the deadline; `releasing` (default) — every release under way; `all` — every pledge. */
export const PLEDGE_LIST_STATES = ['overdue', 'releasing', 'all'] as const;
export type PledgeListState = (typeof PLEDGE_LIST_STATES)[number];

const optionalParam = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const CURSOR_ERROR = 'Ссылка на страницу устарела: откройте список заново.';

export const PLEDGE_PAGE_MAX = 200;

export const PledgesQuery = z.strictObject({
  state: optionalParam(z.enum(PLEDGE_LIST_STATES, { error: 'Список: overdue (просроченные), releasing (снимаются) или all (все залоги).' })),
  before: optionalParam(z.string().max(200, { error: CURSOR_ERROR })),
  /** Rows per page (default 50). */
  limit: optionalParam(
    z.coerce
      .number({ error: `Строк на странице — целое число от 1 до ${PLEDGE_PAGE_MAX}.` })
      .int({ error: `Строк на странице — целое число от 1 до ${PLEDGE_PAGE_MAX}.` })
      .min(1, { error: `Строк на странице — целое число от 1 до ${PLEDGE_PAGE_MAX}.` })
      .max(PLEDGE_PAGE_MAX, { error: `Строк на странице — целое число от 1 до ${PLEDGE_PAGE_MAX}.` }),
  ),
});

export const PledgeListItem = z.object({
  loanId: z.uuid(),
  loanNumber: z.string(),
  applicationId: z.uuid(),
  customerId: z.uuid(),
  /** Null for a deleted customer (the release is still owed: ГК РФ ст. 339.1). */
  fullName: z.string().nullable(),
  phoneMasked: z.string(),
  customerDeleted: z.boolean(),
  vin: z.string(),
  plate: z.string().nullable(),
  make: z.string().nullable(),
  model: z.string().nullable(),
  status: z.enum(PLEDGE_STATUSES),
  noticeNumber: z.string().nullable(),
  endedOn: date.nullable(),
  releaseDueOn: date.nullable(),
  releaseNumber: z.string().nullable(),
  releasedAt: datetime.nullable(),
  registerAttempts: z.number().int(),
  releaseAttempts: z.number().int(),
  lastError: z.string().nullable(),
  updatedAt: datetime,
  ...releaseTiming,
});

export const PledgePage = z.object({
  date,
  items: z.array(PledgeListItem),
  /** Pass as `before` for the next page; null on the last one. */
  nextBefore: z.string().nullable(),
});
