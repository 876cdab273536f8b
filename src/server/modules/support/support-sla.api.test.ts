import { describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '../../../core/clock';
import { deriveKeys } from '../../crypto';
import { customerClient } from '../../testing/applicant';
import { loginStaff, type StaffClient } from '../../testing/staff';
import { login, nextPhone, runJobs, useTestSystem } from '../../testing/test-system';
import { emailHash, sealEmail } from '../email/email.service';
import { REPLY_SMS } from './support.service';

const system = useTestSystem();

type Customer = ReturnType<typeof customerClient> & { phone: string; id: string };

async function newCustomer(): Promise<Customer> {
  const phone = nextPhone();
  const client = customerClient(system, await login(system, phone));
  const me = (await client.get('/api/me')).json() as { id: string };
  return { ...client, phone, id: me.id };
}

async function openTicket(customer: Customer, subject = 'Платёж не виден') {
  const response = await customer.post('/api/support/tickets', { category: 'payment', subject, message: 'Оплатил, а долг не уменьшился.' });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; status: string; dueDate: string };
}

type InboxItem = { id: string; dueDate: string; overdue: boolean; dueSoon: boolean; status: string };

async function inbox(staff: StaffClient, query: string): Promise<{ items: InboxItem[]; nextBefore: string | null }> {
  const response = await staff.get(`/api/staff/tickets${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { items: InboxItem[]; nextBefore: string | null };
}

const staffItem = async (staff: StaffClient, id: string) => (await staff.get(`/api/staff/tickets/${id}`)).json() as InboxItem;

/** Confirms an address for the customer as the email module would after the link. */
async function confirmEmail(customer: Customer, address: string) {
  const keys = deriveKeys(system.config.appSecret!);
  const now = system.clock.now();
  await system.database.db
    .insertInto('customer_emails')
    .values({ customer_id: customer.id, email_ct: sealEmail(keys, customer.id, address), email_hash: emailHash(keys, address), confirmed_at: now, created_at: now, updated_at: now })
    .execute();
}

async function smsTo(phone: string) {
  await runJobs(system);
  return (await system.sandboxSms!.list({ phone, limit: 100 })).map((m) => m.text);
}

async function mailTo(address: string) {
  await runJobs(system);
  return (await system.sandboxEmail!.list({ to: address, limit: 100 })).reverse();
}

describe('the answer due date: 15 working days (R20)', () => {
  it('a request on Friday 25 Dec 2026 is due on Tuesday 26 Jan 2027, after the New Year holidays; by the Moscow date', async () => {
    // 00:30 in Moscow on the 25th is still the 24th in UTC: the Moscow date counts.
    system.clock.set('2026-12-24T21:30:00Z');
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    expect(ticket.dueDate).toBe('2027-01-26');
    expect((await customer.get(`/api/support/tickets/${ticket.id}`)).json().dueDate).toBe('2027-01-26');
    expect((await customer.get('/api/support/tickets')).json().items[0].dueDate).toBe('2027-01-26');
    const stored = await system.database.db.selectFrom('support_tickets').select('due_date').where('id', '=', ticket.id).executeTakeFirstOrThrow();
    expect(stored.due_date).toBe('2027-01-26');

    const agent = await loginStaff(system, ['support']);
    expect(await staffItem(agent, ticket.id)).toMatchObject({ dueDate: '2027-01-26', overdue: false, dueSoon: false });
    // The last three working days (22, 25 and 26 January) are «due soon».
    system.clock.set('2027-01-21T09:00:00Z');
    const agentLater = await loginStaff(system, ['support']);
    expect(await staffItem(agentLater, ticket.id)).toMatchObject({ overdue: false, dueSoon: false });
    system.clock.set('2027-01-22T09:00:00Z');
    const onFriday = await loginStaff(system, ['support']);
    expect(await staffItem(onFriday, ticket.id)).toMatchObject({ overdue: false, dueSoon: true });
    system.clock.set('2027-01-26T20:59:00Z'); // 23:59 in Moscow on the due date
    const lastMinute = await loginStaff(system, ['support']);
    expect(await staffItem(lastMinute, ticket.id)).toMatchObject({ overdue: false, dueSoon: true });
    system.clock.set('2027-01-26T21:00:00Z'); // midnight in Moscow: late
    const late = await loginStaff(system, ['support']);
    expect(await staffItem(late, ticket.id)).toMatchObject({ overdue: true, dueSoon: false });

    // Answered: nothing is late any more. The customer writes back: a new term from that day.
    expect((await late.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Платёж нашёлся.' })).statusCode).toBe(201);
    expect(await staffItem(late, ticket.id)).toMatchObject({ status: 'waiting_customer', overdue: false, dueDate: '2027-01-26' });
    const again = customerClient(system, await login(system, customer.phone));
    const wrote = await again.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'А где он?' });
    expect(wrote.json()).toMatchObject({ status: 'in_progress', dueDate: '2027-02-17' });
    expect(await staffItem(late, ticket.id)).toMatchObject({ overdue: false, dueDate: '2027-02-17' });
    // Writing more while it already waits for us does not move the date.
    system.clock.advance(DAY_MS);
    const more = await customerClient(system, await login(system, customer.phone)).post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Жду.' });
    expect(more.json()).toMatchObject({ status: 'in_progress', dueDate: '2027-02-17' });
  });

  it('the inbox sorts by due date (sort=due), earliest first, paging without skips or repeats', async () => {
    let customer = await newCustomer();
    // A day later the sessions have lapsed: log in again.
    const nextDay = async () => {
      system.clock.advance(DAY_MS);
      customer = { ...customer, ...customerClient(system, await login(system, customer.phone)) };
    };
    const first = await openTicket(customer, 'Первое'); // due 2026-12-16
    await nextDay();
    const second = await openTicket(customer, 'Второе'); // due 2026-12-17
    await nextDay();
    // The first is answered and the customer writes back: due 15 working days from now (18 Dec).
    const agent = await loginStaff(system, ['support']);
    await agent.post(`/api/staff/tickets/${first.id}/replies`, { body: 'Ответ' });
    system.clock.advance(MINUTE_MS);
    expect((await customer.post(`/api/support/tickets/${first.id}/messages`, { body: 'Не помогло' })).json().dueDate).toBe('2026-12-18');
    expect((await inbox(agent, '?sort=due')).items.map((t) => t.id)).toEqual([second.id, first.id]);
    expect((await inbox(agent, '')).items.map((t) => t.id)).toEqual([first.id, second.id]); // the latest change first
    expect((await agent.get('/api/staff/tickets?sort=oldest')).statusCode).toBe(400);

    // 70 more, made directly, with due dates in a scramble and ties.
    const db = system.database.db;
    const at = system.clock.now();
    for (let i = 0; i < 70; i += 1) {
      const id = crypto.randomUUID();
      await db
        .insertInto('support_tickets')
        .values({ id, customer_id: customer.id, category: 'other', subject: `Т${i}`, status: 'new', assigned_to: null, created_at: at, updated_at: at, due_date: `2027-02-${String(((i * 7) % 20) + 1).padStart(2, '0')}` })
        .execute();
    }
    const seen: InboxItem[] = [];
    let before: string | null = null;
    do {
      const page: { items: InboxItem[]; nextBefore: string | null } = await inbox(agent, `?sort=due&status=new,in_progress${before ? `&before=${before}` : ''}`);
      seen.push(...page.items);
      before = page.nextBefore;
    } while (before);
    expect(seen).toHaveLength(72);
    expect(new Set(seen.map((t) => t.id)).size).toBe(72);
    const keys = seen.map((t) => `${t.dueDate}|${t.id}`);
    expect(keys).toEqual([...keys].sort());
    expect(seen.slice(0, 2).map((t) => t.id)).toEqual([second.id, first.id]);
  });
});

describe('notices on staff replies and status changes', () => {
  it('a reply: an SMS and an email (to a confirmed address) that say there is an answer, without its text', async () => {
    const customer = await newCustomer();
    await confirmEmail(customer, 'client@example.ru');
    const ticket = await openTicket(customer);
    const agent = await loginStaff(system, ['support']);
    const outboxBefore = await system.database.db.selectFrom('email_outbox').select('id').execute();
    expect((await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ваш платёж зачислен, долг 0 ₽.' })).statusCode).toBe(201);
    // Queued in the reply's own transaction.
    expect(await system.database.db.selectFrom('email_outbox').select('id').execute()).toHaveLength(outboxBefore.length + 1);
    expect((await smsTo(customer.phone))[0]).toBe(REPLY_SMS);
    const mails = await mailTo('client@example.ru');
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: 'client@example.ru', subject: 'Ответ на ваше обращение «Платёж не виден»' });
    expect(mails[0]!.text).toMatch(/личном кабинете/);
    expect(mails[0]!.text).not.toContain('зачислен');
  });

  it('a status change without a message: a shorter notice; an assignee alone or no change: none; no email without a confirmed address', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const agent = await loginStaff(system, ['support']);
    const colleague = await loginStaff(system, ['support']);
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: agent.id })).json().status).toBe('in_progress');
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { assignedTo: colleague.id })).statusCode).toBe(200);
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'resolved' })).statusCode).toBe(200);
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'resolved' })).statusCode).toBe(200);
    // Delivered by jobs, in no promised order: two notices, one per status change.
    const texts = (await smsTo(customer.phone)).filter((t) => !/код/i.test(t));
    expect(texts.sort()).toEqual([
      'CarCapital: статус вашего обращения — «В работе». Подробности в личном кабинете.',
      'CarCapital: статус вашего обращения — «Решено». Подробности в личном кабинете.',
    ]);
    expect(await system.database.db.selectFrom('email_outbox').select('id').execute()).toEqual([]);

    await confirmEmail(customer, 'later@example.ru');
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'closed' })).statusCode).toBe(200);
    const mails = await mailTo('later@example.ru');
    expect(mails.map((m) => m.subject)).toEqual(['Обращение «Платёж не виден»: закрыто']);
    expect((await smsTo(customer.phone))[0]).toBe('CarCapital: статус вашего обращения — «Закрыто». Подробности в личном кабинете.');
  });

  it('nothing is sent when the change is refused', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const agent = await loginStaff(system, ['support']);
    await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'closed' });
    const before = (await smsTo(customer.phone)).length;
    expect((await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Ответ' })).statusCode).toBe(409);
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'resolved' })).statusCode).toBe(409);
    expect(await smsTo(customer.phone)).toHaveLength(before);
  });
});
