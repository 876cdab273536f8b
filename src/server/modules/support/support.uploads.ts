import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors';
import { defineRoute, registerRoutes, type AnyRouteSpec, type Authenticators } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import type { Actor } from '../auth/auth.service';
import { pathId, requestMeta } from '../staff/staff.routes';
import type { StaffActor } from '../staff/staff.service';
import { attachmentDisposition, decodeFileNameHeader, MAX_ATTACHMENT_BYTES, TOO_LARGE_MESSAGE } from './attachments';
import { SUPPORT_ROLES } from './support.routes';
import { AttachmentQuery, AttachmentReply } from './support.schemas';
import * as support from './support.service';

/**
 * Files in support threads. The app takes 64 KB of JSON and nothing else; these routes live in an
 * encapsulated scope of their own that alone also takes `application/octet-stream`, up to 5 MiB:
 * the raw file is the body (no base64: a third bigger, and the whole file in one JSON string), its
 * name in `X-File-Name` (percent-encoded UTF-8) and the message in `?messageId=`. A cross-site HTML
 * form can send neither this type nor that header, and the same-origin check of the whole app runs
 * first anyway (CSRF). The session is checked as the request arrives, before the body is read: no
 * one without one can make the server take in 5 MiB.
 *
 * Returns the route specs, so the OpenAPI description lists them with the rest.
 */

const UPLOAD_SUMMARY =
  'Attach a file to your own message in this request, sent within 10 minutes of it: body = the raw file (Content-Type: application/octet-stream), X-File-Name = its name percent-encoded. ≤ 5 MiB (413), JPEG/PNG/PDF/WebP/HEIC by the bytes, never by the name (else 400), ≤ 3 per message (409)';

export async function registerSupportUploads(app: FastifyInstance, deps: support.SupportDeps, authenticate: Authenticators): Promise<AnyRouteSpec[]> {
  // Who the scope's onRequest hook found, for the route handlers (one session lookup per request).
  const found = new WeakMap<FastifyRequest, Actor | StaffActor>();
  const bytesOf = (request: FastifyRequest): Uint8Array => {
    if (!Buffer.isBuffer(request.body)) throw new AppError('unsupported_media_type', 'Отправьте файл как есть, с типом application/octet-stream.');
    return request.body;
  };
  const fileName = (request: FastifyRequest) => decodeFileNameHeader(request.headers['x-file-name']);

  const uploads = [
    defineRoute<undefined, z.infer<typeof AttachmentQuery>>({
      method: 'POST',
      url: '/api/support/tickets/:id/attachments',
      tag: 'support',
      summary: UPLOAD_SUMMARY,
      auth: 'customer',
      rawBody: 'application/octet-stream',
      query: AttachmentQuery,
      responses: { 201: AttachmentReply, 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply, 413: ErrorReply, 415: ErrorReply },
      handler: ({ actor, request, query }) =>
        support.addAttachment(deps, { kind: 'customer', actor }, { ticketId: pathId(request), messageId: query.messageId, bytes: bytesOf(request), fileName: fileName(request) }),
    }),
    defineRoute<undefined, z.infer<typeof AttachmentQuery>>({
      method: 'POST',
      url: '/api/staff/tickets/:id/attachments',
      tag: 'staff',
      summary: `${UPLOAD_SUMMARY}; audited`,
      auth: SUPPORT_ROLES,
      rawBody: 'application/octet-stream',
      query: AttachmentQuery,
      responses: { 201: AttachmentReply, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 413: ErrorReply, 415: ErrorReply },
      handler: ({ staff, request, query }) =>
        support.addAttachment(
          deps,
          { kind: 'staff', staff, meta: requestMeta(request) },
          { ticketId: pathId(request), messageId: query.messageId, bytes: bytesOf(request), fileName: fileName(request) },
        ),
    }),
  ];

  const download = defineRoute({
    method: 'GET',
    url: '/api/support/attachments/:id',
    tag: 'support',
    summary:
      'Download a file of a support request: the request’s customer, or staff with the support or admin role (audited). As a download, with the sniffed type and nosniff; anyone else 404',
    auth: 'public',
    responses: { 200: null, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply },
    handler: async ({ request, reply }) => {
      const who = await customerOrSupport(request, authenticate);
      const file = await support.attachmentForDownload(deps, { ...who, meta: requestMeta(request) }, pathId(request));
      return reply
        .type(file.mimeType)
        .header('content-disposition', attachmentDisposition(file.name))
        .header('x-content-type-options', 'nosniff')
        .send(file.content);
    },
  });

  const authOf = new Map(uploads.map((spec) => [spec.url, spec.auth]));
  const scoped: Authenticators = {
    customer: async (request) => (found.get(request) as Actor | undefined) ?? authenticate.customer(request),
    staff: async (request, roles) => (found.get(request) as StaffActor | undefined) ?? authenticate.staff(request, roles),
  };

  await app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_ATTACHMENT_BYTES }, (_request, body, done) => done(null, body));
    scope.addHook('onRequest', async (request) => {
      if (request.method !== 'POST') return;
      const auth = authOf.get(request.routeOptions.url ?? '');
      if (auth === 'customer') found.set(request, await authenticate.customer(request));
      else if (auth && typeof auth === 'object') found.set(request, await authenticate.staff(request, auth.staff));
    });
    // Thrown on to the app's error handler with the words for a file.
    scope.setErrorHandler((error: FastifyError | AppError) => {
      if (error instanceof AppError) throw error;
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new AppError('payload_too_large', TOO_LARGE_MESSAGE);
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw new AppError('unsupported_media_type', 'Отправьте файл как есть, с типом application/octet-stream.');
      throw error;
    });
    registerRoutes(scope, [...uploads, download], scoped);
  });
  return [...uploads, download];
}

/**
 * The download's two kinds of reader. A customer session is enough for the customer's own files; a
 * staff session must hold the support or admin role (403 otherwise, unless a customer session is
 * there too). Neither session: 401.
 */
async function customerOrSupport(request: FastifyRequest, authenticate: Authenticators): Promise<{ customer: Actor | null; staff: StaffActor | null }> {
  const customer = await authenticate.customer(request).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'unauthorized') return null;
    throw error;
  });
  const staff = await authenticate.staff(request, SUPPORT_ROLES.staff).catch((error: unknown) => {
    // No staff session, or one that may not read support files while a customer session may try.
    if (error instanceof AppError && (error.code === 'unauthorized' || customer !== null)) return null;
    throw error;
  });
  if (!customer && !staff) throw new AppError('unauthorized');
  return { customer, staff };
}
