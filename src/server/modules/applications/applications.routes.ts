import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { CONSENT_DOCUMENTS } from '../consents/documents';
import {
  ApplicationReply,
  ConsentDocumentReply,
  ConsentsBody,
  CreateApplicationBody,
  PatchApplicationBody,
} from './applications.schemas';
import * as applications from './applications.service';

const IdParams = (request: { params: unknown }) => (request.params as { id: string }).id;
const meta = (request: { ip: string; headers: Record<string, unknown> }) => ({
  ip: request.ip,
  userAgent: String(request.headers['user-agent'] ?? ''),
});

export function applicationRoutes(deps: applications.ApplicationDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/consent-documents',
      tag: 'applications',
      summary: 'The consent documents, each in full, with its version',
      auth: 'public',
      responses: { 200: z.array(ConsentDocumentReply) },
      handler: async () => CONSENT_DOCUMENTS,
    }),
    defineRoute({
      method: 'POST',
      url: '/api/applications',
      tag: 'applications',
      summary: 'Start an application (or update the draft in progress) for a product, amount (₽) and term',
      auth: 'customer',
      body: CreateApplicationBody,
      responses: { 201: ApplicationReply, 400: ErrorReply, 401: ErrorReply, 409: ErrorReply },
      handler: ({ actor, body }) => applications.createApplication(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/applications',
      tag: 'applications',
      summary: 'The customer\u2019s applications, newest first',
      auth: 'customer',
      responses: { 200: z.array(ApplicationReply), 401: ErrorReply },
      handler: ({ actor }) => applications.listApplications(deps, actor),
      // An offer's quote depends on the date and on the catalogue in force.
      cacheKey: () => `applications:${deps.pricing.today()}:${deps.pricing.catalogue.current().seq}`,
    }),
    defineRoute({
      method: 'GET',
      url: '/api/applications/:id',
      tag: 'applications',
      summary: 'One application: status, offer or reapply date (never the reasons)',
      auth: 'customer',
      responses: { 200: ApplicationReply, 401: ErrorReply, 404: ErrorReply },
      handler: ({ actor, request }) => applications.getApplication(deps, actor, IdParams(request)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/applications/:id',
      tag: 'applications',
      summary: 'Save any part of the questionnaire (autosave); every field is checked',
      auth: 'customer',
      body: PatchApplicationBody,
      responses: { 200: ApplicationReply, 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request, body }) => applications.updateApplication(deps, actor, IdParams(request), body),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/applications/:id/consents',
      tag: 'applications',
      summary: 'Grant consents (current document versions), recorded with time, IP and user agent',
      auth: 'customer',
      body: ConsentsBody,
      responses: { 200: ApplicationReply, 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request, body }) => applications.grantConsents(deps, actor, IdParams(request), body.kinds, meta(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/applications/:id/submit',
      tag: 'applications',
      summary: 'Send the application to the automated decision',
      auth: 'customer',
      responses: { 202: ApplicationReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request }) => applications.submitApplication(deps, actor, IdParams(request)),
    }),
  ];
}
