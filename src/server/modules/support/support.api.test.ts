import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../../core/clock';
import { customerClient } from '../../testing/applicant';
import { loginStaff, type StaffClient } from '../../testing/staff';
import { login, nextPhone, TEST_ORIGIN, useTestSystem } from '../../testing/test-system';
import { verifyAuditChain } from '../audit/audit.service';
import { REPLY_SMS, TICKETS_PER_DAY } from './support.service';

const system = useTestSystem();

type Customer = ReturnType<typeof customerClient> & { phone: string; id: string };

async function newCustomer(phone = nextPhone()): Promise<Customer> {
  const client = customerClient(system, await login(system, phone));
  const me = (await client.get('/api/me')).json() as { id: string };
  return { ...client, phone, id: me.id };
}

const ticketBody = (overrides: Record<string, unknown> = {}) => ({
  category: 'payment',
  subject: 'Платёж не виден',
  message: 'Оплатил вчера картой, а долг не уменьшился.',
  ...overrides,
});

async function openTicket(customer: Customer, overrides: Record<string, unknown> = {}) {
  const response = await customer.post('/api/support/tickets', ticketBody(overrides));
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; status: string; subject: string; messages: { author: string; body: string }[] };
}

const patch = (client: { cookie: string }, url: string, body: unknown, origin = TEST_ORIGIN) =>
  system.app.inject({
    method: 'PATCH',
    url,
    headers: { cookie: client.cookie, origin, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });

const inboxIds = async (staff: StaffClient, query = '') => {
  const response = await staff.get(`/api/staff/tickets${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { items: { id: string }[] }).items.map((t) => t.id);
};

const auditRows = (action: string, ticketId: string) =>
  system.database.db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_id', 'entity_type', 'entity_id', 'ip', 'details'])
    .where('action', '=', action)
    .where('entity_id', '=', ticketId)
    .orderBy('seq')
    .execute();

async function smsTo(phone: string) {
  await system.jobs.drain();
  return (await system.sandboxSms!.list({ phone, limit: 100 })).map((m) => m.text);
}

describe('support requests: the customer side', () => {
  it('creates a request, lists it newest first and reads it with its messages; the history shows it', async () => {
    const customer = await newCustomer();
    const first = await openTicket(customer, { subject: '  Где договор?  ', category: 'documents', message: ' Не нашёл договор в кабинете. ' });
    expect(first).toMatchObject({
      category: 'documents',
      subject: 'Где договор?',
      status: 'open',
      messages: [{ author: 'customer', authorName: null, body: 'Не нашёл договор в кабинете.' }],
    });
    system.clock.advance(MINUTE_MS);
    const second = await openTicket(customer);

    const list = await customer.get('/api/support/tickets');
    expect(list.statusCode).toBe(200);
    const items = list.json().items as Record<string, unknown>[];
    expect(items.map((t) => t.id)).toEqual([second.id, first.id]);
    expect(items[0]).toEqual({
      id: second.id,
      category: 'payment',
      subject: 'Платёж не виден',
      status: 'open',
      createdAt: system.clock.now().toISOString(),
      updatedAt: system.clock.now().toISOString(),
      lastMessageAt: system.clock.now().toISOString(),
    });

    const read = await customer.get(`/api/support/tickets/${first.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json().messages).toHaveLength(1);

    const history = (await customer.get('/api/history?type=support')).json().items as { title: string }[];
    expect(history.map((h) => h.title).sort()).toEqual(['Обращение в поддержку: Где договор?', 'Обращение в поддержку: Платёж не виден']);
  });

  it('refuses bad input with Russian messages per field', async () => {
    const customer = await newCustomer();
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [{ subject: '   ' }, { subject: 'Укажите тему обращения.' }],
      [{ subject: 'я'.repeat(201) }, { subject: 'Тема — не длиннее 200 символов.' }],
      [{ message: ' \n ' }, { message: 'Опишите вопрос.' }],
      [{ message: 'ы'.repeat(4001) }, { message: 'Сообщение — не длиннее 4000 символов.' }],
      [{ category: 'loans' }, { category: 'Выберите тему: заём, платежи, документы, личный кабинет или другое.' }],
      [{ message: undefined }, { message: 'Заполните это поле.' }],
      [{ extra: 1 }, { extra: 'Это поле не поддерживается.' }],
    ];
    for (const [overrides, fields] of cases) {
      const response = await customer.post('/api/support/tickets', ticketBody(overrides));
      expect(response.statusCode, JSON.stringify(overrides).slice(0, 80)).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'validation_failed', fields });
    }
    // The limits are characters, not bytes or UTF-16 units: 4000 letters or 4000 emoji fit.
    await openTicket(customer, { subject: 'я'.repeat(200), message: 'ы'.repeat(4000) });
    await openTicket(customer, { message: '🙂'.repeat(4000) });
    // Control characters are dropped (NUL cannot even be stored); line breaks stay.
    const cleaned = await openTicket(customer, { message: 'Строка\u0000 один\r\nСтрока два' });
    expect(cleaned.messages[0]!.body).toBe('Строка один\nСтрока два');
    const empty = await customer.post(`/api/support/tickets/${cleaned.id}/messages`, { body: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.fields).toEqual({ body: 'Напишите сообщение.' });
    expect((await customer.get('/api/support/tickets')).json().items).toHaveLength(3);
  });

  it("another customer's request is not found, for reading and for writing (BOLA)", async () => {
    const owner = await newCustomer();
    const ticket = await openTicket(owner);
    const stranger = await newCustomer();
    for (const response of [
      await stranger.get(`/api/support/tickets/${ticket.id}`),
      await stranger.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Чужое обращение' }),
      await stranger.get('/api/support/tickets/not-a-uuid'),
      await stranger.get(`/api/support/tickets/${crypto.randomUUID()}`),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    expect((await stranger.get('/api/support/tickets')).json().items).toEqual([]);
    expect((await owner.get(`/api/support/tickets/${ticket.id}`)).json().messages).toHaveLength(1);
  });

  it('needs a customer session', async () => {
    expect((await system.get('/api/support/tickets')).statusCode).toBe(401);
    expect((await system.post('/api/support/tickets', ticketBody())).statusCode).toBe(401);
  });

  it('at most 10 new requests a Moscow day, counted in the database even when sent at once; the next day opens again', async () => {
    // 2026-11-25 09:00 UTC = 12:00 in Moscow: the day ends in 12 hours.
    const phone = nextPhone();
    const customer = await newCustomer(phone);
    const replies = await Promise.all(
      Array.from({ length: TICKETS_PER_DAY + 3 }, (_, i) => customer.post('/api/support/tickets', ticketBody({ subject: `Вопрос ${i}` }))),
    );
    const statuses = replies.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(TICKETS_PER_DAY);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const refused = replies.find((r) => r.statusCode === 429)!;
    expect(refused.json().error.code).toBe('too_many_requests');
    expect(refused.json().error.message).toMatch(/завтра/);
    expect(refused.json().error.retryAfterSec).toBe(12 * 3600);
    expect(refused.headers['retry-after']).toBe(String(12 * 3600));
    expect((await customer.get('/api/support/tickets')).json().items).toHaveLength(TICKETS_PER_DAY);

    // Writing in an existing request is not limited by this.
    const someId = (await customer.get('/api/support/tickets')).json().items[0].id;
    expect((await customer.post(`/api/support/tickets/${someId}/messages`, { body: 'Дополнение' })).statusCode).toBe(201);

    system.clock.advance(12 * HOUR_MS - MINUTE_MS); // 23:59 Moscow: still today
    let again = customerClient(system, await login(system, phone));
    expect((await again.post('/api/support/tickets', ticketBody())).statusCode).toBe(429);
    system.clock.advance(MINUTE_MS); // 00:00 Moscow: a new day
    again = customerClient(system, await login(system, phone));
    expect((await again.post('/api/support/tickets', ticketBody())).statusCode).toBe(201);
  });

  it('refuses a cross-site POST (CSRF) and creates nothing', async () => {
    const customer = await newCustomer();
    const response = await system.app.inject({
      method: 'POST',
      url: '/api/support/tickets',
      headers: { cookie: customer.cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      payload: JSON.stringify(ticketBody()),
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('origin_forbidden');
    expect((await customer.get('/api/support/tickets')).json().items).toEqual([]);
  });
});

describe('support requests: the staff inbox', () => {
  it('support sees requests filtered by status, category and assignee; the detail masks the phone', async () => {
    const customer = await newCustomer();
    const payment = await openTicket(customer, { category: 'payment' });
    system.clock.advance(MINUTE_MS);
    const documents = await openTicket(customer, { category: 'documents', subject: 'Справка' });
    const agent = await loginStaff(system, ['support']);
    const colleague = await loginStaff(system, ['support']);

    const page = await agent.get('/api/staff/tickets?status=open');
    expect(page.statusCode).toBe(200);
    const body = page.json();
    expect(body.nextBefore).toBeNull();
    // Open requests: the longest-waiting first.
    expect(body.items.map((t: { id: string }) => t.id)).toEqual([payment.id, documents.id]);
    expect(body.items[0]).toEqual({
      id: payment.id,
      customerId: customer.id,
      customerPhoneMasked: `+7******${customer.phone.slice(-4)}`,
      category: 'payment',
      subject: 'Платёж не виден',
      status: 'open',
      assignedTo: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      lastMessageAt: expect.any(String),
      messagesCount: 1,
    });
    expect(JSON.stringify(body)).not.toContain(customer.phone);

    expect(await inboxIds(agent, '?category=documents')).toEqual([documents.id]);
    expect(await inboxIds(agent, '?status=answered')).toEqual([]);
    expect(await inboxIds(agent, '?status=&category=')).toHaveLength(2);

    const assigned = await agent.patch(`/api/staff/tickets/${documents.id}`, { assignedTo: agent.id });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json().assignedTo).toEqual({ id: agent.id, fullName: expect.stringMatching(/^Сотрудник/) });
    expect(await inboxIds(agent, '?assignedTo=me')).toEqual([documents.id]);
    expect(await inboxIds(colleague, '?assignedTo=me')).toEqual([]);
    expect(await inboxIds(colleague, `?assignedTo=${agent.id}`)).toEqual([documents.id]);
    expect(await inboxIds(colleague, '?assignedTo=none')).toEqual([payment.id]);
    expect(await inboxIds(colleague, '?assignedTo=none&status=open&category=payment')).toEqual([payment.id]);

    const bad = await agent.get('/api/staff/tickets?status=waiting&assignedTo=someone');
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().error.fields).sort()).toEqual(['assignedTo', 'status']);
    expect((await agent.get('/api/staff/tickets?before=garbage')).json().error.fields).toEqual({
      before: 'Ссылка на страницу устарела: откройте список заново.',
    });

    const detail = await agent.get(`/api/staff/tickets/${payment.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      id: payment.id,
      customer: { id: customer.id, phoneMasked: `+7******${customer.phone.slice(-4)}` },
      messages: [{ author: 'customer', body: 'Оплатил вчера картой, а долг не уменьшился.', staffId: null }],
    });
    expect(detail.body).not.toContain(customer.phone);
    expect((await agent.get(`/api/staff/tickets/${crypto.randomUUID()}`)).statusCode).toBe(404);
  });

  it('a reply: the customer sees it (first name, no e-mail), status answered, an SMS without the text, an audit record', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const agent = await loginStaff(system, ['support']);
    const replyText = 'Платёж зачислен сегодня в 10:00, долг уменьшился.';

    const replied = await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: `  ${replyText}  ` });
    expect(replied.statusCode, replied.body).toBe(201);
    expect(replied.json()).toMatchObject({ status: 'answered', messagesCount: 2 });
    expect(replied.json().messages[1]).toMatchObject({ author: 'staff', staffId: agent.id, body: replyText });

    const seen = await customer.get(`/api/support/tickets/${ticket.id}`);
    expect(seen.json().status).toBe('answered');
    const staffMessage = seen.json().messages[1];
    expect(staffMessage).toEqual({ id: expect.any(String), author: 'staff', authorName: 'Сотрудник', body: replyText, createdAt: expect.any(String) });
    expect(seen.body).not.toContain(agent.email);
    expect(seen.body).not.toContain(agent.id);

    const texts = await smsTo(customer.phone);
    expect(texts[0]).toBe(REPLY_SMS);
    expect(texts.join('\n')).not.toContain('Платёж зачислен');

    const audit = await auditRows('ticket.replied', ticket.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'staff', actor_id: agent.id, entity_type: 'support_ticket', entity_id: ticket.id });
    expect(JSON.stringify(audit[0]!.details)).not.toContain('Платёж зачислен');
    expect(await verifyAuditChain(system.database.db)).toMatchObject({ ok: true });

    expect(await inboxIds(agent, '?status=answered')).toEqual([ticket.id]);
    expect(await inboxIds(agent, '?status=open')).toEqual([]);
  });

  it('the customer writes again → open; closed → the customer cannot write (409) and staff cannot reply', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const agent = await loginStaff(system, ['support']);
    expect((await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Уточните дату платежа.' })).statusCode).toBe(201);

    const more = await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Вчера, 24 ноября.' });
    expect(more.statusCode, more.body).toBe(201);
    expect(more.json()).toMatchObject({ status: 'open', messages: [{ author: 'customer' }, { author: 'staff' }, { author: 'customer', body: 'Вчера, 24 ноября.' }] });
    expect(await inboxIds(agent, '?status=open')).toEqual([ticket.id]);

    const closed = await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'closed' });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().status).toBe('closed');
    const updates = await auditRows('ticket.updated', ticket.id);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.details).toEqual({ status: { from: 'open', to: 'closed' } });

    const refused = await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Ещё вопрос' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/создайте новое обращение/);
    expect((await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ' })).statusCode).toBe(409);
    expect((await customer.get(`/api/support/tickets/${ticket.id}`)).json()).toMatchObject({ status: 'closed' });
    expect((await customer.get(`/api/support/tickets/${ticket.id}`)).json().messages).toHaveLength(3);

    // Staff may open it again.
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'open' })).json().status).toBe('open');
    expect((await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Ещё вопрос' })).statusCode).toBe(201);
  });

  it('two replies at once both land; the status is answered; both are audited', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const [a, b] = [await loginStaff(system, ['support']), await loginStaff(system, ['admin'])];
    const [ra, rb] = await Promise.all([
      a.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ первого' }),
      b.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ второго' }),
    ]);
    expect([ra.statusCode, rb.statusCode]).toEqual([201, 201]);
    const detail = (await a.get(`/api/staff/tickets/${ticket.id}`)).json();
    expect(detail.status).toBe('answered');
    expect(detail.messagesCount).toBe(3);
    expect(detail.messages.map((m: { body: string }) => m.body).slice(1).sort()).toEqual(['Ответ второго', 'Ответ первого']);
    expect(await auditRows('ticket.replied', ticket.id)).toHaveLength(2);
    expect((await smsTo(customer.phone)).filter((t) => t === REPLY_SMS)).toHaveLength(2);
    expect(await verifyAuditChain(system.database.db)).toMatchObject({ ok: true });
  });

  it('assigns only an active support or admin member; null unassigns', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const admin = await loginStaff(system, ['admin']);
    const underwriter = await loginStaff(system, ['underwriter']);
    const leaving = await loginStaff(system, ['support']);
    expect((await admin.patch(`/api/staff/users/${leaving.id}`, { disabled: true })).statusCode).toBe(200);

    for (const assignedTo of [underwriter.id, leaving.id, crypto.randomUUID()]) {
      const response = await admin.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.fields).toEqual({ assignedTo: 'Назначить можно только действующего сотрудника поддержки или администратора.' });
    }
    for (const body of [{}, { assignedTo: 'me' }, { status: 'waiting' }]) {
      expect((await admin.patch(`/api/staff/tickets/${ticket.id}`, body)).statusCode).toBe(400);
    }
    expect(await auditRows('ticket.updated', ticket.id)).toHaveLength(0);

    const mine = await admin.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: admin.id, status: 'answered' });
    expect(mine.json()).toMatchObject({ assignedTo: { id: admin.id }, status: 'answered' });
    const none = await admin.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: null });
    expect(none.json().assignedTo).toBeNull();
    // The same values again change nothing and record nothing.
    expect((await admin.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: null })).statusCode).toBe(200);
    const updates = await auditRows('ticket.updated', ticket.id);
    expect(updates.map((u) => u.details)).toEqual([
      { status: { from: 'open', to: 'answered' }, assignedTo: { from: null, to: admin.id } },
      { assignedTo: { from: admin.id, to: null } },
    ]);
    expect(updates[0]!.ip).toBeTruthy();
    expect((await admin.patch(`/api/staff/tickets/${crypto.randomUUID()}`, { status: 'closed' })).statusCode).toBe(404);
  });

  it('other roles get 403, no staff session 401, a customer cookie opens nothing', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const routes = (client: { get: (u: string) => Promise<{ statusCode: number }>; post: (u: string, b: unknown) => Promise<{ statusCode: number }> }, cookie: string) => [
      () => client.get('/api/staff/tickets'),
      () => client.get(`/api/staff/tickets/${ticket.id}`),
      () => client.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ' }),
      () => patch({ cookie }, `/api/staff/tickets/${ticket.id}`, { status: 'closed' }),
    ];
    for (const roles of [['underwriter'], ['collections'], ['underwriter', 'collections']] as const) {
      const staff = await loginStaff(system, [...roles]);
      for (const call of routes(staff, staff.cookie)) {
        const response = await call();
        expect(response.statusCode).toBe(403);
      }
    }
    for (const call of routes(customer, customer.cookie)) expect((await call()).statusCode).toBe(401);
    const anonymous = { get: (u: string) => system.get(u), post: (u: string, b: unknown) => system.post(u, b) };
    for (const call of routes(anonymous, '')) expect((await call()).statusCode).toBe(401);
    // Nothing changed.
    expect((await customer.get(`/api/support/tickets/${ticket.id}`)).json()).toMatchObject({ status: 'open', messages: [{ author: 'customer' }] });
    expect(await auditRows('ticket.replied', ticket.id)).toHaveLength(0);
  });

  it('the open queue is ordered by waiting time (since our last reply) and pages without skips or repeats', async () => {
    const customer = await newCustomer();
    const agent = await loginStaff(system, ['support']);
    const early = await openTicket(customer, { subject: 'Ранний' });
    system.clock.advance(MINUTE_MS);
    const middle = await openTicket(customer, { subject: 'Средний' });
    system.clock.advance(MINUTE_MS);
    // The early one was answered and the customer wrote back: it waits from now, behind the middle one.
    expect((await agent.post(`/api/staff/tickets/${early.id}/replies`, { body: 'Ответ' })).statusCode).toBe(201);
    system.clock.advance(MINUTE_MS);
    expect((await customer.post(`/api/support/tickets/${early.id}/messages`, { body: 'Не помогло' })).statusCode).toBe(201);
    system.clock.advance(MINUTE_MS);
    // Adding to a waiting request does not move it back in the queue.
    expect((await customer.post(`/api/support/tickets/${middle.id}/messages`, { body: 'Дополнение' })).statusCode).toBe(201);
    expect(await inboxIds(agent, '?status=open')).toEqual([middle.id, early.id]);

    // Pages of 50 over 120 tickets (made directly: the daily limit is per customer).
    const db = system.database.db;
    const base = system.clock.now().getTime();
    const made: string[] = [];
    for (let i = 0; i < 120; i += 1) {
      const id = crypto.randomUUID();
      const at = new Date(base + Math.floor(i / 3) * 1000); // equal times in threes: the id breaks ties
      made.push(id);
      await db
        .insertInto('support_tickets')
        .values({ id, customer_id: customer.id, category: 'other', subject: `Т${i}`, status: i % 2 ? 'open' : 'answered', assigned_to: null, created_at: at, updated_at: at })
        .execute();
      await db.insertInto('support_messages').values({ id: crypto.randomUUID(), ticket_id: id, author_type: 'customer', staff_id: null, body: 'Текст', created_at: at }).execute();
    }
    for (const status of ['open', 'answered', '']) {
      const seen: { id: string; updatedAt: string }[] = [];
      let before: string | null = null;
      let pages = 0;
      do {
        const response = await agent.get(`/api/staff/tickets?category=other&status=${status}${before ? `&before=${before}` : ''}`);
        expect(response.statusCode, response.body).toBe(200);
        const page = response.json() as { items: { id: string; updatedAt: string }[]; nextBefore: string | null };
        seen.push(...page.items);
        before = page.nextBefore;
        pages += 1;
      } while (before);
      const expected = status === '' ? 120 : 60;
      expect(seen).toHaveLength(expected);
      expect(new Set(seen.map((t) => t.id)).size).toBe(expected);
      expect(pages).toBe(Math.ceil(expected / 50));
      const times = seen.map((t) => t.updatedAt);
      expect(times).toEqual([...times].sort((x, y) => (status === 'open' ? x.localeCompare(y) : y.localeCompare(x))));
    }
  });
});
