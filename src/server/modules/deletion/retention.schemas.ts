import { z } from 'zod';
import { PaymentSummary } from '../backoffice/customers.schemas';

const datetime = z.iso.datetime();

export const CategoryCount = z.object({ category: z.string(), rows: z.number().int().nonnegative() });

export const RetentionHold = z.object({
  customerId: z.uuid(),
  deletionRequestId: z.uuid(),
  status: z.enum(['awaiting_destruction', 'held', 'purged']),
  deletedAt: datetime,
  destroyAfter: datetime,
  destroyBy: datetime,
  destroyedAt: datetime.nullable(),
  relationshipEnd: datetime,
  purgeAfter: datetime,
  purgedAt: datetime.nullable(),
  /** What the destruction left on hold; null before it. */
  held: z.array(CategoryCount).nullable(),
});

export const RetentionList = z.object({ items: z.array(RetentionHold) });

/** `?phone=` with nothing after it is no filter. */
export const RetentionQuery = z.strictObject({
  phone: z.preprocess((value) => (value === '' ? undefined : value), z.string().max(40, 'Слишком длинный номер.').optional()),
});

export const DeletionAct = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  kind: z.enum(['destruction', 'purge']),
  performedAt: datetime,
  jobId: z.string(),
  categories: z.array(CategoryCount),
  auditIds: z.array(z.uuid()),
});

export const DeletionActList = z.object({ items: z.array(DeletionAct) });

export const DeletionActQuery = z.strictObject({
  customerId: z.preprocess((value) => (value === '' ? undefined : value), z.uuid({ error: 'Номер клиента — UUID.' }).optional()),
});

export const HeldRecords = z.object({
  hold: RetentionHold,
  applications: z.array(
    z.object({
      id: z.uuid(),
      status: z.string(),
      productCode: z.string(),
      amountRubles: z.number().int(),
      createdAt: datetime,
      submittedAt: datetime.nullable(),
      decidedAt: datetime.nullable(),
      /** Null once blanked (declined and drafts at the destruction, all at the purge). */
      identity: z.object({ fullName: z.string().nullable(), birthDate: z.string().nullable(), passportMasked: z.string().nullable() }).nullable(),
    }),
  ),
  loans: z.array(
    z.object({
      id: z.uuid(),
      number: z.string(),
      status: z.string(),
      productCode: z.string(),
      amountKopecks: z.number().int(),
      totalKopecks: z.number().int(),
      contractDate: z.string(),
      closedAt: datetime.nullable(),
    }),
  ),
  payments: z.array(PaymentSummary),
  signatures: z.array(
    z.object({
      loanId: z.uuid(),
      signedAt: datetime,
      documentSha256: z.string(),
      agreementVersion: z.string(),
      phoneMasked: z.string().nullable(),
      documentKept: z.boolean(),
      purgedAt: datetime.nullable(),
    }),
  ),
  consents: z.array(
    z.object({ kind: z.string(), documentVersion: z.string(), applicationId: z.uuid().nullable(), grantedAt: datetime, withdrawnAt: datetime.nullable() }),
  ),
  tickets: z.array(z.object({ id: z.uuid(), category: z.string(), subject: z.string(), status: z.string(), createdAt: datetime, messages: z.number().int() })),
  acts: z.array(DeletionAct),
});
