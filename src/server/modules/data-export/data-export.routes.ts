import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { requestMeta } from '../staff/staff.routes';
import * as dataExport from './data-export.service';

export function dataExportRoutes(deps: dataExport.DataExportDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/account/data-export',
      tag: 'account',
      summary:
        'Download my data (PD-7): one JSON attachment with the questionnaires in clear, consents, loans with schedules and payments, operations, support requests, sessions; no secrets. Audited',
      auth: 'customer',
      responses: { 200: null, 401: ErrorReply },
      handler: async ({ actor, request, reply }) => {
        const { document, fileName } = await dataExport.exportData(deps, actor, requestMeta(request));
        return reply
          .type('application/json; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="${fileName}"`)
          .send(JSON.stringify(document, null, 2));
      },
    }),
  ];
}
