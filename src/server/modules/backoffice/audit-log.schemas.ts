import { z } from 'zod';

const optional = (schema: z.ZodType<string>) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());

export const AuditQuery = z.strictObject({
  actor: optional(z.string().trim().max(254, 'Слишком длинное значение.')),
  entity: optional(z.string().trim().max(200, 'Слишком длинное значение.')),
  action: optional(
    z
      .string()
      .trim()
      .max(100, 'Слишком длинное значение.')
      .regex(/^[a-z_.]+$/, 'Действие — латиницей через точку, например customer.revealed.'),
  ),
  before: optional(z.string().trim().regex(/^[1-9]\d{0,15}$/, 'Укажите номер записи (целое число).')),
});
export type AuditQueryInput = z.infer<typeof AuditQuery>;

export const AuditRecord = z.object({
  id: z.uuid(),
  seq: z.number().int(),
  at: z.iso.datetime(),
  actorType: z.enum(['staff', 'customer', 'system']),
  actorId: z.uuid().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  reason: z.string().nullable(),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export const AuditPage = z.object({ items: z.array(AuditRecord), nextBefore: z.number().int().nullable() });

export const ChainCheckReply = z.object({ ok: z.boolean(), rows: z.number().int(), brokenAtSeq: z.number().int().optional() });
