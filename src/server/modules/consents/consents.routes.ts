import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { requestMeta } from '../staff/staff.routes';
import { ConsentDocumentVersion, ConsentsReply } from './consents.schemas';
import * as consents from './consents.service';

const param = (request: { params: unknown }, name: string) => (request.params as Record<string, string | undefined>)[name];

export function consentRoutes(deps: consents.ConsentsDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/consents',
      tag: 'consents',
      summary: 'Every consent the customer gave (withdrawn ones too), newest first, with the version of the text agreed to',
      auth: 'customer',
      responses: { 200: ConsentsReply, 401: ErrorReply },
      handler: ({ actor }) => consents.listConsents(deps, actor),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/consents/documents/:version',
      tag: 'consents',
      summary: 'The exact text of one version of a consent document (current or an older one someone agreed to)',
      auth: 'public',
      responses: { 200: ConsentDocumentVersion, 404: ErrorReply },
      handler: async ({ request }) => consents.documentVersion(param(request, 'version') ?? ''),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/consents/:kind/withdraw',
      tag: 'consents',
      summary:
        'Withdraw the optional consent (marketing): the grant rows stay, marked with the time and place of the withdrawal; again: no change. A required one: 409',
      auth: 'customer',
      responses: { 200: ConsentsReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request }) => consents.withdraw(deps, actor, consents.parseKind(param(request, 'kind')), requestMeta(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/consents/:kind/give',
      tag: 'consents',
      summary: 'Give the optional consent (marketing) again for today’s text (a new grant row); already given: no change. A required one: 409',
      auth: 'customer',
      responses: { 200: ConsentsReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request }) => consents.give(deps, actor, consents.parseKind(param(request, 'kind')), requestMeta(request)),
    }),
  ];
}
