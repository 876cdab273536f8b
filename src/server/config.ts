import { DEFAULT_CAR_RULES, type CarRules } from '../core/vehicle';
import { z } from 'zod';
import type { FieldSecret } from './crypto';

/**
 * The one reader of `process.env`. Parsed once at start; a wrong value stops the process with a
 * readable list of every problem, not just the first.
 */

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')
      .optional(),
    DATABASE_POOL_MAX: positiveInt.default(10),
    /** Named (prepared) statements on PostgreSQL; off behind a pooler in transaction mode that lacks them. */
    DATABASE_PREPARED_STATEMENTS: booleanFlag.default(true),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** 32+ random bytes (hex or base64); derives the OTP pepper and the field-encryption key. */
    APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /**
     * Field-encryption keyring for rotation: `id:secret` items, comma-separated, id 2–255, secret 32+
     * characters; the first seals new data, all (and APP_SECRET's key 1) open what they sealed.
     */
    PII_FIELD_KEYS: z
      .string()
      .default('')
      .transform((raw, ctx) => {
        const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
        const keys: FieldSecret[] = [];
        for (const item of items) {
          const colon = item.indexOf(':');
          const id = Number(item.slice(0, colon));
          const secret = item.slice(colon + 1);
          if (colon < 1 || !Number.isInteger(id) || id < 2 || id > 255) {
            ctx.addIssue({ code: 'custom', message: 'each item is id:secret with an id from 2 to 255 (1 is APP_SECRET\u2019s key)' });
          } else if (secret.length < 32) {
            ctx.addIssue({ code: 'custom', message: `key ${id}: the secret must be at least 32 characters` });
          } else if (keys.some((k) => k.id === id)) {
            ctx.addIssue({ code: 'custom', message: `key ${id} is listed twice` });
          } else keys.push({ id, secret });
        }
        return keys;
      }),
    /** Trust X-Forwarded-For only from these proxies (comma-separated IPs/CIDRs); empty = none. */
    TRUST_PROXY: z.string().default(''),
    SMS_PROVIDER: z.enum(['sandbox', 'smsru']).default('sandbox'),
    SMSRU_API_ID: z.string().min(1).optional(),
    SMSRU_BASE_URL: z.url().default('https://sms.ru'),
    SMSRU_FROM: z.string().min(1).optional(),
    /** Email: the sandbox mailbox (readable at /dev/email) or an SMTP relay. */
    EMAIL_PROVIDER: z.enum(['sandbox', 'smtp']).default('sandbox'),
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: port.default(587),
    /** true: TLS from the first byte (port 465); false: STARTTLS, which production then requires. */
    SMTP_SECURE: booleanFlag.default(false),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASS: z.string().min(1).optional(),
    EMAIL_FROM: z.string().regex(/@[^@\s>]+\.[^@\s>]+>?$/, 'must be an address: no-reply@example.ru or "CarCapital" <no-reply@example.ru>').optional(),
    OTP_TTL_SEC: positiveInt.max(600, 'must be at most 600 s (ASVS 6.5.5)').default(300),
    OTP_RESEND_SEC: positiveInt.default(60),
    OTP_MAX_ATTEMPTS: positiveInt.max(10).default(5),
    OTP_SENDS_PER_PHONE_HOUR: positiveInt.default(5),
    OTP_SENDS_PER_PHONE_DAY: positiveInt.default(10),
    OTP_SENDS_PER_IP_HOUR: positiveInt.default(20),
    OTP_SENDS_PER_PREFIX_HOUR: positiveInt.default(20),
    OTP_SENDS_GLOBAL_DAY: positiveInt.default(50_000),
    SESSION_IDLE_MIN: positiveInt.default(15),
    SESSION_ABSOLUTE_HOURS: positiveInt.default(12),
    STAFF_SESSION_IDLE_MIN: positiveInt.default(15),
    STAFF_SESSION_ABSOLUTE_HOURS: positiveInt.default(8),
    /** Passport check and credit bureaus: only sandboxes exist so far (production refuses them). */
    PASSPORT_PROVIDER: z.enum(['sandbox']).default('sandbox'),
    BUREAU_PROVIDER: z.enum(['sandbox']).default('sandbox'),
    /** Payouts: the sandbox, or YooKassa payouts (СБП; needs YOOKASSA_AGENT_ID and YOOKASSA_SECRET_KEY). */
    PAYOUT_PROVIDER: z.enum(['sandbox', 'yookassa']).default('sandbox'),
    YOOKASSA_AGENT_ID: z.string().min(1).optional(),
    YOOKASSA_SECRET_KEY: z.string().min(1).optional(),
    YOOKASSA_BASE_URL: z.url().default('https://api.yookassa.ru/v3'),
    /** Repayments: the sandbox acquirer, or YooKassa payments (needs YOOKASSA_SHOP_ID and YOOKASSA_SHOP_SECRET_KEY). */
    ACQUIRING_PROVIDER: z.enum(['sandbox', 'yookassa']).default('sandbox'),
    YOOKASSA_SHOP_ID: z.string().min(1).optional(),
    YOOKASSA_SHOP_SECRET_KEY: z.string().min(1).optional(),
    /** How long each sandbox provider takes to answer (like the real services). */
    SANDBOX_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(200),
    /** A provider that has not answered by then counts as failed (never as a pass). */
    PROVIDER_TIMEOUT_MS: positiveInt.max(60_000).default(5_000),
    /** How often the job queue looks for stuck jobs (a crashed worker's) to retry. */
    JOBS_MAINTENANCE_SEC: positiveInt.default(60),
    /** A scoring or payout job still running after this long (its process died) is retried. */
    JOB_EXPIRE_SEC: positiveInt.default(60),
    /** Test-only crash points (comma-separated names); refused in production. */
    CRASHPOINTS: z.string().default(''),
    /** JSON product catalogue and legal rule table replacing the built-in ones (checked at start). */
    CATALOGUE_FILE: z.string().min(1).optional(),
    LEGAL_RULES_FILE: z.string().min(1).optional(),
    /** false: no job workers in an `all` process (tests, tools); HTTP-only processes use PROCESS_ROLE=web. */
    RUN_WORKERS: booleanFlag.default(true),
    /**
     * What this process does: `all` (HTTP + job workers, `npm start`), `web` (HTTP only; enqueues
     * jobs, runs none) or `worker` (job workers + cron; listens on PORT for ops routes only).
     */
    PROCESS_ROLE: z.enum(['all', 'web', 'worker']).default('all'),
    /** Bearer token for GET /metrics; unset = /metrics answers 404 (nothing exposed). */
    METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
    /** Payments and applications by status are counted over whole tables: at most once per this many seconds per process. */
    METRICS_TABLE_COUNT_SEC: z.coerce.number().int().min(0).default(30),
    /**
     * Customers' sessions, loans and history pages held in memory, forgotten on the database's
     * change notifications (src/server/read-cache.ts). false: every read goes to the database.
     */
    READ_CACHE: booleanFlag.default(true),
    /** The longest an entry is held, whatever the notifications say. */
    READ_CACHE_TTL_SEC: positiveInt.max(3600).default(60),
    /** Memory the read cache may hold per process, MB (sessions ~1 KB, replies 1–30 KB each); the oldest go first. */
    READ_CACHE_MAX_MB: positiveInt.max(4_096).default(32),
    /** Loans secured by a car (core/vehicle/car-rules.ts): the share of the valuation lent, whole percent. */
    CAR_VALUATION_SHARE_PERCENT: positiveInt.max(100).default(DEFAULT_CAR_RULES.valuationSharePercent),
    /** The oldest a car may be when the loan ends, in model years. */
    CAR_MAX_AGE_YEARS: positiveInt.max(100).default(DEFAULT_CAR_RULES.maxAgeYearsAtMaturity),
    /** The earliest model year accepted; unset: only the age rule applies. */
    CAR_MIN_YEAR: positiveInt.min(1980).max(2200).optional(),
    /** The pledgee as the notice in the pledge registry names it (the lender's full name and ОГРН). */
    PLEDGEE_NAME: z.string().min(3).max(300).default('ООО МКК «КарКапитал»'),
    /** On SIGTERM: how long to wait for requests and running jobs before exiting anyway (code 1); SECURITY.md REL-3: 10 s. */
    SHUTDOWN_TIMEOUT_SEC: positiveInt.max(600).default(10),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      if (!env.DATABASE_URL)
        ctx.addIssue({
          code: 'custom',
          path: ['DATABASE_URL'],
          message: 'production needs PostgreSQL: embedded PGlite is for development and demos only',
        });
      if (env.SMS_PROVIDER === 'sandbox')
        ctx.addIssue({
          code: 'custom',
          path: ['SMS_PROVIDER'],
          message: 'production needs a real SMS provider, not the sandbox',
        });
      if (!env.APP_SECRET)
        ctx.addIssue({ code: 'custom', path: ['APP_SECRET'], message: 'required in production' });
      if (env.EMAIL_PROVIDER === 'sandbox')
        ctx.addIssue({ code: 'custom', path: ['EMAIL_PROVIDER'], message: 'production needs a real email provider (smtp), not the sandbox' });
      if (!env.EMAIL_FROM) ctx.addIssue({ code: 'custom', path: ['EMAIL_FROM'], message: 'required in production' });
      if (env.PASSPORT_PROVIDER === 'sandbox')
        ctx.addIssue({ code: 'custom', path: ['PASSPORT_PROVIDER'], message: 'production needs a real passport check, not the sandbox' });
      if (env.BUREAU_PROVIDER === 'sandbox')
        ctx.addIssue({ code: 'custom', path: ['BUREAU_PROVIDER'], message: 'production needs real credit bureaus, not the sandbox' });
      if (env.PAYOUT_PROVIDER === 'sandbox')
        ctx.addIssue({ code: 'custom', path: ['PAYOUT_PROVIDER'], message: 'production needs a real payout provider, not the sandbox' });
      if (env.ACQUIRING_PROVIDER === 'sandbox')
        ctx.addIssue({ code: 'custom', path: ['ACQUIRING_PROVIDER'], message: 'production needs a real acquirer, not the sandbox' });
      if (env.CRASHPOINTS)
        ctx.addIssue({ code: 'custom', path: ['CRASHPOINTS'], message: 'crash points are for tests only' });
      if (!env.PUBLIC_URL)
        ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'required in production' });
      // A worker that runs no workers would sit idle while jobs pile up.
      if (env.PROCESS_ROLE === 'worker' && !env.RUN_WORKERS)
        ctx.addIssue({ code: 'custom', path: ['RUN_WORKERS'], message: 'PROCESS_ROLE=worker runs the job workers; RUN_WORKERS=false contradicts it' });
    }
    if (env.ACQUIRING_PROVIDER === 'yookassa' && (!env.YOOKASSA_SHOP_ID || !env.YOOKASSA_SHOP_SECRET_KEY))
      ctx.addIssue({ code: 'custom', path: ['YOOKASSA_SHOP_SECRET_KEY'], message: 'YOOKASSA_SHOP_ID and YOOKASSA_SHOP_SECRET_KEY are required when ACQUIRING_PROVIDER=yookassa' });
    if (env.PAYOUT_PROVIDER === 'yookassa' && (!env.YOOKASSA_AGENT_ID || !env.YOOKASSA_SECRET_KEY))
      ctx.addIssue({ code: 'custom', path: ['YOOKASSA_SECRET_KEY'], message: 'YOOKASSA_AGENT_ID and YOOKASSA_SECRET_KEY are required when PAYOUT_PROVIDER=yookassa' });
    if (env.SMS_PROVIDER === 'smsru' && !env.SMSRU_API_ID)
      ctx.addIssue({ code: 'custom', path: ['SMSRU_API_ID'], message: 'required when SMS_PROVIDER=smsru' });
    if (env.EMAIL_PROVIDER === 'smtp' && !env.SMTP_HOST)
      ctx.addIssue({ code: 'custom', path: ['SMTP_HOST'], message: 'required when EMAIL_PROVIDER=smtp' });
    if (Boolean(env.SMTP_USER) !== Boolean(env.SMTP_PASS))
      ctx.addIssue({ code: 'custom', path: ['SMTP_PASS'], message: 'SMTP_USER and SMTP_PASS go together' });
  });

/** Outside production only: production names its own sender (EMAIL_FROM). */
const DEV_EMAIL_FROM = 'CarCapital <no-reply@carcapital.localhost>';

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: URL;
  /** `https:` public URL → Secure, `__Host-` cookies and HSTS matter to the browser. */
  secureCookies: boolean;
  dataDir: string;
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; poolMax: number; preparedStatements: boolean };
  logLevel: string;
  appSecret: string | undefined;
  /** Field-encryption keys beyond APP_SECRET's (rotation); the first seals. */
  fieldSecrets: FieldSecret[];
  trustProxy: string[];
  sms:
    | { provider: 'sandbox' }
    | { provider: 'smsru'; apiId: string; baseUrl: string; from: string | undefined };
  email:
    | { provider: 'sandbox'; from: string }
    | {
        provider: 'smtp';
        from: string;
        host: string;
        port: number;
        secure: boolean;
        /** Refuse to send over a connection STARTTLS did not upgrade (on in production). */
        requireTls: boolean;
        auth: { user: string; pass: string } | undefined;
      };
  otp: {
    ttlSec: number;
    resendSec: number;
    maxAttempts: number;
    sendsPerPhoneHour: number;
    sendsPerPhoneDay: number;
    sendsPerIpHour: number;
    sendsPerPrefixHour: number;
    sendsGlobalDay: number;
  };
  session: { idleMs: number; absoluteMs: number };
  /** Staff: 15 min idle, 8 h absolute (SECURITY.md SES-4, operators). */
  staffSession: { idleMs: number; absoluteMs: number };
  pricing: { catalogueFile: string | undefined; legalRulesFile: string | undefined };
  providers: { passport: 'sandbox'; bureau: 'sandbox'; sandboxLatencyMs: number; timeoutMs: number };
  payouts: { provider: 'sandbox' } | { provider: 'yookassa'; agentId: string; secretKey: string; baseUrl: string };
  acquiring: { provider: 'sandbox' } | { provider: 'yookassa'; shopId: string; secretKey: string; baseUrl: string };
  jobsMaintenanceSec: number;
  jobExpireSec: number;
  crashpoints: string[];
  /** all: HTTP + workers; web: HTTP only; worker: workers + cron, HTTP for ops routes only. */
  processRole: 'all' | 'web' | 'worker';
  /** Job workers poll in this process: never for `web`; RUN_WORKERS=false turns them off (tests). */
  runWorkers: boolean;
  /** GET /metrics is served only with this bearer token; undefined = 404. */
  metricsToken: string | undefined;
  metricsTableCountMs: number;
  /** null: no read cache. */
  readCache: { ttlMs: number; maxBytes: number } | null;
  /** What cars are accepted as a pledge and how much of the valuation is lent. */
  car: { rules: CarRules; pledgee: string };
  shutdownTimeoutSec: number;
  /** Dev-only tools (the sandbox SMS page) are on outside production with the sandbox provider. */
  devToolsEnabled: boolean;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set", as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
  }
  const env = parsed.data;
  const publicUrl = new URL(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`);
  return Object.freeze({
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    publicUrl,
    secureCookies: publicUrl.protocol === 'https:',
    dataDir: env.DATA_DIR,
    database: env.DATABASE_URL
      ? { kind: 'postgres' as const, url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, preparedStatements: env.DATABASE_PREPARED_STATEMENTS }
      : { kind: 'pglite' as const, dataDir: env.DATA_DIR },
    logLevel: env.LOG_LEVEL,
    appSecret: env.APP_SECRET,
    fieldSecrets: env.PII_FIELD_KEYS,
    trustProxy: env.TRUST_PROXY.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    sms:
      env.SMS_PROVIDER === 'smsru'
        ? { provider: 'smsru' as const, apiId: env.SMSRU_API_ID ?? '', baseUrl: env.SMSRU_BASE_URL, from: env.SMSRU_FROM }
        : { provider: 'sandbox' as const },
    email:
      env.EMAIL_PROVIDER === 'smtp'
        ? {
            provider: 'smtp' as const,
            from: env.EMAIL_FROM ?? DEV_EMAIL_FROM,
            host: env.SMTP_HOST ?? '',
            port: env.SMTP_PORT,
            secure: env.SMTP_SECURE,
            requireTls: env.NODE_ENV === 'production' && !env.SMTP_SECURE,
            auth: env.SMTP_USER && env.SMTP_PASS ? { user: env.SMTP_USER, pass: env.SMTP_PASS } : undefined,
          }
        : { provider: 'sandbox' as const, from: env.EMAIL_FROM ?? DEV_EMAIL_FROM },
    otp: {
      ttlSec: env.OTP_TTL_SEC,
      resendSec: env.OTP_RESEND_SEC,
      maxAttempts: env.OTP_MAX_ATTEMPTS,
      sendsPerPhoneHour: env.OTP_SENDS_PER_PHONE_HOUR,
      sendsPerPhoneDay: env.OTP_SENDS_PER_PHONE_DAY,
      sendsPerIpHour: env.OTP_SENDS_PER_IP_HOUR,
      sendsPerPrefixHour: env.OTP_SENDS_PER_PREFIX_HOUR,
      sendsGlobalDay: env.OTP_SENDS_GLOBAL_DAY,
    },
    session: { idleMs: env.SESSION_IDLE_MIN * 60_000, absoluteMs: env.SESSION_ABSOLUTE_HOURS * 3_600_000 },
    staffSession: { idleMs: env.STAFF_SESSION_IDLE_MIN * 60_000, absoluteMs: env.STAFF_SESSION_ABSOLUTE_HOURS * 3_600_000 },
    pricing: { catalogueFile: env.CATALOGUE_FILE, legalRulesFile: env.LEGAL_RULES_FILE },
    providers: {
      passport: env.PASSPORT_PROVIDER,
      bureau: env.BUREAU_PROVIDER,
      sandboxLatencyMs: env.SANDBOX_LATENCY_MS,
      timeoutMs: env.PROVIDER_TIMEOUT_MS,
    },
    payouts:
      env.PAYOUT_PROVIDER === 'yookassa'
        ? { provider: 'yookassa' as const, agentId: env.YOOKASSA_AGENT_ID ?? '', secretKey: env.YOOKASSA_SECRET_KEY ?? '', baseUrl: env.YOOKASSA_BASE_URL }
        : { provider: 'sandbox' as const },
    acquiring:
      env.ACQUIRING_PROVIDER === 'yookassa'
        ? { provider: 'yookassa' as const, shopId: env.YOOKASSA_SHOP_ID ?? '', secretKey: env.YOOKASSA_SHOP_SECRET_KEY ?? '', baseUrl: env.YOOKASSA_BASE_URL }
        : { provider: 'sandbox' as const },
    jobsMaintenanceSec: env.JOBS_MAINTENANCE_SEC,
    jobExpireSec: env.JOB_EXPIRE_SEC,
    crashpoints: env.CRASHPOINTS.split(',').map((s) => s.trim()).filter(Boolean),
    processRole: env.PROCESS_ROLE,
    runWorkers: env.PROCESS_ROLE !== 'web' && env.RUN_WORKERS,
    metricsToken: env.METRICS_TOKEN,
    metricsTableCountMs: env.METRICS_TABLE_COUNT_SEC * 1000,
    readCache: env.READ_CACHE ? { ttlMs: env.READ_CACHE_TTL_SEC * 1000, maxBytes: env.READ_CACHE_MAX_MB * 1024 * 1024 } : null,
    shutdownTimeoutSec: env.SHUTDOWN_TIMEOUT_SEC,
    car: {
      rules: {
        ...DEFAULT_CAR_RULES,
        valuationSharePercent: env.CAR_VALUATION_SHARE_PERCENT,
        maxAgeYearsAtMaturity: env.CAR_MAX_AGE_YEARS,
        ...(env.CAR_MIN_YEAR === undefined ? {} : { minYear: env.CAR_MIN_YEAR }),
      },
      pledgee: env.PLEDGEE_NAME,
    },
    devToolsEnabled: env.NODE_ENV !== 'production' && env.SMS_PROVIDER === 'sandbox',
  });
}

/** What is safe to log about the configuration: no secrets, no connection passwords. */
export function describeConfig(config: Config): Record<string, unknown> {
  return {
    env: config.env,
    port: config.port,
    publicUrl: config.publicUrl.origin,
    database: config.database.kind,
    sms: config.sms.provider,
    email: config.email.provider,
    role: config.processRole,
    runWorkers: config.runWorkers,
    metrics: config.metricsToken ? 'token' : 'off',
    devTools: config.devToolsEnabled,
  };
}
