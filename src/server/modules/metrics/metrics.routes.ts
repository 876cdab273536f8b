import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors';
import type { Metrics } from './metrics.service';

/**
 * GET /metrics for Prometheus, outside /api and outside the public OpenAPI description: it is for
 * the operator's scraper, not for the web app. With no METRICS_TOKEN configured it does not exist
 * (404, the same answer as any unknown path), so a deployment exposes nothing by default; with
 * one, only `Authorization: Bearer <token>` gets the text (401 otherwise).
 */

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function registerMetricsRoute(app: FastifyInstance, deps: { metrics: Metrics; token: string | undefined }): void {
  // Compared as SHA-256 digests: equal lengths, so timingSafeEqual neither throws nor leaks the length.
  const expected = deps.token === undefined ? null : digest(deps.token);
  app.get('/metrics', async (request, reply) => {
    if (expected === null) return reply.code(404).send(new AppError('not_found').toBody(request.id));
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="metrics"')
        .send(new AppError('unauthorized', 'Нужен токен доступа к метрикам.').toBody(request.id));
    }
    const text = await deps.metrics.render();
    return reply.header('Cache-Control', 'no-store').type(METRICS_CONTENT_TYPE).send(text);
  });
}

const digest = (value: string) => createHash('sha256').update(value).digest();
