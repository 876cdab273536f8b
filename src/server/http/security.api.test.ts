import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { login, nextPhone, TEST_ORIGIN, useTestSystem } from '../testing/test-system';

const system = useTestSystem();

const rawPost = (url: string, headers: Record<string, string>, payload = '{}') =>
  system.app.inject({ method: 'POST', url, headers, payload });

async function smsCount() {
  await system.jobs.drain();
  return (await system.sandboxSms!.list({ limit: 1000 })).length;
}

describe('same-origin rule for state changes (WEB-4)', () => {
  const body = () => JSON.stringify({ phone: nextPhone() });
  const json = { 'content-type': 'application/json' };

  it('accepts a same-origin JSON POST', async () => {
    const response = await rawPost('/api/auth/otp', { ...json, origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin' }, body());
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['a look-alike Origin', { origin: 'http://localhost:3000.evil.example' }],
    ['an Origin on another port', { origin: 'http://localhost:3001' }],
    ['Origin: null', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: TEST_ORIGIN }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ['Sec-Fetch-Site: none', { 'sec-fetch-site': 'none' }],
  ])('refuses %s with 403 and changes nothing', async (_name, headers) => {
    const response = await rawPost('/api/auth/otp', { ...json, ...headers }, body());
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('origin_forbidden');
    expect(await smsCount()).toBe(0);
  });

  it('refuses a foreign-origin logout: the session survives', async () => {
    const cookie = await login(system, nextPhone());
    const response = await rawPost('/api/auth/logout', { ...json, cookie, origin: 'https://evil.example' });
    expect(response.statusCode).toBe(403);
    expect((await system.get('/api/me', { cookie })).statusCode).toBe(200);
  });

  it('refuses bodies that a cross-site HTML form can send (text/plain, form-urlencoded) with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await rawPost('/api/auth/otp', { 'content-type': type, origin: TEST_ORIGIN }, `{"phone":"${nextPhone()}"}`);
      expect(response.statusCode).toBe(415);
      expect(response.json().error.code).toBe('unsupported_media_type');
    }
    expect(await smsCount()).toBe(0);
  });

  it('lets a non-browser client (no Origin, no Sec-Fetch-Site) through, so scripts and API clients work', async () => {
    const response = await rawPost('/api/auth/otp', json, body());
    expect(response.statusCode).toBe(200);
  });

  it('GET requests change nothing', async () => {
    const phone = nextPhone();
    await system.get(`/api/auth/otp?phone=${encodeURIComponent(phone)}`);
    await system.get('/api/auth/logout');
    expect(await smsCount()).toBe(0);
  });
});

describe('bad input never makes a 500', () => {
  it.each([
    ['invalid JSON', '{"phone":'],
    ['a JSON array', '[]'],
    ['a JSON string', '"+79123456789"'],
    ['a number for the phone', '{"phone":79123456789}'],
    ['null', 'null'],
  ])('%s → 400 with a Russian message', async (_name, payload) => {
    const response = await rawPost('/api/auth/otp', { 'content-type': 'application/json', origin: TEST_ORIGIN }, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
    expect(response.json().error.message).toMatch(/[а-яё]/i);
  });

  it('a body over 64 KiB → 413', async () => {
    const response = await rawPost(
      '/api/auth/otp',
      { 'content-type': 'application/json', origin: TEST_ORIGIN },
      JSON.stringify({ phone: 'x'.repeat(70 * 1024) }),
    );
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('a malformed code → 400 with a field message; an unknown API path → 404 JSON', async () => {
    const response = await system.post('/api/auth/verify', { phone: nextPhone(), code: '12ab' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields.code).toBe('Код — это 6 цифр из SMS.');
    const missing = await system.get('/api/no-such-thing');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('an internal failure answers a generic 500 with only a request id (WEB-12)', async () => {
    const cookie = await login(system, nextPhone());
    await sql`DROP TABLE sessions`.execute(system.database.db);
    const response = await system.get('/api/me', { cookie });
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body).toEqual({
      error: { code: 'internal', message: expect.stringMatching(/[а-яё]/i) },
      requestId: response.headers['x-request-id'],
    });
    expect(response.body).not.toMatch(/sessions|relation|at |\.ts|SELECT|UPDATE/);
    expect(system.logs.join('\n')).toContain('request failed');
  });
});

describe('security headers on every kind of response (WEB-1…3)', () => {
  const expectSecurityHeaders = (headers: Record<string, unknown>) => {
    expect(headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const csp = String(headers['content-security-policy']);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'self'",
    });
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https:/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  };

  it('on 200, 400, 401, 403, 404, 415 and 429 API replies, all no-store', async () => {
    const phone = nextPhone();
    const replies = [
      await system.get('/api/health'),
      await system.post('/api/auth/otp', { phone: 'nope' }),
      await system.get('/api/me'),
      await rawPost('/api/auth/otp', { 'content-type': 'application/json', origin: 'https://evil.example' }),
      await system.get('/api/missing'),
      await rawPost('/api/auth/otp', { 'content-type': 'text/plain', origin: TEST_ORIGIN }),
      await system.post('/api/auth/otp', { phone }),
      await system.post('/api/auth/otp', { phone }),
    ];
    expect(replies.map((r) => r.statusCode)).toEqual([200, 400, 401, 403, 404, 415, 200, 429]);
    for (const reply of replies) {
      expectSecurityHeaders(reply.headers);
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('sends no CORS permission to a foreign origin', async () => {
    const preflight = await system.app.inject({
      method: 'OPTIONS',
      url: '/api/auth/otp',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('health and API description', () => {
  it('GET /api/health is {"status":"ok"} once migrations are applied', async () => {
    const response = await system.get('/api/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('/api/docs describes every route the app serves', async () => {
    const docs = (await system.get('/api/docs')).json();
    expect(docs.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/api/health', 'get'],
      ['/api/auth/otp', 'post'],
      ['/api/auth/verify', 'post'],
      ['/api/auth/logout', 'post'],
      ['/api/me', 'get'],
      ['/api/dev/sms', 'get'],
    ] as const) {
      expect(docs.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    expect(docs.paths['/api/auth/verify'].post.requestBody.content['application/json'].schema.required).toEqual(['phone', 'code']);
  });
});
