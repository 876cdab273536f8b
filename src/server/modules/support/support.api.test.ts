import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../../core/clock';
import { customerClient } from '../../testing/applicant';
import { loginStaff, type StaffClient } from '../../testing/staff';
import { login, nextPhone, TEST_ORIGIN, useTestSystem } from '../../testing/test-system';
import { verifyAuditChain } from '../audit/audit.service';
import { REPLY_SMS, TICKETS_PER_DAY } from './support.service';

const system = useTestSystem();

const STATUSES = ['new', 'in_progress', 'waiting_customer', 'resolved'] as const;

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
  it('creates a request (201, status new), lists it newest first and reads it with its messages; the history shows it', async () => {
    const customer = await newCustomer();
    const created = await customer.post('/api/support/tickets', { category: 'loan', subject: '  Где договор?  ', message: ' Не нашёл договор в кабинете. ' });
    expect(created.statusCode, created.body).toBe(201);
    const first = created.json();
    expect(first).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      category: 'loan',
      subject: 'Где договор?',
      status: 'new',
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
      status: 'new',
      createdAt: system.clock.now().toISOString(),
      updatedAt: system.clock.now().toISOString(),
      lastMessageAt: system.clock.now().toISOString(),
      // Wednesday 25 Nov 2026 + 15 working days.
      dueDate: '2026-12-16',
    });

    const read = await customer.get(`/api/support/tickets/${first.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: first.id, status: 'new' });
    expect(read.json().messages).toHaveLength(1);

    // Every category of issue 8.
    for (const category of ['sms', 'payment', 'loan', 'deletion', 'other']) {
      expect((await openTicket(customer, { category })).status).toBe('new');
    }

    const history = (await customer.get('/api/history?type=support')).json().items as { title: string }[];
    expect(history.map((h) => h.title)).toContain('Обращение в поддержку: Где договор?');
    expect(history).toHaveLength(7);
  });

  it('refuses bad input with Russian messages per field', async () => {
    const customer = await newCustomer();
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [{ subject: '   ' }, { subject: 'Укажите тему обращения.' }],
      [{ subject: 'я'.repeat(201) }, { subject: 'Тема — не длиннее 200 символов.' }],
      [{ message: ' \n ' }, { message: 'Опишите вопрос.' }],
      [{ message: 'ы'.repeat(4001) }, { message: 'Сообщение — не длиннее 4000 символов.' }],
      [{ category: 'loans' }, { category: 'Выберите тему: SMS, оплата, заём, удаление аккаунта или другое.' }],
      [{ category: 'documents' }, { category: 'Выберите тему: SMS, оплата, заём, удаление аккаунта или другое.' }],
      [{ subject: undefined }, { subject: 'Заполните это поле.' }],
      [{ message: '' }, { message: 'Опишите вопрос.' }],
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
    const documents = await openTicket(customer, { category: 'sms', subject: 'Код не приходит' });
    const agent = await loginStaff(system, ['support']);
    const colleague = await loginStaff(system, ['support']);

    const page = await agent.get('/api/staff/tickets?status=new,in_progress');
    expect(page.statusCode).toBe(200);
    const body = page.json();
    expect(body.nextBefore).toBeNull();
    // Waiting for us: the longest-waiting first.
    expect(body.items.map((t: { id: string }) => t.id)).toEqual([payment.id, documents.id]);
    expect(body.items[0]).toEqual({
      id: payment.id,
      customerId: customer.id,
      source: 'cabinet',
      customerPhoneMasked: `+7******${customer.phone.slice(-4)}`,
      category: 'payment',
      subject: 'Платёж не виден',
      status: 'new',
      assignedTo: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      lastMessageAt: expect.any(String),
      messagesCount: 1,
      dueDate: '2026-12-16',
      overdue: false,
      dueSoon: false,
    });
    expect(JSON.stringify(body)).not.toContain(customer.phone);

    expect(await inboxIds(agent, '?category=sms')).toEqual([documents.id]);
    expect(await inboxIds(agent, '?status=waiting_customer')).toEqual([]);
    expect(await inboxIds(agent, '?status=&category=')).toHaveLength(2);

    const assigned = await agent.patch(`/api/staff/tickets/${documents.id}`, { assignedTo: agent.id });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json().assignedTo).toEqual({ id: agent.id, fullName: expect.stringMatching(/^Сотрудник/) });
    expect(assigned.json().status).toBe('in_progress');
    // One status at a time, or several.
    expect(await inboxIds(agent, '?status=new')).toEqual([payment.id]);
    expect(await inboxIds(agent, '?status=in_progress')).toEqual([documents.id]);
    expect(await inboxIds(agent, '?status=new,in_progress')).toEqual([payment.id, documents.id]);
    // The customer card names the assignee the same way.
    const admin = await loginStaff(system, ['admin']);
    const card = (await admin.get(`/api/staff/customers/${customer.id}`)).json();
    expect(card.tickets.find((t: { id: string }) => t.id === documents.id).assignedTo).toEqual({ id: agent.id, fullName: expect.stringMatching(/^Сотрудник/) });
    expect(await inboxIds(agent, '?assignedTo=me')).toEqual([documents.id]);
    expect(await inboxIds(colleague, '?assignedTo=me')).toEqual([]);
    expect(await inboxIds(colleague, `?assignedTo=${agent.id}`)).toEqual([documents.id]);
    expect(await inboxIds(colleague, '?assignedTo=none')).toEqual([payment.id]);
    expect(await inboxIds(colleague, '?assignedTo=none&status=new&category=payment')).toEqual([payment.id]);

    const bad = await agent.get('/api/staff/tickets?status=waiting&assignedTo=someone');
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().error.fields).sort()).toEqual(['assignedTo', 'status']);
    for (const status of ['open', 'answered', 'new,answered', 'new,', ',']) {
      const response = await agent.get(`/api/staff/tickets?status=${status}`);
      expect(response.statusCode, status).toBe(400);
      expect(response.json().error.fields).toEqual({ status: 'Статус: new, in_progress, waiting_customer, resolved или closed.' });
    }
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

  it('a reply: the customer sees it (first name, no e-mail), status waiting_customer, an SMS without the text, an audit record', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const agent = await loginStaff(system, ['support']);
    const replyText = 'Платёж зачислен сегодня в 10:00, долг уменьшился.';

    const replied = await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: `  ${replyText}  ` });
    expect(replied.statusCode, replied.body).toBe(201);
    expect(replied.json()).toMatchObject({ status: 'waiting_customer', messagesCount: 2 });
    expect(replied.json().messages[1]).toMatchObject({ author: 'staff', staffId: agent.id, body: replyText });

    const seen = await customer.get(`/api/support/tickets/${ticket.id}`);
    expect(seen.json().status).toBe('waiting_customer');
    const staffMessage = seen.json().messages[1];
    expect(staffMessage).toEqual({ id: expect.any(String), author: 'staff', authorName: 'Сотрудник', body: replyText, createdAt: expect.any(String), attachments: [] });
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

    expect(audit[0]!.details).toMatchObject({ statusBefore: 'new' });
    expect(await inboxIds(agent, '?status=waiting_customer')).toEqual([ticket.id]);
    expect(await inboxIds(agent, '?status=new,in_progress')).toEqual([]);
  });

  it('the customer writes after a reply → in_progress; closed → the customer cannot write (409) and staff cannot reply; reopened → in_progress', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const agent = await loginStaff(system, ['support']);
    expect((await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Уточните дату платежа.' })).statusCode).toBe(201);

    const more = await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Вчера, 24 ноября.' });
    expect(more.statusCode, more.body).toBe(201);
    expect(more.json()).toMatchObject({ status: 'in_progress', messages: [{ author: 'customer' }, { author: 'staff' }, { author: 'customer', body: 'Вчера, 24 ноября.' }] });
    expect(await inboxIds(agent, '?status=new,in_progress')).toEqual([ticket.id]);

    const closed = await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'closed' });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().status).toBe('closed');
    const updates = await auditRows('ticket.updated', ticket.id);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.details).toEqual({ status: { from: 'in_progress', to: 'closed' } });

    const refused = await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Ещё вопрос' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/создайте новое обращение/) });
    const noReply = await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ' });
    expect(noReply.statusCode).toBe(409);
    expect(noReply.json().error.code).toBe('conflict');
    // A closed request only opens again as in_progress.
    for (const status of ['waiting_customer', 'resolved']) {
      const response = await agent.patch(`/api/staff/tickets/${ticket.id}`, { status });
      expect(response.statusCode, status).toBe(409);
      expect(response.json().error.message).toMatch(/В работе/);
    }
    // Assigning a closed one changes only the assignee.
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: agent.id })).json()).toMatchObject({ status: 'closed', assignedTo: { id: agent.id } });
    expect((await customer.get(`/api/support/tickets/${ticket.id}`)).json()).toMatchObject({ status: 'closed' });
    expect((await customer.get(`/api/support/tickets/${ticket.id}`)).json().messages).toHaveLength(3);

    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'in_progress' })).json().status).toBe('in_progress');
    const again = await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Ещё вопрос' });
    expect(again.statusCode).toBe(201);
    expect(again.json().status).toBe('in_progress');
  });

  it('two replies at once both land; the status is waiting_customer; both are audited', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const [a, b] = [await loginStaff(system, ['support']), await loginStaff(system, ['admin'])];
    const [ra, rb] = await Promise.all([
      a.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ первого' }),
      b.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ второго' }),
    ]);
    expect([ra.statusCode, rb.statusCode]).toEqual([201, 201]);
    const detail = (await a.get(`/api/staff/tickets/${ticket.id}`)).json();
    expect(detail.status).toBe('waiting_customer');
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
    for (const body of [{}, { assignedTo: 'me' }, { status: 'waiting' }, { status: 'open' }, { status: 'new' }]) {
      expect((await admin.patch(`/api/staff/tickets/${ticket.id}`, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await auditRows('ticket.updated', ticket.id)).toHaveLength(0);

    // A status given with the assignee wins over «assigned → in_progress».
    const mine = await admin.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: admin.id, status: 'waiting_customer' });
    expect(mine.json()).toMatchObject({ assignedTo: { id: admin.id }, status: 'waiting_customer' });
    const none = await admin.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: null });
    expect(none.json().assignedTo).toBeNull();
    // The same values again change nothing and record nothing.
    expect((await admin.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: null })).statusCode).toBe(200);
    const updates = await auditRows('ticket.updated', ticket.id);
    expect(updates.map((u) => u.details)).toEqual([
      { status: { from: 'new', to: 'waiting_customer' }, assignedTo: { from: null, to: admin.id } },
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
    expect((await customer.get(`/api/support/tickets/${ticket.id}`)).json()).toMatchObject({ status: 'new', messages: [{ author: 'customer' }] });
    expect(await auditRows('ticket.replied', ticket.id)).toHaveLength(0);
  });

  it('the queue waiting for us (new, in_progress) is ordered by waiting time (since our last reply) and pages without skips or repeats', async () => {
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
    // Adding to a waiting request does not move it back in the queue, nor does taking it.
    expect((await customer.post(`/api/support/tickets/${middle.id}/messages`, { body: 'Дополнение' })).statusCode).toBe(201);
    expect((await agent.patch(`/api/staff/tickets/${middle.id}`, { assignedTo: agent.id })).json().status).toBe('in_progress');
    expect(await inboxIds(agent, '?status=new,in_progress')).toEqual([middle.id, early.id]);
    expect(await inboxIds(agent, '?status=in_progress')).toEqual([middle.id, early.id]);

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
        .values({ id, customer_id: customer.id, category: 'other', subject: `Т${i}`, status: STATUSES[i % 4]!, assigned_to: null, created_at: at, updated_at: at })
        .execute();
      await db.insertInto('support_messages').values({ id: crypto.randomUUID(), ticket_id: id, author_type: 'customer', staff_id: null, body: 'Текст', created_at: at }).execute();
    }
    const waiting = (status: string) => status !== '' && status.split(',').every((s) => s === 'new' || s === 'in_progress');
    for (const status of ['new,in_progress', 'new', 'waiting_customer,resolved', 'resolved', '']) {
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
      const expected = status === '' ? 120 : (120 / 4) * status.split(',').length;
      expect(seen).toHaveLength(expected);
      expect(new Set(seen.map((t) => t.id)).size).toBe(expected);
      expect(pages).toBe(Math.ceil(expected / 50));
      const times = seen.map((t) => t.updatedAt);
      expect(times).toEqual([...times].sort((x, y) => (waiting(status) ? x.localeCompare(y) : y.localeCompare(x))));
    }
  });
});

describe('support requests: the status rules (issue 8)', () => {
  const statusOf = async (customer: Customer, id: string) => ((await customer.get(`/api/support/tickets/${id}`)).json() as { status: string }).status;
  const write = async (customer: Customer, id: string, body = 'Дополнение') => {
    const response = await customer.post(`/api/support/tickets/${id}/messages`, { body });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { status: string }).status;
  };

  it('created → new; the customer writing more while new keeps it new (no staff has seen it yet)', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    expect(ticket.status).toBe('new');
    expect(await write(customer, ticket.id)).toBe('new');
    expect(await statusOf(customer, ticket.id)).toBe('new');
  });

  it('assigned while new → in_progress; re-assigning or unassigning later leaves the status alone', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const [agent, colleague] = [await loginStaff(system, ['support']), await loginStaff(system, ['support'])];
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: agent.id })).json()).toMatchObject({ status: 'in_progress', assignedTo: { id: agent.id } });
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: colleague.id })).json()).toMatchObject({ status: 'in_progress', assignedTo: { id: colleague.id } });
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: null })).json()).toMatchObject({ status: 'in_progress', assignedTo: null });
    expect((await auditRows('ticket.updated', ticket.id)).map((u) => u.details)).toEqual([
      { status: { from: 'new', to: 'in_progress' }, assignedTo: { from: null, to: agent.id } },
      { assignedTo: { from: agent.id, to: colleague.id } },
      { assignedTo: { from: colleague.id, to: null } },
    ]);

    // Unassigning a new one keeps it new; assigning one that waits for the customer keeps it waiting.
    const other = await openTicket(customer, { subject: 'Другой' });
    expect((await agent.patch(`/api/staff/tickets/${other.id}`, { assignedTo: null })).json().status).toBe('new');
    expect((await agent.post(`/api/staff/tickets/${other.id}/replies`, { body: 'Ответ' })).json().status).toBe('waiting_customer');
    expect((await agent.patch(`/api/staff/tickets/${other.id}`, { assignedTo: agent.id })).json().status).toBe('waiting_customer');
    expect(await statusOf(customer, other.id)).toBe('waiting_customer');
  });

  it('a staff reply → waiting_customer from new, in_progress and resolved, with an SMS each time', async () => {
    const customer = await newCustomer();
    const agent = await loginStaff(system, ['support']);
    const fromNew = await openTicket(customer, { subject: 'Новое' });
    const fromWork = await openTicket(customer, { subject: 'В работе' });
    const fromResolved = await openTicket(customer, { subject: 'Решено' });
    await agent.patch(`/api/staff/tickets/${fromWork.id}`, { assignedTo: agent.id });
    await agent.patch(`/api/staff/tickets/${fromResolved.id}`, { status: 'resolved' });
    for (const [ticket, before] of [[fromNew, 'new'], [fromWork, 'in_progress'], [fromResolved, 'resolved']] as const) {
      expect(await statusOf(customer, ticket.id)).toBe(before);
      const replied = await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ' });
      expect(replied.json().status).toBe('waiting_customer');
      expect(await statusOf(customer, ticket.id)).toBe('waiting_customer');
      expect((await auditRows('ticket.replied', ticket.id))[0]!.details).toMatchObject({ statusBefore: before });
    }
    expect((await smsTo(customer.phone)).filter((t) => t === REPLY_SMS)).toHaveLength(3);
  });

  it('the customer writes while waiting_customer or resolved → in_progress; while in_progress it stays', async () => {
    const customer = await newCustomer();
    const agent = await loginStaff(system, ['support']);
    const ticket = await openTicket(customer);
    await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ' });
    expect(await write(customer, ticket.id)).toBe('in_progress');
    expect(await write(customer, ticket.id)).toBe('in_progress');
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'resolved' })).json().status).toBe('resolved');
    expect(await statusOf(customer, ticket.id)).toBe('resolved');
    expect(await write(customer, ticket.id, 'Нет, не решено')).toBe('in_progress');
    // The customer's own writing records nothing in the staff audit.
    expect((await auditRows('ticket.updated', ticket.id)).map((u) => u.details)).toEqual([{ status: { from: 'in_progress', to: 'resolved' } }]);
  });

  it('staff set in_progress, waiting_customer, resolved and closed by hand, never new; closed only reopens as in_progress', async () => {
    const customer = await newCustomer();
    const agent = await loginStaff(system, ['support']);
    const ticket = await openTicket(customer);
    for (const status of ['in_progress', 'waiting_customer', 'resolved', 'in_progress', 'closed', 'in_progress', 'resolved', 'closed']) {
      const response = await agent.patch(`/api/staff/tickets/${ticket.id}`, { status });
      expect(response.statusCode, `→ ${status}: ${response.body}`).toBe(200);
      expect(response.json().status).toBe(status);
      expect(await statusOf(customer, ticket.id)).toBe(status);
    }
    for (const status of ['resolved', 'waiting_customer']) expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status })).statusCode).toBe(409);
    const back = await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'new' });
    expect(back.statusCode).toBe(400);
    expect(back.json().error.fields.status).toMatch(/^Статус:/);
    // Closing a closed one again changes and records nothing.
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'closed' })).statusCode).toBe(200);
    expect(await auditRows('ticket.updated', ticket.id)).toHaveLength(8);
  });

  it('the customer can write while new, in_progress, waiting_customer and resolved; never once closed', async () => {
    const customer = await newCustomer();
    const agent = await loginStaff(system, ['support']);
    const ticket = await openTicket(customer);
    for (const status of ['in_progress', 'waiting_customer', 'resolved', 'closed'] as const) {
      await agent.patch(`/api/staff/tickets/${ticket.id}`, { status });
      const response = await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: `При статусе ${status}` });
      expect(response.statusCode, status).toBe(status === 'closed' ? 409 : 201);
    }
    const thread = (await customer.get(`/api/support/tickets/${ticket.id}`)).json();
    expect(thread.status).toBe('closed');
    expect(thread.messages).toHaveLength(4);
  });

  it('the dashboard counts what waits for us: new and in_progress', async () => {
    const customer = await newCustomer();
    const agent = await loginStaff(system, ['support']);
    const count = async () => ((await agent.get('/api/staff/dashboard')).json() as { openTickets: number }).openTickets;
    const before = await count();
    const a = await openTicket(customer, { subject: 'А' });
    const b = await openTicket(customer, { subject: 'Б' });
    await agent.patch(`/api/staff/tickets/${b.id}`, { assignedTo: agent.id });
    expect(await count()).toBe(before + 2);
    await agent.post(`/api/staff/tickets/${a.id}/replies`, { body: 'Ответ' });
    await agent.patch(`/api/staff/tickets/${b.id}`, { status: 'resolved' });
    expect(await count()).toBe(before);
  });
});
