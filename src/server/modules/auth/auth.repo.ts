import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, OtpPurpose } from '../../db/schema';

/** SQL for OTP challenges, send limits and sessions. No rules here: the service decides. */

type Executor = Kysely<DB> | Transaction<DB>;

/**
 * Serialises concurrent sends for the same phone, number prefix and IP (in that order, so two
 * requests can never wait on each other in a cycle). With the counts read after the locks, the
 * sliding-window limits are exact across any number of processes.
 */
export async function lockSendKeys(trx: Transaction<DB>, keys: { phone: string; prefix: string; ip: string }) {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`otp:phone:${keys.phone}`})),
                   pg_advisory_xact_lock(hashtext(${`otp:prefix:${keys.prefix}`})),
                   pg_advisory_xact_lock(hashtext(${`otp:ip:${keys.ip}`}))`.execute(trx);
}

export type SendWindowCounts = {
  phoneHour: { count: number; oldest: Date | null };
  phoneDay: { count: number; oldest: Date | null };
  prefixHour: { count: number; oldest: Date | null };
  ipHour: { count: number; oldest: Date | null };
  globalDay: { count: number; oldest: Date | null };
};

export async function countSends(
  trx: Transaction<DB>,
  keys: { phone: string; prefix: string; ip: string },
  since: { hour: Date; day: Date },
): Promise<SendWindowCounts> {
  const result = await sql<{
    phone_hour: number;
    phone_hour_oldest: Date | null;
    phone_day: number;
    phone_day_oldest: Date | null;
    prefix_hour: number;
    prefix_hour_oldest: Date | null;
    ip_hour: number;
    ip_hour_oldest: Date | null;
    global_day: number;
    global_day_oldest: Date | null;
  }>`
    SELECT
      (SELECT count(*)::int FROM otp_send_log WHERE phone = ${keys.phone} AND sent_at > ${since.hour}) AS phone_hour,
      (SELECT min(sent_at) FROM otp_send_log WHERE phone = ${keys.phone} AND sent_at > ${since.hour}) AS phone_hour_oldest,
      (SELECT count(*)::int FROM otp_send_log WHERE phone = ${keys.phone} AND sent_at > ${since.day}) AS phone_day,
      (SELECT min(sent_at) FROM otp_send_log WHERE phone = ${keys.phone} AND sent_at > ${since.day}) AS phone_day_oldest,
      (SELECT count(*)::int FROM otp_send_log WHERE phone_prefix = ${keys.prefix} AND sent_at > ${since.hour}) AS prefix_hour,
      (SELECT min(sent_at) FROM otp_send_log WHERE phone_prefix = ${keys.prefix} AND sent_at > ${since.hour}) AS prefix_hour_oldest,
      (SELECT count(*)::int FROM otp_send_log WHERE ip = ${keys.ip} AND sent_at > ${since.hour}) AS ip_hour,
      (SELECT min(sent_at) FROM otp_send_log WHERE ip = ${keys.ip} AND sent_at > ${since.hour}) AS ip_hour_oldest,
      (SELECT count(*)::int FROM otp_send_log WHERE sent_at > ${since.day}) AS global_day,
      (SELECT min(sent_at) FROM otp_send_log WHERE sent_at > ${since.day}) AS global_day_oldest
  `.execute(trx);
  const r = result.rows[0]!;
  const toDate = (v: Date | string | null) => (v === null ? null : new Date(v));
  return {
    phoneHour: { count: r.phone_hour, oldest: toDate(r.phone_hour_oldest) },
    phoneDay: { count: r.phone_day, oldest: toDate(r.phone_day_oldest) },
    prefixHour: { count: r.prefix_hour, oldest: toDate(r.prefix_hour_oldest) },
    ipHour: { count: r.ip_hour, oldest: toDate(r.ip_hour_oldest) },
    globalDay: { count: r.global_day, oldest: toDate(r.global_day_oldest) },
  };
}

export async function recordSend(trx: Transaction<DB>, row: { phone: string; prefix: string; ip: string; at: Date }) {
  await trx.insertInto('otp_send_log').values({ phone: row.phone, phone_prefix: row.prefix, ip: row.ip, sent_at: row.at }).execute();
}

export async function latestChallengeAt(trx: Transaction<DB>, phone: string): Promise<Date | null> {
  const row = await trx
    .selectFrom('otp_challenges')
    .select('created_at')
    .where('phone', '=', phone)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at ?? null;
}

export async function replaceActiveChallenges(trx: Transaction<DB>, phone: string, purpose: OtpPurpose) {
  await trx
    .updateTable('otp_challenges')
    .set({ status: 'replaced' })
    .where('phone', '=', phone)
    .where('purpose', '=', purpose)
    .where('status', '=', 'active')
    .execute();
}

export async function insertChallenge(
  trx: Transaction<DB>,
  row: {
    id: string;
    phone: string;
    purpose: OtpPurpose;
    sessionId: string | null;
    subject: string | null;
    codeHash: Buffer;
    createdAt: Date;
    expiresAt: Date;
    ip: string;
  },
) {
  await trx
    .insertInto('otp_challenges')
    .values({
      id: row.id,
      phone: row.phone,
      purpose: row.purpose,
      session_id: row.sessionId,
      subject: row.subject,
      code_hash: row.codeHash,
      status: 'active',
      created_at: row.createdAt,
      expires_at: row.expiresAt,
      request_ip: row.ip,
    })
    .execute();
}

/**
 * Takes one guess from the live challenge: increments `attempts` only while the code is active,
 * unexpired and has guesses left. The row lock makes parallel guesses queue here, so at most
 * `maxAttempts` are ever evaluated, and a used code cannot be used again.
 */
export async function takeGuess(
  trx: Transaction<DB>,
  params: { phone: string; purpose: OtpPurpose; sessionId: string | null; subject: string | null; now: Date; maxAttempts: number },
) {
  let query = trx
    .updateTable('otp_challenges')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('phone', '=', params.phone)
    .where('purpose', '=', params.purpose)
    .where('status', '=', 'active')
    .where('expires_at', '>', params.now)
    .where('attempts', '<', params.maxAttempts);
  // A step-up code works only in the session that asked for it, for the thing it was sent for.
  if (params.sessionId !== null) query = query.where('session_id', '=', params.sessionId);
  if (params.subject !== null) query = query.where('subject', '=', params.subject);
  return query.returning(['id', 'code_hash', 'attempts', 'session_id', 'created_at']).executeTakeFirst();
}

export async function setChallengeStatus(
  trx: Transaction<DB>,
  id: string,
  status: 'used' | 'dead',
  usedAt: Date | null,
): Promise<boolean> {
  const result = await trx
    .updateTable('otp_challenges')
    .set({ status, used_at: usedAt })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function countDeadChallengesSince(trx: Transaction<DB>, phone: string, since: Date): Promise<number> {
  const row = await trx
    .selectFrom('otp_challenges')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('phone', '=', phone)
    .where('status', '=', 'dead')
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function getPhoneAuthState(executor: Executor, phone: string) {
  return executor.selectFrom('phone_auth_state').selectAll().where('phone', '=', phone).executeTakeFirst();
}

export async function addPhoneFailure(trx: Transaction<DB>, phone: string, now: Date): Promise<number> {
  const row = await trx
    .insertInto('phone_auth_state')
    .values({ phone, failed_attempts: 1, updated_at: now })
    .onConflict((oc) =>
      oc.column('phone').doUpdateSet((eb) => ({
        failed_attempts: eb('phone_auth_state.failed_attempts', '+', 1),
        updated_at: now,
      })),
    )
    .returning('failed_attempts')
    .executeTakeFirstOrThrow();
  return row.failed_attempts;
}

export async function setPhoneRestriction(
  trx: Transaction<DB>,
  phone: string,
  change: { cooldownUntil?: Date; lockedAt?: Date; now: Date },
) {
  await trx
    .updateTable('phone_auth_state')
    .set({
      ...(change.cooldownUntil ? { cooldown_until: change.cooldownUntil } : {}),
      ...(change.lockedAt ? { locked_at: change.lockedAt } : {}),
      updated_at: change.now,
    })
    .where('phone', '=', phone)
    .execute();
}

export async function resetPhoneFailures(trx: Transaction<DB>, phone: string, now: Date) {
  await trx
    .updateTable('phone_auth_state')
    .set({ failed_attempts: 0, cooldown_until: null, updated_at: now })
    .where('phone', '=', phone)
    .where('locked_at', 'is', null)
    .execute();
}

export async function upsertCustomerByPhone(trx: Transaction<DB>, row: { id: string; phone: string; now: Date }) {
  // ON CONFLICT … DO UPDATE (a no-op change) so RETURNING gives the existing row too.
  return trx
    .insertInto('customers')
    .values({ id: row.id, phone: row.phone, created_at: row.now })
    .onConflict((oc) => oc.column('phone').doUpdateSet({ phone: row.phone }))
    .returning(['id', 'phone', 'created_at', 'deleted_at'])
    .executeTakeFirstOrThrow();
}

export async function insertSession(
  trx: Transaction<DB>,
  row: { id: string; tokenHash: Buffer; customerId: string; now: Date; ip: string; userAgent: string },
) {
  await trx
    .insertInto('sessions')
    .values({
      id: row.id,
      token_hash: row.tokenHash,
      customer_id: row.customerId,
      created_at: row.now,
      last_seen_at: row.now,
      ip: row.ip,
      user_agent: row.userAgent,
    })
    .execute();
}

export async function revokeSessionByTokenHash(executor: Executor, tokenHash: Buffer, now: Date): Promise<boolean> {
  const result = await executor
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export type SessionCustomer = { sessionId: string; customerId: string; phone: string; customerCreatedAt: Date };
export type LiveSession = SessionCustomer & { lastSeenAt: Date; createdAt: Date };

/**
 * Finds a live session: not revoked, used within the idle timeout, younger than the absolute
 * timeout. A read, so parallel requests of one session never queue on its row.
 */
export async function findLiveSession(
  db: Kysely<DB>,
  params: { tokenHash: Buffer; idleSince: Date; createdSince: Date },
): Promise<LiveSession | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('customers as c', 'c.id', 's.customer_id')
    .select(['s.id as session_id', 's.last_seen_at', 's.created_at', 'c.id as customer_id', 'c.phone', 'c.created_at as customer_created_at'])
    .where('s.token_hash', '=', params.tokenHash)
    .where('s.revoked_at', 'is', null)
    .where('c.deleted_at', 'is', null)
    .where('s.last_seen_at', '>', params.idleSince)
    .where('s.created_at', '>', params.createdSince)
    .executeTakeFirst();
  if (!row) return null;
  return {
    sessionId: row.session_id,
    customerId: row.customer_id,
    phone: row.phone,
    customerCreatedAt: row.customer_created_at,
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
  };
}

/** Moves the idle clock forward; never backwards, so concurrent touches cannot undo each other. */
export async function touchSession(db: Kysely<DB>, sessionId: string, now: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now })
    .where('id', '=', sessionId)
    .where('last_seen_at', '<', now)
    .execute();
}
