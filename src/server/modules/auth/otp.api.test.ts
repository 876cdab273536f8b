import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../core/clock';
import { dumpDatabase } from '../../testing/test-database';
import { lastCodeFor, nextPhone, useTestSystem } from '../../testing/test-system';
import * as auth from './auth.service';

const system = useTestSystem();

const sendCode = (phone: string, headers?: Record<string, string>) => system.post('/api/auth/otp', { phone }, headers);
const verify = (phone: string, code: string) => system.post('/api/auth/verify', { phone, code });
const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function sentMessages(phone?: string) {
  await system.jobs.drain();
  return system.sandboxSms!.list({ phone, limit: 1000 });
}

describe('sending a login code', () => {
  it('answers with the resend delay and lifetime, and the sandbox gets a 6-digit code', async () => {
    const phone = nextPhone();
    const response = await sendCode(phone);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ resendAfterSec: 60, expiresInSec: 300 });
    const messages = await sentMessages(phone);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toMatch(/\b\d{6}\b/);
  });

  it('accepts common spellings and normalises them', async () => {
    const response = await sendCode('8 (912) 000-11-22');
    expect(response.statusCode).toBe(200);
    expect(await sentMessages('+79120001122')).toHaveLength(1);
  });

  it.each(['+1 212 555 0100', '+7 495 123-45-67', '12345', '+7912345678'])(
    'refuses %s with phone_invalid and sends nothing',
    async (phone) => {
      const response = await sendCode(phone);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('phone_invalid');
      expect(response.json().error.fields.phone).toMatch(/мобильного/);
      expect(await sentMessages()).toHaveLength(0);
    },
  );

  it('refuses a missing phone or unknown fields with a Russian field message', async () => {
    const missing = await system.post('/api/auth/otp', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'validation_failed', fields: { phone: expect.any(String) } });
    const extra = await system.post('/api/auth/otp', { phone: nextPhone(), role: 'admin' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.fields.role).toBeDefined();
  });

  it('gives the same answer for a known and an unknown phone (no enumeration)', async () => {
    const known = nextPhone();
    await sendCode(known);
    expect((await verify(known, await lastCodeFor(system, known))).statusCode).toBe(200);
    system.clock.advance(2 * MINUTE_MS);

    const unknown = nextPhone();
    const a = await sendCode(known);
    const b = await sendCode(unknown);
    const strip = (r: typeof a) => {
      const { 'x-request-id': _id, date: _date, ...headers } = r.headers;
      return { status: r.statusCode, body: r.body, headers, cookies: r.cookies };
    };
    expect(strip(a)).toEqual(strip(b));
  });

  it('lets a code be resent only after 60 s, and the resend kills the previous code', async () => {
    const phone = nextPhone();
    await sendCode(phone);
    const first = await lastCodeFor(system, phone);

    system.clock.advance(59 * SECOND_MS);
    const early = await sendCode(phone);
    expect(early.statusCode).toBe(429);
    expect(early.json().error).toMatchObject({ code: 'too_many_requests', retryAfterSec: 1 });
    expect(early.headers['retry-after']).toBe('1');

    system.clock.advance(1 * SECOND_MS);
    expect((await sendCode(phone)).statusCode).toBe(200);
    const second = await lastCodeFor(system, phone);

    if (first !== second) expect((await verify(phone, first)).statusCode).toBe(401);
    expect((await verify(phone, second)).statusCode).toBe(200);
  });

  it('sends at most 5 codes an hour to one phone, and again once the hour has passed', async () => {
    const phone = nextPhone();
    for (let i = 0; i < 5; i += 1) {
      expect((await sendCode(phone)).statusCode).toBe(200);
      system.clock.advance(61 * SECOND_MS);
    }
    const limited = await sendCode(phone);
    expect(limited.statusCode).toBe(429);
    // The first send falls out of the window one hour after it was made.
    expect(limited.json().error.retryAfterSec).toBe(Math.ceil((HOUR_MS - 5 * 61 * SECOND_MS) / SECOND_MS));
    expect(await sentMessages(phone)).toHaveLength(5);
    system.clock.advance(HOUR_MS);
    expect((await sendCode(phone)).statusCode).toBe(200);
  });

  it('sends at most 20 codes an hour from one IP address, whatever X-Forwarded-For says', async () => {
    for (let i = 0; i < 20; i += 1) {
      const response = await sendCode(nextPhone(), { 'x-forwarded-for': `10.0.${i}.1` });
      expect(response.statusCode).toBe(200);
    }
    const limited = await sendCode(nextPhone(), { 'x-forwarded-for': '10.9.9.9' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('too_many_requests');
    expect(await sentMessages()).toHaveLength(20);
  });

  it('answers every limit with the same body apart from the retry time', async () => {
    const phone = nextPhone();
    await sendCode(phone);
    const cooldown = (await sendCode(phone)).json();
    for (let i = 0; i < 19; i += 1) await sendCode(nextPhone());
    const ipLimit = (await sendCode(nextPhone())).json();
    expect(Object.keys(cooldown.error)).toEqual(Object.keys(ipLimit.error));
    expect(cooldown.error.message).toBe(ipLimit.error.message);
  });
});

describe('checking a login code', () => {
  it('logs in with the right code within 5 minutes, and creates the account then', async () => {
    const phone = nextPhone();
    await sendCode(phone);
    const code = await lastCodeFor(system, phone);
    const before = await system.database.db.selectFrom('customers').select('id').where('phone', '=', phone).execute();
    expect(before).toHaveLength(0);

    system.clock.advance(5 * MINUTE_MS - SECOND_MS);
    const response = await verify(phone, code);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ phone, id: expect.any(String) });
    const after = await system.database.db.selectFrom('customers').select('id').where('phone', '=', phone).execute();
    expect(after).toHaveLength(1);
  });

  it('refuses the right code one second after it expired', async () => {
    const phone = nextPhone();
    await sendCode(phone);
    const code = await lastCodeFor(system, phone);
    system.clock.advance(5 * MINUTE_MS + SECOND_MS);
    const response = await verify(phone, code);
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('otp_invalid');
  });

  it('accepts a code only once', async () => {
    const phone = nextPhone();
    await sendCode(phone);
    const code = await lastCodeFor(system, phone);
    expect((await verify(phone, code)).statusCode).toBe(200);
    expect((await verify(phone, code)).statusCode).toBe(401);
  });

  it('kills the code after 5 wrong tries: the right code is refused after that', async () => {
    const phone = nextPhone();
    await sendCode(phone);
    const code = await lastCodeFor(system, phone);
    for (let i = 0; i < 5; i += 1) {
      const response = await verify(phone, wrongCode(code));
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('otp_invalid');
    }
    expect((await verify(phone, code)).statusCode).toBe(401);
  });

  it('lets the right code in after 4 wrong tries', async () => {
    const phone = nextPhone();
    await sendCode(phone);
    const code = await lastCodeFor(system, phone);
    for (let i = 0; i < 4; i += 1) await verify(phone, wrongCode(code));
    expect((await verify(phone, code)).statusCode).toBe(200);
  });

  it('evaluates at most 5 of 20 parallel guesses', async () => {
    const phone = nextPhone();
    await sendCode(phone);
    const code = await lastCodeFor(system, phone);
    const guesses = Array.from({ length: 20 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const responses = await Promise.all(guesses.map((guess) => verify(phone, guess)));
    expect(responses.every((r) => r.statusCode === 401)).toBe(true);
    const row = await system.database.db
      .selectFrom('otp_challenges')
      .select(['attempts', 'status'])
      .where('phone', '=', phone)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ attempts: 5, status: 'dead' });
    expect((await verify(phone, code)).statusCode).toBe(401);
  });

  it('binds a code to its purpose: a signing code does not log in; each purpose has its own live code', async () => {
    const phone = nextPhone();
    const deps = {
      db: system.database.db,
      clock: system.clock,
      random: (await import('../../random')).cryptoRandom,
      keys: (await import('../../crypto')).deriveKeys(system.config.appSecret!),
      jobs: system.jobs,
      config: system.config,
    };
    await auth.requestCode(deps, { phone, purpose: 'sign_contract', sessionId: null }, { ip: '127.0.0.1', userAgent: 't' });
    const signingCode = await lastCodeFor(system, phone);
    expect((await verify(phone, signingCode)).statusCode).toBe(401);

    system.clock.advance(61 * SECOND_MS);
    await sendCode(phone);
    const loginCode = await lastCodeFor(system, phone);
    const stillActive = await system.database.db
      .selectFrom('otp_challenges')
      .select(['purpose', 'status'])
      .where('phone', '=', phone)
      .orderBy('created_at')
      .execute();
    // The login code did not replace the signing one: each purpose has its own live code.
    expect(stillActive).toEqual([
      { purpose: 'sign_contract', status: 'active' },
      { purpose: 'login', status: 'active' },
    ]);
    expect((await verify(phone, loginCode)).statusCode).toBe(200);
  });

  it('cools a phone down for an hour after 3 dead codes', async () => {
    const phone = nextPhone();
    for (let round = 0; round < 3; round += 1) {
      expect((await sendCode(phone)).statusCode).toBe(200);
      const code = await lastCodeFor(system, phone);
      for (let i = 0; i < 5; i += 1) await verify(phone, wrongCode(code));
      system.clock.advance(61 * SECOND_MS);
    }
    const blocked = await sendCode(phone);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.retryAfterSec).toBeGreaterThan(55 * 60);
    system.clock.advance(HOUR_MS);
    expect((await sendCode(phone)).statusCode).toBe(200);
  });

  it('a 30-day attacker gets at most 100 guesses evaluated and never a session', async () => {
    const phone = nextPhone();
    let evaluated = 0;
    let sessions = 0;
    for (let hour = 0; hour < 30 * 24 && evaluated < 200; hour += 1) {
      const sent = await sendCode(phone);
      if (sent.statusCode === 200) {
        const code = await lastCodeFor(system, phone);
        for (let i = 0; i < 5; i += 1) {
          const response = await verify(phone, wrongCode(code));
          if (response.statusCode === 200) sessions += 1;
        }
      }
      system.clock.advance(HOUR_MS);
    }
    const challenges = await system.database.db
      .selectFrom('otp_challenges')
      .select((eb) => eb.fn.sum<number>('attempts').as('total'))
      .where('phone', '=', phone)
      .executeTakeFirstOrThrow();
    evaluated = Number(challenges.total);
    expect(sessions).toBe(0);
    expect(evaluated).toBeLessThanOrEqual(100);
    const state = await system.database.db.selectFrom('phone_auth_state').selectAll().where('phone', '=', phone).executeTakeFirstOrThrow();
    expect(state.locked_at).not.toBeNull();
  }, 120_000);
});

describe('secrets at rest and in logs (OTP-9)', () => {
  it('keeps no code and no full phone in the logs, and no code in the database in clear', async () => {
    const phone = nextPhone();
    await sendCode(phone);
    const code = await lastCodeFor(system, phone);
    await verify(phone, wrongCode(code));
    const ok = await verify(phone, code);
    expect(ok.statusCode).toBe(200);
    await system.get(`/api/dev/sms?phone=${encodeURIComponent(phone)}`);

    const logs = system.logs.join('\n');
    expect(logs).toContain('sms delivered');
    expect(logs).not.toContain(code);
    expect(logs).not.toContain(phone);
    expect(logs).not.toContain(phone.slice(1));
    expect(logs).toContain(`+7******${phone.slice(-4)}`);

    const dump = await dumpDatabase(system.database.db);
    expect(dump).toContain(phone); // the dump is real: it does hold the customer's phone
    expect(dump).not.toContain(code);
  });
});
