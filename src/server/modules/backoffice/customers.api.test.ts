import { describe, expect, it } from 'vitest';
import { formatPhone } from '../../../core/phone';
import { activeLoan, CLEAN_INN, decidedApplication } from '../../testing/applicant';
import { loginStaff } from '../../testing/staff';
import { useTestSystem } from '../../testing/test-system';

const system = useTestSystem();

const auditRows = (action: string) =>
  system.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();

const customerIdOf = async (phone: string) =>
  (await system.database.db.selectFrom('customers').select('id').where('phone', '=', phone).executeTakeFirstOrThrow()).id;

describe('finding a customer', () => {
  it('by phone in any common spelling, by application, loan or payment id, or by contract number', async () => {
    const { phone, applicationId, loanId } = await activeLoan(system);
    await decidedApplication(system); // someone else
    const customerId = await customerIdOf(phone);
    const support = await loginStaff(system, ['support']);
    const digits = phone.slice(2);
    const search = async (query: string) => {
      const response = await support.get(`/api/staff/customers?query=${encodeURIComponent(query)}`);
      expect(response.statusCode, `${query}: ${response.body}`).toBe(200);
      return response.json().items as { id: string; phoneMasked: string; fullName: string | null }[];
    };
    for (const query of [phone, formatPhone(phone), `8${digits}`, `7${digits}`, digits, ` 8 (${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6, 8)}-${digits.slice(8)} `]) {
      expect((await search(query)).map((c) => c.id), query).toEqual([customerId]);
    }
    const [found] = await search(phone);
    expect(found).toEqual({ id: customerId, phoneMasked: `+7******${phone.slice(-4)}`, fullName: 'Иванова Мария Петровна', createdAt: expect.any(String) });
    expect((await search(applicationId)).map((c) => c.id)).toEqual([customerId]);
    expect((await search(loanId.toUpperCase())).map((c) => c.id)).toEqual([customerId]);
    expect((await search(customerId)).map((c) => c.id)).toEqual([customerId]);
    const card = (await support.get(`/api/staff/customers/${customerId}`)).json();
    expect((await search(card.loans[0].number)).map((c) => c.id)).toEqual([customerId]);

    expect(await search('+79990000000')).toEqual([]);
    expect(await search('6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11')).toEqual([]);
    const bad = await support.get('/api/staff/customers?query=Иванова');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields.query).toMatch(/Введите телефон/);
    expect((await support.get('/api/staff/customers')).statusCode).toBe(400);
  });
});

describe('the customer card', () => {
  it('shows applications, loans with debt, payments, tickets, consents and history — personal data masked — and records one look', async () => {
    const { phone, loanId, applicationId, api } = await activeLoan(system);
    const customerId = await customerIdOf(phone);
    await api.pay(loanId, { amountKopecks: 100_000 }, crypto.randomUUID());
    const now = system.clock.now();
    await system.database.db
      .insertInto('support_tickets')
      .values({ id: crypto.randomUUID(), customer_id: customerId, category: 'payment', subject: 'Где мой платёж?', status: 'new', created_at: now, updated_at: now })
      .execute();
    const collections = await loginStaff(system, ['collections']);
    const response = await collections.get(`/api/staff/customers/${customerId}`);
    expect(response.statusCode, response.body).toBe(200);
    const card = response.json();
    expect(card).toMatchObject({
      id: customerId,
      phoneMasked: `+7******${phone.slice(-4)}`,
      fullName: 'Иванова Мария Петровна',
      passportMasked: '45** ***321',
      innMasked: `********${CLEAN_INN.slice(-4)}`,
      addressMasked: 'г. Москва, ***',
      emailMasked: 'm***@example.ru',
    });
    expect(card.applications).toEqual([expect.objectContaining({ id: applicationId, status: 'signed', productCode: 'pdl', amountRubles: 10_000, decidedByStaff: false })]);
    expect(card.loans).toEqual([
      expect.objectContaining({ id: loanId, status: 'active', principalKopecks: 1_000_000, debtKopecks: 1_000_000, dueDate: '2026-12-25', overdue: false }),
    ]);
    expect(card.loans[0].number).toMatch(/^CC-20261125-[0-9A-F]{8}$/);
    expect(card.payments).toEqual([expect.objectContaining({ loanId, amountKopecks: 100_000, status: 'pending' })]);
    expect(card.tickets).toEqual([expect.objectContaining({ subject: 'Где мой платёж?', status: 'new', category: 'payment', assignedTo: null })]);
    expect(card.consents.map((c: { kind: string }) => c.kind).sort()).toEqual(['credit_history', 'personal_data', 'simple_signature']);
    expect(card.history.map((o: { type: string }) => o.type)).toEqual(expect.arrayContaining(['application', 'decision', 'signing', 'payout', 'payment']));
    for (const secret of [phone, phone.slice(2), '654321', CLEAN_INN, 'maria@example.ru', 'ул. Арбат', 'score', 'scoring_checks']) {
      expect(response.body, secret).not.toContain(secret);
    }
    const audit = await auditRows('customer.viewed');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'staff', actor_id: collections.id, entity_type: 'customer', entity_id: customerId });
    expect(audit[0]!.ip).toBeTruthy();
  });

  it('keeps only the last 50 operations, newest first', async () => {
    const { phone } = await decidedApplication(system);
    const customerId = await customerIdOf(phone);
    const base = system.clock.now().getTime();
    await system.database.db
      .insertInto('operations')
      .values(
        Array.from({ length: 60 }, (_, i) => ({
          id: crypto.randomUUID(),
          customer_id: customerId,
          at: new Date(base + (i + 1) * 60_000),
          type: 'support' as const,
          title: `Событие ${i + 1}`,
          ref: `test-${i}`,
        })),
      )
      .execute();
    const admin = await loginStaff(system, ['admin']);
    const history = (await admin.get(`/api/staff/customers/${customerId}`)).json().history as { title: string }[];
    expect(history).toHaveLength(50);
    expect(history[0]!.title).toBe('Событие 60');
  });

  it('an unknown customer is 404 and records nothing; staff only', async () => {
    const { api, phone } = await decidedApplication(system);
    const underwriter = await loginStaff(system, ['underwriter']);
    expect((await underwriter.get('/api/staff/customers/6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11')).statusCode).toBe(404);
    expect((await underwriter.get('/api/staff/customers/12345')).statusCode).toBe(404);
    const reveal = await underwriter.post('/api/staff/customers/6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11/reveal', { field: 'inn', reason: 'Проверка по звонку клиента' });
    expect(reveal.statusCode).toBe(404);
    expect(await auditRows('customer.viewed')).toEqual([]);
    expect(await auditRows('customer.revealed')).toEqual([]);
    const customerId = await customerIdOf(phone);
    expect((await api.get(`/api/staff/customers/${customerId}`)).statusCode).toBe(401);
    expect((await system.get(`/api/staff/customers/${customerId}`)).statusCode).toBe(401);
  });
});

describe('revealing one field', () => {
  it('gives the value in clear and writes exactly one audit record with the reason and the field, never the value', async () => {
    const { phone } = await decidedApplication(system);
    const customerId = await customerIdOf(phone);
    const support = await loginStaff(system, ['support']);
    const reveal = (field: string, reason = '  Клиент звонит, сверяем данные по обращению  ') =>
      support.post(`/api/staff/customers/${customerId}/reveal`, { field, reason });

    const passport = await reveal('passport');
    expect(passport.statusCode, passport.body).toBe(200);
    expect(passport.json().field).toBe('passport');
    expect(passport.json().value).toMatch(/^4510 654321, выдан 2010-06-01, ОВД района Арбат г\. Москвы, код подразделения 770-001$/);
    const audit = await auditRows('customer.revealed');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_id: support.id,
      entity_type: 'customer',
      entity_id: customerId,
      reason: 'Клиент звонит, сверяем данные по обращению',
    });
    expect(audit[0]!.details).toMatchObject({ field: 'passport', found: true });
    expect(JSON.stringify(audit[0])).not.toContain('654321');

    expect((await reveal('inn')).json()).toEqual({ field: 'inn', value: CLEAN_INN });
    expect((await reveal('phone')).json()).toEqual({ field: 'phone', value: phone });
    expect((await reveal('email')).json()).toEqual({ field: 'email', value: 'maria@example.ru' });
    expect((await reveal('address')).json()).toEqual({ field: 'address', value: 'г. Москва, ул. Арбат, д. 1, кв. 2' });
    const all = await auditRows('customer.revealed');
    expect(all.map((r) => (r.details as { field: string }).field)).toEqual(['passport', 'inn', 'phone', 'email', 'address']);
    const dump = JSON.stringify(all);
    for (const value of ['654321', CLEAN_INN, phone, 'maria@example.ru', 'Арбат, д. 1']) expect(dump).not.toContain(value);
  });

  it('needs a reason of at least 10 characters (trimmed) and a known field; a refusal records nothing', async () => {
    const { phone } = await decidedApplication(system);
    const customerId = await customerIdOf(phone);
    const admin = await loginStaff(system, ['admin']);
    const short = await admin.post(`/api/staff/customers/${customerId}/reveal`, { field: 'inn', reason: '   коротко    ' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.fields.reason).toBe('Опишите причину просмотра — не короче 10 символов.');
    const missing = await admin.post(`/api/staff/customers/${customerId}/reveal`, { field: 'inn' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.fields.reason).toMatch(/[А-Яа-я]/);
    const field = await admin.post(`/api/staff/customers/${customerId}/reveal`, { field: 'score', reason: 'Хочу увидеть скоринг клиента' });
    expect(field.statusCode).toBe(400);
    expect(field.json().error.fields.field).toMatch(/Выберите, что показать/);
    expect(await auditRows('customer.revealed')).toEqual([]);
  });
});
