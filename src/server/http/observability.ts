import type { FastifyInstance } from 'fastify';
import { maskSecretsInUrl } from '../logging';
import type { Metrics } from '../modules/metrics/metrics.service';

/**
 * What every HTTP app (the full one and the worker's ops-only one) does around each request: one
 * access line with the request id and a masked URL (the id also goes back in `X-Request-Id`, set
 * with the security headers, so an operator can match a customer's report to this line), and the
 * request counted by route pattern for /metrics.
 */
export function registerRequestObservability(app: FastifyInstance, deps: { metrics: Metrics | null }): void {
  // Graceful stop: a request still in flight when the server closes is answered, then its
  // connection is closed. Without `Connection: close` a keep-alive client (a reverse proxy) would
  // hold the socket open until the keep-alive timeout, and close() would wait for it that long.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('Connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: maskSecretsInUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
    // routeOptions.url is the pattern ('/api/loans/:id'); undefined for the not-found handler.
    deps.metrics?.httpRequest({
      method: request.method,
      route: request.routeOptions.url,
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
  });
}
