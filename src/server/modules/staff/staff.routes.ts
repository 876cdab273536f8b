import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import type { SessionCookie } from '../../http/session-cookie';
import { ErrorReply } from '../auth/auth.schemas';
import {
  CreateUserBody,
  IdParams,
  LoginBody,
  LoginReply,
  PasswordBody,
  StaffMe,
  StaffUser,
  TotpBody,
  UpdateUserBody,
} from './staff.schemas';
import * as staff from './staff.service';

export function requestMeta(request: FastifyRequest): staff.RequestMeta {
  return { ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') };
}

/** A uuid from the path; anything else is simply not found. */
export function pathId(request: FastifyRequest, name = 'id'): string {
  const parsed = IdParams.safeParse({ id: (request.params as Record<string, string>)[name] });
  if (!parsed.success) throw new AppError('not_found');
  return parsed.data.id;
}

/** The only staff routes open while a temporary password is still in use. */
export const OPEN_BEFORE_PASSWORD_CHANGE = new Set(['/api/staff/me', '/api/staff/me/password']);

const me = (actor: staff.StaffActor) => ({
  id: actor.staffId,
  email: actor.email,
  fullName: actor.fullName,
  roles: actor.roles,
  mustChangePassword: actor.mustChangePassword,
});

export function staffRoutes(deps: staff.StaffDeps & { cookie: SessionCookie }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/staff/auth/login',
      tag: 'staff',
      summary: 'Staff login, step 1: e-mail and password → a pre-auth cookie for the TOTP step (or TOTP enrollment)',
      auth: 'public',
      body: LoginBody,
      responses: { 200: LoginReply, 400: ErrorReply, 401: ErrorReply, 429: ErrorReply },
      handler: async ({ body, request, reply }) => {
        const result = await staff.login(deps, body, requestMeta(request));
        deps.cookie.set(reply, result.token);
        return result.next === 'enroll' ? { next: 'enroll', enrollment: result.enrollment } : { next: 'totp' };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/auth/totp',
      tag: 'staff',
      summary: 'Staff login, step 2: the TOTP code → a new full session cookie',
      auth: 'public',
      body: TotpBody,
      responses: { 200: StaffMe, 400: ErrorReply, 401: ErrorReply },
      handler: async ({ body, request, reply }) => {
        const result = await staff.verifyTotp(deps, { token: deps.cookie.read(request), code: body.code }, requestMeta(request));
        deps.cookie.set(reply, result.token);
        return me(result.actor);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/auth/logout',
      tag: 'staff',
      summary: 'End the staff session on the server at once',
      auth: 'public',
      responses: { 204: null },
      handler: async ({ request, reply }) => {
        await staff.logout(deps, deps.cookie.read(request));
        deps.cookie.clear(reply);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/me',
      tag: 'staff',
      summary: 'The logged-in staff member and their roles',
      auth: { staff: staff.STAFF_ROLES },
      responses: { 200: StaffMe, 401: ErrorReply },
      handler: async ({ staff: actor }) => me(actor),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/me/password',
      tag: 'staff',
      summary: 'Change one’s own password (ends one’s other sessions)',
      auth: { staff: staff.STAFF_ROLES },
      body: PasswordBody,
      responses: { 204: null, 400: ErrorReply, 401: ErrorReply },
      handler: async ({ staff: actor, body, request }) => {
        await staff.changePassword(deps, actor, body, requestMeta(request));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/users',
      tag: 'staff',
      summary: 'Staff members',
      auth: { staff: ['admin'] },
      responses: { 200: z.object({ items: z.array(StaffUser) }), 401: ErrorReply, 403: ErrorReply },
      handler: async () => ({ items: await staff.listUsers(deps) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/users',
      tag: 'staff',
      summary: 'Add a staff member; the temporary password is in this reply only',
      auth: { staff: ['admin'] },
      body: CreateUserBody,
      responses: { 201: z.object({ user: StaffUser, temporaryPassword: z.string() }), 400: ErrorReply, 403: ErrorReply, 409: ErrorReply },
      handler: ({ staff: actor, body, request }) =>
        staff.createUser(deps, { staffId: actor.staffId, meta: requestMeta(request) }, body),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/staff/users/:id',
      tag: 'staff',
      summary: 'Change a staff member’s roles or disable them (their sessions end at once)',
      auth: { staff: ['admin'] },
      body: UpdateUserBody,
      responses: { 200: StaffUser, 400: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ staff: actor, body, request }) => staff.updateUser(deps, actor, pathId(request), body, requestMeta(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/staff/users/:id/reset',
      tag: 'staff',
      summary: 'A new temporary password and a new TOTP enrollment for a staff member',
      auth: { staff: ['admin'] },
      responses: { 200: z.object({ temporaryPassword: z.string() }), 403: ErrorReply, 404: ErrorReply },
      handler: ({ staff: actor, request }) => staff.resetUser(deps, actor, pathId(request), requestMeta(request)),
    }),
  ];
}
