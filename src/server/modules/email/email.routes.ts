import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import type { SandboxEmailProvider } from '../../providers/email/sandbox';
import { ErrorReply } from '../auth/auth.schemas';
import { Confirmed, ConfirmEmailBody, EmailView, SandboxEmailItem, SetEmailBody } from './email.schemas';
import * as email from './email.service';

export function emailRoutes(deps: email.EmailDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/profile/email',
      tag: 'profile',
      summary: 'The customer’s email address and whether it is confirmed',
      auth: 'customer',
      responses: { 200: EmailView, 401: ErrorReply },
      handler: ({ actor }) => email.getEmail(deps, actor),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/profile/email',
      tag: 'profile',
      summary:
        'Set or change the email address (unconfirmed until its link is followed) and mail a confirmation link; the same unconfirmed address again resends it. At most 5 links an hour and 10 a day (429 with Retry-After)',
      auth: 'customer',
      body: SetEmailBody,
      responses: { 200: EmailView, 400: ErrorReply, 401: ErrorReply, 429: ErrorReply },
      handler: ({ actor, body }) => email.requestEmail(deps, actor, body.email),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/profile/email/confirm',
      tag: 'profile',
      summary: 'Confirm an address with the token from its link (public: the link may be opened on another device); works once, for 24 h',
      auth: 'public',
      body: ConfirmEmailBody,
      responses: { 200: Confirmed, 400: ErrorReply },
      handler: ({ body }) => email.confirmEmail(deps, body.token),
    }),
  ];
}

/** Development only (the same guard as the SMS page): the mail the sandbox provider accepted. */
export function devEmailRoutes(deps: { sandboxEmail: SandboxEmailProvider }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/dev/email',
      tag: 'dev',
      summary: 'Sandbox only: email accepted by the sandbox provider, newest first',
      auth: 'public',
      query: z.strictObject({ to: z.string().trim().max(254).optional() }),
      responses: { 200: z.array(SandboxEmailItem) },
      handler: async ({ query }) => {
        const messages = await deps.sandboxEmail.list({ ...(query.to ? { to: query.to } : {}), limit: 100 });
        return messages.map((m) => ({ id: m.id, to: m.to, subject: m.subject, text: m.text, sentAt: m.sentAt.toISOString() }));
      },
    }),
  ];
}
