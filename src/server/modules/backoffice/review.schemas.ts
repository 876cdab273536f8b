import { z } from 'zod';
import { StaffVehicle } from './collateral.schemas';

const comment = z
  .string({ error: 'Напишите комментарий к решению.' })
  .trim()
  .min(3, 'Напишите комментарий к решению (хотя бы несколько слов).')
  .max(2000, 'Комментарий — не длиннее 2000 символов.');

export const DecisionBody = z.discriminatedUnion(
  'decision',
  [
    z.strictObject({
      decision: z.literal('approve'),
      // A custom check, not z.number().int(): zod 4 keeps no input in its issues, so the shared
      // validation error would call any wrong type a missing value.
      amountRubles: z
        .custom<number>((value) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0, {
          error: (issue) => (issue.input === undefined ? 'Укажите сумму в рублях.' : 'Сумма — целое число рублей больше нуля.'),
        })
        .meta({ type: 'integer', description: 'The approved amount, whole rubles' }),
      valuationRubles: z
        .custom<number>((value) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= 100_000_000, {
          error: 'Оценка автомобиля — целое число рублей больше нуля.',
        })
        .meta({ type: 'integer', description: 'A car loan whose car the valuation service could not value: the underwriter’s valuation, whole rubles' })
        .optional(),
      comment,
    }),
    z.strictObject({ decision: z.literal('decline'), comment }),
  ],
  { error: 'Выберите решение: одобрить (approve) или отказать (decline).' },
);
export type DecisionInput = z.infer<typeof DecisionBody>;

export const ReviewItem = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  status: z.string(),
  createdAt: z.iso.datetime(),
  submittedAt: z.iso.datetime().nullable(),
  productCode: z.string(),
  amountRubles: z.number().int(),
  term: z.number().int(),
  reasons: z.array(z.string()),
});

export const ReviewDetail = ReviewItem.extend({
  decidedAt: z.iso.datetime().nullable(),
  decidedBy: z.object({ id: z.uuid(), email: z.string(), fullName: z.string() }).nullable(),
  offerAmountRubles: z.number().int().nullable(),
  reapplyAfter: z.string().nullable(),
  checks: z.array(
    z.object({
      name: z.string(),
      outcome: z.enum(['pass', 'fail', 'refer', 'error']),
      details: z.record(z.string(), z.unknown()),
      attempt: z.number().int(),
      at: z.iso.datetime(),
    }),
  ),
  pdnPercent: z.number().nullable(),
  monthlyIncomeRubles: z.number().int().nullable(),
  applicant: z.object({
    fullName: z.string().nullable(),
    birthDate: z.string().nullable(),
    passport: z.string().nullable(),
    phone: z.string(),
  }),
  maxAmountRubles: z.number().int(),
  minAmountRubles: z.number().int(),
  amountStepRubles: z.number().int(),
  /** A car application's car (the valuation, the photos, the pledge once signed); null for other products. */
  vehicle: StaffVehicle.nullable(),
});
