import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';

export function healthRoutes(deps: { db: Kysely<DB>; devSms: boolean }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/health',
      tag: 'system',
      summary: 'Ready: migrations applied and the database answers',
      auth: 'public',
      responses: { 200: z.object({ status: z.literal('ok') }) },
      handler: async () => {
        try {
          await sql`SELECT 1 FROM schema_migrations LIMIT 1`.execute(deps.db);
        } catch {
          throw new AppError('service_unavailable');
        }
        return { status: 'ok' as const };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/client-config',
      tag: 'system',
      summary: 'What the web app needs to know about this deployment',
      auth: 'public',
      responses: { 200: z.object({ devSms: z.boolean() }) },
      handler: async () => ({ devSms: deps.devSms }),
    }),
  ];
}
