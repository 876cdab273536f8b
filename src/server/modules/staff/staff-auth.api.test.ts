import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../core/clock';
import { totp } from './totp';
import { nextTotp, loginStaff, staffCookieFrom, staffClient } from '../../testing/staff';
import { login, nextPhone, useTestSystem } from '../../testing/test-system';
import { verifyAuditChain } from '../audit/audit.service';
import { createUser } from './staff.service';
import { cryptoRandom } from '../../random';
import { deriveKeys } from '../../crypto';

const system = useTestSystem();

async function newStaff(roles: Parameters<typeof createUser>[2]['roles'] = ['support']) {
  const deps = { db: system.database.db, clock: system.clock, random: cryptoRandom, keys: deriveKeys(system.config.appSecret!), config: system.config };
  return createUser(deps, { staffId: null, meta: null }, { email: `Agent.${nextPhone().slice(-7)}@CarCapital.test`, fullName: 'Ольга Агентова', roles });
}

const auditActions = async () =>
  (await system.database.db.selectFrom('audit_log').select(['action', 'entity_id', 'ip']).orderBy('seq').execute()).map((r) => r.action);

describe('staff login: password, then TOTP', () => {
  it('enrolls TOTP at the first login, then asks for a code; the pre-auth cookie opens nothing else', async () => {
    const { user, temporaryPassword } = await newStaff();
    expect(user.email).toBe(user.email.toLowerCase());
    const first = await system.post('/api/staff/auth/login', { email: user.email.toUpperCase(), password: temporaryPassword });
    expect(first.statusCode).toBe(200);
    const { next, enrollment } = first.json();
    expect(next).toBe('enroll');
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrollment.otpauthUrl).toContain(`secret=${enrollment.secret}`);
    const preAuth = staffCookieFrom(first);
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly/);

    // Password alone opens no staff route (PD-9: never one factor).
    expect((await system.get('/api/staff/me', { cookie: preAuth })).statusCode).toBe(401);

    const verified = await system.post('/api/staff/auth/totp', { code: nextTotp(system, enrollment.secret) }, { cookie: preAuth });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ email: user.email, roles: ['support'], mustChangePassword: true });
    const session = staffCookieFrom(verified);
    expect(session).not.toBe(preAuth);
    // The pre-auth token died with the rotation (SES-2).
    expect((await system.post('/api/staff/auth/totp', { code: nextTotp(system, enrollment.secret) }, { cookie: preAuth })).statusCode).toBe(401);

    // The next login no longer offers enrollment: the secret is in force.
    const second = await system.post('/api/staff/auth/login', { email: user.email, password: temporaryPassword });
    expect(second.json()).toEqual({ next: 'totp' });
    const wrongSecret = await system.post('/api/staff/auth/totp', { code: '000000' }, { cookie: staffCookieFrom(second) });
    expect(wrongSecret.statusCode).toBe(401);
    const ok = await system.post('/api/staff/auth/totp', { code: nextTotp(system, enrollment.secret) }, { cookie: staffCookieFrom(second) });
    expect(ok.statusCode).toBe(200);
    expect(await auditActions()).toEqual(expect.arrayContaining(['staff.created', 'staff.totp_enrolled', 'staff.login', 'staff.totp_failed']));
  });

  it('a TOTP code is good once: the same code again is refused (replay)', async () => {
    const staff = await loginStaff(system, ['support']);
    const started = await system.post('/api/staff/auth/login', { email: staff.email, password: staff.password });
    const code = totp(staff.totpSecret, system.clock.now().getTime());
    // The code of the step used at enrollment (loginStaff advanced one step) and the current one.
    const reused = await system.post('/api/staff/auth/totp', { code }, { cookie: staffCookieFrom(started) });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('otp_invalid');
  });

  it('five wrong codes end the pre-auth session', async () => {
    const staff = await loginStaff(system, ['support']);
    const started = await system.post('/api/staff/auth/login', { email: staff.email, password: staff.password });
    const cookie = staffCookieFrom(started);
    const good = totp(staff.totpSecret, system.clock.now().getTime() + 30 * SECOND_MS);
    const wrong = good === '123456' ? '654321' : '123456';
    for (let i = 0; i < 4; i++) expect((await system.post('/api/staff/auth/totp', { code: wrong }, { cookie })).json().error.code).toBe('otp_invalid');
    const fifth = await system.post('/api/staff/auth/totp', { code: wrong }, { cookie });
    expect(fifth.statusCode).toBe(401);
    expect(fifth.json().error.code).toBe('unauthorized');
    expect((await system.post('/api/staff/auth/totp', { code: nextTotp(system, staff.totpSecret) }, { cookie })).statusCode).toBe(401);
  });

  it('the code step expires 5 minutes after the password step', async () => {
    const staff = await loginStaff(system, ['support']);
    const started = await system.post('/api/staff/auth/login', { email: staff.email, password: staff.password });
    system.clock.advance(5 * MINUTE_MS + SECOND_MS);
    const late = await system.post('/api/staff/auth/totp', { code: totp(staff.totpSecret, system.clock.now().getTime()) }, { cookie: staffCookieFrom(started) });
    expect(late.statusCode).toBe(401);
  });

  it('wrong password and unknown e-mail get the same reply; 5 failures lock the account for 15 minutes', async () => {
    const { user, temporaryPassword } = await newStaff();
    const unknown = await system.post('/api/staff/auth/login', { email: 'nobody@carcapital.test', password: 'whatever-password' });
    const wrong = await system.post('/api/staff/auth/login', { email: user.email, password: 'wrong-password-1' });
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json().error).toEqual(wrong.json().error);
    expect(unknown.cookies).toHaveLength(0);

    for (let i = 0; i < 4; i++) expect((await system.post('/api/staff/auth/login', { email: user.email, password: `wrong-${i}-password` })).statusCode).toBe(401);
    const locked = await system.post('/api/staff/auth/login', { email: user.email, password: temporaryPassword });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    system.clock.advance(15 * MINUTE_MS + SECOND_MS);
    expect((await system.post('/api/staff/auth/login', { email: user.email, password: temporaryPassword })).statusCode).toBe(200);
  });

  it('20 failed logins from one address in an hour stop further attempts from it, whatever the e-mail', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await system.post('/api/staff/auth/login', { email: `x${i}@carcapital.test`, password: 'not-the-password' })).statusCode).toBe(401);
    }
    const { user, temporaryPassword } = await newStaff();
    const blocked = await system.post('/api/staff/auth/login', { email: user.email, password: temporaryPassword });
    expect(blocked.statusCode).toBe(429);
    // Counted from the audit log: another address is not affected.
    const other = await system.app.inject({
      method: 'POST',
      url: '/api/staff/auth/login',
      remoteAddress: '10.1.2.3',
      headers: { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      payload: JSON.stringify({ email: user.email, password: temporaryPassword }),
    });
    expect(other.statusCode).toBe(200);
    system.clock.advance(HOUR_MS + SECOND_MS);
    expect((await system.post('/api/staff/auth/login', { email: user.email, password: temporaryPassword })).statusCode).toBe(200);
  });

  it('validates the body with Russian messages per field', async () => {
    const response = await system.post('/api/staff/auth/login', { email: 'not-an-email', password: '', extra: 1 });
    expect(response.statusCode).toBe(400);
    const fields = response.json().error.fields;
    expect(fields.email).toMatch(/почт/);
    expect(fields.password).toMatch(/пароль/i);
    expect(fields.extra).toBeDefined();
    const code = await system.post('/api/staff/auth/totp', { code: '12ab' });
    expect(code.statusCode).toBe(400);
    expect(code.json().error.fields.code).toMatch(/6 цифр/);
  });
});

describe('staff sessions', () => {
  it('end after 15 minutes idle and 8 hours in all', async () => {
    const staff = await loginStaff(system, ['support']);
    system.clock.advance(14 * MINUTE_MS);
    expect((await staff.get('/api/staff/me')).statusCode).toBe(200);
    system.clock.advance(15 * MINUTE_MS + SECOND_MS);
    expect((await staff.get('/api/staff/me')).statusCode).toBe(401);

    const busy = await loginStaff(system, ['support']);
    for (let elapsed = 0; elapsed < 8 * 60; elapsed += 10) {
      system.clock.advance(10 * MINUTE_MS);
      const status = (await busy.get('/api/staff/me')).statusCode;
      if (elapsed + 10 < 8 * 60 - 5) expect(status).toBe(200);
    }
    system.clock.advance(MINUTE_MS);
    expect((await busy.get('/api/staff/me')).statusCode).toBe(401);
  });

  it('logout ends the session on the server', async () => {
    const staff = await loginStaff(system, ['support']);
    expect((await staff.post('/api/staff/auth/logout')).statusCode).toBe(204);
    expect((await staff.get('/api/staff/me')).statusCode).toBe(401);
  });

  it('until the temporary password is changed only /me and the password change are open', async () => {
    const staff = await loginStaff(system, ['admin'], { changePassword: false });
    expect((await staff.get('/api/staff/me')).json().mustChangePassword).toBe(true);
    const blocked = await staff.get('/api/staff/users');
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('password_change_required');

    const short = await staff.post('/api/staff/me/password', { currentPassword: staff.password, newPassword: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.fields.newPassword).toMatch(/не короче 12/);
    const wrongCurrent = await staff.post('/api/staff/me/password', { currentPassword: 'not-it', newPassword: 'a long enough password' });
    expect(wrongCurrent.statusCode).toBe(401);
    expect(wrongCurrent.json().error.fields.currentPassword).toBeDefined();

    // A second session of the same person ends when the password changes.
    const other = await system.post('/api/staff/auth/login', { email: staff.email, password: staff.password });
    const otherSession = staffCookieFrom(
      await system.post('/api/staff/auth/totp', { code: nextTotp(system, staff.totpSecret) }, { cookie: staffCookieFrom(other) }),
    );
    expect((await staff.post('/api/staff/me/password', { currentPassword: staff.password, newPassword: 'a long enough password' })).statusCode).toBe(204);
    expect((await staff.get('/api/staff/users')).statusCode).toBe(200);
    expect((await system.get('/api/staff/me', { cookie: otherSession })).statusCode).toBe(401);
    // The old password no longer works; the new one does.
    expect((await system.post('/api/staff/auth/login', { email: staff.email, password: staff.password })).statusCode).toBe(401);
    expect((await system.post('/api/staff/auth/login', { email: staff.email, password: 'a long enough password' })).statusCode).toBe(200);
  });

  it('a customer session and a staff session never open each other’s routes', async () => {
    const customer = await login(system, nextPhone());
    expect((await system.get('/api/staff/me', { cookie: customer })).statusCode).toBe(401);
    const staff = await loginStaff(system, ['admin']);
    expect((await staff.get('/api/me')).statusCode).toBe(401);
    expect((await staff.get('/api/history')).statusCode).toBe(401);
  });
});

describe('staff members (admin)', () => {
  it('an admin adds, lists, changes and disables staff; disabling ends their sessions at once', async () => {
    const admin = await loginStaff(system, ['admin']);
    const created = await admin.post('/api/staff/users', { email: 'New.Agent@CarCapital.test', fullName: 'Новый Агент', roles: ['support'] });
    expect(created.statusCode).toBe(201);
    const { user, temporaryPassword } = created.json();
    expect(user).toMatchObject({ email: 'new.agent@carcapital.test', roles: ['support'], disabled: false, totpEnrolled: false });
    expect(temporaryPassword).toMatch(/^[A-Za-z2-9]{16}$/);
    const stored = await system.database.db.selectFrom('staff').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored.password_hash).not.toContain(temporaryPassword);

    expect((await admin.post('/api/staff/users', { email: 'new.agent@carcapital.test', fullName: 'Дубль', roles: ['support'] })).statusCode).toBe(409);
    const invalid = await admin.post('/api/staff/users', { email: 'x', fullName: '', roles: ['boss'] });
    expect(invalid.statusCode).toBe(400);
    expect(Object.keys(invalid.json().error.fields)).toEqual(expect.arrayContaining(['email', 'fullName']));

    // The new agent logs in…
    const started = await system.post('/api/staff/auth/login', { email: user.email, password: temporaryPassword });
    const agent = staffClient(system, staffCookieFrom(
      await system.post('/api/staff/auth/totp', { code: nextTotp(system, started.json().enrollment.secret) }, { cookie: staffCookieFrom(started) }),
    ));
    expect((await agent.get('/api/staff/me')).statusCode).toBe(200);
    // …and is disabled: the session dies, and the password no longer logs in.
    const disabled = await admin.patch(`/api/staff/users/${user.id}`, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().disabled).toBe(true);
    expect((await agent.get('/api/staff/me')).statusCode).toBe(401);
    expect((await system.post('/api/staff/auth/login', { email: user.email, password: temporaryPassword })).statusCode).toBe(401);

    expect((await admin.get('/api/staff/users')).json().items.map((u: { email: string }) => u.email)).toContain(user.email);
    expect((await admin.patch(`/api/staff/users/${admin.id}`, { roles: ['support'] })).statusCode).toBe(409);
    expect((await admin.patch(`/api/staff/users/${admin.id}`, { disabled: true })).statusCode).toBe(409);
    expect((await admin.patch('/api/staff/users/00000000-0000-4000-8000-000000000000', { disabled: true })).statusCode).toBe(404);
    expect((await admin.patch('/api/staff/users/not-a-uuid', { disabled: true })).statusCode).toBe(404);
  });

  it('a reset gives a new temporary password and a new enrollment, and ends sessions', async () => {
    const admin = await loginStaff(system, ['admin']);
    const agent = await loginStaff(system, ['support']);
    const reset = await admin.post(`/api/staff/users/${agent.id}/reset`);
    expect(reset.statusCode).toBe(200);
    expect((await agent.get('/api/staff/me')).statusCode).toBe(401);
    const again = await system.post('/api/staff/auth/login', { email: agent.email, password: reset.json().temporaryPassword });
    expect(again.json().next).toBe('enroll');
  });

  it('every staff action above is in a valid audit chain, with the address it came from', async () => {
    const admin = await loginStaff(system, ['admin']);
    await admin.post('/api/staff/users', { email: 'a1@carcapital.test', fullName: 'Агент Один', roles: ['support'] });
    await system.post('/api/staff/auth/login', { email: 'a1@carcapital.test', password: 'wrong-password' });
    const rows = await system.database.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['staff.created', 'staff.totp_enrolled', 'staff.password_changed', 'staff.login_failed']),
    );
    const created = rows.find((r) => r.action === 'staff.created' && r.actor_id === admin.id)!;
    expect(created.ip).toBe('127.0.0.1');
    expect(created.details).toMatchObject({ email: 'a1@carcapital.test', roles: ['support'] });
    expect(await verifyAuditChain(system.database.db)).toEqual({ ok: true, rows: rows.length });
  });
});
