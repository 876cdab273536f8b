import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors';

/**
 * Response headers (SECURITY.md WEB-1…3) and the same-origin rule for state changes (WEB-4).
 * Set by hand rather than by a library's defaults, so every directive is a decision.
 */

const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
];

/** Over https, also make the browser upgrade any stray http sub-request. */
export function contentSecurityPolicy(https: boolean): string {
  return [...CSP_DIRECTIVES, ...(https ? ['upgrade-insecure-requests'] : [])].join('; ');
}

export function registerSecurityHeaders(app: FastifyInstance, options: { https: boolean }) {
  const csp = contentSecurityPolicy(options.https);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    reply.header('Content-Security-Policy', csp);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    reply.header('X-Request-Id', request.id);
    if (request.url.startsWith('/api/')) reply.header('Cache-Control', 'no-store');
    return payload;
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request must come from our own pages. Browsers say where a request comes from
 * with `Sec-Fetch-Site` (checked first) and `Origin`; either one naming another site → 403.
 * A request with neither header does not come from a browser, so it cannot be a forged browser
 * request (CSRF needs the victim's browser); it is let through so API clients and scripts work.
 * JSON-only bodies add a second wall: a cross-site form cannot send `application/json`.
 */
export function checkSameOrigin(request: FastifyRequest, trustedOrigin: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  const fetchSite = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  if (typeof fetchSite === 'string' && fetchSite !== 'same-origin') throw new AppError('origin_forbidden');
  if (origin !== undefined && origin !== trustedOrigin) throw new AppError('origin_forbidden');
}

export function registerSameOriginCheck(app: FastifyInstance, trustedOrigin: string) {
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    checkSameOrigin(request, trustedOrigin);
  });
}
