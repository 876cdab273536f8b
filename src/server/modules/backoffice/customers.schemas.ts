import { z } from 'zod';
import { StaffVehicle } from './collateral.schemas';

export const SearchQuery = z.strictObject({
  query: z
    .string({ error: 'Введите телефон клиента, номер заявки, займа или договора.' })
    .trim()
    .min(1, 'Введите телефон клиента, номер заявки, займа или договора.')
    .max(100, 'Слишком длинный запрос.'),
});

/** `pts` and `sts`: the ПТС and СТС numbers of a car (a car application's vehicle). */
export const REVEAL_FIELDS = ['passport', 'inn', 'phone', 'address', 'email', 'pts', 'sts'] as const;
export type RevealField = (typeof REVEAL_FIELDS)[number];
export const VEHICLE_REVEAL_FIELDS = ['pts', 'sts'] as const satisfies readonly RevealField[];

export const RevealBody = z.strictObject({
  field: z.enum(REVEAL_FIELDS, { error: 'Выберите, что показать: паспорт, ИНН, телефон, адрес, почту, номер ПТС или СТС.' }),
  reason: z
    .string({ error: 'Укажите причину просмотра.' })
    .trim()
    .min(10, 'Опишите причину просмотра — не короче 10 символов.')
    .max(500, 'Причина — не длиннее 500 символов.'),
  /** For `pts` and `sts` only: which car application (default: the customer's newest with a car). */
  applicationId: z.uuid({ error: 'Укажите заявку с автомобилем (её идентификатор).' }).optional(),
});

export const RevealReply = z.object({ field: z.enum(REVEAL_FIELDS), value: z.string().nullable() });

/**
 * Present only for a deleted customer (SECURITY.md PD-8): the card then shows no personal data at
 * all — «Клиент удалён, данные на хранении до …»; what is held is for compliance (retention routes).
 */
export const DeletedNotice = z.object({ deletedAt: z.iso.datetime(), heldUntil: z.iso.datetime().nullable() });

export const CustomerSummary = z.object({
  id: z.uuid(),
  phoneMasked: z.string(),
  fullName: z.string().nullable(),
  createdAt: z.iso.datetime(),
  deleted: DeletedNotice.optional(),
});

const datetime = z.iso.datetime();

/** A repayment as the back office lists it (the customer card, the compliance view of a hold). */
export const PaymentSummary = z.object({
  id: z.uuid(),
  loanId: z.uuid(),
  status: z.string(),
  method: z.string(),
  amountKopecks: z.number().int(),
  createdAt: datetime,
  paidAt: datetime.nullable(),
});

export const CustomerCard = CustomerSummary.extend({
  passportMasked: z.string().nullable(),
  innMasked: z.string().nullable(),
  addressMasked: z.string().nullable(),
  emailMasked: z.string().nullable(),
  applications: z.array(
    z.object({
      id: z.uuid(),
      status: z.string(),
      productCode: z.string(),
      amountRubles: z.number().int(),
      term: z.number().int(),
      createdAt: datetime,
      submittedAt: datetime.nullable(),
      decidedAt: datetime.nullable(),
      offerAmountRubles: z.number().int().nullable(),
      reapplyAfter: z.string().nullable(),
      decidedByStaff: z.boolean(),
    }),
  ),
  loans: z.array(
    z.object({
      id: z.uuid(),
      number: z.string(),
      status: z.string(),
      productCode: z.string(),
      principalKopecks: z.number().int(),
      debtKopecks: z.number().int(),
      contractDate: z.string(),
      dueDate: z.string(),
      overdue: z.boolean(),
      payoutType: z.string(),
    }),
  ),
  payments: z.array(PaymentSummary),
  tickets: z.array(
    z.object({
      id: z.uuid(),
      category: z.string(),
      subject: z.string(),
      status: z.string(),
      assignedTo: z.object({ id: z.uuid(), fullName: z.string() }).nullable(),
      createdAt: datetime,
      updatedAt: datetime,
    }),
  ),
  consents: z.array(
    z.object({
      kind: z.string(),
      documentVersion: z.string(),
      applicationId: z.uuid().nullable(),
      grantedAt: datetime,
      withdrawnAt: datetime.nullable(),
    }),
  ),
  history: z.array(
    z.object({
      id: z.uuid(),
      at: datetime,
      type: z.string(),
      title: z.string(),
      amountKopecks: z.number().int().nullable(),
      status: z.string().nullable(),
      loanId: z.uuid().nullable(),
    }),
  ),
  /** The cars of the customer's car applications, newest application first (issue 10). */
  vehicles: z.array(StaffVehicle),
});
