import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import { registerRequestObservability } from '../../http/observability';
import { registerRoutes, type Authenticators } from '../../http/routes';
import { registerSecurityHeaders } from '../../http/security';
import type { Random } from '../../random';
import { registerMetricsRoute } from '../metrics/metrics.routes';
import type { Metrics } from '../metrics/metrics.service';
import { probeRoutes } from './health.routes';

/**
 * The HTTP listener of a `worker` process: the probes and the metrics, nothing else. No static
 * files, no cookies, no customer or staff API, so a worker exposed by mistake serves no data and
 * takes no input. Same request ids, access log and metrics as the full app.
 */
export async function buildOpsApp(deps: { config: Config; db: Kysely<DB>; logger: Logger; random: Random; metrics: Metrics }): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: 1024,
    trustProxy: deps.config.trustProxy.length ? deps.config.trustProxy : false,
    genReqId: () => deps.random.uuid(),
    return503OnClosing: true,
  });
  registerRequestObservability(app, { metrics: deps.metrics });
  registerSecurityHeaders(app, { https: deps.config.secureCookies });
  app.setErrorHandler((error, request, reply) => {
    const appError = error instanceof AppError ? error : new AppError((error as { statusCode?: number }).statusCode === 503 ? 'service_unavailable' : 'internal');
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(appError.status).send(appError.toBody(request.id));
  });
  // The probes are public and need no actor: nothing here authenticates.
  const noAuth: Authenticators = {
    customer: async () => {
      throw new AppError('unauthorized');
    },
    staff: async () => {
      throw new AppError('unauthorized');
    },
  };
  registerRoutes(app, probeRoutes({ db: deps.db }), noAuth);
  registerMetricsRoute(app, { metrics: deps.metrics, token: deps.config.metricsToken });
  app.setNotFoundHandler(async (request, reply) => reply.code(404).send(new AppError('not_found').toBody(request.id)));
  return app;
}
