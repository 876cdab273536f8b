import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('config', () => {
  it('has defaults that run on PGlite with the sandbox SMS and nothing set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicUrl.origin).toBe('http://localhost:3000');
    expect(config.database).toEqual({ kind: 'pglite', dataDir: './data' });
    expect(config.sms.provider).toBe('sandbox');
    expect(config.devToolsEnabled).toBe(true);
    expect(config.otp).toMatchObject({ ttlSec: 300, resendSec: 60, maxAttempts: 5, sendsPerPhoneHour: 5, sendsPerIpHour: 20 });
    expect(config.session).toEqual({ idleMs: 15 * 60_000, absoluteMs: 12 * 3_600_000 });
    expect(config.secureCookies).toBe(false);
  });

  it('derives PUBLIC_URL from PORT and takes DATABASE_URL for PostgreSQL', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://u@db:5432/cc' });
    expect(config.publicUrl.origin).toBe('http://localhost:8080');
    expect(config.database).toMatchObject({ kind: 'postgres', url: 'postgres://u@db:5432/cc' });
  });

  it('reads the field-encryption keyring from PII_FIELD_KEYS and names each bad item', () => {
    const second = 'b'.repeat(32);
    const third = 'c'.repeat(40);
    expect(loadConfig({}).fieldSecrets).toEqual([]);
    expect(loadConfig({ PII_FIELD_KEYS: ` 3:${third}, 2:${second} ` }).fieldSecrets).toEqual([
      { id: 3, secret: third },
      { id: 2, secret: second },
    ]);
    const list = (value: string) => problems({ PII_FIELD_KEYS: value }).filter((p) => p.startsWith('PII_FIELD_KEYS'));
    expect(list(`1:${second}`)).toHaveLength(1);
    expect(list(`x:${second}`)).toHaveLength(1);
    expect(list(second)).toHaveLength(1);
    expect(list('2:short')[0]).toMatch(/32/);
    expect(list(`2:${second},2:${third}`)[0]).toMatch(/twice/);
  });

  it('uses secure cookies behind an https public URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://lk.carcapital.ru' }).secureCookies).toBe(true);
  });

  it('lists every problem at once, readably', () => {
    const list = problems({ PORT: 'abc', LOG_LEVEL: 'loud', OTP_TTL_SEC: '900', DATABASE_URL: 'mysql://x' });
    expect(list).toHaveLength(4);
    expect(list.join('\n')).toMatch(/PORT/);
    expect(list.join('\n')).toMatch(/LOG_LEVEL/);
    expect(list.join('\n')).toMatch(/OTP_TTL_SEC: must be at most 600/);
    expect(list.join('\n')).toMatch(/DATABASE_URL: must be a postgres/);
  });

  it('refuses production on PGlite or on the sandbox SMS provider', () => {
    const list = problems({ NODE_ENV: 'production' });
    expect(list.some((p) => p.startsWith('DATABASE_URL') && /PGlite/.test(p))).toBe(true);
    expect(list.some((p) => p.startsWith('SMS_PROVIDER'))).toBe(true);
    expect(list.some((p) => p.startsWith('APP_SECRET'))).toBe(true);
  });

  it('in production also refuses the sandbox passport check and bureaus (no real adapters yet)', () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@db/cc',
      SMS_PROVIDER: 'smsru',
      SMSRU_API_ID: 'key',
      EMAIL_PROVIDER: 'smtp',
      SMTP_HOST: 'smtp.example.ru',
      EMAIL_FROM: 'CarCapital <no-reply@example.ru>',
      APP_SECRET: 'x'.repeat(40),
      PUBLIC_URL: 'https://lk.example.ru',
    };
    const list = problems(env);
    expect(list.map((p) => p.split(':')[0])).toEqual(['PASSPORT_PROVIDER', 'BUREAU_PROVIDER', 'PAYOUT_PROVIDER', 'ACQUIRING_PROVIDER']);
    const realMoney = { PAYOUT_PROVIDER: 'yookassa', YOOKASSA_AGENT_ID: '1', YOOKASSA_SECRET_KEY: 's', ACQUIRING_PROVIDER: 'yookassa', YOOKASSA_SHOP_ID: '2', YOOKASSA_SHOP_SECRET_KEY: 't' };
    expect(problems({ ...env, ACQUIRING_PROVIDER: 'yookassa' }).some((p) => p.startsWith('YOOKASSA_SHOP_SECRET_KEY'))).toBe(true);
    expect(problems({ ...env, ...realMoney }).map((p) => p.split(':')[0])).toEqual([
      'PASSPORT_PROVIDER',
      'BUREAU_PROVIDER',
    ]);
    expect(problems({ ...env, NODE_ENV: 'development', CRASHPOINTS: 'x' })).toEqual([]);
    expect(problems({ ...env, CRASHPOINTS: 'scoring.before_commit' }).some((p) => p.startsWith('CRASHPOINTS'))).toBe(true);
  });

  it('outside production with a real SMS provider, the dev SMS page is off', () => {
    const config = loadConfig({ SMS_PROVIDER: 'smsru', SMSRU_API_ID: 'key' });
    expect(config.devToolsEnabled).toBe(false);
    expect(config.sms).toMatchObject({ provider: 'smsru', apiId: 'key' });
  });

  it('refuses the sandbox email provider in production and needs a host for SMTP', () => {
    expect(problems({ NODE_ENV: 'production' }).some((p) => p.startsWith('EMAIL_PROVIDER'))).toBe(true);
    expect(problems({ NODE_ENV: 'production' }).some((p) => p.startsWith('EMAIL_FROM'))).toBe(true);
    expect(problems({ EMAIL_FROM: 'no-reply' }).some((p) => p.startsWith('EMAIL_FROM'))).toBe(true);
    expect(problems({ NODE_ENV: 'production', EMAIL_PROVIDER: 'smtp', SMTP_HOST: 'smtp.example.ru' }).some((p) => p.startsWith('EMAIL_PROVIDER'))).toBe(false);
    expect(problems({ EMAIL_PROVIDER: 'smtp' }).some((p) => p.startsWith('SMTP_HOST'))).toBe(true);
    expect(problems({ EMAIL_PROVIDER: 'smtp', SMTP_HOST: 'h', SMTP_USER: 'u' }).some((p) => p.startsWith('SMTP_PASS'))).toBe(true);
  });

  it('reads the SMTP settings; the sandbox is the default', () => {
    const smtp = { EMAIL_PROVIDER: 'smtp', SMTP_HOST: 'smtp.example.ru', SMTP_PORT: '2525', SMTP_USER: 'u', SMTP_PASS: 'p', EMAIL_FROM: 'CarCapital <no-reply@example.ru>' };
    expect(loadConfig(smtp).email).toEqual({
      provider: 'smtp',
      from: 'CarCapital <no-reply@example.ru>',
      host: 'smtp.example.ru',
      port: 2525,
      secure: false,
      requireTls: false,
      auth: { user: 'u', pass: 'p' },
    });
    expect(loadConfig({ ...smtp, SMTP_SECURE: 'true' }).email).toMatchObject({ secure: true, requireTls: false });
    expect(loadConfig({}).email).toEqual({ provider: 'sandbox', from: 'CarCapital <no-reply@carcapital.localhost>' });
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('pglite');
  });

  it('reads the process role: all by default, web runs no workers, worker needs them in production', () => {
    expect(loadConfig({})).toMatchObject({ processRole: 'all', runWorkers: true });
    expect(loadConfig({ RUN_WORKERS: 'false' })).toMatchObject({ processRole: 'all', runWorkers: false });
    expect(loadConfig({ PROCESS_ROLE: 'web' })).toMatchObject({ processRole: 'web', runWorkers: false });
    expect(loadConfig({ PROCESS_ROLE: 'web', RUN_WORKERS: 'true' }).runWorkers).toBe(false);
    expect(loadConfig({ PROCESS_ROLE: 'worker' })).toMatchObject({ processRole: 'worker', runWorkers: true });
    expect(problems({ PROCESS_ROLE: 'both' }).some((p) => p.startsWith('PROCESS_ROLE'))).toBe(true);
    expect(problems({ NODE_ENV: 'production', PROCESS_ROLE: 'worker', RUN_WORKERS: 'false' }).some((p) => p.startsWith('RUN_WORKERS'))).toBe(true);
    expect(problems({ NODE_ENV: 'production', PROCESS_ROLE: 'worker' }).some((p) => p.startsWith('RUN_WORKERS'))).toBe(false);
    expect(describeConfig(loadConfig({ PROCESS_ROLE: 'worker' }))).toMatchObject({ role: 'worker', runWorkers: true, metrics: 'off' });
  });

  it('takes a metrics token of 24+ characters and never logs it', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(problems({ METRICS_TOKEN: 'short' }).some((p) => p.startsWith('METRICS_TOKEN: must be at least 24'))).toBe(true);
    const config = loadConfig({ METRICS_TOKEN: 'a'.repeat(24) });
    expect(config.metricsToken).toBe('a'.repeat(24));
    expect(describeConfig(config).metrics).toBe('token');
    expect(JSON.stringify(describeConfig(config))).not.toContain('a'.repeat(24));
  });

  it('waits 10 s for a graceful stop unless told otherwise (SECURITY.md REL-3)', () => {
    expect(loadConfig({}).shutdownTimeoutSec).toBe(10);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_SEC: '60' }).shutdownTimeoutSec).toBe(60);
    expect(problems({ SHUTDOWN_TIMEOUT_SEC: '0' }).some((p) => p.startsWith('SHUTDOWN_TIMEOUT_SEC'))).toBe(true);
  });
});
