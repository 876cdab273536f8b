import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../core/clock';
import { activeLoan, customerClient, decidedApplication, jpegBytes, questionnaire, TEST_VEHICLE } from '../../testing/applicant';
import { REQUIRED_PHOTO_KINDS } from '../vehicles/vehicle-step';
import { VEHICLE_PERSONAS } from '../../providers/vehicle/sandbox';
import { loginStaff, type StaffClient } from '../../testing/staff';
import { lastCodeFor, login, nextPhone, runJobs, TEST_ORIGIN, useTestSystem } from '../../testing/test-system';
import { verifyAuditChain } from '../audit/audit.service';
import { ledgerProblems } from '../ledger/ledger.service';
import { CONFIRMED_EMAIL_SUBJECT, CONFIRMED_SMS } from './deletion.service';
import { RETENTION_QUEUE, yearsLater } from './retention.service';

/**
 * The deletion lifecycle with the fake clock (issue 8; SECURITY.md PD-7, PD-8, scenario 12): day 0
 * (confirmed: sessions dead, login refused, data still there but hidden from staff), day 30 (after
 * the job: no-basis data gone, the rest held with its purge date, an act, the phone free), the end
 * of the hold + 1 day (held personal data gone, a second act, the ledger still balanced).
 */

const system = useTestSystem();
const db = () => system.database.db;

type Api = ReturnType<typeof customerClient>;
const ADDRESS = 'maria.deleted@example.ru';

/** The SMS login for `phone`, as the login page does it. */
async function smsLogin(phone: string) {
  await system.jobs.drain();
  system.clock.advance(61_000); // the per-phone gap between SMS codes
  const sent = await system.post('/api/auth/otp', { phone });
  expect(sent.statusCode, sent.body).toBe(200);
  return system.post('/api/auth/verify', { phone, code: await lastCodeFor(system, phone) });
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

/** The customer gives an address in the profile and follows the link mailed to it. */
async function confirmedEmail(api: Api, address: string) {
  const set = await system.app.inject({
    method: 'PUT',
    url: '/api/profile/email',
    headers: { origin: TEST_ORIGIN, cookie: api.cookie, 'content-type': 'application/json' },
    payload: JSON.stringify({ email: address }),
  });
  expect(set.statusCode, set.body).toBe(200);
  await runJobs(system);
  const [link] = await system.sandboxEmail!.list({ to: address });
  const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(link!.text)![1];
  const confirmed = await system.post('/api/profile/email/confirm', { token });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
}

async function newTicket(api: Api, category: string, subject: string) {
  const created = await api.post('/api/support/tickets', { category, subject, message: `${subject}: подробности` });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().id as string;
}

/** One run of the retention job, as the hourly cron starts it. */
async function runRetentionJob() {
  await system.jobs.enqueue(db(), RETENTION_QUEUE, {});
  await runJobs(system);
}

const rows = async (table: 'consents' | 'sessions' | 'customer_devices' | 'customer_emails' | 'email_confirmations' | 'operations' | 'contact_log', customerId: string, where: Record<string, string> = {}) => {
  let query = db().selectFrom(table).select(sql<number>`count(*)::int`.as('n')).where('customer_id', '=', customerId);
  for (const [column, value] of Object.entries(where)) query = query.where(sql.ref(column), '=', value);
  return Number((await query.executeTakeFirstOrThrow()).n);
};

const actsOf = (customerId: string) => db().selectFrom('deletion_acts').selectAll().where('customer_id', '=', customerId).orderBy('performed_at').execute();

async function expectAuditOf(act: { audit_ids: unknown; categories: unknown; id: string }, action: string) {
  const ids = act.audit_ids as string[];
  const touched = (act.categories as { category: string; rows: number }[]).filter((c) => c.rows > 0);
  expect(ids).toHaveLength(touched.length);
  const records = await db().selectFrom('audit_log').selectAll().where('id', 'in', ids).orderBy('seq').execute();
  expect(records).toHaveLength(ids.length);
  for (const record of records) {
    expect(record).toMatchObject({ actor_type: 'system', actor_id: null, action, entity_type: 'customer', details: { actId: act.id } });
  }
  expect(records.map((r) => (r.details as { category: string }).category).sort()).toEqual(touched.map((c) => c.category).sort());
}

async function confirmDeletion(api: Api, staff: StaffClient) {
  const requested = await api.post('/api/account/deletion');
  expect(requested.statusCode, requested.body).toBe(202);
  const ticketId = requested.json().ticketId as string;
  const list = (await staff.get('/api/staff/deletion-requests')).json().items as { id: string; ticketId: string }[];
  const request = list.find((item) => item.ticketId === ticketId)!;
  const confirmed = await staff.post(`/api/staff/deletion-requests/${request.id}/confirm`);
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return { ticketId, requestId: request.id };
}

describe('a deleted account through day 0, day 30 and the end of the hold', () => {
  it('destroys what has no basis by day 30, holds the rest 5 years, then purges it; acts record each step', async () => {
    // A customer with a repaid loan, a marketing consent, a device and sessions, an email, support requests.
    const { api, phone, loanId, applicationId } = await activeLoan(system);
    await repayInFull(api, loanId);
    const customerId = ((await api.get('/api/me')).json() as { id: string }).id;
    expect((await api.post('/api/consents/marketing/give')).statusCode).toBe(200);
    await confirmedEmail(api, ADDRESS);
    const smsTicket = await newTicket(api, 'sms', 'Не приходит SMS');
    const paymentTicket = await newTicket(api, 'payment', 'Платёж прошёл дважды?');
    expect(await rows('consents', customerId, { kind: 'marketing' })).toBe(1);
    expect(await rows('customer_devices', customerId)).toBeGreaterThanOrEqual(1);
    expect(await rows('sessions', customerId)).toBeGreaterThanOrEqual(1);

    // Day 0: staff confirm.
    const support = await loginStaff(system, ['support']);
    const confirmedAt = system.clock.now();
    const { ticketId } = await confirmDeletion(api, support);
    const hold = await db().selectFrom('retention_holds').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    const purgeAfter = yearsLater(hold.deleted_at, 5);
    expect(hold).toMatchObject({ destroyed_at: null, purged_at: null, held: null, purge_after: purgeAfter });
    expect(hold.destroy_by.getTime() - hold.deleted_at.getTime()).toBe(30 * DAY_MS);
    expect(hold.deleted_at.getTime()).toBeGreaterThanOrEqual(confirmedAt.getTime());

    // The old cookie is dead at once, a new login is refused.
    expect((await api.get('/api/me')).statusCode).toBe(401);
    const refused = await smsLogin(phone);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('account_deleted');

    // The confirmation went out by SMS and to the confirmed address, queued before the address goes.
    await runJobs(system);
    expect((await system.sandboxSms!.list({ phone, limit: 50 })).map((m) => m.text)).toContain(CONFIRMED_SMS);
    const [mail] = await system.sandboxEmail!.list({ to: ADDRESS });
    expect(mail).toMatchObject({ subject: CONFIRMED_EMAIL_SUBJECT });
    expect(mail!.text).toContain('Не позднее');
    expect(mail!.text).toMatch(/хранить 5 лет/);

    // Everything is still there…
    expect(await rows('consents', customerId, { kind: 'marketing' })).toBe(1);
    expect(await rows('customer_emails', customerId)).toBe(1);
    expect(await rows('customer_devices', customerId)).toBeGreaterThanOrEqual(1);
    expect((await db().selectFrom('customers').select('phone').where('id', '=', customerId).executeTakeFirstOrThrow()).phone).toBe(phone);
    // …but support sees a deleted customer without personal data, not its requests, and cannot reveal.
    const found = (await support.get(`/api/staff/customers?query=${encodeURIComponent(phone)}`)).json().items;
    expect(found).toEqual([{ id: customerId, phoneMasked: '***', fullName: null, createdAt: expect.any(String), deleted: { deletedAt: hold.deleted_at.toISOString(), heldUntil: purgeAfter.toISOString() } }]);
    const card = await support.get(`/api/staff/customers/${customerId}`);
    expect(card.statusCode).toBe(200);
    expect(card.json()).toMatchObject({ fullName: null, passportMasked: null, loans: [], payments: [], tickets: [], history: [], deleted: { heldUntil: purgeAfter.toISOString() } });
    expect(card.body).not.toContain('Иванова');
    expect(card.body).not.toContain(phone.slice(-4));
    const reveal = await support.post(`/api/staff/customers/${customerId}/reveal`, { field: 'passport', reason: 'Проверка после удаления' });
    expect(reveal.statusCode).toBe(403);
    expect((await support.get(`/api/staff/tickets/${paymentTicket}`)).statusCode).toBe(404);
    const inbox = (await support.get('/api/staff/tickets?status=new,in_progress,waiting_customer,resolved,closed')).json().items as { id: string }[];
    expect(inbox.map((t) => t.id)).not.toContain(paymentTicket);
    expect(inbox.map((t) => t.id)).not.toContain(smsTicket);
    expect(inbox.map((t) => t.id)).toContain(ticketId);
    // Held data is for compliance only.
    expect((await support.get('/api/staff/retention')).statusCode).toBe(403);
    expect((await support.get(`/api/staff/retention/${customerId}`)).statusCode).toBe(403);

    // The job on day 0 finds nothing due: the destruction waits for the grace day.
    await runRetentionJob();
    expect(await actsOf(customerId)).toEqual([]);
    expect(await rows('customer_emails', customerId)).toBe(1);

    // Day 30, after the job.
    system.clock.advance(30 * DAY_MS);
    const auditBefore = Number((await db().selectFrom('audit_log').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n);
    await runRetentionJob();
    for (const [table, where] of [
      ['consents', { kind: 'marketing' }],
      ['sessions', {}],
      ['customer_devices', {}],
      ['customer_emails', {}],
      ['email_confirmations', {}],
    ] as const) {
      expect(await rows(table, customerId, where), table).toBe(0);
    }
    const tickets = await db().selectFrom('support_tickets').select(['id', 'category']).where('customer_id', '=', customerId).orderBy('created_at').execute();
    expect(tickets.map((t) => t.id).sort()).toEqual([paymentTicket, ticketId].sort());
    const messagesLeft = await db().selectFrom('support_messages').select('ticket_id').where('ticket_id', 'in', [ticketId, paymentTicket, smsTicket]).execute();
    expect(new Set(messagesLeft.map((m) => m.ticket_id))).toEqual(new Set([paymentTicket])); // the request keeps no text
    expect((await db().selectFrom('customers').select('phone').where('id', '=', customerId).executeTakeFirstOrThrow()).phone).toBeNull();
    expect(await db().selectFrom('sms_outbox').select('id').where('to_phone', '=', phone).execute()).toEqual([]);
    const loginCodes = await db().selectFrom('otp_challenges').select(['id', 'purpose']).where('phone', '=', phone).execute();
    expect(loginCodes.map((c) => c.purpose)).toEqual(['sign_contract']); // the contract's code is signing evidence

    // Held: the loan, the signed application's identification, the signature, payments, the contract's consents.
    const held = await db().selectFrom('retention_holds').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    expect(held.destroyed_at).not.toBeNull();
    expect(held.purge_after).toEqual(purgeAfter);
    expect(held.held).toEqual(
      expect.arrayContaining([
        { category: 'loans', rows: 1 },
        { category: 'signed_applications', rows: 1 },
        { category: 'signatures', rows: 1 },
        { category: 'consents', rows: 3 },
        { category: 'support_tickets', rows: 1 },
      ]),
    );
    const application = await db().selectFrom('applications').selectAll().where('id', '=', applicationId).executeTakeFirstOrThrow();
    expect(application.passport_ct).not.toBeNull();
    const signature = await db().selectFrom('signatures').selectAll().where('loan_id', '=', loanId).executeTakeFirstOrThrow();
    expect(signature.document.length).toBeGreaterThan(0);
    expect(await rows('consents', customerId)).toBe(3);
    expect((await db().selectFrom('loans').select('status').where('id', '=', loanId).executeTakeFirstOrThrow()).status).toBe('closed');

    // The act: every category, the rows, audit records that exist, the job run.
    const [destruction] = await actsOf(customerId);
    expect(destruction).toMatchObject({ kind: 'destruction', job_id: expect.any(String) });
    expect(destruction!.categories).toEqual(
      expect.arrayContaining([
        { category: 'marketing_consents', rows: 1 },
        { category: 'email_address', rows: 1 },
        { category: 'support_tickets', rows: 1 },
        { category: 'phone', rows: 1 },
      ]),
    );
    expect((destruction!.categories as { category: string; rows: number }[]).find((c) => c.category === 'sessions')!.rows).toBeGreaterThanOrEqual(1);
    expect((destruction!.categories as { category: string; rows: number }[]).find((c) => c.category === 'devices')!.rows).toBeGreaterThanOrEqual(1);
    await expectAuditOf(destruction!, 'account.data_destroyed');
    await expect(sql`UPDATE deletion_acts SET job_id = 'edited' WHERE id = ${destruction!.id}`.execute(db())).rejects.toThrow(/records/);
    await expect(sql`DELETE FROM deletion_acts WHERE id = ${destruction!.id}`.execute(db())).rejects.toThrow(/records/);

    // A rerun destroys nothing twice and writes no second act.
    const auditAfter = Number((await db().selectFrom('audit_log').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n);
    expect(auditAfter).toBeGreaterThan(auditBefore);
    await runRetentionJob();
    expect(await actsOf(customerId)).toHaveLength(1);
    expect(Number((await db().selectFrom('audit_log').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n)).toBe(auditAfter);

    // The phone registers anew: a clean customer with nothing of the old one.
    const fresh = customerClient(system, await login(system, phone));
    const me = (await fresh.get('/api/me')).json() as { id: string };
    expect(me.id).not.toBe(customerId);
    expect((await fresh.get('/api/loans')).json()).toEqual([]);
    expect((await fresh.get('/api/history')).json().items).toEqual([]);
    expect((await fresh.get('/api/support/tickets')).json().items).toEqual([]);
    expect(await db().selectFrom('customers').select('id').where('phone', '=', phone).execute()).toEqual([{ id: me.id }]);

    // Compliance sees the hold and what is held; each look is audited.
    const compliance = await loginStaff(system, ['compliance']);
    const holds = await compliance.get(`/api/staff/retention?phone=${encodeURIComponent(phone)}`);
    expect(holds.statusCode, holds.body).toBe(200);
    expect(holds.json().items).toEqual([expect.objectContaining({ customerId, status: 'held', purgeAfter: purgeAfter.toISOString() })]);
    const records = await compliance.get(`/api/staff/retention/${customerId}`);
    expect(records.statusCode, records.body).toBe(200);
    expect(records.json()).toMatchObject({
      applications: [{ id: applicationId, status: 'signed', identity: { fullName: 'Иванова Мария Петровна', passportMasked: '45** ***321' } }],
      loans: [{ id: loanId, status: 'closed' }],
      signatures: [{ loanId, documentKept: true, phoneMasked: `+7******${phone.slice(-4)}` }],
      tickets: expect.arrayContaining([expect.objectContaining({ id: paymentTicket, category: 'payment' })]),
      acts: [{ id: destruction!.id, kind: 'destruction' }],
    });
    const looks = await db().selectFrom('audit_log').select(['actor_id', 'entity_id']).where('action', '=', 'retention.viewed').execute();
    expect(looks).toEqual([{ actor_id: compliance.id, entity_id: customerId }]);
    const acts = await compliance.get(`/api/staff/deletion-acts?customerId=${customerId}`);
    expect(acts.json().items).toEqual([expect.objectContaining({ id: destruction!.id, kind: 'destruction', auditIds: destruction!.audit_ids })]);

    // The end of the hold + 1 day: the held personal data goes, a second act; amounts stay, balanced.
    const ledgerBefore = await db().selectFrom('ledger_entries').selectAll().orderBy('id').execute();
    system.clock.set(new Date(purgeAfter.getTime() + DAY_MS));
    await runRetentionJob();
    const purgedApplication = await db().selectFrom('applications').selectAll().where('id', '=', applicationId).executeTakeFirstOrThrow();
    for (const column of ['last_name_ct', 'first_name_ct', 'passport_ct', 'registration_address_ct', 'inn_ct', 'email_ct', 'passport_hash', 'inn_hash'] as const) {
      expect(purgedApplication[column], column).toBeNull();
    }
    const purgedSignature = await db().selectFrom('signatures').selectAll().where('loan_id', '=', loanId).executeTakeFirstOrThrow();
    expect(purgedSignature).toMatchObject({ phone: '', ip: '', user_agent: '', document_sha256: signature.document_sha256, purged_at: expect.any(Date) });
    expect(purgedSignature.document.length).toBe(0);
    expect(await rows('consents', customerId)).toBe(0);
    expect(await rows('operations', customerId)).toBe(0);
    expect(await rows('contact_log', customerId)).toBe(0);
    expect(await db().selectFrom('otp_challenges').select('id').where('phone', '=', phone).where('purpose', '=', 'sign_contract').where('id', '=', signature.challenge_id).execute()).toEqual([]);
    expect((await db().selectFrom('support_tickets').select('id').where('customer_id', '=', customerId).execute()).map((t) => t.id)).toEqual([ticketId]);
    expect(await db().selectFrom('loans').select(['id', 'amount_kopecks', 'status']).where('customer_id', '=', customerId).execute()).toEqual([
      { id: loanId, amount_kopecks: 1_000_000, status: 'closed' },
    ]);
    expect(await db().selectFrom('ledger_entries').selectAll().orderBy('id').execute()).toEqual(ledgerBefore);
    expect(await ledgerProblems(db())).toEqual([]);
    const purged = await db().selectFrom('retention_holds').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    expect(purged).toMatchObject({ purged_at: expect.any(Date), phone_hash: null });

    const [, purge] = await actsOf(customerId);
    expect(purge).toMatchObject({ kind: 'purge' });
    expect(purge!.categories).toEqual(
      expect.arrayContaining([
        { category: 'applications', rows: 1 },
        { category: 'signatures', rows: 1 },
        { category: 'consents', rows: 3 },
        { category: 'support_tickets', rows: 1 },
      ]),
    );
    await expectAuditOf(purge!, 'account.data_purged');
    await runRetentionJob();
    expect(await actsOf(customerId)).toHaveLength(2);
    expect(await verifyAuditChain(db())).toMatchObject({ ok: true });
    // The new customer with the same phone was never touched.
    expect(await db().selectFrom('customers').select(['id', 'deleted_at']).where('phone', '=', phone).execute()).toEqual([{ id: me.id, deleted_at: null }]);
    expect(await db().selectFrom('retention_holds').select('customer_id').where('customer_id', '=', me.id).execute()).toEqual([]);
  }, 120_000);

  it('a customer who never signed: everything goes at the destruction, nothing is held, one act', async () => {
    const phone = nextPhone();
    const api = customerClient(system, await login(system, phone));
    const customerId = ((await api.get('/api/me')).json() as { id: string }).id;
    const created = await api.create({ product: 'pdl', amount: 10_000, term: 30 });
    expect(created.statusCode).toBe(201);
    const draftId = created.json().id as string;
    expect((await api.patch(draftId, { lastName: 'Петров', firstName: 'Пётр' })).statusCode).toBe(200);
    const admin = await loginStaff(system, ['admin']);
    await confirmDeletion(api, admin);

    system.clock.advance(DAY_MS + 1);
    await runRetentionJob();
    const draft = await db().selectFrom('applications').selectAll().where('id', '=', draftId).executeTakeFirstOrThrow();
    expect(draft.last_name_ct).toBeNull();
    expect(draft.first_name_ct).toBeNull();
    const hold = await db().selectFrom('retention_holds').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    expect(hold).toMatchObject({ held: [], destroyed_at: expect.any(Date), purged_at: expect.any(Date), phone_hash: null });
    const acts = await actsOf(customerId);
    expect(acts.map((a) => a.kind)).toEqual(['destruction']);
    expect(acts[0]!.categories).toEqual(expect.arrayContaining([{ category: 'unsigned_applications', rows: 1 }]));

    // Five years later nothing more happens for it.
    system.clock.advance(6 * 366 * DAY_MS);
    await runRetentionJob();
    expect(await actsOf(customerId)).toHaveLength(1);
  });

  it('signing evidence stays immutable outside the purge: no edit, no partial blank, no delete', async () => {
    const { loanId } = await activeLoan(system);
    const attempts = [
      sql`UPDATE signatures SET ip = '10.0.0.1' WHERE loan_id = ${loanId}`,
      sql`UPDATE signatures SET document = ''::bytea, purged_at = now() WHERE loan_id = ${loanId}`,
      sql`UPDATE signatures SET document = ''::bytea, phone = '', ip = '', user_agent = '', purged_at = now(), agreement_version = 'other' WHERE loan_id = ${loanId}`,
      sql`DELETE FROM signatures WHERE loan_id = ${loanId}`,
    ];
    for (const attempt of attempts) await expect(attempt.execute(db())).rejects.toThrow(/immutable/);
    // The purge's own shape is the one change let through, once.
    await sql`UPDATE signatures SET document = ''::bytea, phone = '', ip = '', user_agent = '', purged_at = now() WHERE loan_id = ${loanId}`.execute(db());
    await expect(sql`UPDATE signatures SET purged_at = now() + interval '1 day' WHERE loan_id = ${loanId}`.execute(db())).rejects.toThrow(/immutable/);
    await expect(sql`DELETE FROM signatures WHERE loan_id = ${loanId}`.execute(db())).rejects.toThrow(/immutable/);
  });

  it('compliance alone lists holds and acts; a bad phone filter is a 400', async () => {
    const compliance = await loginStaff(system, ['compliance']);
    for (const role of ['support', 'underwriter', 'collections', 'admin'] as const) {
      const staff = await loginStaff(system, [role]);
      for (const url of ['/api/staff/retention', '/api/staff/deletion-acts']) expect((await staff.get(url)).statusCode, `${role} ${url}`).toBe(403);
    }
    expect((await compliance.get('/api/staff/retention')).json()).toEqual({ items: [] });
    expect((await compliance.get('/api/staff/deletion-acts')).json()).toEqual({ items: [] });
    const bad = await compliance.get('/api/staff/retention?phone=12345');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields.phone).toMatch(/номер/);
    expect((await compliance.get('/api/staff/retention/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    // Compliance works in its own workspace only: the customer card is not one of them.
    expect((await compliance.get('/api/staff/customers?query=%2B79120000000')).statusCode).toBe(403);
    expect((await compliance.get('/api/staff/me')).json().roles).toEqual(['compliance']);
  });
});

describe('the car of a deleted account (issue 10)', () => {
  it('a car application that became no contract loses its car data, photo rows and photo files by day 30', async () => {
    // Photos of its own bytes, but the front one the same bytes as another customer's (the store is content-addressed).
    const phone = nextPhone();
    const api = customerClient(system, await login(system, phone));
    const created = await api.create({ product: 'car', amount: 300_000, term: 12 });
    const id = created.json().id as string;
    expect((await api.patch(id, questionnaire())).statusCode).toBe(200);
    expect((await api.consents(id)).statusCode).toBe(200);
    expect((await api.put(`/api/applications/${id}/vehicle`, { ...TEST_VEHICLE, vin: VEHICLE_PERSONAS.pledged.vin })).statusCode).toBe(200);
    for (const kind of REQUIRED_PHOTO_KINDS) {
      const bytes = kind === 'front' ? jpegBytes('front') : jpegBytes(`${kind}-${phone}`);
      expect((await api.upload(`/api/applications/${id}/vehicle/photos?kind=${kind}`, bytes)).statusCode).toBe(201);
    }
    expect((await api.submit(id)).statusCode).toBe(202);
    await runJobs(system);
    expect((await api.get(`/api/applications/${id}`)).json().status).toBe('declined');
    const customerId = ((await api.get('/api/me')).json() as { id: string }).id;
    const photos = await db().selectFrom('application_vehicle_photos').select(['sha256', 'kind']).where('application_id', '=', id).execute();
    expect(photos).toHaveLength(REQUIRED_PHOTO_KINDS.length);
    const shared = photos.find((p) => p.kind === 'front')!.sha256;
    const other = await decidedApplication(system, { product: 'car', amount: 300_000, term: 12 });
    expect((await db().selectFrom('application_vehicle_photos').select('sha256').where('application_id', '=', other.id).execute()).map((p) => p.sha256)).toContain(shared);
    for (const { sha256 } of photos) expect(await system.blobs.has(sha256)).toBe(true);

    await confirmDeletion(api, await loginStaff(system, ['support']));
    system.clock.advance(2 * DAY_MS);
    await runRetentionJob();

    expect(await db().selectFrom('application_vehicles').select('vin').where('customer_id', '=', customerId).execute()).toEqual([]);
    expect(await db().selectFrom('application_vehicle_photos').select('id').where('customer_id', '=', customerId).execute()).toEqual([]);
    const ownOnly = photos.map((p) => p.sha256).filter((sha256) => sha256 !== shared);
    for (const sha256 of ownOnly) expect(await system.blobs.has(sha256)).toBe(false);
    expect(await system.blobs.has(shared)).toBe(true);
    const [act] = await actsOf(customerId);
    expect(act!.categories).toEqual(
      expect.arrayContaining([
        { category: 'unsigned_vehicles', rows: 1 },
        { category: 'unsigned_vehicle_photos', rows: photos.length },
      ]),
    );
  });
});
