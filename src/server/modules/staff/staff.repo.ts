import type { Kysely, Transaction } from 'kysely';
import type { DB, StaffRole } from '../../db/schema';

type Db = Kysely<DB> | Transaction<DB>;

const STAFF_COLUMNS = [
  'id',
  'email',
  'full_name',
  'roles',
  'password_hash',
  'must_change_password',
  'totp_secret_ct',
  'totp_pending_ct',
  'totp_last_step',
  'failed_logins',
  'locked_until',
  'disabled_at',
  'created_at',
] as const;

export function findStaffByEmail(db: Db, email: string) {
  return db.selectFrom('staff').select(STAFF_COLUMNS).where('email', '=', email).executeTakeFirst();
}

export function findStaffById(db: Db, id: string, options: { forUpdate?: boolean } = {}) {
  const query = db.selectFrom('staff').select(STAFF_COLUMNS).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export function listStaff(db: Db) {
  return db.selectFrom('staff').select(STAFF_COLUMNS).orderBy('created_at').orderBy('email').execute();
}

export async function insertStaff(
  db: Db,
  row: { id: string; email: string; fullName: string; roles: StaffRole[]; passwordHash: string; createdAt: Date; createdBy: string | null },
) {
  await db
    .insertInto('staff')
    .values({
      id: row.id,
      email: row.email,
      full_name: row.fullName,
      roles: row.roles,
      password_hash: row.passwordHash,
      must_change_password: true,
      totp_secret_ct: null,
      totp_pending_ct: null,
      created_at: row.createdAt,
      created_by: row.createdBy,
      locked_until: null,
      disabled_at: null,
    })
    .execute();
}

export async function insertStaffSession(
  db: Db,
  row: { id: string; tokenHash: Buffer; staffId: string; stage: 'password' | 'active'; now: Date; ip: string; userAgent: string },
) {
  await db
    .insertInto('staff_sessions')
    .values({
      id: row.id,
      token_hash: row.tokenHash,
      staff_id: row.staffId,
      stage: row.stage,
      created_at: row.now,
      last_seen_at: row.now,
      revoked_at: null,
      ip: row.ip,
      user_agent: row.userAgent.slice(0, 300),
    })
    .execute();
}

export function findLiveStaffSession(db: Db, params: { tokenHash: Buffer; stage: 'password' | 'active'; idleSince: Date; createdSince: Date }) {
  return db
    .selectFrom('staff_sessions as ss')
    .innerJoin('staff as s', 's.id', 'ss.staff_id')
    .select([
      'ss.id as session_id',
      'ss.last_seen_at',
      'ss.totp_failures',
      's.id as staff_id',
      's.email',
      's.full_name',
      's.roles',
      's.must_change_password',
    ])
    .where('ss.token_hash', '=', params.tokenHash)
    .where('ss.stage', '=', params.stage)
    .where('ss.revoked_at', 'is', null)
    .where('ss.last_seen_at', '>', params.idleSince)
    .where('ss.created_at', '>', params.createdSince)
    .where('s.disabled_at', 'is', null)
    .executeTakeFirst();
}

export async function touchStaffSession(db: Db, sessionId: string, now: Date) {
  await db.updateTable('staff_sessions').set({ last_seen_at: now }).where('id', '=', sessionId).where('last_seen_at', '<', now).execute();
}

export async function revokeStaffSession(db: Db, sessionId: string, now: Date) {
  await db.updateTable('staff_sessions').set({ revoked_at: now }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}

export async function revokeStaffSessionByTokenHash(db: Db, tokenHash: Buffer, now: Date) {
  await db.updateTable('staff_sessions').set({ revoked_at: now }).where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).execute();
}

export async function revokeAllStaffSessions(db: Db, staffId: string, now: Date) {
  await db.updateTable('staff_sessions').set({ revoked_at: now }).where('staff_id', '=', staffId).where('revoked_at', 'is', null).execute();
}

/** Failed staff logins from one address in a window, counted from the audit log (durable, shared). */
export async function failedLoginsFromIp(db: Db, ip: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('action', '=', 'staff.login_failed')
    .where('ip', '=', ip)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
