import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import type { Clock } from '../../../core/clock';
import { history, historyCsv, historyPdf, HISTORY_TYPES } from './history.service';

const DATE_ERROR = 'Дата — в формате ГГГГ-ММ-ДД.';
/** A real calendar day (not 2026-02-30, not year 0000: the database would refuse either with a 500). */
const isCalendarDay = (text: string) => {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text) && date.getUTCFullYear() >= 1900;
};
const DateField = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: DATE_ERROR }).refine(isCalendarDay, { error: DATE_ERROR });
const Filters = {
  type: z.enum(HISTORY_TYPES, { error: 'Неизвестный тип операции.' }).optional(),
  from: DateField.optional(),
  to: DateField.optional(),
};

export function historyRoutes(deps: { db: Kysely<DB>; clock: Clock }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/history',
      tag: 'history',
      summary: 'Every operation of the customer, newest first; filters by type and period (Moscow dates); keyset pages of 50',
      auth: 'customer',
      query: z.strictObject({ cursor: z.string().max(200).optional(), ...Filters }),
      responses: {
        200: z.object({
          items: z.array(
            z.object({
              id: z.uuid(),
              at: z.iso.datetime(),
              type: z.enum(HISTORY_TYPES),
              title: z.string(),
              amountKopecks: z.number().int().nullable(),
              status: z.string().nullable(),
              loanId: z.uuid().nullable(),
            }),
          ),
          nextCursor: z.string().nullable(),
        }),
        400: ErrorReply,
      },
      handler: ({ actor, query }) => history(deps.db, actor, query),
      // A page is a function of the customer's operations and the query alone.
      cacheKey: ({ query }) => `history:${JSON.stringify([query.cursor, query.type, query.from, query.to])}`,
    }),
    defineRoute({
      method: 'GET',
      url: '/api/history.csv',
      tag: 'history',
      summary: 'The (filtered) history as CSV for Excel',
      auth: 'customer',
      query: z.strictObject(Filters),
      responses: { 200: null, 400: ErrorReply },
      handler: async ({ actor, query, reply }) => {
        const csv = await historyCsv(deps.db, actor, query);
        return reply.type('text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="carcapital-history.csv"').send(csv);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/history.pdf',
      tag: 'history',
      summary: 'The (filtered) history as a PDF statement',
      auth: 'customer',
      query: z.strictObject(Filters),
      responses: { 200: null, 400: ErrorReply },
      handler: async ({ actor, query, reply }) => {
        const pdf = await historyPdf(deps.db, actor, query, deps.clock.now());
        return reply.type('application/pdf').header('Content-Disposition', 'attachment; filename="carcapital-history.pdf"').send(pdf);
      },
    }),
  ];
}
