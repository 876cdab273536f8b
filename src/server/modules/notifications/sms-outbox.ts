import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import { maskPhone } from '../../../core/phone';
import { openWith, sealWith, type Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import type { Random } from '../../random';
import { SmsDeliveryError, type SmsProvider } from '../../providers/sms/port';

/**
 * Outgoing SMS. `queueSms` is called inside the transaction that decided to send: it writes the
 * message (encrypted: it may carry a code) and a job. The job delivers it at least once through
 * the SMS port and wipes the text afterwards; a redelivered job finds `delivered_at` set and stops.
 */

export const SMS_QUEUE = 'sms.deliver';

export type SmsKind = 'login_code' | 'step_up_code' | 'notice';

export type SmsOutboxDeps = {
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
};

const aadFor = (id: string) => `sms_outbox.text:${id}`;

export async function queueSms(
  deps: SmsOutboxDeps,
  trx: Transaction<DB>,
  message: { to: string; text: string; kind: SmsKind },
): Promise<string> {
  const id = deps.random.uuid();
  await trx
    .insertInto('sms_outbox')
    .values({
      id,
      to_phone: message.to,
      text_ciphertext: sealWith(deps.keys, message.text, aadFor(id)),
      kind: message.kind,
      created_at: deps.clock.now(),
    })
    .execute();
  await deps.jobs.enqueue(trx, SMS_QUEUE, { outboxId: id });
  return id;
}

export function createSmsDeliveryHandler(deps: {
  db: Kysely<DB>;
  clock: Clock;
  keys: Keys;
  sms: SmsProvider;
  logger: Logger;
}) {
  return async (data: Record<string, unknown>): Promise<void> => {
    const outboxId = String(data.outboxId);
    const row = await deps.db.selectFrom('sms_outbox').selectAll().where('id', '=', outboxId).executeTakeFirst();
    if (!row || row.delivered_at || row.failed_at) return;
    const text = openWith(deps.keys, row.text_ciphertext, aadFor(row.id));
    try {
      const result = await deps.sms.send({ to: row.to_phone, text, idempotencyKey: row.id });
      await deps.db
        .updateTable('sms_outbox')
        .set({ delivered_at: deps.clock.now(), provider_message_id: result.providerMessageId, text_ciphertext: new Uint8Array() })
        .where('id', '=', row.id)
        .execute();
      deps.logger.info({ outboxId: row.id, to: maskPhone(row.to_phone), kind: row.kind, provider: deps.sms.name }, 'sms delivered');
    } catch (error) {
      if (error instanceof SmsDeliveryError && !error.retryable) {
        await deps.db
          .updateTable('sms_outbox')
          .set({ failed_at: deps.clock.now(), last_error: error.message.slice(0, 500), text_ciphertext: new Uint8Array() })
          .where('id', '=', row.id)
          .execute();
        deps.logger.error({ outboxId: row.id, to: maskPhone(row.to_phone), err: error.message }, 'sms refused by provider');
        return;
      }
      throw error;
    }
  };
}
