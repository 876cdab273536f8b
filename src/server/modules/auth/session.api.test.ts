import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../core/clock';
import { sha256 } from '../../crypto';
import { dropTestDatabases } from '../../testing/test-database';
import { createTestSystem, lastCodeFor, login, nextPhone, sessionCookieFrom, type TestSystem } from '../../testing/test-system';

let system: TestSystem;
afterAll(dropTestDatabases);

const me = (cookie?: string) => system.get('/api/me', cookie ? { cookie } : {});

describe('sessions', () => {
  beforeEach(async () => {
    system = await createTestSystem();
  });
  afterEach(async () => {
    await system.close();
  });

  it('/api/me answers 401 without a session and the customer with one', async () => {
    const anonymous = await me();
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthorized');

    const phone = nextPhone();
    const cookie = await login(system, phone);
    const response = await me(cookie);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: expect.any(String), phone, createdAt: expect.any(String) });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('sets an HttpOnly, SameSite=Lax, host-only cookie with no lifetime beyond the session', async () => {
    const phone = nextPhone();
    await system.post('/api/auth/otp', { phone });
    const response = await system.post('/api/auth/verify', { phone, code: await lastCodeFor(system, phone) });
    // The session cookie's own line: the long-lived device cookie (sessions/devices.ts) follows it.
    const header = [response.headers['set-cookie'] ?? []].flat().find((line) => line.startsWith('sid=')) ?? '';
    expect(header).toMatch(/^sid=[A-Za-z0-9_-]{43};/);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Lax');
    expect(header).toContain('Path=/');
    expect(header).not.toMatch(/Domain=|Max-Age=|Expires=/i);
  });

  it('stores only the SHA-256 of the token', async () => {
    const cookie = await login(system, nextPhone());
    const token = cookie.split('=')[1]!;
    const rows = await system.database.db.selectFrom('sessions').select(['token_hash']).execute();
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.token_hash).equals(sha256(token))).toBe(true);
  });

  it('rotates the token at login: the token the browser had before is dead (fixation)', async () => {
    const phone = nextPhone();
    const first = await login(system, phone);
    system.clock.advance(61 * SECOND_MS);
    await system.post('/api/auth/otp', { phone });
    const code = await lastCodeFor(system, phone);
    const second = sessionCookieFrom(await system.post('/api/auth/verify', { phone, code }, { cookie: first }));
    expect(second).not.toBe(first);
    expect((await me(first)).statusCode).toBe(401);
    expect((await me(second)).statusCode).toBe(200);
  });

  it('ends a session after 15 minutes idle, not before', async () => {
    const cookie = await login(system, nextPhone());
    system.clock.advance(15 * MINUTE_MS - SECOND_MS);
    expect((await me(cookie)).statusCode).toBe(200);
    // Each request restarts the idle clock.
    system.clock.advance(15 * MINUTE_MS - SECOND_MS);
    expect((await me(cookie)).statusCode).toBe(200);
    system.clock.advance(15 * MINUTE_MS + SECOND_MS);
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('records activity at most every 30 s, so the idle timeout can only end a session early', async () => {
    const cookie = await login(system, nextPhone());
    system.clock.advance(20 * SECOND_MS);
    expect((await me(cookie)).statusCode).toBe(200); // not recorded: the last one is 20 s old
    system.clock.advance(15 * MINUTE_MS - 10 * SECOND_MS); // 14 min 50 s after this request
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('ends a session 12 hours after login even when it is used all the time', async () => {
    const cookie = await login(system, nextPhone());
    for (let elapsed = 0; elapsed < 12 * HOUR_MS - 10 * MINUTE_MS; elapsed += 10 * MINUTE_MS) {
      system.clock.advance(10 * MINUTE_MS);
      expect((await me(cookie)).statusCode).toBe(200);
    }
    system.clock.advance(10 * MINUTE_MS - SECOND_MS); // 12 h − 1 s after login
    expect((await me(cookie)).statusCode).toBe(200);
    system.clock.advance(2 * SECOND_MS); // 12 h + 1 s
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('logout kills the session on the server at once and clears the cookie', async () => {
    const cookie = await login(system, nextPhone());
    const response = await system.post('/api/auth/logout', {}, { cookie });
    expect(response.statusCode).toBe(204);
    expect(String(response.headers['set-cookie'])).toMatch(/^sid=;.*Expires=Thu, 01 Jan 1970/);
    expect((await me(cookie)).statusCode).toBe(401);
    const row = await system.database.db.selectFrom('sessions').select('revoked_at').executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
  });

  it('logout works without a body too, and without a session it is a harmless 204', async () => {
    const cookie = await login(system, nextPhone());
    const bare = await system.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { origin: 'http://localhost:3000', cookie },
    });
    expect(bare.statusCode).toBe(204);
    expect((await me(cookie)).statusCode).toBe(401);
    expect((await system.post('/api/auth/logout', {})).statusCode).toBe(204);
  });

  it('refuses garbage and forged cookies', async () => {
    await login(system, nextPhone());
    for (const cookie of ['sid=', 'sid=abc', `sid=${'A'.repeat(43)}`, 'sid=../../etc/passwd', `sid=${'x'.repeat(5000)}`]) {
      expect((await me(cookie)).statusCode).toBe(401);
    }
  });

  it('one customer, two devices: logging out on one leaves the other', async () => {
    const phone = nextPhone();
    const phoneA = await login(system, phone);
    system.clock.advance(61 * SECOND_MS);
    const phoneB = await login(system, phone);
    await system.post('/api/auth/logout', {}, { cookie: phoneA });
    expect((await me(phoneA)).statusCode).toBe(401);
    expect((await me(phoneB)).statusCode).toBe(200);
    expect((await me(phoneB)).json().id).toBeDefined();
  });
});

describe('sessions behind https', () => {
  it('uses the __Host- prefix and Secure', async () => {
    system = await createTestSystem({ env: { PUBLIC_URL: 'https://lk.carcapital.test' } });
    try {
      const phone = nextPhone();
      const headers = { origin: 'https://lk.carcapital.test' };
      await system.post('/api/auth/otp', { phone }, headers);
      const response = await system.post('/api/auth/verify', { phone, code: await lastCodeFor(system, phone) }, headers);
      const header = String(response.headers['set-cookie']);
      expect(header).toMatch(/^__Host-sid=/);
      expect(header).toContain('Secure');
      expect(header).not.toContain('Domain=');
      const cookie = sessionCookieFrom(response);
      expect((await system.get('/api/me', { cookie })).statusCode).toBe(200);
      // The plain name is not honoured when the site is https.
      expect((await system.get('/api/me', { cookie: cookie.replace('__Host-sid', 'sid') })).statusCode).toBe(401);
    } finally {
      await system.close();
    }
  });
});
