import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { SECOND_MS } from '../../../core/clock';
import { sha256 } from '../../crypto';
import { lastCodeFor, nextPhone, sessionCookieFrom, TEST_ORIGIN, useTestSystem, type TestSystem } from '../../testing/test-system';

const system = useTestSystem();

const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

type Browser = { sid: string; did: string | null };

const deviceCookieFrom = (response: LightMyRequestResponse) => {
  const cookie = response.cookies.find((c) => c.name === 'did' || c.name === '__Host-did');
  return cookie ? `${cookie.name}=${cookie.value}` : null;
};

/**
 * Logs in as a browser would: with its user agent and, when it has one, the device cookie it kept
 * from an earlier login. The per-phone gap between codes is waited out first.
 */
async function loginFrom(sys: TestSystem, phone: string, browser: { userAgent?: string; did?: string | null } = {}): Promise<Browser> {
  sys.clock.advance(61 * SECOND_MS);
  const headers: Record<string, string> = browser.userAgent ? { 'user-agent': browser.userAgent } : {};
  expect((await sys.post('/api/auth/otp', { phone }, headers)).statusCode).toBe(200);
  const code = await lastCodeFor(sys, phone);
  const verified = await sys.post('/api/auth/verify', { phone, code }, { ...headers, ...(browser.did ? { cookie: browser.did } : {}) });
  expect(verified.statusCode, verified.body).toBe(200);
  return { sid: sessionCookieFrom(verified), did: deviceCookieFrom(verified) };
}

const client = (sys: TestSystem, cookie: string) => ({
  get: (url: string) => sys.get(url, { cookie }),
  post: (url: string, headers: Record<string, string> = {}) =>
    sys.app.inject({ method: 'POST', url, headers: { origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin', cookie, ...headers } }),
});

type SessionItem = { id: string; createdAt: string; lastSeenAt: string; ip: string; device: string; current: boolean };
const sessionsOf = async (cookie: string): Promise<SessionItem[]> => {
  const reply = await client(system, cookie).get('/api/sessions');
  expect(reply.statusCode, reply.body).toBe(200);
  return reply.json().items as SessionItem[];
};
const isLoggedIn = async (cookie: string) => (await system.get('/api/me', { cookie })).statusCode === 200;

/** Every SMS delivered to `phone`, oldest first (runs pending jobs first). */
async function smsTo(phone: string): Promise<string[]> {
  await system.jobs.drain();
  return (await system.sandboxSms!.list({ phone })).map((m) => m.text).reverse();
}
const notices = async (phone: string) => (await smsTo(phone)).filter((text) => text.includes('нового устройства'));

describe('the list of sessions', () => {
  it('shows the live sessions of the customer only, with when, a masked IP, the browser in words and which one is this', async () => {
    const phone = nextPhone();
    const phone2 = nextPhone();
    const android = await loginFrom(system, phone, { userAgent: ANDROID_CHROME });
    const iphone = await loginFrom(system, phone, { userAgent: IPHONE_SAFARI });
    await loginFrom(system, phone2); // another customer: never listed

    const items = await sessionsOf(android.sid);
    expect(items).toHaveLength(2);
    // Most recently used first: this request has just used the Android one.
    expect(items.map((s) => [s.device, s.current])).toEqual([
      ['Chrome на Android', true],
      ['Safari на iPhone', false],
    ]);
    for (const item of items) {
      expect(item.ip).toBe('127.0.0.*');
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'current', 'device', 'id', 'ip', 'lastSeenAt']);
    }
    expect(items.map((s) => s.createdAt)).toEqual(['2026-11-25T09:01:01.000Z', '2026-11-25T09:02:02.000Z']);
    expect((await sessionsOf(iphone.sid)).find((s) => s.current)?.device).toBe('Safari на iPhone');
  });

  it('needs a session', async () => {
    expect((await system.get('/api/sessions')).statusCode).toBe(401);
  });
});

describe('ending sessions', () => {
  it('ends another session at once: its cookie gets 401, this one stays', async () => {
    const phone = nextPhone();
    const a = await loginFrom(system, phone, { userAgent: ANDROID_CHROME });
    const b = await loginFrom(system, phone, { userAgent: IPHONE_SAFARI });
    const target = (await sessionsOf(a.sid)).find((s) => !s.current)!;

    const ended = await client(system, a.sid).post(`/api/sessions/${target.id}/end`);
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toEqual({ ended: 1, loggedOut: false });
    expect(ended.cookies).toEqual([]);
    expect(await isLoggedIn(b.sid)).toBe(false);
    expect(await isLoggedIn(a.sid)).toBe(true);
    expect((await sessionsOf(a.sid)).map((s) => s.current)).toEqual([true]);

    // Ended already: there is nothing to end any more.
    expect((await client(system, a.sid).post(`/api/sessions/${target.id}/end`)).statusCode).toBe(404);

    const audit = await system.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'session.ended').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'customer', details: { sessionIds: [target.id], current: false } });
  });

  it('answers 404 for another customer’s session, an unknown id or garbage, and ends nothing', async () => {
    const mine = await loginFrom(system, nextPhone());
    const theirs = await loginFrom(system, nextPhone());
    const theirId = (await sessionsOf(theirs.sid))[0]!.id;

    for (const id of [theirId, '00000000-0000-4000-8000-000000000000', 'not-a-session', '1']) {
      const reply = await client(system, mine.sid).post(`/api/sessions/${id}/end`);
      expect(reply.statusCode, id).toBe(404);
      expect(reply.json().error.code).toBe('not_found');
    }
    expect(await isLoggedIn(theirs.sid)).toBe(true);
    expect(await isLoggedIn(mine.sid)).toBe(true);
  });

  it('ending the current session logs this browser out and clears its cookie', async () => {
    const me = await loginFrom(system, nextPhone());
    const current = (await sessionsOf(me.sid))[0]!;
    const reply = await client(system, me.sid).post(`/api/sessions/${current.id}/end`);
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ ended: 1, loggedOut: true });
    expect(reply.cookies.find((c) => c.name === 'sid')?.value).toBe('');
    expect(await isLoggedIn(me.sid)).toBe(false);
  });

  it('«end all others» ends every other session of the customer and only those', async () => {
    const phone = nextPhone();
    const a = await loginFrom(system, phone);
    const b = await loginFrom(system, phone);
    const c = await loginFrom(system, phone);
    const stranger = await loginFrom(system, nextPhone());

    const reply = await client(system, b.sid).post('/api/sessions/end-others');
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json()).toEqual({ ended: 2, loggedOut: false });
    expect([await isLoggedIn(a.sid), await isLoggedIn(b.sid), await isLoggedIn(c.sid), await isLoggedIn(stranger.sid)]).toEqual([false, true, false, true]);
    expect((await client(system, b.sid).post('/api/sessions/end-others')).json()).toEqual({ ended: 0, loggedOut: false });
  });

  it('refuses a cross-site POST (same-origin rule), and ends nothing', async () => {
    const phone = nextPhone();
    const a = await loginFrom(system, phone);
    const b = await loginFrom(system, phone);
    const forged = await client(system, a.sid).post('/api/sessions/end-others', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('origin_forbidden');
    expect(await isLoggedIn(b.sid)).toBe(true);
  });
});

describe('the device cookie and the new-device SMS', () => {
  it('keeps a random device token in a long-lived HttpOnly cookie; the database has only its hash', async () => {
    const phone = nextPhone();
    const first = await loginFrom(system, phone);
    expect(first.did).toMatch(/^did=[A-Za-z0-9_-]{43}$/);
    const token = first.did!.split('=')[1]!;

    system.clock.advance(61 * SECOND_MS);
    await system.post('/api/auth/otp', { phone });
    const verified = await system.post('/api/auth/verify', { phone, code: await lastCodeFor(system, phone) }, { cookie: first.did! });
    const line = [verified.headers['set-cookie'] ?? []].flat().find((l) => l.startsWith('did='))!;
    // The same device keeps its token; the lifetime starts again from this login.
    expect(line).toBe(`did=${token}; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax`);

    const rows = await system.database.db.selectFrom('customer_devices').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.device_hash).equals(sha256(`device:${token}`))).toBe(true);
    expect(rows[0]!.last_seen_at.getTime()).toBeGreaterThan(rows[0]!.first_seen_at.getTime());
  });

  it('sends no notice at the first login, none from a known browser, one from a new browser', async () => {
    const phone = nextPhone();
    const android = await loginFrom(system, phone, { userAgent: ANDROID_CHROME });
    expect(await notices(phone)).toEqual([]); // the very first login: the registration itself

    await loginFrom(system, phone, { userAgent: ANDROID_CHROME, did: android.did });
    expect(await notices(phone)).toEqual([]); // the same browser

    await loginFrom(system, phone, { userAgent: ANDROID_CHROME }); // the same kind of phone, but no device cookie: another browser
    // The fake clock: 2026-11-25 09:03:03 UTC is 12:03 in Moscow.
    expect(await notices(phone)).toEqual([
      'CarCapital: вход в личный кабинет с нового устройства (Chrome на Android) 25.11 в 12:03 мск. Если это были не вы, завершите сеансы в разделе «Профиль» и напишите в поддержку.',
    ]);
    const outbox = await system.database.db.selectFrom('sms_outbox').select('kind').where('to_phone', '=', phone).execute();
    expect(outbox.filter((m) => m.kind === 'notice')).toHaveLength(1);

    // A device cookie another customer got is still a new device for this one.
    const other = nextPhone();
    await loginFrom(system, other);
    await loginFrom(system, other, { did: android.did });
    expect(await notices(other)).toHaveLength(1);
  });

  it('ignores a device cookie that is not one of ours', async () => {
    const phone = nextPhone();
    await loginFrom(system, phone);
    const second = await loginFrom(system, phone, { did: 'did=../../etc/passwd' });
    expect(second.did).toMatch(/^did=[A-Za-z0-9_-]{43}$/);
    expect(await notices(phone)).toHaveLength(1);
  });
});
