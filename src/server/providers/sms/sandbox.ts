import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import { openWith, sealWith, type Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import type { Random } from '../../random';
import { SmsDeliveryError, type SmsProvider } from './port';
import { createSendFaults } from '../sandbox-control';

/**
 * The sandbox SMS gateway. It behaves like a vendor: accepts a message, stores it, answers with a
 * message id, dedupes by the idempotency key; it can be made slow or failing for tests. Outside
 * production its messages are readable on the dev SMS page, so anyone can log in without a phone.
 */

export type SandboxSmsProvider = SmsProvider & {
  /** Test control: the next `count` sends fail with the given retryability. */
  failNext: (count: number, retryable?: boolean) => void;
  setLatency: (ms: number) => void;
  list: (filter: { phone?: string; limit?: number }) => Promise<{ to: string; text: string; sentAt: Date }[]>;
};

const aadFor = (id: string) => `sandbox_sms.text:${id}`;

export function createSandboxSmsProvider(deps: { db: Kysely<DB>; clock: Clock; keys: Keys; random: Random }): SandboxSmsProvider {
  const faults = createSendFaults((retryable) => new SmsDeliveryError('sandbox: simulated gateway failure', retryable));
  return {
    name: 'sandbox',
    failNext: faults.failNext,
    setLatency: faults.setLatency,
    async send(message) {
      await faults.beforeSend();
      const id = deps.random.uuid();
      const inserted = await deps.db
        .insertInto('sandbox_sms')
        .values({
          id,
          idempotency_key: message.idempotencyKey,
          to_phone: message.to,
          text_ciphertext: sealWith(deps.keys, message.text, aadFor(id)),
          sent_at: deps.clock.now(),
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return { providerMessageId: inserted.id };
      const existing = await deps.db
        .selectFrom('sandbox_sms')
        .select('id')
        .where('idempotency_key', '=', message.idempotencyKey)
        .executeTakeFirstOrThrow();
      return { providerMessageId: existing.id };
    },
    async list({ phone, limit = 50 }) {
      let query = deps.db.selectFrom('sandbox_sms').selectAll().orderBy('seq', 'desc').limit(limit);
      if (phone) query = query.where('to_phone', '=', phone);
      const rows = await query.execute();
      return rows.map((row) => ({
        to: row.to_phone,
        text: openWith(deps.keys, row.text_ciphertext, aadFor(row.id)),
        sentAt: row.sent_at,
      }));
    },
  };
}
