import { z } from 'zod';

export const OtpRequestBody = z.strictObject({
  phone: z.string({ error: 'Введите номер телефона.' }).max(40, { error: 'Слишком длинный номер.' }),
});

export const OtpRequestReply = z.object({
  resendAfterSec: z.number().int(),
  expiresInSec: z.number().int(),
});

export const VerifyBody = z.strictObject({
  phone: z.string({ error: 'Введите номер телефона.' }).max(40, { error: 'Слишком длинный номер.' }),
  code: z.string({ error: 'Введите код из SMS.' }).regex(/^\d{6}$/, { error: 'Код — это 6 цифр из SMS.' }),
});

export const MeReply = z.object({
  id: z.uuid(),
  phone: z.string(),
  createdAt: z.iso.datetime(),
});

export const ErrorReply = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
    retryAfterSec: z.number().int().optional(),
  }),
  requestId: z.string(),
});
