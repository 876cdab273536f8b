import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { checkReadiness, READY_RETRY_AFTER_SEC } from './readiness';

const CheckSchema = z.enum(['ok', 'failed']);
const ReadySchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({ database: CheckSchema, queue: CheckSchema }),
});

/**
 * The two probes every process answers, the worker's ops-only listener included:
 * - liveness (`/api/health`): the process is up and its event loop turns. It checks nothing
 *   outside the process, so a database restart never makes an orchestrator kill healthy processes;
 * - readiness (`/api/ready`): the database and the job queue answer, so the process can do useful
 *   work; a load balancer sends traffic only to ready processes. While the process stops, Fastify
 *   answers 503 to every new request (return503OnClosing), this one included.
 */
export function probeRoutes(deps: { db: Kysely<DB> }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/health',
      tag: 'system',
      summary: 'Liveness: the process is up (no dependency is checked)',
      auth: 'public',
      responses: { 200: z.object({ status: z.literal('ok') }) },
      handler: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/ready',
      tag: 'system',
      summary: 'Readiness: the database and the job queue answer (503 with Retry-After and the failing check otherwise)',
      auth: 'public',
      responses: { 200: ReadySchema, 503: ReadySchema },
      handler: async ({ reply }) => {
        const checks = await checkReadiness(deps.db);
        if (checks.database === 'ok' && checks.queue === 'ok') return { status: 'ready' as const, checks };
        return reply
          .code(503)
          .header('Retry-After', String(READY_RETRY_AFTER_SEC))
          .header('Cache-Control', 'no-store')
          .send(ReadySchema.parse({ status: 'unavailable', checks }));
      },
    }),
  ];
}

export function healthRoutes(deps: { db: Kysely<DB>; devSms: boolean }): AnyRouteSpec[] {
  return [
    ...probeRoutes(deps),
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
