import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createFileBlobStore, type BlobStore } from './storage/blob-store';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createOffsetClock, systemClock, type Clock } from '../core/clock';
import { buildApp, DEFAULT_WEB_ROOT, type AppDeps } from './app';
import type { Config } from './config';
import { deriveKeys, randomToken } from './crypto';
import { openPGlite, openPostgres, type Database } from './db/database';
import { startReadCache, type RunningReadCache } from './read-cache';
import { migrate } from './db/migrate';
import { createJobQueue, type JobQueue } from './jobs/queue';
import { buildOpsApp } from './modules/health/ops-app';
import { createMetrics, type Metrics } from './modules/metrics/metrics.service';
import { createLogger } from './logging';
import { createSmsDeliveryHandler, SMS_QUEUE } from './modules/notifications/sms-outbox';
import { createEmailDeliveryHandler, EMAIL_QUEUE } from './modules/notifications/email-outbox';
import { createQuestionnaireEmailHandler } from './modules/email/email.jobs';
import { QUESTIONNAIRE_EMAIL_QUEUE } from './modules/email/email.service';
import type { EmailProvider } from './providers/email/port';
import { createSandboxEmailProvider, type SandboxEmailProvider } from './providers/email/sandbox';
import { createSmtpEmailProvider } from './providers/email/smtp';
import { loadPricing } from './modules/pricing/pricing.service';
import { createCatalogueSync, type CatalogueSync } from './modules/catalogue/catalogue.sync';
import type { SmsProvider } from './providers/sms/port';
import { createSandboxSmsProvider, type SandboxSmsProvider } from './providers/sms/sandbox';
import { createSmsRuProvider } from './providers/sms/smsru';
import { cryptoRandom, type Random } from './random';
import { SCORING_QUEUE } from './modules/applications/applications.service';
import { createScoringHandler, SCORING_RETRY_LIMIT } from './modules/scoring/scoring.job';
import { createSandboxBureau } from './providers/bureau/sandbox';
import type { BureauProvider } from './providers/bureau/port';
import type { PassportCheckProvider } from './providers/passport/port';
import { createSandboxPassportCheck } from './providers/passport/sandbox';
import { createSandboxControl, type SandboxControl } from './providers/sandbox-control';
import { createSandboxPayouts, type SandboxPayouts } from './providers/payouts/sandbox';
import type { PayoutProvider } from './providers/payouts/port';
import { createYooKassaPayouts } from './providers/payouts/yookassa';
import { readQuestionnaire } from './modules/applications/applications.service';
import { sbpNameOf } from './modules/contracts/signing.service';
import { createHmac } from 'node:crypto';
import { accrueAll, ACCRUAL_QUEUE } from './modules/servicing/servicing.service';
import { REMINDER_QUEUE, sendReminders } from './modules/servicing/reminders';
import { createRetentionHandler, RETENTION_QUEUE } from './modules/deletion/retention.service';
import { reconcilePayments, RECONCILE_QUEUE } from './modules/payments/payments.service';
import { EXPIRY_QUEUE as BONUS_EXPIRY_QUEUE, expirePoints } from './modules/bonus/bonus.service';
import { createSandboxAcquiring, SANDBOX_NOTIFY_QUEUE, type SandboxAcquiring } from './providers/acquiring/sandbox';
import type { AcquiringProvider } from './providers/acquiring/port';
import { createYooKassaAcquiring } from './providers/acquiring/yookassa';
import { createSandboxPledgeRegistry, createSandboxVehicleChecks, type SandboxPledgeRegistry } from './providers/vehicle/sandbox';
import { advancePledge, createPledgeHandler, PLEDGE_QUEUE, PLEDGE_SWEEP_QUEUE, sweepPledges } from './modules/pledges/pledges.service';
import { createDisburseHandler, DISBURSE_QUEUE, PAYOUT_RETRY_LIMIT, releaseDueLoans, RELEASE_QUEUE } from './modules/loans/loans.service';

/**
 * Wires one process: database → migrations → providers → job queue → HTTP app. main.ts and the
 * tests build the system the same way; tests pass their own database, clock and logger.
 */

export type System = {
  app: FastifyInstance;
  /** Latency and failure switches of the sandbox passport check and bureaus. */
  sandboxProviders: SandboxControl;
  /** The sandbox payout provider and its own switches. */
  sandboxPayouts: SandboxPayouts & { control: SandboxControl };
  /** The sandbox acquirer (repayments) and its switches. */
  sandboxAcquiring: SandboxAcquiring;
  /** The sandbox vehicle checks and pledge registry, with their switches. */
  sandboxVehicles: { registry: SandboxPledgeRegistry; control: SandboxControl };
  /** Files kept outside the rows (DATA_DIR/blobs): the photos of pledged cars. */
  blobs: BlobStore;
  /** The pledge jobs, callable directly (tests, operators). */
  pledges: { advance: (loanId: string) => Promise<void>; sweep: () => Promise<number> };
  /** The periodic money jobs, callable directly (tests, operators). */
  money: { accrueAll: () => Promise<number>; reconcilePayments: (options?: { olderThanMs?: number }) => Promise<number>; sendReminders: () => Promise<number> };
  database: Database;
  jobs: JobQueue;
  /** The catalogue staff saved: installed at start, looked for every 15 s (tests call refreshIfDue). */
  catalogue: CatalogueSync;
  clock: Clock;
  sandboxSms: SandboxSmsProvider | null;
  /** The sandbox email provider when it is the one in use (tests read and break it). */
  sandboxEmail: SandboxEmailProvider | null;
  logger: Logger;
  /** Counters, histograms and scrape-time gauges behind GET /metrics. */
  metrics: Metrics;
  /** Customers' sessions and reads in memory (READ_CACHE; never in a worker, which serves none). */
  readCache: RunningReadCache | null;
  close: () => Promise<void>;
};

export type SystemOverrides = {
  database?: Database;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  sms?: SmsProvider;
  email?: EmailProvider;
  webRoot?: string | undefined;
  /** Close the database on `close()` (default: only when the system opened it). */
  ownsDatabase?: boolean;
};

export async function openDatabase(config: Config): Promise<Database> {
  if (config.database.kind === 'postgres') return openPostgres(config.database.url, { max: config.database.poolMax, preparedStatements: config.database.preparedStatements });
  mkdirSync(config.database.dataDir, { recursive: true });
  return openPGlite(join(config.database.dataDir, 'pglite'));
}

/** Outside production a missing APP_SECRET is generated once and kept in DATA_DIR. */
export function resolveAppSecret(config: Config): string {
  if (config.appSecret) return config.appSecret;
  if (config.env === 'production') throw new Error('APP_SECRET is required in production');
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'dev-app-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomToken(32);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export async function startSystem(config: Config, overrides: SystemOverrides = {}): Promise<System> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  // Outside production, with the dev tools on, time can be moved forward (POST /api/dev/clock).
  const devClock = !overrides.clock && config.devToolsEnabled ? createOffsetClock(systemClock) : null;
  const clock = overrides.clock ?? devClock ?? systemClock;
  const random = overrides.random ?? cryptoRandom;
  // Pricing first: a catalogue that breaks the law stops the start before anything is opened.
  const pricing = loadPricing({ ...config.pricing, clock });
  const database = overrides.database ?? (await openDatabase(config));
  const ownsDatabase = overrides.ownsDatabase ?? !overrides.database;
  await migrate(database);
  // The latest catalogue version staff saved replaces the file's, checked against the law like it.
  const catalogue = createCatalogueSync({ db: database.db, clock, logger, pricing });
  await catalogue.load();

  const keys = deriveKeys(resolveAppSecret(config), config.fieldSecrets);
  // Photos of pledged cars (issue 10). Not encrypted by the store yet: DATA_DIR must be on encrypted
  // storage (PD-1, see blob-store.ts); a blob key with its own rotation is a decision still to take.
  const blobs = createFileBlobStore(join(config.dataDir, 'blobs'));
  let sandboxSms: SandboxSmsProvider | null = null;
  let sms: SmsProvider;
  if (overrides.sms) {
    sms = overrides.sms;
  } else if (config.sms.provider === 'smsru') {
    sms = createSmsRuProvider({ apiId: config.sms.apiId, baseUrl: config.sms.baseUrl, ...(config.sms.from ? { from: config.sms.from } : {}) });
  } else {
    sandboxSms = createSandboxSmsProvider({ db: database.db, clock, keys, random });
    sms = sandboxSms;
  }
  const metrics = createMetrics({ db: database.db, role: config.processRole, tableCountTtlMs: config.metricsTableCountMs });
  sms = metrics.countSms(sms);
  const readCache =
    config.readCache && config.processRole !== 'worker'
      ? await startReadCache(database, {
          clock,
          ...config.readCache,
          counters: { hit: () => metrics.readCacheRead('hit'), miss: () => metrics.readCacheRead('miss'), bypass: () => metrics.readCacheRead('bypass') },
          onState: (live) => (live ? logger.info('read cache: listening for changes') : logger.warn('read cache: change listener lost; reads go to the database until it is back')),
        })
      : null;
  let sandboxEmail: SandboxEmailProvider | null = null;
  let email: EmailProvider;
  if (overrides.email) email = overrides.email;
  else if (config.email.provider === 'smtp') email = createSmtpEmailProvider(config.email);
  else email = sandboxEmail = createSandboxEmailProvider({ db: database.db, clock, keys, random });

  const sandboxProviders = createSandboxControl(config.providers.sandboxLatencyMs);
  const passportCheck: PassportCheckProvider = createSandboxPassportCheck(sandboxProviders);
  // The four qualified bureaus: all are asked about a self-ban; the first gives the credit report.
  const bureaus: BureauProvider[] = ['nbki', 'okb', 'scoring-bureau', 'kbrs'].map((name) => createSandboxBureau(`${name}-sandbox`, sandboxProviders));

  // Loans secured by a car: the pledge registry, ГИБДД and valuation lookups, and the notary filings.
  // Sandboxes only (providers/vehicle/port.ts: no real adapter yet); the registry keeps its notices
  // in the database, so what a worker files shows in every process's pledge lookup.
  const vehicleControl = createSandboxControl(config.providers.sandboxLatencyMs);
  const pledgeRegistry = createSandboxPledgeRegistry({ db: database.db, clock, random, control: vehicleControl });
  const vehicleChecks = createSandboxVehicleChecks({ clock, control: vehicleControl, registry: pledgeRegistry });

  const payoutControl = createSandboxControl(config.providers.sandboxLatencyMs);
  const sandboxPayouts = Object.assign(
    createSandboxPayouts({
      db: database.db,
      clock,
      control: payoutControl,
      // The sandbox "banks" know the borrower by the name in their latest application.
      holderOf: async (phone) => {
        const row = await database.db
          .selectFrom('applications')
          .innerJoin('customers', 'customers.id', 'applications.customer_id')
          .selectAll('applications')
          .where('customers.phone', '=', phone)
          .orderBy('applications.created_at', 'desc')
          .executeTakeFirst();
        if (!row) return null;
        const q = readQuestionnaire(keys, row);
        return q.lastName && q.firstName ? sbpNameOf({ lastName: q.lastName, firstName: q.firstName, middleName: q.middleName }) : null;
      },
      publicUrl: config.publicUrl,
    }),
    { control: payoutControl },
  );
  // YooKassa pays by СБП; the sandbox stays available for its switches in tests and demos.
  const payouts: PayoutProvider =
    config.payouts.provider === 'yookassa'
      ? createYooKassaPayouts({ agentId: config.payouts.agentId, secretKey: config.payouts.secretKey, baseUrl: config.payouts.baseUrl })
      : sandboxPayouts;
  const crashpoint = (name: string) => {
    if (config.crashpoints.includes(name)) {
      logger.warn({ crashpoint: name }, 'crash point reached: killing the process (test only)');
      process.kill(process.pid, 'SIGKILL');
    }
  };

  const jobs = createJobQueue(database, logger, {
    maintenanceIntervalSec: config.jobsMaintenanceSec,
    // HTTP-only processes enqueue; the workers run maintenance and cron.
    supervise: config.processRole !== 'web',
    onSettled: (event) => metrics.jobSettled(event),
  });
  jobs.define({
    name: SMS_QUEUE,
    handler: createSmsDeliveryHandler({ db: database.db, clock, keys, sms, logger }),
    retryLimit: 5,
    retryDelaySec: 5,
    pollingIntervalSec: 0.5,
    // A login code held by a killed worker is retried by another within a minute, not pg-boss's
    // default 15 (a send is bounded by the provider timeout, far below this).
    expireInSeconds: config.jobExpireSec,
  });
  // Mail relays greylist for minutes: more and longer retries than SMS.
  jobs.define({ name: EMAIL_QUEUE, handler: createEmailDeliveryHandler({ db: database.db, clock, keys, email, logger }), retryLimit: 8, retryDelaySec: 30, pollingIntervalSec: 1 });
  const emailDeps = { db: database.db, clock, random, keys, jobs, publicUrl: config.publicUrl };
  jobs.define({ name: QUESTIONNAIRE_EMAIL_QUEUE, handler: createQuestionnaireEmailHandler({ ...emailDeps, logger }), retryLimit: 3, retryDelaySec: 5, pollingIntervalSec: 1 });
  const pricingDeps = { db: database.db, clock, random, keys, jobs, pricing };
  jobs.define({
    name: SCORING_QUEUE,
    handler: createScoringHandler({
      ...pricingDeps,
      logger,
      passportCheck,
      bureaus,
      vehicleChecks,
      carRules: config.car.rules,
      providerTimeoutMs: config.providers.timeoutMs,
      crashpoint,
    }),
    retryLimit: SCORING_RETRY_LIMIT,
    retryDelaySec: 1,
    pollingIntervalSec: 0.5,
    expireInSeconds: config.jobExpireSec,
  });
  const loanDeps = { db: database.db, clock, random, keys, jobs, logger, payouts, crashpoint, payoutLeaseMs: config.jobExpireSec * 1000 };
  jobs.define({
    name: DISBURSE_QUEUE,
    handler: createDisburseHandler(loanDeps),
    retryLimit: PAYOUT_RETRY_LIMIT,
    retryDelaySec: 2,
    pollingIntervalSec: 0.5,
    expireInSeconds: config.jobExpireSec,
  });
  jobs.define({ name: RELEASE_QUEUE, handler: async () => void (await releaseDueLoans(loanDeps)), cron: '* * * * *', retryLimit: 1 });
  const pledgeDeps = {
    db: database.db,
    clock,
    random,
    keys,
    jobs,
    logger,
    registry: pledgeRegistry,
    pledgee: config.car.pledgee,
    providerTimeoutMs: config.providers.timeoutMs,
    leaseMs: config.jobExpireSec * 1000,
  };
  jobs.define({ name: PLEDGE_QUEUE, handler: createPledgeHandler(pledgeDeps), retryLimit: 5, retryDelaySec: 5, pollingIntervalSec: 0.5, expireInSeconds: config.jobExpireSec });
  jobs.define({ name: PLEDGE_SWEEP_QUEUE, handler: async () => void (await sweepPledges(pledgeDeps)), cron: '* * * * *', retryLimit: 1 });
  const servicingDeps = { db: database.db, clock, random, logger };
  // Hourly, so a missed run (a restart at midnight) is caught up the same morning; idempotent per day.
  jobs.define({ name: ACCRUAL_QUEUE, handler: async () => void (await accrueAll(servicingDeps)), cron: '5 * * * *', retryLimit: 3 });
  jobs.define({ name: BONUS_EXPIRY_QUEUE, handler: async () => void (await expirePoints(servicingDeps)), cron: '25 * * * *', retryLimit: 1 });

  const sandboxAcquiring = createSandboxAcquiring({
    db: database.db,
    clock,
    jobs,
    control: createSandboxControl(config.providers.sandboxLatencyMs),
    secret: createHmac('sha256', keys.lookupKey).update('sandbox-acquiring-notifications').digest(),
    publicUrl: config.publicUrl,
  });
  const acquiring: AcquiringProvider =
    config.acquiring.provider === 'yookassa'
      ? createYooKassaAcquiring({ shopId: config.acquiring.shopId, secretKey: config.acquiring.secretKey, baseUrl: config.acquiring.baseUrl })
      : sandboxAcquiring;
  const paymentDeps = { db: database.db, clock, random, keys, jobs, logger, acquiring, publicUrl: config.publicUrl, crashpoint };
  const reminderDeps = { db: database.db, clock, random, keys, jobs, logger, publicUrl: config.publicUrl };
  jobs.define({ name: REMINDER_QUEUE, handler: async () => void (await sendReminders(reminderDeps)), cron: '15 * * * *', retryLimit: 1 });
  jobs.define({ name: RECONCILE_QUEUE, handler: async () => void (await reconcilePayments(paymentDeps)), cron: '*/10 * * * *', retryLimit: 1 });
  // Deleted accounts (PD-7, PD-8): destruction due a day after the confirmation, purge at the end of the hold.
  jobs.define({ name: RETENTION_QUEUE, handler: createRetentionHandler({ db: database.db, clock, random, keys, blobs, logger }), cron: '35 * * * *', retryLimit: 3 });
  jobs.define({ name: SANDBOX_NOTIFY_QUEUE, handler: (data) => sandboxAcquiring.deliver(data), retryLimit: 10, retryDelaySec: 2, pollingIntervalSec: 0.5, expireInSeconds: config.jobExpireSec });
  await jobs.start({ runWorkers: config.runWorkers });

  const appDeps: AppDeps = {
    config,
    db: database.db,
    clock,
    random,
    keys,
    logger,
    jobs,
    pricing,
    sandboxSms,
    sandboxEmail,
    payouts,
    sandboxCardPage: payouts === sandboxPayouts ? sandboxPayouts : null,
    devClock,
    acquiring,
    sandboxAcquiring: acquiring === sandboxAcquiring ? sandboxAcquiring : null,
    crashpoint,
    webRoot: 'webRoot' in overrides ? overrides.webRoot : DEFAULT_WEB_ROOT,
    metrics,
    readCache: readCache?.cache ?? null,
    blobs,
  };
  // A worker listens for the probes and /metrics only; `all` and `web` serve the whole app.
  const app =
    config.processRole === 'worker'
      ? await buildOpsApp({ config, db: database.db, logger, random, metrics })
      : await buildApp(appDeps);
  await app.ready();
  // The sandbox acquirer's notifications reach the webhook through the whole HTTP stack, as a real
  // one's; a worker, which has no webhook route, builds the full app for that alone (never listened).
  const webhookApp =
    config.processRole === 'worker' && acquiring === sandboxAcquiring ? await buildApp({ ...appDeps, webRoot: undefined, metrics: null }) : app;
  if (webhookApp !== app) await webhookApp.ready();
  catalogue.start();
  sandboxAcquiring.setDelivery(
    async (request) => (await webhookApp.inject({ method: 'POST', url: request.url, headers: request.headers, payload: request.body })).statusCode,
  );

  return {
    app,
    sandboxProviders,
    sandboxPayouts,
    sandboxAcquiring,
    sandboxVehicles: { registry: pledgeRegistry, control: vehicleControl },
    blobs,
    pledges: { advance: (loanId) => advancePledge(pledgeDeps, loanId), sweep: () => sweepPledges(pledgeDeps) },
    money: {
      accrueAll: () => accrueAll(servicingDeps),
      reconcilePayments: (options) => reconcilePayments(paymentDeps, options),
      sendReminders: () => sendReminders(reminderDeps),
    },
    database,
    jobs,
    catalogue,
    clock,
    sandboxSms,
    sandboxEmail,
    logger,
    metrics,
    readCache,
    /**
     * Graceful stop, at once on both sides: HTTP stops accepting and finishes the requests in flight
     * (new ones on open connections get 503), and the job loops take no new job and finish the ones
     * running. Then the queue stops, then the database closes.
     */
    close: async () => {
      await catalogue.stop();
      await Promise.all([app.close(), jobs.stopWorkers()]);
      if (webhookApp !== app) await webhookApp.close();
      await jobs.stop();
      await readCache?.close();
      metrics.stop();
      if (ownsDatabase) await database.close();
    },
  };
}
