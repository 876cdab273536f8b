import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../core/clock';
import { deriveKeys, sha256 } from '../../crypto';
import { cryptoRandom } from '../../random';
import { customerClient, decidedApplication, questionnaire } from '../../testing/applicant';
import { createTestSystem, login, nextPhone, runJobs, TEST_ORIGIN, useTestSystem } from '../../testing/test-system';
import { notifyCustomer } from '../notifications/notify';
import { confirmedEmailOf } from './email.service';

const system = useTestSystem();

type Customer = { cookie: string; phone: string; id: string };

async function customer(): Promise<Customer> {
  const phone = nextPhone();
  const cookie = await login(system, phone);
  const row = await system.database.db.selectFrom('customers').select('id').where('phone', '=', phone).executeTakeFirstOrThrow();
  return { cookie, phone, id: row.id };
}

const setEmail = (who: Customer, email: unknown) =>
  system.app.inject({
    method: 'PUT',
    url: '/api/profile/email',
    headers: { origin: TEST_ORIGIN, cookie: who.cookie, 'content-type': 'application/json' },
    payload: JSON.stringify({ email }),
  });
async function relogin(who: Customer): Promise<void> {
  who.cookie = await login(system, who.phone);
}
const getEmail = (who: Customer) => system.get('/api/profile/email', { cookie: who.cookie });
const confirm = (token: string, headers: Record<string, string> = {}) => system.post('/api/profile/email/confirm', { token }, headers);

/** The token of the newest confirmation link mailed to `address` (delivers pending mail first). */
async function lastLinkTo(address: string): Promise<{ url: string; token: string }> {
  await runJobs(system);
  const [mail] = await system.sandboxEmail!.list({ to: address, limit: 1 });
  const url = mail ? /https?:\/\/\S+\/email\/confirm\?token=\S+/.exec(mail.text)?.[0] : undefined;
  if (!url) throw new Error(`no confirmation link was mailed to ${address}`);
  return { url, token: new URL(url).searchParams.get('token')! };
}

const keys = () => deriveKeys(system.config.appSecret!);

describe('customer email address', () => {
  it('is for the logged-in customer only', async () => {
    expect((await system.get('/api/profile/email')).statusCode).toBe(401);
    const response = await system.app.inject({
      method: 'PUT',
      url: '/api/profile/email',
      headers: { origin: TEST_ORIGIN, 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@example.ru' }),
    });
    expect(response.statusCode).toBe(401);
  });

  it('refuses what is not an address, in Russian', async () => {
    const maria = await customer();
    for (const bad of ['', 'maria', 'maria@', '@example.ru', 'maria@example', 'ma ria@example.ru', `${'a'.repeat(65)}@example.ru`, 42]) {
      const response = await setEmail(maria, bad);
      expect(response.statusCode, String(bad)).toBe(400);
      expect(response.json().error.fields.email).toMatch(/[а-я]/);
    }
    expect((await getEmail(maria)).json()).toEqual({ email: null, confirmed: false });
  });

  it('is stored sealed, mailed a link that confirms it once, then used', async () => {
    const maria = await customer();
    const set = await setEmail(maria, '  Maria.Ivanova@Example.ru ');
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ email: 'Maria.Ivanova@Example.ru', confirmed: false });
    expect((await getEmail(maria)).json()).toEqual({ email: 'Maria.Ivanova@Example.ru', confirmed: false });

    const row = await system.database.db.selectFrom('customer_emails').selectAll().where('customer_id', '=', maria.id).executeTakeFirstOrThrow();
    expect(Buffer.from(row.email_ct).toString('latin1')).not.toMatch(/maria/i);

    const { url, token } = await lastLinkTo('maria.ivanova@example.ru');
    expect(url.startsWith(`${TEST_ORIGIN}/email/confirm?token=`)).toBe(true);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    // Only the SHA-256 of the token is kept.
    const link = await system.database.db.selectFrom('email_confirmations').selectAll().where('customer_id', '=', maria.id).executeTakeFirstOrThrow();
    expect(Buffer.from(link.token_hash).equals(sha256(token))).toBe(true);
    expect(link.expires_at.getTime() - link.created_at.getTime()).toBe(24 * HOUR_MS);
    expect(await confirmedEmailOf(system.database.db, keys(), maria.id)).toBeNull();

    // Public: the link may be opened in another browser, without the session.
    const confirmed = await confirm(token);
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toEqual({ confirmed: true });
    expect((await getEmail(maria)).json()).toEqual({ email: 'Maria.Ivanova@Example.ru', confirmed: true });
    expect(await confirmedEmailOf(system.database.db, keys(), maria.id)).toBe('Maria.Ivanova@Example.ru');

    const again = await confirm(token);
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('email_link_invalid');
    expect(again.json().error.message).toMatch(/[а-я]/);

    // Setting the same confirmed address again changes nothing and mails nothing.
    const mailed = (await system.sandboxEmail!.list()).length;
    expect((await setEmail(maria, 'maria.ivanova@example.ru')).json()).toEqual({ email: 'Maria.Ivanova@Example.ru', confirmed: true });
    await runJobs(system);
    expect(await system.sandboxEmail!.list()).toHaveLength(mailed);
  });

  it('a link expires after 24 hours', async () => {
    const maria = await customer();
    await setEmail(maria, 'late@example.ru');
    const { token } = await lastLinkTo('late@example.ru');
    system.clock.advance(24 * HOUR_MS);
    const expired = await confirm(token);
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error.code).toBe('email_link_expired');
    expect(expired.json().error.message).toMatch(/Срок действия ссылки истёк/);
    expect(await confirmedEmailOf(system.database.db, keys(), maria.id)).toBeNull();

    const fresh = await customer();
    await setEmail(fresh, 'intime@example.ru');
    const link = await lastLinkTo('intime@example.ru');
    system.clock.advance(24 * HOUR_MS - SECOND_MS);
    expect((await confirm(link.token)).statusCode).toBe(200);
  });

  it('an unknown or malformed token is refused', async () => {
    const unknown = await confirm(cryptoRandom.bytes(32).toString('base64url'));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('email_link_invalid');
    const empty = await confirm('');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.fields.token).toMatch(/[а-я]/);
  });

  it('a new request replaces the earlier link; a link for an older address confirms nothing', async () => {
    const maria = await customer();
    await setEmail(maria, 'first@example.ru');
    const first = await lastLinkTo('first@example.ru');
    await setEmail(maria, 'first@example.ru'); // «Отправить ссылку ещё раз»
    const resent = await lastLinkTo('first@example.ru');
    expect(resent.token).not.toBe(first.token);
    expect((await confirm(first.token)).json().error.code).toBe('email_link_invalid');

    await setEmail(maria, 'second@example.ru');
    expect((await confirm(resent.token)).json().error.code).toBe('email_link_invalid');
    expect((await getEmail(maria)).json()).toEqual({ email: 'second@example.ru', confirmed: false });
    const second = await lastLinkTo('second@example.ru');
    expect((await confirm(second.token)).statusCode).toBe(200);
    expect((await getEmail(maria)).json()).toEqual({ email: 'second@example.ru', confirmed: true });
  });

  it('a customer’s link confirms only their own address, whoever opens it', async () => {
    const anna = await customer();
    const boris = await customer();
    await setEmail(anna, 'anna@example.ru');
    await setEmail(boris, 'boris@example.ru');
    const annas = await lastLinkTo('anna@example.ru');
    // Boris, logged in, posts Anna's token: it confirms Anna's address, never his.
    expect((await confirm(annas.token, { cookie: boris.cookie })).statusCode).toBe(200);
    expect((await getEmail(anna)).json()).toEqual({ email: 'anna@example.ru', confirmed: true });
    expect((await getEmail(boris)).json()).toEqual({ email: 'boris@example.ru', confirmed: false });
    expect(await confirmedEmailOf(system.database.db, keys(), boris.id)).toBeNull();

    // And a link sent to an address Boris typed is not a way into Anna's: it confirms Boris's row only.
    await setEmail(boris, 'anna@example.ru');
    const borisLink = await lastLinkTo('anna@example.ru');
    expect(borisLink.token).not.toBe(annas.token);
    expect((await confirm(borisLink.token)).statusCode).toBe(200);
    const rows = await system.database.db.selectFrom('customer_emails').select(['customer_id', 'confirmed_at']).execute();
    expect(rows.filter((r) => r.confirmed_at !== null).map((r) => r.customer_id).sort()).toEqual([anna.id, boris.id].sort());
  });

  it('sends at most 5 links an hour and 10 a day (429 with Retry-After)', async () => {
    const maria = await customer();
    for (let i = 0; i < 5; i += 1) {
      expect((await setEmail(maria, `m${i}@example.ru`)).statusCode).toBe(200);
      system.clock.advance(MINUTE_MS);
    }
    const limited = await setEmail(maria, 'm5@example.ru');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('too_many_requests');
    // The first send was 5 minutes ago: the hour window frees in 55 minutes.
    expect(Number(limited.headers['retry-after'])).toBe(55 * 60);
    // Nothing changed: the address is still the last one that went through.
    expect((await getEmail(maria)).json().email).toBe('m4@example.ru');

    system.clock.advance(55 * MINUTE_MS);
    await relogin(maria); // the session's idle timeout has passed meanwhile
    // Retry-After was exact: one slot is free now, the next ones as the earlier sends age out.
    expect((await setEmail(maria, 'm5@example.ru')).statusCode).toBe(200);
    expect((await setEmail(maria, 'm6@example.ru')).statusCode).toBe(429);
    system.clock.advance(5 * MINUTE_MS);
    for (let i = 6; i < 10; i += 1) {
      expect((await setEmail(maria, `m${i}@example.ru`)).statusCode).toBe(200);
    }
    system.clock.advance(HOUR_MS);
    await relogin(maria);
    const daily = await setEmail(maria, 'm10@example.ru');
    expect(daily.statusCode).toBe(429);
    expect(Number(daily.headers['retry-after'])).toBeGreaterThan(20 * 3600);

    // Another customer is not affected.
    expect((await setEmail(await customer(), 'other@example.ru')).statusCode).toBe(200);
  });

  it('notifyCustomer emails only a confirmed address; the SMS always goes', async () => {
    const maria = await customer();
    const notice = { sms: 'Ответ поддержки в личном кабинете.', email: { subject: 'Ответ поддержки', text: 'Мы ответили на ваше обращение.' } };
    const notify = () =>
      system.database.db.transaction().execute((trx) =>
        notifyCustomer({ clock: system.clock, random: cryptoRandom, keys: keys(), jobs: system.jobs }, trx, maria.id, notice),
      );
    const noticesTo = async (address: string) => (await system.sandboxEmail!.list({ to: address })).filter((m) => m.subject === 'Ответ поддержки');
    const smsNotices = async () => (await system.sandboxSms!.list({ phone: maria.phone })).filter((m) => m.text === notice.sms);

    await notify(); // no address at all
    await runJobs(system);
    expect(await smsNotices()).toHaveLength(1);

    await setEmail(maria, 'maria@example.ru');
    await notify(); // an unconfirmed address is never used
    await runJobs(system);
    expect(await noticesTo('maria@example.ru')).toHaveLength(0);
    expect(await smsNotices()).toHaveLength(2);

    await confirm((await lastLinkTo('maria@example.ru')).token);
    await notify();
    await runJobs(system);
    expect(await noticesTo('maria@example.ru')).toMatchObject([{ subject: 'Ответ поддержки', text: notice.email.text }]);
    expect(await smsNotices()).toHaveLength(3);

    // Without an email part, only the SMS.
    await system.database.db.transaction().execute((trx) =>
      notifyCustomer({ clock: system.clock, random: cryptoRandom, keys: keys(), jobs: system.jobs }, trx, maria.id, { sms: notice.sms }),
    );
    await runJobs(system);
    expect(await noticesTo('maria@example.ru')).toHaveLength(1);
    expect(await smsNotices()).toHaveLength(4);
  });

  it('the questionnaire’s email becomes the address to confirm when there is none yet', async () => {
    const { api } = await decidedApplication(system);
    expect((await api.get('/api/profile/email')).json()).toEqual({ email: 'maria@example.ru', confirmed: false });
    const { token } = await lastLinkTo('maria@example.ru');
    expect((await confirm(token)).statusCode).toBe(200);
    expect((await api.get('/api/profile/email')).json()).toEqual({ email: 'maria@example.ru', confirmed: true });
  });

  it('the questionnaire’s email does not replace an address the customer already has', async () => {
    const own = await customer();
    await setEmail(own, 'own@example.ru');
    await runJobs(system);
    const before = (await system.sandboxEmail!.list()).length;
    const api = customerClient(system, own.cookie);
    const id = (await api.create()).json().id as string;
    expect((await api.patch(id, questionnaire())).statusCode).toBe(200);
    expect((await api.consents(id)).statusCode).toBe(200);
    expect((await api.submit(id)).statusCode).toBe(202);
    await runJobs(system);
    expect((await getEmail(own)).json()).toEqual({ email: 'own@example.ru', confirmed: false });
    expect(await system.sandboxEmail!.list()).toHaveLength(before);
  });
});

describe('dev email page API', () => {
  it('lists the sandbox mail, newest first, filtered by address', async () => {
    const maria = await customer();
    await setEmail(maria, 'dev@example.ru');
    await runJobs(system);
    const all = await system.get('/api/dev/email');
    expect(all.statusCode).toBe(200);
    expect(all.json()[0]).toMatchObject({ to: 'dev@example.ru', subject: expect.stringMatching(/Подтвердите/), text: expect.stringContaining('/email/confirm?token=') });
    expect((await system.get('/api/dev/email?to=DEV@example.ru')).json()).toHaveLength(1);
    expect((await system.get('/api/dev/email?to=nobody@example.ru')).json()).toHaveLength(0);
  });

  it('is not there without the dev tools, nor with a real email provider', async () => {
    const setups: { env: Record<string, string>; sandbox: boolean }[] = [
      { env: { SMS_PROVIDER: 'smsru', SMSRU_API_ID: 'key' }, sandbox: true },
      { env: { EMAIL_PROVIDER: 'smtp', SMTP_HOST: '127.0.0.1' }, sandbox: false },
    ];
    for (const { env, sandbox } of setups) {
      const other = await createTestSystem({ env });
      try {
        expect((await other.get('/api/dev/email')).statusCode).toBe(404);
        expect(other.sandboxEmail !== null).toBe(sandbox);
      } finally {
        await other.close();
      }
    }
  });
});
