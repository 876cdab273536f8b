import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock, OffsetClock } from '../core/clock';
import type { Config } from './config';
import type { Keys } from './crypto';
import type { DB } from './db/schema';
import { AppError } from './errors';
import { buildOpenApi } from './http/openapi';
import { registerRoutes, type AnyRouteSpec, type Authenticators } from './http/routes';
import { registerSameOriginCheck, registerSecurityHeaders } from './http/security';
import { createSessionCookie } from './http/session-cookie';
import type { JobQueue } from './jobs/queue';
import { applicationRoutes } from './modules/applications/applications.routes';
import { authRoutes } from './modules/auth/auth.routes';
import * as auth from './modules/auth/auth.service';
import { devRoutes } from './modules/dev/dev.routes';
import { healthRoutes } from './modules/health/health.routes';
import { loanChoiceRoutes } from './modules/loan-choices/loan-choices.routes';
import { pricingRoutes } from './modules/pricing/pricing.routes';
import type { Pricing } from './modules/pricing/pricing.service';
import type { SandboxSmsProvider } from './providers/sms/sandbox';
import type { SandboxEmailProvider } from './providers/email/sandbox';
import { devEmailRoutes, emailRoutes } from './modules/email/email.routes';
import type { PayoutProvider } from './providers/payouts/port';
import type { SandboxPayouts } from './providers/payouts/sandbox';
import { registerSandboxPages } from './providers/sandbox-pages';
import type { AcquiringProvider } from './providers/acquiring/port';
import type { SandboxAcquiring } from './providers/acquiring/sandbox';
import { paymentRoutes, registerAcquiringWebhook } from './modules/payments/payments.routes';
import { historyRoutes } from './modules/history/history.routes';
import { prolongationRoutes } from './modules/servicing/prolongation.routes';
import { signingRoutes } from './modules/contracts/signing.routes';
import { loanRoutes } from './modules/loans/loans.routes';
import { catalogueRoutes } from './modules/catalogue/catalogue.routes';
import { OPEN_BEFORE_PASSWORD_CHANGE, staffRoutes } from './modules/staff/staff.routes';
import { backofficeRoutes } from './modules/backoffice/backoffice.routes';
import { deletionRoutes } from './modules/deletion/deletion.routes';
import { retentionRoutes } from './modules/deletion/retention.routes';
import * as staffAuth from './modules/staff/staff.service';
import { supportRoutes } from './modules/support/support.routes';
import { registerSupportUploads } from './modules/support/support.uploads';
import { registerVehiclePhotoUpload, vehicleRoutes } from './modules/vehicles/vehicles.routes';
import type { BlobStore } from './storage/blob-store';
import { loyaltyRoutes } from './modules/loyalty/loyalty.routes';
import { bonusRoutes } from './modules/bonus/bonus.routes';
import { consentRoutes } from './modules/consents/consents.routes';
import { dataExportRoutes } from './modules/data-export/data-export.routes';
import { createDeviceCookie } from './modules/sessions/devices';
import { sessionRoutes } from './modules/sessions/sessions.routes';
import type { Random } from './random';
import { registerRequestObservability } from './http/observability';
import type { Metrics } from './modules/metrics/metrics.service';
import type { ReadCache } from './read-cache';
import { registerMetricsRoute } from './modules/metrics/metrics.routes';

export type AppDeps = {
  config: Config;
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  logger: Logger;
  jobs: JobQueue;
  pricing: Pricing;
  payouts: PayoutProvider;
  /** Set when payouts go through the sandbox: its acquirer card page is then served here. */
  sandboxCardPage?: SandboxPayouts | null;
  acquiring: AcquiringProvider;
  /** Development only: the clock POST /api/dev/clock moves. */
  devClock?: OffsetClock | null;
  /** Set when repayments go through the sandbox acquirer: its payment page is then served here. */
  sandboxAcquiring?: SandboxAcquiring | null;
  crashpoint: (name: string) => void;
  /** Present when the sandbox SMS provider is in use. */
  sandboxSms: SandboxSmsProvider | null;
  /** Present when the sandbox email provider is in use (the dev email page reads it). */
  sandboxEmail?: SandboxEmailProvider | null;
  /** Where the built web app lives; absent in API-only tests. */
  webRoot?: string;
  /** Counts requests and serves GET /metrics (with METRICS_TOKEN). */
  metrics?: Metrics | null;
  /** Customers' sessions and most-read data in memory (READ_CACHE); absent: every read goes to the database. */
  readCache?: ReadCache | null;
  /** Files kept outside the rows (DATA_DIR/blobs): the photos of a pledged car. */
  blobs: BlobStore;
};

export const DEFAULT_WEB_ROOT = resolve(import.meta.dirname, '../../dist/web');

/** Builds the HTTP application. Never listens: main.ts does, tests use `inject`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One access line per request is written by the onResponse hook below, with a masked URL.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: 64 * 1024,
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    genReqId: () => deps.random.uuid(),
    return503OnClosing: true,
    // Errors the router raises before any route runs get the house body too (never Fastify's own).
    frameworkErrors: (error, request, reply) => {
      const appError =
        error.code === 'FST_ERR_BAD_URL'
          ? new AppError('validation_failed', 'Некорректный адрес запроса.')
          : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? new AppError('not_found') // an over-long id names nothing
            : new AppError('internal');
      return (reply as FastifyReply).code(appError.status).send(appError.toBody(request.id));
    },
  });

  // Only JSON bodies: a cross-site HTML form cannot produce one (CSRF), and nothing else is needed.
  app.removeContentTypeParser('text/plain');

  await app.register(fastifyCookie);
  registerSecurityHeaders(app, { https: config.secureCookies });
  registerSameOriginCheck(app, config.publicUrl.origin);

  registerRequestObservability(app, { metrics: deps.metrics ?? null });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    }
    if (appError.details.retryAfterSec !== undefined) reply.header('Retry-After', String(appError.details.retryAfterSec));
    return reply.code(appError.status).send(appError.toBody(request.id));
  });

  const cookie = createSessionCookie(config.secureCookies);
  const readCache = deps.readCache ?? null;
  const authDeps: auth.AuthDeps = {
    db: deps.db,
    clock: deps.clock,
    random: deps.random,
    keys: deps.keys,
    jobs: deps.jobs,
    config,
    readCache: readCache ?? undefined,
  };
  const staffCookie = createSessionCookie(config.secureCookies, 'staff_sid');
  const staffDeps: staffAuth.StaffDeps = { db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, config };
  const authenticate: Authenticators = {
    customer: async (request) => {
      const token = cookie.read(request);
      const actor = token ? await auth.authenticate(authDeps, token) : null;
      if (!actor) throw new AppError('unauthorized');
      return actor;
    },
    customerWrote: (customerId) => readCache?.forgetCustomer(customerId),
    staffWrote: () => readCache?.forgetAll(),
    staff: async (request, roles) => {
      const token = staffCookie.read(request);
      const actor = token ? await staffAuth.authenticateStaff(staffDeps, token) : null;
      if (!actor) throw new AppError('unauthorized', 'Войдите как сотрудник.');
      if (!actor.roles.some((role) => roles.includes(role))) throw new AppError('forbidden', 'Вашей роли это действие недоступно.');
      if (actor.mustChangePassword && !OPEN_BEFORE_PASSWORD_CHANGE.has(request.routeOptions.url ?? '')) {
        throw new AppError('password_change_required');
      }
      return actor;
    },
  };

  const applicationDeps = { db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, jobs: deps.jobs, pricing: deps.pricing };
  const vehicleDeps = { db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, pricing: deps.pricing, blobs: deps.blobs };
  const devSms = config.devToolsEnabled && deps.sandboxSms !== null;
  const paymentDeps = { ...applicationDeps, logger: deps.logger, acquiring: deps.acquiring, publicUrl: config.publicUrl, crashpoint: deps.crashpoint };
  const routes: AnyRouteSpec[] = [
    ...healthRoutes({ db: deps.db, devSms }),
    ...authRoutes({ ...authDeps, cookie, deviceCookie: createDeviceCookie(config.secureCookies) }),
    ...pricingRoutes({ pricing: deps.pricing }),
    ...loanChoiceRoutes({ db: deps.db, clock: deps.clock, pricing: deps.pricing }),
    ...applicationRoutes(applicationDeps),
    ...vehicleRoutes(vehicleDeps),
    ...signingRoutes({ ...applicationDeps, payouts: deps.payouts, auth: authDeps, publicUrl: config.publicUrl, pledgee: config.car.pledgee }),
    ...loanRoutes({ ...applicationDeps, logger: deps.logger, payouts: deps.payouts, crashpoint: deps.crashpoint, payoutLeaseMs: config.jobExpireSec * 1000 }),
    ...paymentRoutes(paymentDeps),
    ...prolongationRoutes({ ...paymentDeps, auth: authDeps }),
    ...historyRoutes({ db: deps.db, clock: deps.clock }),
    ...staffRoutes({ ...staffDeps, cookie: staffCookie }),
    ...deletionRoutes({ db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, jobs: deps.jobs }),
    ...retentionRoutes({ db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, blobs: deps.blobs }),
    ...catalogueRoutes({ db: deps.db, clock: deps.clock, random: deps.random, pricing: deps.pricing }),
    ...backofficeRoutes({ db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, jobs: deps.jobs, pricing: deps.pricing, blobs: deps.blobs, carRules: config.car.rules }),
    ...supportRoutes({ db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, jobs: deps.jobs }),
    ...loyaltyRoutes({ db: deps.db, clock: deps.clock, pricing: deps.pricing }),
    ...bonusRoutes({ db: deps.db, clock: deps.clock, random: deps.random, logger: deps.logger }),
    ...consentRoutes({ db: deps.db, clock: deps.clock, random: deps.random }),
    ...sessionRoutes({ ...authDeps, cookie }),
    ...dataExportRoutes({ db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, jobs: deps.jobs }),
    ...(devSms && deps.sandboxSms ? devRoutes({ sandboxSms: deps.sandboxSms, devClock: deps.devClock ?? null }) : []),
    ...emailRoutes({ db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, jobs: deps.jobs, publicUrl: config.publicUrl }),
    ...(devSms && deps.sandboxEmail ? devEmailRoutes({ sandboxEmail: deps.sandboxEmail }) : []),
  ];
  registerRoutes(app, routes, authenticate, readCache);
  routes.push(...(await registerVehiclePhotoUpload(app, vehicleDeps, authenticate)));
  routes.push(...(await registerSupportUploads(app, { db: deps.db, clock: deps.clock, random: deps.random, keys: deps.keys, jobs: deps.jobs }, authenticate)));
  registerSandboxPages(app, { payouts: deps.sandboxCardPage ?? null, acquiring: deps.sandboxAcquiring ?? null });
  registerAcquiringWebhook(app, paymentDeps);
  const openApi = buildOpenApi(routes, { title: 'CarCapital API', version: '0.1.0' }, { customer: cookie.name, staff: staffCookie.name });
  app.get('/api/docs', async () => openApi);
  if (deps.metrics) registerMetricsRoute(app, { metrics: deps.metrics, token: config.metricsToken });

  const webRoot = deps.webRoot;
  const hasWeb = webRoot !== undefined && existsSync(join(webRoot, 'index.html'));
  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: webRoot,
      // Looks files up per request (a rebuild needs no restart); a miss falls to the handler below.
      wildcard: true,
      index: ['index.html'],
      // `npm run build` writes .br and .gz next to each asset; the right one is sent per Accept-Encoding.
      preCompressed: true,
      setHeaders: (reply, path) => {
        // Hashed asset names never change content: cache them for a year. Everything else revalidates.
        reply.header('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const isPageRoute = !path.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(path);
    if (hasWeb && (request.method === 'GET' || request.method === 'HEAD') && isPageRoute) {
      // Client-side routes (/login, /cabinet, …) all load the app shell; a missing file is a 404.
      return reply.header('Cache-Control', 'no-cache').sendFile('index.html');
    }
    return reply.code(404).send(new AppError('not_found').toBody(request.id));
  });

  return app;
}

function toAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Отправьте данные в формате JSON.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('validation_failed', 'Пустой или повреждённый запрос.');
    default:
      break;
  }
  if (error.statusCode === 400 || error instanceof SyntaxError) {
    return new AppError('validation_failed', 'Некорректный JSON в запросе.');
  }
  if (error.statusCode === 404) return new AppError('not_found');
  if (error.statusCode === 405) return new AppError('not_found');
  if (error.statusCode === 503) return new AppError('service_unavailable');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new AppError('validation_failed');
  if (databaseUnavailable(error)) return new AppError('service_unavailable', undefined, { retryAfterSec: 5 });
  return new AppError('internal');
}

/**
 * The database is restarting or unreachable: the request can be repeated in a moment (503 with
 * Retry-After), and nothing was half-written — every change is one transaction.
 */
function databaseUnavailable(error: { code?: unknown; message?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  // 57P01–57P03: admin shutdown, crash shutdown, cannot connect now; 08xxx: connection exceptions.
  if (/^(57P0[1-3]|08\d{3}|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(code)) return true;
  const message = typeof error.message === 'string' ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(message);
}
