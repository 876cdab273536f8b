import { z } from 'zod';

/** The most points one request may name: far above any balance, small enough to stay exact. */
export const MAX_POINTS_PER_REQUEST = 1_000_000;

export const SpendBody = z.strictObject({
  points: z
    .number({ error: 'Укажите, сколько баллов списать.' })
    .int({ error: 'Баллы списываются целыми числами.' })
    .min(1, { error: 'Спишите хотя бы 1 балл.' })
    .max(MAX_POINTS_PER_REQUEST, { error: 'Слишком много баллов за один раз.' }),
});

const Debt = z.object({
  principalKopecks: z.number().int(),
  interestKopecks: z.number().int(),
  penaltyKopecks: z.number().int(),
  totalKopecks: z.number().int(),
});

export const SpendReply = z.object({
  /** Points taken (may be fewer than asked: no more than the balance and the interest due). */
  spentPoints: z.number().int(),
  /** Interest written off: spentPoints × 100 kopecks. */
  writtenOffKopecks: z.number().int(),
  balancePoints: z.number().int(),
  /** The loan's debt after the spend. */
  debt: Debt,
});

export const BonusSummary = z.object({
  balancePoints: z.number().int(),
  /** What one point is worth, in kopecks (100: 1 point = 1 ₽). */
  pointKopecks: z.number().int(),
  entries: z.array(
    z.object({
      id: z.uuid(),
      kind: z.enum(['earn', 'spend', 'expire']),
      points: z.number().int(),
      reason: z.string(),
      loanId: z.uuid().nullable(),
      at: z.iso.datetime(),
      expiresAt: z.iso.datetime().nullable(),
    }),
  ),
});
