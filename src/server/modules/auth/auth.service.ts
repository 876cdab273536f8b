import type { Kysely } from 'kysely';
import { HOUR_MS, type Clock, DAY_MS, SECOND_MS } from '../../../core/clock';
import { normalizeRussianMobile, phonePrefix, type RussianMobile } from '../../../core/phone';
import type { Config } from '../../config';
import { constantTimeEqual, hmacSha256, sha256, type Keys } from '../../crypto';
import type { DB, OtpPurpose } from '../../db/schema';
import { AppError } from '../../errors';
import type { Random } from '../../random';
import { queueSms, type SmsOutboxDeps } from '../notifications/sms-outbox';
import { recordLoginDevice } from '../sessions/devices';
import * as repo from './auth.repo';
import type { ReadCache } from '../../read-cache';

/**
 * Login by phone and SMS code (SECURITY.md OTP-1…10, SES-1…6).
 *
 * - A code is 6 digits from the CSPRNG, stored as HMAC(pepper, challengeId:code), valid `ttlSec`,
 *   single use, dead after `maxAttempts` wrong guesses; a resend replaces the previous code.
 * - Sends are limited per phone (cool-down, hour, day), per number prefix, per IP and globally,
 *   counted from `otp_send_log` in the database, so the limits hold across restarts and processes.
 * - The reply to a send never depends on whether the phone has an account (no enumeration); the
 *   account is created at the first successful verification.
 * - Wrong guesses add up per phone across codes: 3 dead codes in an hour → 1 h cool-down;
 *   100 failures without a success → locked until support unlocks it.
 */

export type AuthDeps = SmsOutboxDeps & {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  config: Pick<Config, 'otp' | 'session'>;
  /** Live sessions held in memory (read-cache.ts); absent: each request looks its session up. */
  readCache?: ReadCache;
};

export const DEAD_CODES_FOR_COOLDOWN = 3;
export const COOLDOWN_MS = HOUR_MS;
export const FAILURES_FOR_LOCK = 100;

export type RequestMeta = { ip: string; userAgent: string };

function parsePhone(input: string): RussianMobile {
  const phone = normalizeRussianMobile(input);
  if (!phone) {
    throw new AppError('phone_invalid', undefined, {
      fields: { phone: 'Введите номер российского мобильного телефона: +7 9XX XXX-XX-XX.' },
    });
  }
  return phone;
}

function tooManyRequests(retryAfterMs: number): AppError {
  return new AppError('too_many_requests', undefined, { retryAfterSec: Math.max(1, Math.ceil(retryAfterMs / SECOND_MS)) });
}

export function hashCode(keys: Keys, challengeId: string, code: string): Buffer {
  return hmacSha256(keys.otpPepper, `${challengeId}:${code}`);
}

export function loginCodeText(code: string): string {
  return `CarCapital: код для входа ${code}. Никому не сообщайте его, даже сотрудникам.`;
}

export async function requestCode(
  deps: AuthDeps,
  input: { phone: string; purpose: OtpPurpose; sessionId: string | null; subject?: string | null; text?: (code: string) => string },
  meta: RequestMeta,
): Promise<{ resendAfterSec: number; expiresInSec: number }> {
  const phone = parsePhone(input.phone);
  const { otp } = deps.config;
  const prefix = phonePrefix(phone);
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    await repo.lockSendKeys(trx, { phone, prefix, ip: meta.ip });

    const state = await repo.getPhoneAuthState(trx, phone);
    if (state?.locked_at) return { limited: DAY_MS };
    if (state?.cooldown_until && state.cooldown_until > now) {
      return { limited: state.cooldown_until.getTime() - now.getTime() };
    }

    const last = await repo.latestChallengeAt(trx, phone);
    const resendAt = last ? last.getTime() + otp.resendSec * SECOND_MS : 0;
    if (resendAt > now.getTime()) return { limited: resendAt - now.getTime() };

    const counts = await repo.countSends(trx, { phone, prefix, ip: meta.ip }, {
      hour: new Date(now.getTime() - HOUR_MS),
      day: new Date(now.getTime() - DAY_MS),
    });
    const windows: [repo.SendWindowCounts[keyof repo.SendWindowCounts], number, number][] = [
      [counts.phoneHour, otp.sendsPerPhoneHour, HOUR_MS],
      [counts.phoneDay, otp.sendsPerPhoneDay, DAY_MS],
      [counts.prefixHour, otp.sendsPerPrefixHour, HOUR_MS],
      [counts.ipHour, otp.sendsPerIpHour, HOUR_MS],
      [counts.globalDay, otp.sendsGlobalDay, DAY_MS],
    ];
    for (const [window, limit, length] of windows) {
      if (window.count >= limit) {
        // Retry when the oldest send in the window falls out of it.
        const oldest = window.oldest?.getTime() ?? now.getTime();
        return { limited: oldest + length - now.getTime() };
      }
    }

    await repo.replaceActiveChallenges(trx, phone, input.purpose);
    const challengeId = deps.random.uuid();
    const code = deps.random.otpCode();
    await repo.insertChallenge(trx, {
      id: challengeId,
      phone,
      purpose: input.purpose,
      sessionId: input.sessionId,
      subject: input.subject ?? null,
      codeHash: hashCode(deps.keys, challengeId, code),
      createdAt: now,
      expiresAt: new Date(now.getTime() + otp.ttlSec * SECOND_MS),
      ip: meta.ip,
    });
    await repo.recordSend(trx, { phone, prefix, ip: meta.ip, at: now });
    await queueSms(deps, trx, {
      to: phone,
      text: (input.text ?? loginCodeText)(code),
      kind: input.purpose === 'login' ? 'login_code' : 'step_up_code',
    });
    return { limited: 0 };
  });
  if (outcome.limited > 0) throw tooManyRequests(outcome.limited);
  return { resendAfterSec: otp.resendSec, expiresInSec: otp.ttlSec };
}

export type LoginResult = {
  token: string;
  /** The browser's device token to keep (sessions/devices.ts): the one it sent, or a new one. */
  deviceToken: string;
  customer: { id: string; phone: string; createdAt: Date };
};

type GuessOutcome =
  | { kind: 'ok'; customer: { id: string; phone: string; created_at: Date }; token: string; deviceToken: string }
  | { kind: 'invalid' }
  | { kind: 'locked' }
  | { kind: 'deleted' };

/**
 * Checks a login code and, if it is right, opens a new session (any session the browser already
 * had is revoked: the token always changes at login). Wrong guesses are committed, then refused.
 */
export async function verifyLoginCode(
  deps: AuthDeps,
  input: { phone: string; code: string; currentToken: string | undefined; deviceToken?: string | undefined },
  meta: RequestMeta,
): Promise<LoginResult> {
  const phone = normalizeRussianMobile(input.phone);
  if (!phone) throw new AppError('otp_invalid');
  const outcome = await deps.db.transaction().execute(async (trx): Promise<GuessOutcome> => {
    const now = deps.clock.now();
    const state = await repo.getPhoneAuthState(trx, phone);
    if (state?.locked_at) return { kind: 'locked' };

    const checked = await checkCode(deps, trx, { phone, purpose: 'login', sessionId: null, subject: null, code: input.code, now });
    if (checked.kind !== 'ok') return { kind: 'invalid' };
    const customer = await repo.upsertCustomerByPhone(trx, { id: deps.random.uuid(), phone, now });
    // A deleted account (PD-8) neither opens nor comes back as a new one: the phone stays taken.
    if (customer.deleted_at) return { kind: 'deleted' };
    // A browser not seen before for this customer: an SMS notice, in this transaction.
    const deviceToken = await recordLoginDevice(deps, trx, { customerId: customer.id, phone, deviceToken: input.deviceToken, userAgent: meta.userAgent, now });
    if (input.currentToken) await repo.revokeSessionByTokenHash(trx, sha256(input.currentToken), now);
    const token = deps.random.sessionToken();
    await repo.insertSession(trx, {
      id: deps.random.uuid(),
      tokenHash: sha256(token),
      customerId: customer.id,
      now,
      ip: meta.ip,
      userAgent: meta.userAgent.slice(0, 500),
    });
    return { kind: 'ok', customer, token, deviceToken };
  });
  // The session this browser had is over here at once (other processes hear it from the database).
  if (outcome.kind === 'ok' && input.currentToken) deps.readCache?.forget(sessionKey(sha256(input.currentToken)));
  if (outcome.kind === 'locked') throw tooManyRequests(DAY_MS);
  if (outcome.kind === 'invalid') throw new AppError('otp_invalid');
  if (outcome.kind === 'deleted') throw new AppError('account_deleted');
  return {
    token: outcome.token,
    deviceToken: outcome.deviceToken,
    customer: { id: outcome.customer.id, phone: outcome.customer.phone, createdAt: outcome.customer.created_at },
  };
}

export type CodeCheck = { kind: 'ok'; challengeId: string; codeHash: Buffer; sentAt: Date } | { kind: 'invalid' };

/**
 * Takes one guess at the live code for (phone, purpose[, session, subject]) inside the caller's
 * transaction. A right code is marked used (single use); a wrong one counts against the code
 * (dead after `maxAttempts`) and against the phone (cool-down, lock). The caller commits either way,
 * so wrong guesses are never rolled back.
 */
export async function checkCode(
  deps: AuthDeps,
  trx: Parameters<typeof repo.takeGuess>[0],
  input: { phone: string; purpose: OtpPurpose; sessionId: string | null; subject: string | null; code: string; now: Date },
): Promise<CodeCheck> {
  const { phone, now } = input;
  const challenge = await repo.takeGuess(trx, {
    phone,
    purpose: input.purpose,
    sessionId: input.sessionId,
    subject: input.subject,
    now,
    maxAttempts: deps.config.otp.maxAttempts,
  });
  if (!challenge) return { kind: 'invalid' };
  const expected = Buffer.from(challenge.code_hash);
  if (!constantTimeEqual(expected, hashCode(deps.keys, challenge.id, input.code))) {
    if (challenge.attempts >= deps.config.otp.maxAttempts) {
      await repo.setChallengeStatus(trx, challenge.id, 'dead', null);
    }
    const failures = await repo.addPhoneFailure(trx, phone, now);
    if (failures >= FAILURES_FOR_LOCK) {
      await repo.setPhoneRestriction(trx, phone, { lockedAt: now, now });
    } else if (challenge.attempts >= deps.config.otp.maxAttempts) {
      const dead = await repo.countDeadChallengesSince(trx, phone, new Date(now.getTime() - HOUR_MS));
      if (dead >= DEAD_CODES_FOR_COOLDOWN) {
        await repo.setPhoneRestriction(trx, phone, { cooldownUntil: new Date(now.getTime() + COOLDOWN_MS), now });
      }
    }
    return { kind: 'invalid' };
  }
  if (!(await repo.setChallengeStatus(trx, challenge.id, 'used', now))) return { kind: 'invalid' };
  await repo.resetPhoneFailures(trx, phone, now);
  return { kind: 'ok', challengeId: challenge.id, codeHash: expected, sentAt: challenge.created_at };
}

export type Actor = { kind: 'customer'; customerId: string; sessionId: string; phone: string; customerCreatedAt: Date };

/**
 * Activity is recorded at most this often: a busy session does not write on every request. The idle
 * timeout then counts from the last recorded activity, so it can end a session up to this much
 * early, never late.
 */
export const SESSION_TOUCH_INTERVAL_MS = 30 * SECOND_MS;

export async function authenticate(deps: AuthDeps, token: string): Promise<Actor | null> {
  const now = deps.clock.now();
  const tokenHash = sha256(token);
  const idleSince = new Date(now.getTime() - deps.config.session.idleMs);
  const createdSince = new Date(now.getTime() - deps.config.session.absoluteMs);
  const find = () => repo.findLiveSession(deps.db, { tokenHash, idleSince, createdSince });
  const key = sessionKey(tokenHash);
  const found = deps.readCache ? await deps.readCache.read(key, find, (session) => session?.customerId ?? null) : await find();
  // A held session is checked against the timeouts as of now, as the query would have.
  if (!found || found.lastSeenAt <= idleSince || found.createdAt <= createdSince) return null;
  if (now.getTime() - found.lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
    await repo.touchSession(deps.db, found.sessionId, now);
    deps.readCache?.forget(key);
  }
  const { lastSeenAt: _lastSeenAt, createdAt: _createdAt, ...session } = found;
  return { kind: 'customer', ...session };
}

const sessionKey = (tokenHash: Buffer) => `session:${tokenHash.toString('base64url')}`;

export async function logout(deps: AuthDeps, token: string | undefined): Promise<void> {
  if (!token) return;
  await repo.revokeSessionByTokenHash(deps.db, sha256(token), deps.clock.now());
  deps.readCache?.forget(sessionKey(sha256(token)));
}
