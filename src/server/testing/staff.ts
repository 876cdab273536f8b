import type { LightMyRequestResponse } from 'fastify';
import { totp, TOTP_STEP_MS } from '../modules/staff/totp';
import { deriveKeys } from '../crypto';
import type { StaffRole } from '../db/schema';
import { cryptoRandom } from '../random';
import { createUser } from '../modules/staff/staff.service';
import type { TestSystem } from './test-system';

/**
 * Staff in API tests: made the way `npm run staff:create` makes them, logged in through the real
 * routes (password, TOTP enrollment, password change), with a client that sends their cookie.
 */

export type StaffClient = {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
  cookie: string;
  get: (url: string) => Promise<LightMyRequestResponse>;
  post: (url: string, body?: unknown) => Promise<LightMyRequestResponse>;
  patch: (url: string, body: unknown) => Promise<LightMyRequestResponse>;
};

let staffCounter = 0;

export function staffCookieFrom(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'staff_sid' || c.name === '__Host-staff_sid');
  if (!cookie) throw new Error(`no staff cookie in the response (${response.statusCode} ${response.body})`);
  return `${cookie.name}=${cookie.value}`;
}

/** The next TOTP code for a secret, a step after the last one used (a code is good once). */
export function nextTotp(system: TestSystem, secret: string): string {
  system.clock.advance(TOTP_STEP_MS);
  return totp(secret, system.clock.now().getTime());
}

export function staffClient(system: TestSystem, cookie: string) {
  const headers = { cookie };
  return {
    get: (url: string) => system.get(url, headers),
    post: (url: string, body: unknown = {}) => system.post(url, body, headers),
    patch: (url: string, body: unknown) =>
      system.app.inject({
        method: 'PATCH',
        url,
        headers: { ...headers, origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      }),
  };
}

/** A staff member with `roles`, enrolled and past the temporary password, logged in. */
export async function loginStaff(system: TestSystem, roles: StaffRole[], options: { changePassword?: boolean } = {}): Promise<StaffClient> {
  staffCounter += 1;
  const deps = { db: system.database.db, clock: system.clock, random: cryptoRandom, keys: deriveKeys(system.config.appSecret!), config: system.config };
  const { user, temporaryPassword } = await createUser(deps, { staffId: null, meta: null }, {
    email: `staff${staffCounter}.${process.pid}@carcapital.test`,
    fullName: `Сотрудник ${staffCounter}`,
    roles,
  });
  const started = await system.post('/api/staff/auth/login', { email: user.email, password: temporaryPassword });
  if (started.statusCode !== 200) throw new Error(`staff login failed: ${started.statusCode} ${started.body}`);
  const secret = (started.json() as { enrollment: { secret: string } }).enrollment.secret;
  const verified = await system.post('/api/staff/auth/totp', { code: nextTotp(system, secret) }, { cookie: staffCookieFrom(started) });
  if (verified.statusCode !== 200) throw new Error(`staff totp failed: ${verified.statusCode} ${verified.body}`);
  const cookie = staffCookieFrom(verified);
  let password = temporaryPassword;
  if (options.changePassword ?? true) {
    password = `Новый пароль ${staffCounter} для проверки`;
    const changed = await system.post('/api/staff/me/password', { currentPassword: temporaryPassword, newPassword: password }, { cookie });
    if (changed.statusCode !== 204) throw new Error(`password change failed: ${changed.statusCode} ${changed.body}`);
  }
  return { id: user.id, email: user.email, password, totpSecret: secret, cookie, ...staffClient(system, cookie) };
}
