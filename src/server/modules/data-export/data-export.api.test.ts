import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { moscowDate } from '../../../core/dates';
import { personalInnWithCheckDigits } from '../../../core/questionnaire';
import { deriveKeys, sha256 } from '../../crypto';
import { openField } from '../../pii';
import { activeLoan, customerClient, decidedApplication } from '../../testing/applicant';
import { nextPhone, login, useTestSystem } from '../../testing/test-system';

const system = useTestSystem();

/** Every key anywhere in a JSON value. */
function keysOf(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      into.push(key);
      keysOf(inner, into);
    }
  }
  return into;
}

const SECRET_KEY = /token|hash|secret|password|cipher|_ct$|cashcode|confirmationurl|pepper/i;

async function exportOf(cookie: string) {
  const reply = await system.get('/api/account/data-export', { cookie });
  expect(reply.statusCode, reply.body).toBe(200);
  return reply;
}

describe('download my data', () => {
  it('gives the customer everything of theirs as a JSON attachment, nothing of anyone else, no secrets, and audits it', async () => {
    // The customer: a loan paid out in cash, a repayment started, a support request (the email address
    // comes from the questionnaire).
    const { api, phone, applicationId, loanId } = await activeLoan(system);
    const payment = await api.pay(loanId, { amountKopecks: 100_000 }, randomUUID());
    expect(payment.statusCode, payment.body).toBe(201);
    const ticket = await api.post('/api/support/tickets', { category: 'loan', subject: 'Вопрос по графику', message: 'Когда следующий платёж?' });
    expect(ticket.statusCode).toBe(201);
    const me = (await api.get('/api/me')).json() as { id: string };
    const keys = deriveKeys(system.config.appSecret!);

    // Another customer, with data of their own that must not leak.
    const other = await decidedApplication(system, undefined, { passportNumber: '111222', inn: personalInnWithCheckDigits('5012345678') });
    const otherMe = (await other.api.get('/api/me')).json() as { id: string };
    expect((await other.api.post('/api/support/tickets', { category: 'other', subject: 'Чужая тайна', message: 'Секрет второго клиента' })).statusCode).toBe(201);
    const otherSessions = await system.database.db.selectFrom('sessions').select('id').where('customer_id', '=', otherMe.id).execute();

    const reply = await exportOf(api.cookie);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['content-disposition']).toBe(`attachment; filename="carcapital-my-data-${moscowDate(system.clock.now())}.json"`);
    expect(reply.headers['cache-control']).toBe('no-store');
    const data = reply.json();

    // Their own data, in clear.
    expect(data.format).toBe('carcapital-data-export/1');
    expect(data.customer).toEqual({
      id: me.id,
      phone,
      registeredAt: expect.any(String),
      email: { address: 'maria@example.ru', confirmedAt: null, updatedAt: expect.any(String) },
    });
    expect(data.applications).toHaveLength(1);
    expect(data.applications[0]).toMatchObject({
      id: applicationId,
      status: 'signed',
      questionnaire: { lastName: 'Иванова', passport: { series: '4510', number: '654321' }, inn: expect.any(String), email: 'maria@example.ru' },
      payoutMethod: { type: 'cash' },
    });
    expect(data.consents.map((c: { kind: string }) => c.kind).sort()).toEqual(['credit_history', 'personal_data', 'simple_signature']);
    expect(data.loans).toHaveLength(1);
    expect(data.loans[0]).toMatchObject({ id: loanId, status: 'active', amountKopecks: 1_000_000, contractUrl: `/api/loans/${loanId}/contract.pdf` });
    expect(data.loans[0].schedule.length).toBeGreaterThan(0);
    expect(data.loans[0].payments).toEqual([
      { id: payment.json().paymentId, amountKopecks: 100_000, method: 'card', status: expect.any(String), createdAt: expect.any(String), paidAt: null },
    ]);
    expect(data.operations.map((o: { type: string }) => o.type)).toEqual(expect.arrayContaining(['application', 'decision', 'signing', 'payout']));
    expect(data.supportTickets).toHaveLength(1);
    expect(data.supportTickets[0]).toMatchObject({ subject: 'Вопрос по графику', messages: [{ author: 'customer', body: 'Когда следующий платёж?' }] });
    expect(data.sessions.length).toBeGreaterThan(0);
    expect(Object.keys(data.sessions[0]).sort()).toEqual(['createdAt', 'endedAt', 'id', 'ip', 'lastSeenAt', 'userAgent']);
    expect(data.devices).toHaveLength(1);

    // Nothing of the other customer.
    const text = reply.body;
    for (const foreign of [other.phone, otherMe.id, other.id, '111222', 'Чужая тайна', 'Секрет второго клиента', ...otherSessions.map((s) => s.id)]) {
      expect(text, foreign).not.toContain(foreign);
    }

    // No secrets: no key that names one, and none of the values we know.
    expect(keysOf(data).filter((key) => SECRET_KEY.test(key))).toEqual([]);
    const sid = api.cookie.split('=')[1]!;
    const payout = await system.database.db.selectFrom('payouts').select(['id', 'cash_code_ct']).where('loan_id', '=', loanId).executeTakeFirstOrThrow();
    const cashCode = openField(keys, { table: 'payouts', column: 'cash_code_ct', rowId: payout.id }, payout.cash_code_ct!);
    const secrets = [sid, sha256(sid).toString('hex'), sha256(sid).toString('base64'), cashCode, payment.json().confirmationUrl as string];
    for (const secret of secrets) expect(text).not.toContain(secret);

    const audit = await system.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'account.data_exported').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'customer', actor_id: me.id, entity_type: 'customer', entity_id: me.id, ip: '127.0.0.1' });
  });

  it('works for a customer with nothing yet, and needs a session', async () => {
    const api = customerClient(system, await login(system, nextPhone()));
    const data = (await exportOf(api.cookie)).json();
    expect(data).toMatchObject({ applications: [], consents: [], loans: [], operations: [], supportTickets: [], bonusPoints: [], loanChoice: null });
    expect(data.customer.email).toBeNull();
    expect((await system.get('/api/account/data-export')).statusCode).toBe(401);
  });
});
