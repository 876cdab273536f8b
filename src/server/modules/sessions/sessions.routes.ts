import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import type { SessionCookie } from '../../http/session-cookie';
import { ErrorReply } from '../auth/auth.schemas';
import { requestMeta } from '../staff/staff.routes';
import { EndedReply, SessionsReply } from './sessions.schemas';
import * as sessions from './sessions.service';

export function sessionRoutes(deps: sessions.SessionsDeps & { cookie: SessionCookie }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/sessions',
      tag: 'sessions',
      summary: 'The customer’s live sessions, most recently used first: when, IP (last part hidden), browser in words, which one is this',
      auth: 'customer',
      responses: { 200: SessionsReply, 401: ErrorReply },
      handler: ({ actor }) => sessions.listSessions(deps, actor),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/sessions/:id/end',
      tag: 'sessions',
      summary: 'End one of the customer’s live sessions at once (its cookie gets 401 from now on); this one: logged out. Another’s or unknown: 404',
      auth: 'customer',
      responses: { 200: EndedReply, 401: ErrorReply, 404: ErrorReply },
      handler: async ({ actor, request, reply }) => {
        const id = (request.params as Record<string, string | undefined>).id ?? '';
        const result = await sessions.endSession(deps, actor, id, requestMeta(request));
        if (result.loggedOut) deps.cookie.clear(reply);
        return result;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/sessions/end-others',
      tag: 'sessions',
      summary: 'End every session of the customer except this one',
      auth: 'customer',
      responses: { 200: EndedReply, 401: ErrorReply },
      handler: ({ actor, request }) => sessions.endOtherSessions(deps, actor, requestMeta(request)),
    }),
  ];
}
