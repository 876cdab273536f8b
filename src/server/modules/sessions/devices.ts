import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import { sha256 } from '../../crypto';
import type { DB } from '../../db/schema';
import { queueSms, type SmsOutboxDeps } from '../notifications/sms-outbox';
import { describeDevice } from './user-agent';

/**
 * Recognising the browsers a customer logs in from (SECURITY.md OTP-12: a notice on a new device).
 *
 * At each successful login the browser gets (or keeps) a random 32-byte device token in a
 * long-lived HttpOnly cookie; the server keeps only its SHA-256 per customer. A login whose token
 * is not on the customer's list queues an SMS in the login's own transaction — except the very
 * first login of the customer (no earlier session at all): that one is the registration itself,
 * and an alarm there would only teach people to ignore it. A customer with sessions from before
 * this list existed gets one notice on the first login after it appeared: we cannot tell their
 * browser from anyone else's then, so we say so.
 *
 * The device cookie is not a credential: it proves nothing and opens nothing; losing it only means
 * one more notice.
 */

export const DEVICE_COOKIE_MAX_AGE_SEC = 365 * 24 * 60 * 60;

export type DeviceCookie = {
  name: string;
  read: (request: FastifyRequest) => string | undefined;
  set: (reply: FastifyReply, token: string) => void;
};

/** `did` (http) / `__Host-did` + Secure (https); HttpOnly; SameSite=Lax; Path=/; one year. */
export function createDeviceCookie(secure: boolean): DeviceCookie {
  const name = secure ? '__Host-did' : 'did';
  const options = { httpOnly: true, sameSite: 'lax' as const, path: '/', secure, maxAge: DEVICE_COOKIE_MAX_AGE_SEC };
  return {
    name,
    read: (request) => {
      const value = request.cookies[name];
      return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    },
    set: (reply, token) => {
      reply.setCookie(name, token, options);
    },
  };
}

export function deviceHash(token: string): Buffer {
  return sha256(`device:${token}`);
}

const moscowDayTime = new Intl.DateTimeFormat('ru-RU', {
  timeZone: 'Europe/Moscow',
  day: '2-digit',
  month: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** «CarCapital: вход … (Chrome на Android) 25.11 в 12:00 мск. …» — no code, no link, nothing to steal. */
export function newDeviceSmsText(userAgent: string, at: Date): string {
  const parts = Object.fromEntries(moscowDayTime.formatToParts(at).map((part) => [part.type, part.value]));
  return (
    `CarCapital: вход в личный кабинет с нового устройства (${describeDevice(userAgent)}) ${parts.day}.${parts.month} в ${parts.hour}:${parts.minute} мск. ` +
    'Если это были не вы, завершите сеансы в разделе «Профиль» и напишите в поддержку.'
  );
}

/**
 * Called by the login inside its transaction, before the new session is written. Returns the device
 * token the browser must keep (the one it sent, or a new one).
 */
export async function recordLoginDevice(
  deps: SmsOutboxDeps,
  trx: Transaction<DB>,
  login: { customerId: string; phone: string; deviceToken: string | undefined; userAgent: string; now: Date },
): Promise<string> {
  const token = login.deviceToken ?? deps.random.sessionToken();
  const userAgent = login.userAgent.slice(0, 500);
  const inserted = await trx
    .insertInto('customer_devices')
    .values({
      id: deps.random.uuid(),
      customer_id: login.customerId,
      device_hash: deviceHash(token),
      user_agent: userAgent,
      first_seen_at: login.now,
      last_seen_at: login.now,
    })
    // A parallel login from the same new browser waits here for the first and then finds it known:
    // one notice, not two.
    .onConflict((oc) => oc.columns(['customer_id', 'device_hash']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    await trx
      .updateTable('customer_devices')
      .set({ last_seen_at: login.now, user_agent: userAgent })
      .where('customer_id', '=', login.customerId)
      .where('device_hash', '=', deviceHash(token))
      .execute();
    return token;
  }
  const earlier = await trx.selectFrom('sessions').select('id').where('customer_id', '=', login.customerId).limit(1).executeTakeFirst();
  if (earlier) await queueSms(deps, trx, { to: login.phone, text: newDeviceSmsText(login.userAgent, login.now), kind: 'notice' });
  return token;
}
