import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import type { SessionCookie } from '../../http/session-cookie';
import type { DeviceCookie } from '../sessions/devices';
import { ErrorReply, MeReply, OtpRequestBody, OtpRequestReply, VerifyBody } from './auth.schemas';
import * as auth from './auth.service';

export function authRoutes(deps: auth.AuthDeps & { cookie: SessionCookie; deviceCookie: DeviceCookie }): AnyRouteSpec[] {
  const meta = (request: { ip: string; headers: Record<string, unknown> }) => ({
    ip: request.ip,
    userAgent: String(request.headers['user-agent'] ?? ''),
  });
  const me = (customer: { id: string; phone: string; createdAt: Date }) => ({
    id: customer.id,
    phone: customer.phone,
    createdAt: customer.createdAt.toISOString(),
  });

  return [
    defineRoute({
      method: 'POST',
      url: '/api/auth/otp',
      tag: 'auth',
      summary: 'Send a login code by SMS (the same reply whether or not the phone has an account)',
      auth: 'public',
      body: OtpRequestBody,
      responses: { 200: OtpRequestReply, 400: ErrorReply, 429: ErrorReply },
      handler: ({ body, request }) =>
        auth.requestCode(deps, { phone: body.phone, purpose: 'login', sessionId: null }, meta(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/verify',
      tag: 'auth',
      summary: 'Check the login code; on success set a new session cookie (a deleted account: 403 account_deleted)',
      auth: 'public',
      body: VerifyBody,
      responses: { 200: MeReply, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 429: ErrorReply },
      handler: async ({ body, request, reply }) => {
        const result = await auth.verifyLoginCode(
          deps,
          { phone: body.phone, code: body.code, currentToken: deps.cookie.read(request), deviceToken: deps.deviceCookie.read(request) },
          meta(request),
        );
        deps.cookie.set(reply, result.token);
        deps.deviceCookie.set(reply, result.deviceToken);
        return me(result.customer);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/logout',
      tag: 'auth',
      summary: 'End the session on the server at once',
      auth: 'public',
      responses: { 204: null },
      handler: async ({ request, reply }) => {
        await auth.logout(deps, deps.cookie.read(request));
        deps.cookie.clear(reply);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/me',
      tag: 'auth',
      summary: 'The logged-in customer',
      auth: 'customer',
      responses: { 200: MeReply, 401: ErrorReply },
      handler: async ({ actor }) =>
        me({ id: actor.customerId, phone: actor.phone, createdAt: actor.customerCreatedAt }),
    }),
  ];
}
