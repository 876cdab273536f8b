import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The session cookie: an opaque token, HttpOnly, SameSite=Lax, Path=/, no Domain. Over https it is
 * `__Host-sid` and Secure (the prefix makes the browser refuse any Domain or insecure overwrite).
 * No Max-Age: it dies with the browser session, and the server's 12 h limit ends it anyway.
 * Staff have their own cookie (`staff_sid`), so the two realms never share a session.
 */
export type SessionCookie = {
  name: string;
  read: (request: FastifyRequest) => string | undefined;
  set: (reply: FastifyReply, token: string) => void;
  clear: (reply: FastifyReply) => void;
};

export function createSessionCookie(secure: boolean, baseName = 'sid'): SessionCookie {
  const name = secure ? `__Host-${baseName}` : baseName;
  const options = { httpOnly: true, sameSite: 'lax' as const, path: '/', secure };
  return {
    name,
    read: (request) => {
      const value = request.cookies[name];
      return value && /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
    },
    set: (reply, token) => {
      reply.setCookie(name, token, options);
    },
    clear: (reply) => {
      reply.clearCookie(name, options);
    },
  };
}
