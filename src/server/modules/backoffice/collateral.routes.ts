import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { pathId, requestMeta } from '../staff/staff.routes';
import { PledgePage, PledgesQuery } from './collateral.schemas';
import * as collateral from './collateral.service';
import type { BackofficeDeps } from './deps';

/** Who sees customer data: the roles of the customer card (customers.routes.ts). */
const CUSTOMER_DATA = { staff: ['support', 'underwriter', 'collections', 'admin'] } as const;
/** The release of pledges is operations' work, as overdue loans and failed payouts are (operations.routes.ts). */
const OPERATIONS = { staff: ['collections', 'admin'] } as const;

export function collateralRoutes(deps: BackofficeDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/staff/vehicle-photos/:photoId',
      tag: 'backoffice',
      summary: 'The bytes of one photo of a pledged car (any customer’s), with the type sniffed at upload, nosniff and no caching; each look is written to the audit log',
      auth: CUSTOMER_DATA,
      responses: { 200: null, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 503: ErrorReply },
      handler: async ({ staff, request, reply }) => {
        const photo = await collateral.photoForStaff(deps, staff, pathId(request, 'photoId'), requestMeta(request));
        return reply
          .type(photo.contentType)
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .header('content-disposition', 'inline')
          .send(Buffer.from(photo.bytes.buffer, photo.bytes.byteOffset, photo.bytes.byteLength));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/staff/pledges',
      tag: 'backoffice',
      summary:
        'Pledges of car loans: ?state=overdue (released late: still releasing past the 3rd working day after the loan ended), releasing (default; every release under way) or all; releases first, the earliest deadline first; pages of `limit` (50 unless given; `before` = the last page’s nextBefore)',
      auth: OPERATIONS,
      query: PledgesQuery,
      responses: { 200: PledgePage, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      handler: ({ query }) => collateral.pledgeList(deps, query),
    }),
  ];
}
