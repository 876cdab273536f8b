import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { nextPhone, useTestSystem } from '../../testing/test-system';

const system = useTestSystem();

const outbox = () => system.database.db.selectFrom('sms_outbox').selectAll().execute();

describe('SMS outbox', () => {
  it('writes the message and its job with the state change, and delivers it once through the port', async () => {
    const phone = nextPhone();
    await system.post('/api/auth/otp', { phone });
    const [queued] = await outbox();
    expect(queued).toMatchObject({ to_phone: phone, kind: 'login_code', delivered_at: null });
    expect(await system.sandboxSms!.list({ phone })).toHaveLength(0);

    expect(await system.jobs.drain()).toBe(1);
    const [delivered] = await outbox();
    expect(delivered!.delivered_at).not.toBeNull();
    expect(delivered!.provider_message_id).toBeTruthy();
    expect(Buffer.from(delivered!.text_ciphertext)).toHaveLength(0); // the code is wiped once delivered
    expect(await system.sandboxSms!.list({ phone })).toHaveLength(1);
  });

  it('no SMS when the request was refused: nothing is written', async () => {
    await system.post('/api/auth/otp', { phone: '+1 202 555 0100' });
    expect(await outbox()).toHaveLength(0);
    expect(await system.jobs.drain()).toBe(0);
  });

  it('retries a gateway failure and delivers exactly once', async () => {
    const phone = nextPhone();
    system.sandboxSms!.failNext(1, true);
    await system.post('/api/auth/otp', { phone });
    await system.jobs.drain();
    expect((await outbox())[0]!.delivered_at).toBeNull();
    // pg-boss schedules the retry with a delay; make it due now.
    await sql`UPDATE pgboss.job SET start_after = now() WHERE state = 'retry'`.execute(system.database.db);
    await system.jobs.drain();
    expect((await outbox())[0]!.delivered_at).not.toBeNull();
    expect(await system.sandboxSms!.list({ phone })).toHaveLength(1);
  });

  it('a redelivered job does not send the SMS twice', async () => {
    const phone = nextPhone();
    await system.post('/api/auth/otp', { phone });
    await system.jobs.drain();
    const [row] = await outbox();
    await system.jobs.enqueue(system.database.db, 'sms.deliver', { outboxId: row!.id });
    await system.jobs.drain();
    expect(await system.sandboxSms!.list({ phone })).toHaveLength(1);
  });

  it('a definitive refusal by the gateway is recorded, not retried', async () => {
    const phone = nextPhone();
    system.sandboxSms!.failNext(1, false);
    await system.post('/api/auth/otp', { phone });
    await system.jobs.drain();
    const [row] = await outbox();
    expect(row!.failed_at).not.toBeNull();
    expect(row!.last_error).toMatch(/simulated/);
    expect(await system.sandboxSms!.list({ phone })).toHaveLength(0);
  });
});
