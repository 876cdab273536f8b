import { z } from 'zod';

/** An address as people type it: ASCII local part, a domain that may be Cyrillic (почта.рф). */
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^([\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+(\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/iu;

export function isDeliverableAddress(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.length > 254) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  return local.length <= 64 && LOCAL.test(local) && DOMAIN.test(domain);
}

export const EmailAddress = z
  .string('Введите адрес электронной почты.')
  .trim()
  .min(1, 'Введите адрес электронной почты.')
  .max(254, 'Слишком длинный адрес.')
  .refine(isDeliverableAddress, 'Проверьте адрес электронной почты, например ivan@mail.ru.');

export const SetEmailBody = z.strictObject({ email: EmailAddress });

export const ConfirmEmailBody = z.strictObject({
  // 32 random bytes as base64url: 43 characters.
  token: z.string('Нет кода подтверждения в ссылке.').trim().min(1, 'Нет кода подтверждения в ссылке.').max(100, 'Ссылка повреждена.'),
});

export const EmailView = z.object({ email: z.string().nullable(), confirmed: z.boolean() });

export const Confirmed = z.object({ confirmed: z.literal(true) });

export const SandboxEmailItem = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  sentAt: z.iso.datetime(),
});
