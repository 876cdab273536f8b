import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../core/clock';
import { PERSONAS } from '../../providers/sandbox-personas';
import { activeLoan, decidedApplication } from '../../testing/applicant';
import { loginStaff } from '../../testing/staff';
import { runJobs, useTestSystem } from '../../testing/test-system';

const system = useTestSystem();

async function payOnPage(confirmationUrl: string) {
  const path = new URL(confirmationUrl).pathname;
  const done = await system.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'outcome=succeeded' });
  expect(done.statusCode).toBe(200);
  await runJobs(system);
}

describe('the dashboard', () => {
  it('counts today’s (Moscow date) applications, decisions, money out and in, overdue loans and open requests; every role sees it', async () => {
    // 2026-11-25T09:00Z is 12:00 in Moscow.
    const { api, loanId, phone } = await activeLoan(system); // submitted, approved (now signed), paid out
    await decidedApplication(system, undefined, { passportNumber: PERSONAS.bankruptcy.passportNumber }); // declined
    await decidedApplication(system, { product: 'installment', amount: 50_000, term: 24 }, { passportNumber: PERSONAS.thinFile.passportNumber }); // manual review
    const started = await api.pay(loanId, { amountKopecks: 300_000 }, crypto.randomUUID());
    await payOnPage(started.json().confirmationUrl);
    const customerId = (await system.database.db.selectFrom('customers').select('id').where('phone', '=', phone).executeTakeFirstOrThrow()).id;
    const now = system.clock.now();
    await system.database.db
      .insertInto('support_tickets')
      .values([
        // Waiting for us: new and in_progress.
        { id: crypto.randomUUID(), customer_id: customerId, category: 'loan', subject: 'Вопрос', status: 'new', created_at: now, updated_at: now },
        { id: crypto.randomUUID(), customer_id: customerId, category: 'sms', subject: 'В работе', status: 'in_progress', created_at: now, updated_at: now },
        { id: crypto.randomUUID(), customer_id: customerId, category: 'loan', subject: 'Ответили', status: 'waiting_customer', created_at: now, updated_at: now },
        { id: crypto.randomUUID(), customer_id: customerId, category: 'loan', subject: 'Решено', status: 'resolved', created_at: now, updated_at: now },
        { id: crypto.randomUUID(), customer_id: customerId, category: 'loan', subject: 'Закрыто', status: 'closed', created_at: now, updated_at: now },
      ])
      .execute();

    for (const role of ['support', 'underwriter', 'collections', 'admin'] as const) {
      const staff = await loginStaff(system, [role]);
      const response = await staff.get('/api/staff/dashboard');
      expect(response.statusCode, role).toBe(200);
      expect(response.json()).toEqual({
        date: '2026-11-25',
        applications: { submitted: 3, approved: 1, declined: 1, manualReview: 1 },
        approvalRatePercent: 50,
        disbursedKopecks: 1_000_000,
        repaidKopecks: 300_000,
        overdue: { loans: 0, debtKopecks: 0 },
        openTickets: 2,
        pledgeReleases: { releasing: 0, overdue: 0 },
      });
    }

    // 21:30 UTC is 00:30 the next day in Moscow: a new business day, nothing happened yet.
    system.clock.set('2026-11-25T21:30:00Z');
    const admin = await loginStaff(system, ['admin']);
    expect((await admin.get('/api/staff/dashboard')).json()).toMatchObject({
      date: '2026-11-26',
      applications: { submitted: 0, approved: 0, declined: 0, manualReview: 1 },
      approvalRatePercent: null,
      disbursedKopecks: 0,
      repaidKopecks: 0,
    });

    system.clock.advance(40 * DAY_MS);
    const later = await loginStaff(system, ['collections']);
    const overdue = (await later.get('/api/staff/dashboard')).json().overdue;
    expect(overdue.loans).toBe(1);
    expect(overdue.debtKopecks).toBeGreaterThan(700_000);
  });
});

describe('the audit log', () => {
  it('pages 50 records at a time, newest first, with the actor’s e-mail; filters by actor, entity and action; admins only', async () => {
    const { phone } = await decidedApplication(system);
    const customerId = (await system.database.db.selectFrom('customers').select('id').where('phone', '=', phone).executeTakeFirstOrThrow()).id;
    const support = await loginStaff(system, ['support']);
    for (let i = 0; i < 55; i += 1) expect((await support.get(`/api/staff/customers/${customerId}`)).statusCode).toBe(200);
    await support.post(`/api/staff/customers/${customerId}/reveal`, { field: 'inn', reason: 'Сверка ИНН по заявлению клиента' });
    const admin = await loginStaff(system, ['admin']);
    expect((await support.get('/api/staff/audit')).statusCode).toBe(403);

    const total = (await system.database.db.selectFrom('audit_log').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n;
    const first = await admin.get('/api/staff/audit');
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json();
    expect(page.items).toHaveLength(50);
    const seqs = page.items.map((i: { seq: number }) => i.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => b - a));
    expect(seqs[0]).toBe(Number(total));
    expect(page.nextBefore).toBe(seqs[49]);
    const rest = (await admin.get(`/api/staff/audit?before=${page.nextBefore}`)).json();
    expect(rest.items[0].seq).toBe(seqs[49] - 1);
    expect(rest.items.length + 50).toBe(Number(total));
    expect(rest.nextBefore).toBeNull();

    const reveals = (await admin.get(`/api/staff/audit?action=customer.revealed`)).json();
    expect(reveals.items).toEqual([
      expect.objectContaining({
        actorType: 'staff',
        actorId: support.id,
        actorEmail: support.email,
        action: 'customer.revealed',
        entityType: 'customer',
        entityId: customerId,
        reason: 'Сверка ИНН по заявлению клиента',
        details: expect.objectContaining({ field: 'inn' }),
      }),
    ]);
    expect((await admin.get(`/api/staff/audit?action=customer`)).json().items).toHaveLength(50); // the whole family
    const byActor = (await admin.get(`/api/staff/audit?actor=${encodeURIComponent(support.email.toUpperCase())}&action=customer.viewed`)).json();
    expect(byActor.items).toHaveLength(50);
    expect(byActor.nextBefore).not.toBeNull();
    expect((await admin.get(`/api/staff/audit?actor=${support.id}&before=${byActor.nextBefore}&action=customer.viewed`)).json().items).toHaveLength(5);
    expect((await admin.get(`/api/staff/audit?actor=${admin.id}&entity=customer:${customerId}`)).json().items).toEqual([]);
    expect((await admin.get(`/api/staff/audit?entity=${customerId}`)).json().items).toHaveLength(50);
    expect((await admin.get(`/api/staff/audit?entity=staff&actor=${admin.id}`)).json().items.map((i: { action: string }) => i.action)).toEqual(
      expect.arrayContaining(['staff.totp_enrolled', 'staff.password_changed']),
    );
    expect((await admin.get('/api/staff/audit?actor=&entity=&action=')).json().items).toHaveLength(50);

    const bad = await admin.get('/api/staff/audit?before=abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields.before).toMatch(/номер записи/);
    expect((await admin.get('/api/staff/audit?actor=someone')).json().error.fields.actor).toMatch(/почту или идентификатор/);
    expect((await admin.get('/api/staff/audit?sort=asc')).statusCode).toBe(400);
  });

  it('verifies the hash chain (admins only) and names a broken record', async () => {
    const { phone } = await decidedApplication(system);
    const customerId = (await system.database.db.selectFrom('customers').select('id').where('phone', '=', phone).executeTakeFirstOrThrow()).id;
    const admin = await loginStaff(system, ['admin']);
    await admin.get(`/api/staff/customers/${customerId}`);
    const verify = await admin.get('/api/staff/audit/verify');
    expect(verify.statusCode).toBe(200);
    const rows = Number((await system.database.db.selectFrom('audit_log').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    expect(verify.json()).toEqual({ ok: true, rows });
    expect((await (await loginStaff(system, ['collections'])).get('/api/staff/audit/verify')).statusCode).toBe(403);

    // Someone able to switch the trigger off edits a record: the chain shows where.
    await system.database.executeSql(
      `SET session_replication_role = replica; UPDATE audit_log SET reason = 'подделка' WHERE seq = 2; SET session_replication_role = DEFAULT`,
    );
    expect((await admin.get('/api/staff/audit/verify')).json()).toMatchObject({ ok: false, brokenAtSeq: 2 });
  });
});

describe('the API description', () => {
  it('lists every back office route with its roles', async () => {
    const docs = (await system.get('/api/docs')).json() as { paths: Record<string, Record<string, { 'x-staff-roles'?: string[] }>> };
    expect(docs.paths['/api/staff/applications/{id}/decision']?.post?.['x-staff-roles']).toEqual(['underwriter', 'admin']);
    expect(docs.paths['/api/staff/payouts/{loanId}/retry']?.post?.['x-staff-roles']).toEqual(['admin']);
    expect(docs.paths['/api/staff/dashboard']?.get?.['x-staff-roles']).toEqual(['support', 'underwriter', 'collections', 'admin', 'compliance']);
    expect(docs.paths['/api/staff/retention']?.get?.['x-staff-roles']).toEqual(['compliance']);
    for (const path of ['/api/staff/customers', '/api/staff/customers/{id}', '/api/staff/customers/{id}/reveal', '/api/staff/loans/overdue', '/api/staff/payments/pending', '/api/staff/payouts/failed', '/api/staff/audit', '/api/staff/audit/verify']) {
      expect(docs.paths[path], path).toBeDefined();
    }
  });
});
