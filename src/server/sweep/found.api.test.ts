import { describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../modules/staff/staff.service';
import { loginStaff } from '../testing/staff';
import { login, nextPhone, TEST_ORIGIN, useTestSystem } from '../testing/test-system';
import { operationsOf, type OpenApi } from './coverage';
import { responseProblem } from './fuzz-cases';

/**
 * What the schema fuzz found (each was a 500 or a wrong answer), pinned down as plain cases so they
 * stay fixed whatever the fuzz's seed draws next time.
 */

const system = useTestSystem();

const send = (method: string, url: string, cookie: string | null, payload?: string) =>
  system.app.inject({
    method: method as 'GET',
    url,
    headers: {
      origin: TEST_ORIGIN,
      'sec-fetch-site': 'same-origin',
      ...(cookie ? { cookie } : {}),
      ...(payload !== undefined ? { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() } : {}),
    },
    ...(payload !== undefined ? { payload } : {}),
  });

describe('found by the security sweep', () => {
  it('an id that is 36 characters of hex and dashes but no uuid is not found on every id route (was a 500: the database refused the cast)', async () => {
    const docs = (await system.get('/api/docs')).json() as OpenApi;
    const customer = await login(system, nextPhone());
    const staff = (await loginStaff(system, [...STAFF_ROLES])).cookie;
    const withIds = operationsOf(docs).filter((operation) => operation.pathParams.some((name) => /^(id|\w+Id)$/.test(name)));
    expect(withIds.length).toBeGreaterThanOrEqual(40);
    const failures: string[] = [];
    for (const operation of withIds) {
      for (const fake of ['------------------------------------', 'ffffffff-ffff-ffff-ffff-fffffffffffg', '~ ']) {
        const url = operation.path.replace(/\{(id|\w+Id)\}/g, encodeURIComponent(fake));
        const cookie = operation.who === 'staff' ? staff : operation.who === 'customer' ? customer : `${customer}; ${staff}`;
        const response = await send(operation.method, url, cookie, operation.method === 'GET' ? undefined : '{}');
        if (response.statusCode !== 404 || responseProblem(response, 'invalid')) failures.push(`${operation.key} ${fake}: ${response.statusCode} ${response.body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('another customer’s loan (or none) has no payment list: 404, not an empty one (WEB-6)', async () => {
    const customer = await login(system, nextPhone());
    const response = await send('GET', `/api/loans/${crypto.randomUUID()}/payments`, customer);
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
  });

  it('history dates that are no calendar day, and a forged page cursor, are a 400 (were a 500)', async () => {
    const customer = await login(system, nextPhone());
    const forged = Buffer.from('2026-01-01T00:00:00.000Z|------------------------------------').toString('base64url');
    for (const query of ['from=0000-00-00', 'to=2026-02-30', 'from=2026-13-01', 'to=0000-01-01', `cursor=${forged}`]) {
      for (const path of ['/api/history', '/api/history.csv', '/api/history.pdf']) {
        if (query.startsWith('cursor') && path !== '/api/history') continue;
        const response = await send('GET', `${path}?${query}`, customer);
        expect(response.statusCode, `${path}?${query}: ${response.body}`).toBe(400);
        expect(responseProblem(response, 'invalid')).toBeNull();
      }
    }
    expect((await send('GET', '/api/history?from=2024-02-29&to=2026-11-26', customer)).statusCode).toBe(200);
  });

  it('router errors (an over-long path parameter, a broken percent-encoding) get the house error body', async () => {
    const tooLong = await send('GET', `/api/loans/${'x'.repeat(150)}`, null);
    expect(tooLong.statusCode).toBe(404);
    expect(responseProblem(tooLong, 'invalid')).toBeNull();
    const broken = await send('GET', '/api/loans/%zz', null);
    expect(broken.statusCode).toBeLessThan(500);
    expect(responseProblem(broken, 'invalid')).toBeNull();
  });
});
