import { describe, expect, it } from 'vitest';
import { activeLoan, customerClient, questionnaire } from '../../testing/applicant';
import { loginStaff, type StaffClient } from '../../testing/staff';
import { lastCodeFor, login, nextPhone, runJobs, sessionCookieFrom, useTestSystem } from '../../testing/test-system';
import { verifyAuditChain } from '../audit/audit.service';
import { REPLY_SMS } from '../support/support.service';
import { CONFIRMED_SMS, DELETION_MESSAGE, DELETION_SUBJECT } from './deletion.service';

const system = useTestSystem();

type Api = ReturnType<typeof customerClient>;
type Customer = Api & { phone: string; id: string };

async function newCustomer(phone = nextPhone()): Promise<Customer> {
  const client = customerClient(system, await login(system, phone));
  const me = (await client.get('/api/me')).json() as { id: string };
  return { ...client, phone, id: me.id };
}

const withId = async (api: Api, phone: string): Promise<Customer> => ({ ...api, phone, id: ((await api.get('/api/me')).json() as { id: string }).id });

const requestDeletion = (customer: Api) => customer.post('/api/account/deletion');

async function requested(customer: Api): Promise<string> {
  const response = await requestDeletion(customer);
  expect(response.statusCode, response.body).toBe(202);
  expect(response.json()).toEqual({ ticketId: expect.any(String), status: 'pending' });
  return response.json().ticketId as string;
}

type Item = {
  id: string;
  customerId: string;
  phoneMasked: string;
  status: string;
  ticketId: string;
  comment: string | null;
  decidedBy: { id: string } | null;
  debtCheck: { clear: boolean; reasons: string[]; debtKopecks: number };
};

async function listed(staff: StaffClient, status = 'pending'): Promise<Item[]> {
  const response = await staff.get(`/api/staff/deletion-requests?status=${status}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items as Item[];
}

async function requestIdOf(staff: StaffClient, ticketId: string): Promise<string> {
  const item = (await listed(staff)).find((i) => i.ticketId === ticketId);
  expect(item, 'the request is in the pending list').toBeDefined();
  return item!.id;
}

async function smsTo(phone: string) {
  await system.jobs.drain();
  return (await system.sandboxSms!.list({ phone, limit: 100 })).map((m) => m.text);
}

const auditRows = (action: string, customerId: string) =>
  system.database.db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_id', 'entity_type', 'entity_id', 'reason', 'ip', 'details'])
    .where('action', '=', action)
    .where('entity_id', '=', customerId)
    .orderBy('seq')
    .execute();

/** The SMS login for `phone`, as the login page does it. */
async function smsLogin(phone: string) {
  await system.jobs.drain(); // earlier notices go out first: the newest SMS is then the code
  system.clock.advance(61_000); // the per-phone gap between SMS codes
  const sent = await system.post('/api/auth/otp', { phone });
  expect(sent.statusCode, sent.body).toBe(200);
  return system.post('/api/auth/verify', { phone, code: await lastCodeFor(system, phone) });
}

/** The customer applies, is approved, signs with cash payout and is paid: an active loan of 10 000 ₽. */
async function takeLoan(api: Api, phone: string): Promise<string> {
  const created = await api.create({ product: 'pdl', amount: 10_000, term: 30 });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  expect((await api.patch(id, questionnaire())).statusCode).toBe(200);
  expect((await api.consents(id)).statusCode).toBe(200);
  expect((await api.submit(id)).statusCode).toBe(202);
  await runJobs(system);
  expect((await api.get(`/api/applications/${id}`)).json().status).toBe('approved');
  expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' })).statusCode).toBe(200);
  system.clock.advance(61_000);
  expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(200);
  const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(system, phone) });
  expect(signed.statusCode, signed.body).toBe(200);
  await runJobs(system);
  const loanId = signed.json().loanId as string;
  expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('active');
  return loanId;
}

/** Repays the whole loan on the sandbox acquirer's page: the loan closes. */
async function repayInFull(api: Api, loanId: string) {
  const started = await api.pay(loanId, { amountKopecks: 1_000_000 }, crypto.randomUUID());
  expect(started.statusCode, started.body).toBe(201);
  const path = new URL(started.json().confirmationUrl as string).pathname;
  const done = await system.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'outcome=succeeded' });
  expect(done.statusCode).toBe(200);
  await runJobs(system);
  expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('closed');
}

describe('the customer asks to delete the account', () => {
  it('with an active loan: 409 debt_outstanding in Russian, and no ticket, no request', async () => {
    const { api, loanId } = await activeLoan(system);
    const response = await requestDeletion(api);
    expect(response.statusCode).toBe(409);
    const error = response.json().error;
    expect(error.code).toBe('debt_outstanding');
    expect(error.message).toMatch(/^Удалить аккаунт сейчас нельзя\. Заём № CC-\d{8}-[0-9A-F]{8} не погашен: долг 10\s000\s₽\./);
    expect(error.message).toContain('не списывает долг');
    expect((await api.get('/api/support/tickets')).json().items).toEqual([]);
    expect(await system.database.db.selectFrom('deletion_requests').selectAll().execute()).toEqual([]);
    expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('active');
  });

  it('with an application in progress: 409 that says so', async () => {
    const customer = await newCustomer();
    const created = await customer.create({ product: 'pdl', amount: 10_000, term: 30 });
    const id = created.json().id as string;
    await customer.patch(id, questionnaire());
    await customer.consents(id);
    await customer.submit(id);
    await runJobs(system);
    expect((await customer.get(`/api/applications/${id}`)).json().status).toBe('approved');
    const response = await requestDeletion(customer);
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toMatchObject({ code: 'debt_outstanding' });
    expect(response.json().error.message).toContain('Заявка на заём одобрена и ждёт подписания договора.');
    expect(response.json().error.message).toContain('Когда заявка будет завершена');
  });

  it('with no loans: 202 and a deletion ticket the customer and the staff inbox see; asking again gives the same ticket', async () => {
    const customer = await newCustomer();
    const requestedAt = system.clock.now().toISOString();
    const ticketId = await requested(customer);

    const ticket = await customer.get(`/api/support/tickets/${ticketId}`);
    expect(ticket.statusCode).toBe(200);
    expect(ticket.json()).toMatchObject({
      id: ticketId,
      category: 'deletion',
      subject: DELETION_SUBJECT,
      status: 'new',
      messages: [{ author: 'customer', body: DELETION_MESSAGE }],
    });
    const history = (await customer.get('/api/history?type=support')).json().items as { title: string }[];
    expect(history.map((h) => h.title)).toEqual([`Обращение в поддержку: ${DELETION_SUBJECT}`]);

    const agent = await loginStaff(system, ['support']);
    const inbox = await agent.get('/api/staff/tickets?category=deletion');
    expect(inbox.statusCode, inbox.body).toBe(200);
    expect(inbox.json().items.map((t: { id: string }) => t.id)).toEqual([ticketId]);

    const items = await listed(agent);
    expect(items).toEqual([
      {
        id: expect.any(String),
        customerId: customer.id,
        phoneMasked: `+7******${customer.phone.slice(-4)}`,
        status: 'pending',
        requestedAt,
        decidedAt: null,
        decidedBy: null,
        comment: null,
        ticketId,
        debtCheck: { clear: true, reasons: [], debtKopecks: 0 },
      },
    ]);
    expect(JSON.stringify(items)).not.toContain(customer.phone);

    // Again, and several at once: the same ticket, one request.
    const again = await Promise.all([requestDeletion(customer), requestDeletion(customer), requestDeletion(customer)]);
    for (const response of again) {
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ ticketId, status: 'pending' });
    }
    expect(await system.database.db.selectFrom('deletion_requests').select('id').execute()).toHaveLength(1);
    expect((await customer.get('/api/support/tickets')).json().items).toHaveLength(1);
    expect(await auditRows('account.deletion_requested', customer.id)).toEqual([
      expect.objectContaining({ actor_type: 'customer', actor_id: customer.id, entity_type: 'customer' }),
    ]);
  });

  it("another customer cannot see the request's ticket (404), nor get it by asking", async () => {
    const owner = await newCustomer();
    const ticketId = await requested(owner);
    const stranger = await newCustomer();
    const read = await stranger.get(`/api/support/tickets/${ticketId}`);
    expect(read.statusCode).toBe(404);
    expect((await stranger.post(`/api/support/tickets/${ticketId}/messages`, { body: 'Чужое обращение' })).statusCode).toBe(404);
    const own = await requested(stranger);
    expect(own).not.toBe(ticketId);
  });

  it('needs a customer session: none or a staff one → 401', async () => {
    expect((await system.post('/api/account/deletion', {})).statusCode).toBe(401);
    const agent = await loginStaff(system, ['support']);
    expect((await agent.post('/api/account/deletion', {})).statusCode).toBe(401);
  });
});

describe('staff confirm or refuse', () => {
  it('confirm: every session ends at once, a new SMS login is refused, ticket resolved, SMS, one audit record; loans untouched', async () => {
    // A customer who borrowed and repaid: the closed loan stays exactly as it was.
    const { api, phone, loanId } = await activeLoan(system);
    await repayInFull(api, loanId);
    const customer = await withId(api, phone);
    system.clock.advance(61_000); // the per-phone gap between SMS codes
    const second = customerClient(system, await login(system, phone)); // another device
    const ticketId = await requested(customer);
    const loanBefore = await system.database.db.selectFrom('loans').selectAll().where('id', '=', loanId).executeTakeFirstOrThrow();
    const ledgerBefore = await system.database.db.selectFrom('ledger_entries').selectAll().orderBy('id').execute();

    const agent = await loginStaff(system, ['support']);
    const id = await requestIdOf(agent, ticketId);
    expect((await customer.get('/api/me')).statusCode).toBe(200);
    const confirmed = await agent.post(`/api/staff/deletion-requests/${id}/confirm`);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toMatchObject({ id, status: 'confirmed', decidedBy: { id: agent.id }, decidedAt: expect.any(String), ticketId });

    // The old cookies: 401 at once, on every device.
    for (const client of [customer, second]) {
      const me = await client.get('/api/me');
      expect(me.statusCode).toBe(401);
      expect((await client.get('/api/support/tickets')).statusCode).toBe(401);
    }
    // A new SMS login neither opens the account nor makes a new one.
    const verify = await smsLogin(phone);
    expect(verify.statusCode).toBe(403);
    expect(verify.json().error.code).toBe('account_deleted');
    expect(verify.json().error.message).toMatch(/удалён/);
    expect(verify.cookies.filter((c) => c.name === 'sid' && c.value !== '')).toEqual([]);
    const customers = await system.database.db.selectFrom('customers').select(['id', 'deleted_at']).where('phone', '=', phone).execute();
    expect(customers).toEqual([{ id: customer.id, deleted_at: expect.any(Date) }]);
    const live = await system.database.db.selectFrom('sessions').select('id').where('customer_id', '=', customer.id).where('revoked_at', 'is', null).execute();
    expect(live).toEqual([]);

    // The ticket: our message, resolved.
    const thread = await agent.get(`/api/staff/tickets/${ticketId}`);
    expect(thread.json()).toMatchObject({ status: 'resolved', messages: [{ author: 'customer' }, { author: 'staff', staffId: agent.id }] });
    expect(await smsTo(phone)).toContain(CONFIRMED_SMS);
    expect(CONFIRMED_SMS).toMatch(/^CarCapital: ваш аккаунт удалён/);

    const audit = await auditRows('account.deletion_confirmed', customer.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'staff', actor_id: agent.id, entity_type: 'customer', details: { deletionRequestId: id, ticketId, sessionsRevoked: 2 } });
    expect(await verifyAuditChain(system.database.db)).toMatchObject({ ok: true });

    // Deletion forgives nothing and changes no loan.
    expect(await system.database.db.selectFrom('loans').selectAll().where('id', '=', loanId).executeTakeFirstOrThrow()).toEqual(loanBefore);
    expect(await system.database.db.selectFrom('ledger_entries').selectAll().orderBy('id').execute()).toEqual(ledgerBefore);

    // Decided once: the list moves it, a second decision is 409.
    expect(await listed(agent)).toEqual([]);
    expect((await listed(agent, 'confirmed')).map((i) => i.id)).toEqual([id]);
    const twice = await agent.post(`/api/staff/deletion-requests/${id}/confirm`);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('conflict');
    expect((await agent.post(`/api/staff/deletion-requests/${id}/refuse`, { comment: 'Передумали, отказываем.' })).statusCode).toBe(409);
    expect(await auditRows('account.deletion_confirmed', customer.id)).toHaveLength(1);
  });

  it('debt appearing between the request and the confirmation: 409 on confirm, nothing changes', async () => {
    const customer = await newCustomer();
    const ticketId = await requested(customer);
    const loanId = await takeLoan(customer, customer.phone);

    const admin = await loginStaff(system, ['admin']);
    const [item] = await listed(admin);
    expect(item).toMatchObject({ ticketId, debtCheck: { clear: false, debtKopecks: 1_000_000 } });
    expect(item!.debtCheck.reasons).toEqual([expect.stringMatching(/^Заём № CC-\d{8}-[0-9A-F]{8} не погашен: долг 10\s000\s₽\.$/)]);

    const confirm = await admin.post(`/api/staff/deletion-requests/${item!.id}/confirm`);
    expect(confirm.statusCode).toBe(409);
    expect(confirm.json().error.code).toBe('debt_outstanding');
    expect(confirm.json().error.message).toMatch(/не погашен/);

    expect((await customer.get('/api/me')).statusCode).toBe(200);
    expect((await listed(admin))[0]).toMatchObject({ id: item!.id, status: 'pending' });
    const row = await system.database.db.selectFrom('customers').select('deleted_at').where('id', '=', customer.id).executeTakeFirstOrThrow();
    expect(row.deleted_at).toBeNull();
    expect(await auditRows('account.deletion_confirmed', customer.id)).toEqual([]);
    expect((await customer.get(`/api/loans/${loanId}`)).json().status).toBe('active');
    expect((await customer.get(`/api/support/tickets/${ticketId}`)).json().status).toBe('new');
  });

  it('refuse: the comment reaches the customer in the ticket, the account stays; a new request makes a new ticket', async () => {
    const customer = await newCustomer();
    const ticketId = await requested(customer);
    const agent = await loginStaff(system, ['support']);
    const id = await requestIdOf(agent, ticketId);

    const short = await agent.post(`/api/staff/deletion-requests/${id}/refuse`, { comment: ' коротко ' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.fields).toEqual({ comment: 'Объясните клиенту причину: не короче 10 символов.' });
    expect((await agent.post(`/api/staff/deletion-requests/${id}/refuse`, {})).json().error.fields).toEqual({ comment: 'Заполните это поле.' });

    const comment = 'Сначала заберите справку о закрытии займа, потом пришлите запрос ещё раз.';
    const refused = await agent.post(`/api/staff/deletion-requests/${id}/refuse`, { comment: `  ${comment}  ` });
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.json()).toMatchObject({ id, status: 'refused', comment, decidedBy: { id: agent.id } });

    const seen = await customer.get(`/api/support/tickets/${ticketId}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().status).toBe('waiting_customer');
    expect(seen.json().messages).toEqual([
      expect.objectContaining({ author: 'customer', body: DELETION_MESSAGE }),
      expect.objectContaining({ author: 'staff', authorName: 'Сотрудник', body: comment }),
    ]);
    expect((await smsTo(customer.phone))[0]).toBe(REPLY_SMS);
    expect((await customer.get('/api/me')).statusCode).toBe(200);
    const audit = await auditRows('account.deletion_refused', customer.id);
    expect(audit).toEqual([expect.objectContaining({ actor_type: 'staff', actor_id: agent.id, reason: comment })]);
    expect(await verifyAuditChain(system.database.db)).toMatchObject({ ok: true });

    expect((await listed(agent, 'refused')).map((i) => i.id)).toEqual([id]);
    expect((await agent.post(`/api/staff/deletion-requests/${id}/refuse`, { comment })).statusCode).toBe(409);
    expect((await agent.post(`/api/staff/deletion-requests/${id}/confirm`)).statusCode).toBe(409);

    const next = await requested(customer);
    expect(next).not.toBe(ticketId);
  });

  it('roles: support and admin only (collections and underwriters 403, customers 401); an unknown request is 404', async () => {
    const customer = await newCustomer();
    const ticketId = await requested(customer);
    const admin = await loginStaff(system, ['admin']);
    const id = await requestIdOf(admin, ticketId);

    for (const role of ['collections', 'underwriter'] as const) {
      const member = await loginStaff(system, [role]);
      for (const response of [
        await member.get('/api/staff/deletion-requests'),
        await member.post(`/api/staff/deletion-requests/${id}/confirm`),
        await member.post(`/api/staff/deletion-requests/${id}/refuse`, { comment: 'Отказываю без права на это.' }),
      ]) {
        expect(response.statusCode, role).toBe(403);
        expect(response.json().error.code).toBe('forbidden');
      }
    }
    expect((await customer.get('/api/staff/deletion-requests')).statusCode).toBe(401);
    expect((await customer.post(`/api/staff/deletion-requests/${id}/confirm`)).statusCode).toBe(401);
    expect((await customer.get('/api/me')).statusCode).toBe(200);
    expect((await listed(admin))[0]).toMatchObject({ id, status: 'pending' });

    expect((await admin.post(`/api/staff/deletion-requests/${crypto.randomUUID()}/confirm`)).statusCode).toBe(404);
    expect((await admin.post('/api/staff/deletion-requests/not-an-id/confirm')).statusCode).toBe(404);
    expect((await admin.get('/api/staff/deletion-requests?status=done')).statusCode).toBe(400);
    expect((await admin.get('/api/staff/deletion-requests?status=')).statusCode).toBe(200);
  });
});

// The login route's own refusal, seen from the auth side.
describe('login after deletion', () => {
  it('the verify reply of a deleted account sets no cookie and opens nothing, even with a browser cookie of another account', async () => {
    const customer = await newCustomer();
    const ticketId = await requested(customer);
    const agent = await loginStaff(system, ['support']);
    expect((await agent.post(`/api/staff/deletion-requests/${await requestIdOf(agent, ticketId)}/confirm`)).statusCode).toBe(200);
    const other = await newCustomer();
    await system.jobs.drain();
    system.clock.advance(61_000);
    await system.post('/api/auth/otp', { phone: customer.phone });
    const verify = await system.post('/api/auth/verify', { phone: customer.phone, code: await lastCodeFor(system, customer.phone) }, { cookie: other.cookie });
    expect(verify.statusCode).toBe(403);
    expect(() => sessionCookieFrom(verify)).toThrow();
    // The browser's other session is left as it was.
    expect((await other.get('/api/me')).statusCode).toBe(200);
  });
});
