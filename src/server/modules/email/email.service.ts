import type { Kysely, Transaction } from 'kysely';
import { DAY_MS, HOUR_MS, type Clock } from '../../../core/clock';
import { hmacSha256, sha256, type Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import type { JobQueue } from '../../jobs/queue';
import { openField, sealField } from '../../pii';
import type { Random } from '../../random';
import type { Actor } from '../auth/auth.service';
import { queueEmail } from '../notifications/email-outbox';
import * as repo from './email.repo';

/**
 * Customer email addresses: sealed at rest, found by a keyed hash, and used for notices only after
 * the customer followed the confirmation link sent to them (anyone can type someone else's
 * address). The link carries a 32-byte random token; only its SHA-256 is stored; it lives 24 h,
 * works once, and a new request replaces it. Sends are limited per customer, since each one mails
 * an address the customer merely claims.
 */

export type EmailDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
  publicUrl: URL;
};

export const LINK_TTL_MS = 24 * HOUR_MS;
/** Links sent per customer: per hour and per day (sliding windows). */
export const LINK_LIMITS = [
  { windowMs: HOUR_MS, max: 5 },
  { windowMs: DAY_MS, max: 10 },
] as const;

const EMAIL_FIELD = { table: 'customer_emails', column: 'email_ct' } as const;

/** Addresses compare case-insensitively (every real mailbox provider treats them so). */
export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

export function emailHash(keys: Keys, address: string): Buffer {
  return hmacSha256(keys.lookupKey, `email:${normalizeEmail(address)}`);
}

export function sealEmail(keys: Keys, customerId: string, address: string): Buffer {
  return sealField(keys, { ...EMAIL_FIELD, rowId: customerId }, address);
}

export function openEmail(keys: Keys, customerId: string, sealed: Uint8Array): string {
  return openField(keys, { ...EMAIL_FIELD, rowId: customerId }, sealed);
}

/** The customer's address if they confirmed it; `null` when there is none or it is unconfirmed. */
export async function confirmedEmailOf(db: Kysely<DB> | Transaction<DB>, keys: Keys, customerId: string): Promise<string | null> {
  const row = await repo.findCustomerEmail(db, customerId);
  if (!row || !row.confirmed_at) return null;
  return openEmail(keys, customerId, row.email_ct);
}

/** Jobs that adopt the email typed in a submitted questionnaire (see `adoptQuestionnaireEmail`). */
export const QUESTIONNAIRE_EMAIL_QUEUE = 'email.from-questionnaire';

export type EmailView = { email: string | null; confirmed: boolean };

export async function getEmail(deps: Pick<EmailDeps, 'db' | 'keys'>, actor: Actor): Promise<EmailView> {
  const row = await repo.findCustomerEmail(deps.db, actor.customerId);
  if (!row) return { email: null, confirmed: false };
  return { email: openEmail(deps.keys, actor.customerId, row.email_ct), confirmed: row.confirmed_at !== null };
}

/** Seconds until the oldest send in a full window leaves it, or null while every window has room. */
function retryAfterSec(sentAt: Date[], now: Date): number | null {
  let wait = 0;
  for (const limit of LINK_LIMITS) {
    const inWindow = sentAt.filter((at) => at.getTime() > now.getTime() - limit.windowMs);
    if (inWindow.length < limit.max) continue;
    const frees = inWindow[inWindow.length - limit.max]!.getTime() + limit.windowMs;
    wait = Math.max(wait, Math.ceil((frees - now.getTime()) / 1000));
  }
  return wait > 0 ? wait : null;
}

export function confirmationLink(publicUrl: URL, token: string): string {
  const url = new URL('/email/confirm', publicUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * Stores the address (unconfirmed) and mails it a fresh link, replacing any earlier one. Inside
 * the caller's transaction, which has locked the customer. At a send limit nothing changes and the
 * wait in seconds comes back instead.
 */
async function sendLink(deps: EmailDeps, trx: Transaction<DB>, customerId: string, address: string): Promise<{ limitedForSec: number | null }> {
  const now = deps.clock.now();
  const sent = await repo.linksSentSince(trx, customerId, new Date(now.getTime() - Math.max(...LINK_LIMITS.map((l) => l.windowMs))));
  const wait = retryAfterSec(sent, now);
  if (wait !== null) return { limitedForSec: wait };
  const hash = emailHash(deps.keys, address);
  await repo.upsertCustomerEmail(trx, { customerId, emailCt: sealEmail(deps.keys, customerId, address), emailHash: hash, now });
  await repo.replaceActiveLinks(trx, customerId);
  const token = deps.random.bytes(32).toString('base64url');
  await repo.insertLink(trx, {
    id: deps.random.uuid(),
    customerId,
    emailHash: hash,
    tokenHash: sha256(token),
    now,
    expiresAt: new Date(now.getTime() + LINK_TTL_MS),
  });
  await queueEmail(deps, trx, {
    to: address,
    subject: 'Подтвердите адрес электронной почты — CarCapital',
    text: [
      'Здравствуйте!',
      '',
      'Этот адрес указали в личном кабинете CarCapital. Чтобы подтвердить его, откройте ссылку:',
      confirmationLink(deps.publicUrl, token),
      '',
      'Ссылка действует 24 часа и срабатывает один раз. Если вы не указывали этот адрес, просто не открывайте её: без подтверждения мы не пишем на него.',
      '',
      'CarCapital',
    ].join('\n'),
    kind: 'confirm_address',
  });
  return { limitedForSec: null };
}

/**
 * `PUT /api/profile/email`: sets or changes the address and sends the link; the same unconfirmed
 * address again sends a new link (resend); the same confirmed address changes nothing.
 */
export async function requestEmail(deps: EmailDeps, actor: Actor, address: string): Promise<EmailView> {
  const email = address.trim();
  return deps.db.transaction().execute(async (trx) => {
    if (!(await repo.lockCustomer(trx, actor.customerId))) throw new AppError('unauthorized');
    const current = await repo.findCustomerEmail(trx, actor.customerId);
    if (current?.confirmed_at && Buffer.from(current.email_hash).equals(emailHash(deps.keys, email))) {
      return { email: openEmail(deps.keys, actor.customerId, current.email_ct), confirmed: true };
    }
    const { limitedForSec } = await sendLink(deps, trx, actor.customerId, email);
    if (limitedForSec !== null) {
      throw new AppError('too_many_requests', 'Слишком много писем с подтверждением. Попробуйте позже.', { retryAfterSec: limitedForSec });
    }
    return { email, confirmed: false };
  });
}

/** `POST /api/profile/email/confirm`: the token alone says whose address it confirms. */
export async function confirmEmail(deps: Pick<EmailDeps, 'db' | 'clock'>, token: string): Promise<{ confirmed: true }> {
  const tokenHash = sha256(token);
  const now = deps.clock.now();
  const done = await deps.db.transaction().execute(async (trx) => {
    const link = await repo.useLink(trx, tokenHash, now);
    if (!link) return false;
    // A link for an address the customer has since changed confirms nothing (a new one replaced it anyway).
    return repo.confirmAddress(trx, link.customer_id, link.email_hash, now);
  });
  if (done) return { confirmed: true };
  const link = await repo.findLink(deps.db, tokenHash);
  if (link?.status === 'active' && link.expires_at.getTime() <= now.getTime()) throw new AppError('email_link_expired');
  throw new AppError('email_link_invalid');
}

/**
 * The questionnaire asked for an email: when the customer has no address yet, that one is stored
 * and a link is sent, as if they had typed it in the profile. Best effort: at the send limit, or
 * with an address already there, nothing happens.
 */
export async function adoptQuestionnaireEmail(deps: EmailDeps, customerId: string, address: string): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    if (!(await repo.lockCustomer(trx, customerId))) return false;
    if (await repo.findCustomerEmail(trx, customerId)) return false;
    const { limitedForSec } = await sendLink(deps, trx, customerId, address.trim());
    return limitedForSec === null;
  });
}
