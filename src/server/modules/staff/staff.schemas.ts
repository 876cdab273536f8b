import { z } from 'zod';
import { STAFF_ROLES } from './staff.service';

export const StaffRoleSchema = z.enum(STAFF_ROLES, {
  error: 'Выберите роль: поддержка, андеррайтер, взыскание, администратор или комплаенс.',
});

const email = z
  .string({ error: 'Введите рабочую почту.' })
  .trim()
  .max(254, 'Слишком длинный адрес.')
  .pipe(z.email({ error: 'Введите адрес почты вида name@company.ru.' }));

export const LoginBody = z.strictObject({
  email,
  password: z.string({ error: 'Введите пароль.' }).min(1, 'Введите пароль.').max(200, 'Слишком длинный пароль.'),
});

export const LoginReply = z.discriminatedUnion('next', [
  z.object({ next: z.literal('totp') }),
  z.object({ next: z.literal('enroll'), enrollment: z.object({ secret: z.string(), otpauthUrl: z.string() }) }),
]);

export const TotpBody = z.strictObject({
  code: z.string({ error: 'Введите код из приложения.' }).trim().regex(/^\d{6}$/, 'Код — 6 цифр из приложения-аутентификатора.'),
});

export const StaffMe = z.object({
  id: z.uuid(),
  email: z.string(),
  fullName: z.string(),
  roles: z.array(StaffRoleSchema),
  mustChangePassword: z.boolean(),
});

export const PasswordBody = z.strictObject({
  currentPassword: z.string({ error: 'Введите текущий пароль.' }).min(1, 'Введите текущий пароль.').max(200),
  newPassword: z.string({ error: 'Введите новый пароль.' }).max(200, 'Пароль слишком длинный.'),
});

export const StaffUser = z.object({
  id: z.uuid(),
  email: z.string(),
  fullName: z.string(),
  roles: z.array(StaffRoleSchema),
  disabled: z.boolean(),
  totpEnrolled: z.boolean(),
  createdAt: z.string(),
});

const roles = z.array(StaffRoleSchema).min(1, 'Выберите хотя бы одну роль.').max(4);

export const CreateUserBody = z.strictObject({
  email,
  fullName: z.string({ error: 'Введите имя сотрудника.' }).trim().min(2, 'Введите имя сотрудника.').max(200, 'Слишком длинное имя.'),
  roles,
});

export const UpdateUserBody = z
  .strictObject({ roles: roles.optional(), disabled: z.boolean({ error: 'Укажите да или нет.' }).optional() })
  .refine((b) => b.roles !== undefined || b.disabled !== undefined, { message: 'Нечего менять.' });

export const IdParams = z.object({ id: z.uuid({ error: 'Неверный идентификатор.' }) });
