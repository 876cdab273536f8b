import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import { openWith, sealWith, type Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import type { Random } from '../../random';
import { EmailDeliveryError, type EmailProvider } from './port';
import { createSendFaults } from '../sandbox-control';

/**
 * The sandbox email provider. It behaves like a mail relay: accepts a message, stores it, answers
 * with a message id, dedupes by the idempotency key; it can be made slow or failing for tests.
 * Outside production its messages are readable on the dev email page (/dev/email), so a
 * confirmation link can be followed without a real mailbox. Messages are sealed at rest.
 */

export type SandboxEmail = { id: string; to: string; subject: string; text: string; sentAt: Date };

export type SandboxEmailProvider = EmailProvider & {
  /** Test control: the next `count` sends fail with the given retryability. */
  failNext: (count: number, retryable?: boolean) => void;
  setLatency: (ms: number) => void;
  /** Newest first; `to` filters by the exact address (case-insensitive). */
  list: (filter?: { to?: string; limit?: number }) => Promise<SandboxEmail[]>;
};

const aadFor = (id: string) => `sandbox_email.message:${id}`;

export function createSandboxEmailProvider(deps: { db: Kysely<DB>; clock: Clock; keys: Keys; random: Random }): SandboxEmailProvider {
  const faults = createSendFaults((retryable) => new EmailDeliveryError('sandbox: simulated mail relay failure', retryable));
  return {
    name: 'sandbox',
    failNext: faults.failNext,
    setLatency: faults.setLatency,
    async send(message) {
      await faults.beforeSend();
      const id = deps.random.uuid();
      const body = JSON.stringify({ to: message.to, subject: message.subject, text: message.text });
      const inserted = await deps.db
        .insertInto('sandbox_email')
        .values({
          id,
          idempotency_key: message.idempotencyKey,
          message_ciphertext: sealWith(deps.keys, body, aadFor(id)),
          sent_at: deps.clock.now(),
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return { providerMessageId: inserted.id };
      const existing = await deps.db
        .selectFrom('sandbox_email')
        .select('id')
        .where('idempotency_key', '=', message.idempotencyKey)
        .executeTakeFirstOrThrow();
      return { providerMessageId: existing.id };
    },
    async list({ to, limit = 50 } = {}) {
      // The address is sealed, so a filter reads a wider window and picks from it (dev volumes are small).
      const rows = await deps.db
        .selectFrom('sandbox_email')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(to ? Math.max(limit, 500) : limit)
        .execute();
      const messages = rows.map((row) => {
        const body = JSON.parse(openWith(deps.keys, row.message_ciphertext, aadFor(row.id))) as {
          to: string;
          subject: string;
          text: string;
        };
        return { id: row.id, ...body, sentAt: row.sent_at };
      });
      const wanted = to?.trim().toLowerCase();
      return (wanted ? messages.filter((m) => m.to.toLowerCase() === wanted) : messages).slice(0, limit);
    },
  };
}
