import type { Kysely } from 'kysely';
import { MINUTE_MS, type Clock, HOUR_MS } from '../../../core/clock';
import { base32Encode, matchTotp, otpauthUrl } from './totp';
import type { Config } from '../../config';
import { sha256, type Keys } from '../../crypto';
import type { DB, StaffRole } from '../../db/schema';
import { AppError } from '../../errors';
import { openField, sealField } from '../../pii';
import type { Random } from '../../random';
import { recordAudit } from '../audit/audit.service';
import { DUMMY_PASSWORD_HASH, hashPassword, MIN_PASSWORD_LENGTH, temporaryPassword, verifyPassword } from './password';
import * as repo from './staff.repo';

/**
 * The staff realm (SECURITY.md PD-9): e-mail + password (scrypt) + a TOTP code, never an SMS alone.
 * Its own sessions and cookie, 15 min idle / 8 h absolute. The password step yields a pre-auth
 * session that opens only the code step; the code step rotates it into a full session (SES-2).
 */

export type StaffDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  config: Pick<Config, 'staffSession'>;
};

export type StaffActor = {
  kind: 'staff';
  staffId: string;
  sessionId: string;
  email: string;
  fullName: string;
  roles: StaffRole[];
  mustChangePassword: boolean;
};

export type RequestMeta = { ip: string; userAgent: string };

export const STAFF_ROLES = ['support', 'underwriter', 'collections', 'admin', 'compliance'] as const satisfies readonly StaffRole[];
export const FAILED_LOGINS_FOR_LOCK = 5;
export const LOCK_MS = 15 * MINUTE_MS;
export const FAILED_LOGINS_PER_IP_HOUR = 20;
export const TOTP_FAILURES_PER_SESSION = 5;
/** The code step must follow the password step within this time. */
export const PRE_AUTH_MS = 5 * MINUTE_MS;
const TOUCH_INTERVAL_MS = 30_000;
const ISSUER = 'CarCapital';

const totpWhere = (staffId: string, column: 'totp_secret_ct' | 'totp_pending_ct') => ({ table: 'staff', column, rowId: staffId });

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function invalidCredentials(): AppError {
  return new AppError('invalid_credentials', undefined, { fields: { password: 'Неверная почта или пароль.' } });
}

export type LoginResult = { token: string; next: 'totp' } | { token: string; next: 'enroll'; enrollment: { secret: string; otpauthUrl: string } };

export async function login(deps: StaffDeps, input: { email: string; password: string }, meta: RequestMeta): Promise<LoginResult> {
  const now = deps.clock.now();
  const email = normalizeEmail(input.email);
  const audit = { random: deps.random, now };
  if ((await repo.failedLoginsFromIp(deps.db, meta.ip, new Date(now.getTime() - HOUR_MS))) >= FAILED_LOGINS_PER_IP_HOUR) {
    throw new AppError('too_many_requests', 'Слишком много неудачных попыток входа с этого адреса. Попробуйте через час.', { retryAfterSec: 3600 });
  }
  const staff = await repo.findStaffByEmail(deps.db, email);
  // The same scrypt work whether or not the address exists: timing does not tell.
  const passwordOk = await verifyPassword(input.password, staff?.password_hash ?? DUMMY_PASSWORD_HASH);
  const failed = async (why: string) => {
    await deps.db.transaction().execute(async (trx) => {
      if (staff && why === 'password') {
        const failures = staff.failed_logins + 1;
        await trx
          .updateTable('staff')
          .set({ failed_logins: failures, locked_until: failures >= FAILED_LOGINS_FOR_LOCK ? new Date(now.getTime() + LOCK_MS) : staff.locked_until })
          .where('id', '=', staff.id)
          .execute();
      }
      await recordAudit(trx, audit, {
        actor: { type: 'staff', id: staff?.id ?? null },
        action: 'staff.login_failed',
        entity: { type: 'staff', id: staff?.id ?? null },
        from: meta,
        details: { why },
      });
    });
  };
  if (staff?.locked_until && staff.locked_until > now) {
    await failed('locked');
    const retryAfterSec = Math.ceil((staff.locked_until.getTime() - now.getTime()) / 1000);
    throw new AppError('too_many_requests', 'Слишком много неудачных попыток. Вход заблокирован на 15 минут.', { retryAfterSec });
  }
  if (!staff || !passwordOk) {
    await failed(staff ? 'password' : 'unknown_email');
    throw invalidCredentials();
  }
  if (staff.disabled_at) {
    await failed('disabled');
    throw invalidCredentials();
  }

  const token = deps.random.sessionToken();
  let enrollment: { secret: string; otpauthUrl: string } | null = null;
  await deps.db.transaction().execute(async (trx) => {
    const changes: { failed_logins: number; locked_until: null; totp_pending_ct?: Buffer } = { failed_logins: 0, locked_until: null };
    if (!staff.totp_secret_ct) {
      const secret = base32Encode(deps.random.bytes(20));
      changes.totp_pending_ct = sealField(deps.keys, totpWhere(staff.id, 'totp_pending_ct'), secret);
      enrollment = { secret, otpauthUrl: otpauthUrl({ issuer: ISSUER, account: staff.email, secretBase32: secret }) };
    }
    await trx.updateTable('staff').set(changes).where('id', '=', staff.id).execute();
    await repo.insertStaffSession(trx, { id: deps.random.uuid(), tokenHash: sha256(token), staffId: staff.id, stage: 'password', now, ...meta });
  });
  return enrollment ? { token, next: 'enroll', enrollment } : { token, next: 'totp' };
}

export async function verifyTotp(deps: StaffDeps, input: { token: string | undefined; code: string }, meta: RequestMeta) {
  const now = deps.clock.now();
  const preAuth = input.token
    ? await repo.findLiveStaffSession(deps.db, {
        tokenHash: sha256(input.token),
        stage: 'password',
        idleSince: new Date(now.getTime() - PRE_AUTH_MS),
        createdSince: new Date(now.getTime() - PRE_AUTH_MS),
      })
    : undefined;
  if (!preAuth) throw new AppError('unauthorized', 'Сначала введите почту и пароль.');

  const token = deps.random.sessionToken();
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const staff = (await repo.findStaffById(trx, preAuth.staff_id, { forUpdate: true }))!;
    const enrolling = !staff.totp_secret_ct;
    const sealed = staff.totp_secret_ct ?? staff.totp_pending_ct;
    const secret = sealed ? openField(deps.keys, totpWhere(staff.id, enrolling ? 'totp_pending_ct' : 'totp_secret_ct'), sealed) : null;
    const step = secret ? matchTotp(secret, input.code, now.getTime(), staff.totp_last_step) : null;
    const audit = { random: deps.random, now };
    if (step === null) {
      const failures = preAuth.totp_failures + 1;
      await trx
        .updateTable('staff_sessions')
        .set({ totp_failures: failures, ...(failures >= TOTP_FAILURES_PER_SESSION ? { revoked_at: now } : {}) })
        .where('id', '=', preAuth.session_id)
        .execute();
      await recordAudit(trx, audit, {
        actor: { type: 'staff', id: staff.id },
        action: 'staff.totp_failed',
        entity: { type: 'staff', id: staff.id },
        from: meta,
        details: { failures },
      });
      return { ok: false as const, sessionEnded: failures >= TOTP_FAILURES_PER_SESSION };
    }
    await trx
      .updateTable('staff')
      .set({
        totp_last_step: step,
        ...(enrolling
          ? { totp_secret_ct: sealField(deps.keys, totpWhere(staff.id, 'totp_secret_ct'), secret!), totp_pending_ct: null }
          : {}),
      })
      .where('id', '=', staff.id)
      .execute();
    await repo.revokeStaffSession(trx, preAuth.session_id, now);
    await repo.insertStaffSession(trx, { id: deps.random.uuid(), tokenHash: sha256(token), staffId: staff.id, stage: 'active', now, ...meta });
    await recordAudit(trx, audit, {
      actor: { type: 'staff', id: staff.id },
      action: enrolling ? 'staff.totp_enrolled' : 'staff.login',
      entity: { type: 'staff', id: staff.id },
      from: meta,
    });
    return { ok: true as const };
  });
  if (!outcome.ok) {
    if (outcome.sessionEnded) throw new AppError('unauthorized', 'Слишком много неверных кодов. Войдите заново.');
    throw new AppError('otp_invalid', 'Код неверный или устарел. Введите код из приложения-аутентификатора.', {
      fields: { code: 'Код неверный или устарел.' },
    });
  }
  const actor = await authenticateStaff(deps, token);
  return { token, actor: actor! };
}

export async function authenticateStaff(deps: StaffDeps, token: string): Promise<StaffActor | null> {
  const now = deps.clock.now();
  const found = await repo.findLiveStaffSession(deps.db, {
    tokenHash: sha256(token),
    stage: 'active',
    idleSince: new Date(now.getTime() - deps.config.staffSession.idleMs),
    createdSince: new Date(now.getTime() - deps.config.staffSession.absoluteMs),
  });
  if (!found) return null;
  if (now.getTime() - found.last_seen_at.getTime() >= TOUCH_INTERVAL_MS) await repo.touchStaffSession(deps.db, found.session_id, now);
  return {
    kind: 'staff',
    staffId: found.staff_id,
    sessionId: found.session_id,
    email: found.email,
    fullName: found.full_name,
    roles: found.roles,
    mustChangePassword: found.must_change_password,
  };
}

export async function logout(deps: StaffDeps, token: string | undefined): Promise<void> {
  if (token) await repo.revokeStaffSessionByTokenHash(deps.db, sha256(token), deps.clock.now());
}

function passwordProblems(password: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `Пароль должен быть не короче ${MIN_PASSWORD_LENGTH} символов.`;
  if (password.length > 200) return 'Пароль слишком длинный.';
  return null;
}

export async function changePassword(deps: StaffDeps, actor: StaffActor, input: { currentPassword: string; newPassword: string }, meta: RequestMeta) {
  const staff = (await repo.findStaffById(deps.db, actor.staffId))!;
  if (!(await verifyPassword(input.currentPassword, staff.password_hash))) {
    throw new AppError('invalid_credentials', 'Текущий пароль неверный.', { fields: { currentPassword: 'Текущий пароль неверный.' } });
  }
  const problem = passwordProblems(input.newPassword);
  if (problem) throw new AppError('validation_failed', problem, { fields: { newPassword: problem } });
  if (input.newPassword === input.currentPassword) {
    throw new AppError('validation_failed', 'Новый пароль должен отличаться от текущего.', { fields: { newPassword: 'Новый пароль должен отличаться от текущего.' } });
  }
  const passwordHash = await hashPassword(input.newPassword, deps.random.bytes(16));
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('staff').set({ password_hash: passwordHash, must_change_password: false }).where('id', '=', actor.staffId).execute();
    // Other sessions of this person end: a changed password shuts out whoever knew the old one.
    await trx
      .updateTable('staff_sessions')
      .set({ revoked_at: now })
      .where('staff_id', '=', actor.staffId)
      .where('id', '<>', actor.sessionId)
      .where('revoked_at', 'is', null)
      .execute();
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: actor.staffId },
      action: 'staff.password_changed',
      entity: { type: 'staff', id: actor.staffId },
      from: meta,
    });
  });
}

// ---- Staff members (admin) ----

export type StaffUserView = {
  id: string;
  email: string;
  fullName: string;
  roles: StaffRole[];
  disabled: boolean;
  totpEnrolled: boolean;
  createdAt: string;
};

function view(row: NonNullable<Awaited<ReturnType<typeof repo.findStaffById>>>): StaffUserView {
  return {
    id: row.id,
    email: row.email,
    fullName: row.full_name,
    roles: row.roles,
    disabled: row.disabled_at !== null,
    totpEnrolled: row.totp_secret_ct !== null,
    createdAt: row.created_at.toISOString(),
  };
}

export async function listUsers(deps: StaffDeps): Promise<StaffUserView[]> {
  return (await repo.listStaff(deps.db)).map(view);
}

export async function createUser(
  deps: StaffDeps,
  by: { staffId: string | null; meta: RequestMeta | null },
  input: { email: string; fullName: string; roles: StaffRole[] },
): Promise<{ user: StaffUserView; temporaryPassword: string }> {
  const email = normalizeEmail(input.email);
  const password = temporaryPassword(deps.random.bytes(16));
  const passwordHash = await hashPassword(password, deps.random.bytes(16));
  const id = deps.random.uuid();
  const now = deps.clock.now();
  const roles = [...new Set(input.roles)];
  const taken = () => new AppError('conflict', 'Сотрудник с такой почтой уже есть.', { fields: { email: 'Сотрудник с такой почтой уже есть.' } });
  await deps.db.transaction().execute(async (trx) => {
    if (await repo.findStaffByEmail(trx, email)) throw taken();
    await repo.insertStaff(trx, { id, email, fullName: input.fullName.trim(), roles, passwordHash, createdAt: now, createdBy: by.staffId });
    await recordAudit(trx, { random: deps.random, now }, {
      actor: by.staffId ? { type: 'staff', id: by.staffId } : { type: 'system', id: null },
      action: 'staff.created',
      entity: { type: 'staff', id },
      from: by.meta,
      details: { email, roles },
    });
  }).catch((error: unknown) => {
    // Two admins adding the same address at once: the unique index decides.
    throw (error as { code?: string }).code === '23505' ? taken() : error;
  });
  return { user: view((await repo.findStaffById(deps.db, id))!), temporaryPassword: password };
}

export async function updateUser(
  deps: StaffDeps,
  actor: StaffActor,
  id: string,
  input: { roles?: StaffRole[] | undefined; disabled?: boolean | undefined },
  meta: RequestMeta,
): Promise<StaffUserView> {
  if (id === actor.staffId && (input.disabled === true || (input.roles && !input.roles.includes('admin')))) {
    // Nobody locks themselves out of administration by accident; another admin can do it.
    throw new AppError('conflict', 'Нельзя отключить себя или снять с себя роль администратора.');
  }
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const staff = await repo.findStaffById(trx, id, { forUpdate: true });
    if (!staff) throw new AppError('not_found', 'Сотрудник не найден.');
    const roles = input.roles ? [...new Set(input.roles)] : staff.roles;
    const disabledAt = input.disabled === undefined ? staff.disabled_at : input.disabled ? (staff.disabled_at ?? now) : null;
    await trx.updateTable('staff').set({ roles, disabled_at: disabledAt }).where('id', '=', id).execute();
    // New roles or a disabled account take effect at once: their sessions end.
    if (disabledAt || input.roles) await repo.revokeAllStaffSessions(trx, id, now);
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: actor.staffId },
      action: 'staff.updated',
      entity: { type: 'staff', id },
      from: meta,
      details: { roles: input.roles ? roles : undefined, disabled: input.disabled },
    });
  });
  return view((await repo.findStaffById(deps.db, id))!);
}

/** A lost phone or password: a new temporary password, the second factor enrolled again, sessions ended. */
export async function resetUser(deps: StaffDeps, actor: StaffActor, id: string, meta: RequestMeta): Promise<{ temporaryPassword: string }> {
  const password = temporaryPassword(deps.random.bytes(16));
  const passwordHash = await hashPassword(password, deps.random.bytes(16));
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const staff = await repo.findStaffById(trx, id, { forUpdate: true });
    if (!staff) throw new AppError('not_found', 'Сотрудник не найден.');
    await trx
      .updateTable('staff')
      .set({ password_hash: passwordHash, must_change_password: true, totp_secret_ct: null, totp_pending_ct: null, totp_last_step: null, failed_logins: 0, locked_until: null })
      .where('id', '=', id)
      .execute();
    await repo.revokeAllStaffSessions(trx, id, now);
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: actor.staffId },
      action: 'staff.reset',
      entity: { type: 'staff', id },
      from: meta,
    });
  });
  return { temporaryPassword: password };
}
