import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import { openWith, sealWith, type Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import type { Random } from '../../random';
import { EmailDeliveryError, type EmailProvider } from '../../providers/email/port';

/**
 * Outgoing email, the same outbox as SMS: `queueEmail` is called inside the transaction that
 * decided to send; it writes the sealed message and a job. The job delivers it at least once
 * through the email port (the outbox id is the idempotency key) and wipes the message afterwards;
 * a redelivered job finds `delivered_at` set and stops.
 */

export const EMAIL_QUEUE = 'email.deliver';

export type EmailKind = 'confirm_address' | 'notice' | 'support_reply' | 'deletion';

export type EmailOutboxDeps = {
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
};

export type OutgoingEmail = { to: string; subject: string; text: string };

const aadFor = (id: string) => `email_outbox.message:${id}`;

export async function queueEmail(
  deps: EmailOutboxDeps,
  trx: Transaction<DB>,
  message: { to: string; subject: string; text: string; kind: EmailKind },
): Promise<string> {
  const id = deps.random.uuid();
  const body: OutgoingEmail = { to: message.to, subject: message.subject, text: message.text };
  await trx
    .insertInto('email_outbox')
    .values({
      id,
      message_ciphertext: sealWith(deps.keys, JSON.stringify(body), aadFor(id)),
      kind: message.kind,
      created_at: deps.clock.now(),
    })
    .execute();
  await deps.jobs.enqueue(trx, EMAIL_QUEUE, { outboxId: id });
  return id;
}

/** `ivan.petrov@mail.ru` → `i***@mail.ru`: enough for a log line, not the address. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

export function createEmailDeliveryHandler(deps: {
  db: Kysely<DB>;
  clock: Clock;
  keys: Keys;
  email: EmailProvider;
  logger: Logger;
}) {
  return async (data: Record<string, unknown>): Promise<void> => {
    const outboxId = String(data.outboxId);
    const row = await deps.db.selectFrom('email_outbox').selectAll().where('id', '=', outboxId).executeTakeFirst();
    if (!row || row.delivered_at || row.failed_at) return;
    const message = JSON.parse(openWith(deps.keys, row.message_ciphertext, aadFor(row.id))) as OutgoingEmail;
    try {
      const result = await deps.email.send({ ...message, idempotencyKey: row.id });
      await deps.db
        .updateTable('email_outbox')
        .set({ delivered_at: deps.clock.now(), provider_message_id: result.providerMessageId, message_ciphertext: new Uint8Array() })
        .where('id', '=', row.id)
        .execute();
      deps.logger.info({ outboxId: row.id, to: maskEmail(message.to), kind: row.kind, provider: deps.email.name }, 'email delivered');
    } catch (error) {
      if (error instanceof EmailDeliveryError && !error.retryable) {
        await deps.db
          .updateTable('email_outbox')
          .set({ failed_at: deps.clock.now(), last_error: error.message.slice(0, 500), message_ciphertext: new Uint8Array() })
          .where('id', '=', row.id)
          .execute();
        deps.logger.error({ outboxId: row.id, to: maskEmail(message.to), err: error.message }, 'email refused');
        return;
      }
      throw error;
    }
  };
}
