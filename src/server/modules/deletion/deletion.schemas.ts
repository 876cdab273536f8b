import { z } from 'zod';
import type { DeletionRequestStatus } from '../../db/schema';

export const DELETION_STATUSES = ['pending', 'confirmed', 'refused'] as const satisfies readonly DeletionRequestStatus[];

/** The shortest refusal comment staff may send (it is posted to the customer). */
export const REFUSAL_COMMENT_MIN = 10;
export const REFUSAL_COMMENT_MAX = 4000;

// Control characters other than tab and newline never belong in a message (and NUL cannot be stored).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
const characters = (text: string) => [...text].length;

/** The customer's request: accepted (202) — the same ticket while one is pending. */
export const DeletionRequested = z.object({
  ticketId: z.uuid(),
  status: z.enum(DELETION_STATUSES),
});

/** `?status=` with nothing after it is the same as no filter (pending). */
export const DeletionListQuery = z.strictObject({
  status: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.enum(DELETION_STATUSES, { error: 'Статус: pending, confirmed или refused.' }).optional(),
  ),
});

export const RefuseBody = z.strictObject({
  comment: z
    .string({ error: 'Напишите, почему аккаунт нельзя удалить.' })
    .transform((raw) => raw.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim())
    .pipe(
      z
        .string()
        .refine((text) => characters(text) >= REFUSAL_COMMENT_MIN, {
          error: `Объясните клиенту причину: не короче ${REFUSAL_COMMENT_MIN} символов.`,
        })
        .refine((text) => characters(text) <= REFUSAL_COMMENT_MAX, { error: `Не длиннее ${REFUSAL_COMMENT_MAX} символов.` }),
    ),
});

/** Debt, loans, payments and applications that stand in the way, checked live. */
export const DebtCheck = z.object({
  clear: z.boolean(),
  /** In Russian, one sentence each. */
  reasons: z.array(z.string()),
  /** What is owed today on the loans that are not closed. */
  debtKopecks: z.number().int(),
});

export const StaffDeletionRequest = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  phoneMasked: z.string(),
  status: z.enum(DELETION_STATUSES),
  requestedAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
  decidedBy: z.object({ id: z.uuid(), fullName: z.string() }).nullable(),
  comment: z.string().nullable(),
  ticketId: z.uuid(),
  debtCheck: DebtCheck,
});

export const StaffDeletionList = z.object({ items: z.array(StaffDeletionRequest) });
