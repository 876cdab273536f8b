import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { deriveKeys } from '../../crypto';
import { cryptoRandom } from '../../random';
import { runJobs, useTestSystem } from '../../testing/test-system';
import { EMAIL_QUEUE, queueEmail } from './email-outbox';

const system = useTestSystem();

const outbox = () => system.database.db.selectFrom('email_outbox').selectAll().execute();
const deps = () => ({ clock: system.clock, random: cryptoRandom, keys: deriveKeys(system.config.appSecret!), jobs: system.jobs });
const letter = { to: 'maria@example.ru', subject: 'Ответ поддержки', text: 'Мы ответили на ваше обращение.', kind: 'notice' as const };

async function queue(message = letter): Promise<string> {
  return system.database.db.transaction().execute((trx) => queueEmail(deps(), trx, message));
}

describe('email outbox', () => {
  it('writes the sealed message and its job in the caller’s transaction; the job delivers it and wipes it', async () => {
    const id = await queue();
    const [queued] = await outbox();
    expect(queued).toMatchObject({ id, kind: 'notice', delivered_at: null, failed_at: null });
    // Sealed at rest: neither the address nor the text is readable in the row.
    const stored = Buffer.from(queued!.message_ciphertext).toString('latin1');
    expect(stored).not.toContain('maria@example.ru');
    expect(stored).not.toContain('Ответ');
    expect(await system.sandboxEmail!.list()).toHaveLength(0);

    expect(await system.jobs.drain()).toBe(1);
    const [delivered] = await outbox();
    expect(delivered!.delivered_at).toEqual(system.clock.now());
    expect(delivered!.provider_message_id).toBeTruthy();
    expect(Buffer.from(delivered!.message_ciphertext)).toHaveLength(0);
    const sent = await system.sandboxEmail!.list();
    expect(sent).toMatchObject([{ to: letter.to, subject: letter.subject, text: letter.text }]);
    expect(sent[0]!.id).toBe(delivered!.provider_message_id);
  });

  it('nothing is written or sent when the transaction rolls back', async () => {
    await expect(
      system.database.db.transaction().execute(async (trx) => {
        await queueEmail(deps(), trx, letter);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    expect(await outbox()).toHaveLength(0);
    expect(await system.jobs.drain()).toBe(0);
  });

  it('a job that runs twice sends the message once', async () => {
    const id = await queue();
    await system.jobs.drain();
    await system.jobs.enqueue(system.database.db, EMAIL_QUEUE, { outboxId: id });
    expect(await system.jobs.drain()).toBe(1);
    expect(await system.sandboxEmail!.list()).toHaveLength(1);
  });

  it('a crash between sending and recording is deduplicated by the idempotency key', async () => {
    const id = await queue();
    // The provider accepted the message but the job died before marking the row delivered.
    await system.sandboxEmail!.send({ to: letter.to, subject: letter.subject, text: letter.text, idempotencyKey: id });
    await system.jobs.drain();
    expect((await outbox())[0]!.delivered_at).not.toBeNull();
    expect(await system.sandboxEmail!.list()).toHaveLength(1);
  });

  it('retries a retryable failure and then delivers exactly once', async () => {
    system.sandboxEmail!.failNext(2, true);
    await queue();
    await system.jobs.drain();
    const [pending] = await outbox();
    expect(pending!.delivered_at).toBeNull();
    expect(pending!.failed_at).toBeNull();
    expect(Buffer.from(pending!.message_ciphertext).length).toBeGreaterThan(0); // kept for the retry
    await runJobs(system);
    expect((await outbox())[0]!.delivered_at).not.toBeNull();
    expect(await system.sandboxEmail!.list()).toHaveLength(1);
  });

  it('a definitive refusal is recorded, wiped and not retried', async () => {
    system.sandboxEmail!.failNext(1, false);
    await queue();
    await runJobs(system);
    const [row] = await outbox();
    expect(row!.failed_at).not.toBeNull();
    expect(row!.delivered_at).toBeNull();
    expect(row!.last_error).toMatch(/simulated/);
    expect(Buffer.from(row!.message_ciphertext)).toHaveLength(0);
    const retries = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${EMAIL_QUEUE} AND state = 'retry'`.execute(system.database.db);
    expect(retries.rows[0]!.n).toBe(0);
    expect(await system.sandboxEmail!.list()).toHaveLength(0);
  });
});
