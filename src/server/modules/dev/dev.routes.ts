import { z } from 'zod';
import { HOUR_MS, type OffsetClock } from '../../../core/clock';
import { normalizeRussianMobile } from '../../../core/phone';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import type { SandboxSmsProvider } from '../../providers/sms/sandbox';

/**
 * Development tools, registered only outside production with the sandbox SMS provider: the list of
 * SMS the sandbox gateway accepted, so anyone can log in without a real phone.
 */
export function devRoutes(deps: { sandboxSms: SandboxSmsProvider; devClock: OffsetClock | null }): AnyRouteSpec[] {
  const clock = deps.devClock;
  return [
    ...(clock
      ? [
          defineRoute({
            method: 'POST',
            url: '/api/dev/clock',
            tag: 'dev',
            summary: 'Development only: move this process’s clock forward by whole days or hours (accrual, due dates, overdue)',
            auth: 'public',
            body: z.strictObject({ days: z.number().int().min(0).max(400).default(0), hours: z.number().int().min(0).max(24 * 30).default(0) }),
            responses: { 200: z.object({ now: z.iso.datetime(), offsetHours: z.number() }) },
            handler: async ({ body }) => {
              clock.advance((body.days * 24 + body.hours) * HOUR_MS);
              return { now: clock.now().toISOString(), offsetHours: clock.offsetMs() / HOUR_MS };
            },
          }),
          defineRoute({
            method: 'GET',
            url: '/api/dev/clock',
            tag: 'dev',
            summary: 'Development only: this process’s time and how far it was moved',
            auth: 'public',
            responses: { 200: z.object({ now: z.iso.datetime(), offsetHours: z.number() }) },
            handler: async () => ({ now: clock.now().toISOString(), offsetHours: clock.offsetMs() / HOUR_MS }),
          }),
        ]
      : []),
    defineRoute({
      method: 'GET',
      url: '/api/dev/sms',
      tag: 'dev',
      summary: 'Sandbox only: SMS accepted by the sandbox gateway, newest first',
      auth: 'public',
      query: z.strictObject({
        phone: z
          .string()
          .max(40)
          .optional()
          .transform((v, ctx) => {
            if (v === undefined || v === '') return undefined;
            const phone = normalizeRussianMobile(v);
            if (!phone) {
              ctx.addIssue({ code: 'custom', message: 'Введите номер российского мобильного телефона.' });
              return z.NEVER;
            }
            return phone;
          }),
      }),
      responses: { 200: z.array(z.object({ to: z.string(), text: z.string(), sentAt: z.iso.datetime() })) },
      handler: async ({ query }) => {
        const messages = await deps.sandboxSms.list({ phone: query.phone, limit: 100 });
        return messages.map((m) => ({ to: m.to, text: m.text, sentAt: m.sentAt.toISOString() }));
      },
    }),
  ];
}
