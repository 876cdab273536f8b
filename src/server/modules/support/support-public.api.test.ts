import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../core/clock';
import { loginStaff } from '../../testing/staff';
import { createTestSystem, login, nextPhone, TEST_ORIGIN, useTestSystem, type TestSystem } from '../../testing/test-system';
import { PUBLIC_SMS_DEFAULT_MESSAGE } from './support.service';

const system = useTestSystem();
const URL = '/api/support/public/sms-problem';

let ipCounter = 0;
/** A distinct client address per call, so the per-IP limit stays out of tests about the phone. */
const nextIp = () => `10.8.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;

const send = (body: unknown, options: { ip?: string; on?: TestSystem; headers?: Record<string, string> } = {}) =>
  (options.on ?? system).app.inject({
    method: 'POST',
    url: URL,
    remoteAddress: options.ip ?? nextIp(),
    headers: { origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', ...options.headers },
    payload: JSON.stringify(body),
  });

const ticketsInDb = () => system.database.db.selectFrom('support_tickets').select(['id', 'customer_id', 'category', 'status']).execute();

describe('the public «Не приходит SMS» form', () => {
  it('answers 202 the same way for a customer’s phone and an unknown one; staff see both in the inbox, the customers never', async () => {
    const known = nextPhone();
    const customerCookie = await login(system, known);
    const unknown = nextPhone();

    const first = await send({ phone: known, message: 'Код не приходит уже час, оператор МТС.', contact: 'ivan@example.ru' });
    const second = await send({ phone: unknown });
    expect(first.statusCode, first.body).toBe(202);
    expect(second.statusCode, second.body).toBe(202);
    const a = first.json() as Record<string, unknown>;
    const b = second.json() as Record<string, unknown>;
    expect(Object.keys(a).sort()).toEqual(['dueDate', 'id', 'status']);
    expect({ ...a, id: 'x' }).toEqual({ ...b, id: 'x' });
    expect(a).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'new', dueDate: '2026-12-16' });
    expect(first.headers['content-length']).toBe(second.headers['content-length']);

    // Not linked to the account: the customer's cabinet does not show it, not even by id.
    const customerHeaders = { cookie: customerCookie };
    expect((await system.get('/api/support/tickets', customerHeaders)).json().items).toEqual([]);
    expect((await system.get(`/api/support/tickets/${a.id as string}`, customerHeaders)).statusCode).toBe(404);
    expect((await ticketsInDb()).map((t) => t.customer_id)).toEqual([null, null]);

    const agent = await loginStaff(system, ['support']);
    const inbox = (await agent.get('/api/staff/tickets?category=sms')).json() as { items: Record<string, unknown>[] };
    expect(inbox.items.map((t) => t.id).sort()).toEqual([a.id, b.id].sort());
    expect(inbox.items.find((t) => t.id === a.id)).toMatchObject({
      customerId: null,
      source: 'public',
      customerPhoneMasked: `+7******${known.slice(-4)}`,
      category: 'sms',
      subject: 'Не приходит SMS',
      status: 'new',
      dueDate: '2026-12-16',
    });
    const detail = (await agent.get(`/api/staff/tickets/${a.id as string}`)).json();
    const me = (await system.get('/api/me', customerHeaders)).json() as { id: string };
    expect(detail).toMatchObject({
      customer: null,
      publicRequest: { phone: known, contact: 'ivan@example.ru', matchedCustomerId: me.id },
      messages: [{ author: 'customer', body: 'Код не приходит уже час, оператор МТС.' }],
    });
    const other = (await agent.get(`/api/staff/tickets/${b.id as string}`)).json();
    expect(other).toMatchObject({ publicRequest: { phone: unknown, contact: null, matchedCustomerId: null }, messages: [{ body: PUBLIC_SMS_DEFAULT_MESSAGE }] });

    // The phone and the contact are sealed at rest.
    const raw = await system.database.db.selectFrom('support_tickets').select(['public_phone_ct', 'public_contact_ct']).where('id', '=', a.id as string).executeTakeFirstOrThrow();
    expect(Buffer.from(raw.public_phone_ct!).toString('latin1')).not.toContain(known.slice(2));
    expect(Buffer.from(raw.public_contact_ct!).toString('latin1')).not.toContain('example.ru');

    // A staff reply is recorded; no SMS goes to a number anyone could have typed.
    const replied = await agent.post(`/api/staff/tickets/${a.id as string}/replies`, { body: 'Проверили: оператор блокировал короткие номера. Попробуйте снова.' });
    expect(replied.statusCode, replied.body).toBe(201);
    expect(replied.json().status).toBe('waiting_customer');
    expect((await agent.patch(`/api/staff/tickets/${a.id as string}`, { status: 'resolved' })).statusCode).toBe(200);
    const outbox = await system.database.db.selectFrom('sms_outbox').select('id').execute();
    const loginCodes = 1; // the known customer's own login
    expect(outbox).toHaveLength(loginCodes);
  });

  it('refuses a bad phone and bad fields with Russian messages (400), creating nothing', async () => {
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [{ phone: '12345' }, { phone: 'Введите номер российского мобильного телефона: +7 9XX XXX-XX-XX.' }],
      [{ phone: '+7 (495) 845-14-54' }, { phone: 'Введите номер российского мобильного телефона: +7 9XX XXX-XX-XX.' }],
      [{ phone: '+1 202 555 0143' }, { phone: 'Введите номер российского мобильного телефона: +7 9XX XXX-XX-XX.' }],
      [{ phone: 79123456789 }, { phone: 'Введите номер телефона.' }],
      [{}, { phone: 'Заполните это поле.' }],
      [{ phone: nextPhone(), message: 'ы'.repeat(2001) }, { message: 'Сообщение — не длиннее 2000 символов.' }],
      [{ phone: nextPhone(), contact: 'к'.repeat(201) }, { contact: 'Контакт — не длиннее 200 символов.' }],
      [{ phone: nextPhone(), operator: 'МТС' }, { operator: 'Это поле не поддерживается.' }],
    ];
    for (const [body, fields] of cases) {
      const response = await send(body);
      expect(response.statusCode, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'validation_failed', fields });
    }
    // Spellings people type are fine; blank optional fields are just not given.
    const ok = await send({ phone: '8 (912) 000-11-22', message: '  ', contact: '' });
    expect(ok.statusCode, ok.body).toBe(202);
    const detail = (await (await loginStaff(system, ['support'])).get(`/api/staff/tickets/${ok.json().id as string}`)).json();
    expect(detail.publicRequest).toEqual({ phone: '+79120001122', contact: null, matchedCustomerId: null });
    expect(await ticketsInDb()).toHaveLength(1);
  });

  it('at most 3 a day per phone (429 with Retry-After), counted in the database: a new process on the same database still refuses', async () => {
    const phone = nextPhone();
    for (let i = 0; i < 3; i += 1) {
      expect((await send({ phone })).statusCode).toBe(202);
      system.clock.advance(HOUR_MS);
    }
    // 3 hours after the first: it leaves the 24-hour window in 21 hours.
    const refused = await send({ phone, message: 'Ещё раз' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({ code: 'too_many_requests', retryAfterSec: 21 * 3600, message: expect.stringMatching(/[а-я]/) });
    expect(refused.headers['retry-after']).toBe(String(21 * 3600));
    // The same phone typed another way is the same phone.
    expect((await send({ phone: `8${phone.slice(2)}` })).statusCode).toBe(429);
    // Another phone from the same place is not held back by this one.
    expect((await send({ phone: nextPhone() })).statusCode).toBe(202);

    const restarted = await createTestSystem({ database: system.database, clock: system.clock });
    try {
      const again = await send({ phone }, { on: restarted });
      expect(again.statusCode).toBe(429);
      expect(again.headers['retry-after']).toBe(String(21 * 3600));
      system.clock.advance(21 * HOUR_MS - MINUTE_MS);
      expect((await send({ phone }, { on: restarted })).statusCode).toBe(429);
      system.clock.advance(MINUTE_MS + 1);
      expect((await send({ phone }, { on: restarted })).statusCode).toBe(202);
    } finally {
      await restarted.close();
    }
    expect((await ticketsInDb()).length).toBe(5);
  });

  it('at most 5 an hour per IP, whatever the phones; other addresses are not affected; the hour passes', async () => {
    const ip = '203.0.113.7';
    for (let i = 0; i < 5; i += 1) {
      expect((await send({ phone: nextPhone() }, { ip })).statusCode).toBe(202);
      system.clock.advance(MINUTE_MS);
    }
    const refused = await send({ phone: nextPhone() }, { ip });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe(String(55 * 60));
    expect((await send({ phone: nextPhone() }, { ip: '203.0.113.8' })).statusCode).toBe(202);
    system.clock.advance(55 * MINUTE_MS);
    expect((await send({ phone: nextPhone() }, { ip })).statusCode).toBe(202);
    expect(await ticketsInDb()).toHaveLength(7);
  });

  it('parallel sends from one address still stop at 5', async () => {
    const ip = '203.0.113.9';
    const replies = await Promise.all(Array.from({ length: 8 }, () => send({ phone: nextPhone() }, { ip })));
    expect(replies.filter((r) => r.statusCode === 202)).toHaveLength(5);
    expect(replies.filter((r) => r.statusCode === 429)).toHaveLength(3);
  });

  it('refuses a cross-site POST (CSRF) and keeps the old log small', async () => {
    const response = await send({ phone: nextPhone() }, { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(response.statusCode).toBe(403);
    expect(await ticketsInDb()).toEqual([]);

    expect((await send({ phone: nextPhone() })).statusCode).toBe(202);
    system.clock.advance(DAY_MS + MINUTE_MS);
    expect((await send({ phone: nextPhone() })).statusCode).toBe(202);
    // Entries older than every window go as new ones come.
    expect(await system.database.db.selectFrom('support_public_log').select('id').execute()).toHaveLength(1);
  });
});
