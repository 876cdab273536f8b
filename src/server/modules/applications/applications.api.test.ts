import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { personalInnWithCheckDigits } from '../../../core/questionnaire';
import { PERSONAS } from '../../providers/sandbox-personas';
import { CLEAN_INN, questionnaire } from '../../testing/applicant';
import { dumpDatabase } from '../../testing/test-database';
import { login, nextPhone, runJobs, TEST_ORIGIN, useTestSystem, type TestSystem } from '../../testing/test-system';
import { consentDocument } from '../consents/documents';

const system = useTestSystem();

function client(sys: TestSystem, cookie: string) {
  const send = (method: 'POST' | 'PATCH', url: string, body?: unknown) =>
    sys.app.inject({
      method,
      url,
      headers: { origin: TEST_ORIGIN, cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  return {
    create: (body: unknown = { product: 'pdl', amount: 10_000, term: 30 }) => send('POST', '/api/applications', body),
    patch: (id: string, body: unknown) => send('PATCH', `/api/applications/${id}`, body),
    consents: (id: string, kinds: string[] = ['personal_data', 'credit_history', 'simple_signature']) =>
      send('POST', `/api/applications/${id}/consents`, { kinds }),
    submit: (id: string) => send('POST', `/api/applications/${id}/submit`),
    get: (id: string) => sys.get(`/api/applications/${id}`, { cookie }),
  };
}

async function applicant(loan = { product: 'pdl', amount: 10_000, term: 30 }) {
  const cookie = await login(system, nextPhone());
  const api = client(system, cookie);
  const created = await api.create(loan);
  expect(created.statusCode).toBe(201);
  return { api, cookie, id: created.json().id as string };
}

/** Fills, consents, submits and lets the scoring job run; returns the application as the borrower sees it. */
async function applyAs(overrides: Parameters<typeof questionnaire>[0] = {}, loan = { product: 'pdl', amount: 10_000, term: 30 }) {
  const { api, id, cookie } = await applicant(loan);
  expect((await api.patch(id, questionnaire(overrides))).statusCode).toBe(200);
  expect((await api.consents(id)).statusCode).toBe(200);
  const submitted = await api.submit(id);
  expect(submitted.statusCode).toBe(202);
  expect(submitted.json().status).toBe('scoring');
  await runJobs(system);
  return { api, id, cookie, application: (await api.get(id)).json() };
}

describe('the application flow', () => {
  it('draft → questionnaire → consents → submit → approved, with an SMS and no reasons', async () => {
    const { api, id } = await applicant();
    const draft = (await api.get(id)).json();
    expect(draft).toMatchObject({ id, status: 'draft', product: 'pdl', amount: 10_000, term: 30, offer: null });
    expect(draft.missing).toContain('passport.series');

    const saved = await api.patch(id, questionnaire());
    expect(saved.statusCode).toBe(200);
    expect(saved.json().missing).toEqual([]);
    expect(saved.json().questionnaire.passport.number).toBe('654321'); // the owner sees the draft in full

    const consented = (await api.consents(id)).json();
    expect(consented.consents.map((c: { kind: string }) => c.kind)).toEqual(['personal_data', 'credit_history', 'simple_signature']);

    expect((await api.submit(id)).statusCode).toBe(202);
    await runJobs(system);
    const decided = (await api.get(id)).json();
    expect(decided.status).toBe('approved');
    expect(decided.offer).toMatchObject({ product: 'pdl', amount: 10_000, term: 30, quote: { totalKopecks: 1_240_000 } });
    expect(decided.reapplyAfter).toBeNull();
    expect(JSON.stringify(decided)).not.toMatch(/reason|score|bureau|check/i);
    // Once submitted the passport and ИНН are shown masked.
    expect(decided.questionnaire.passport.number).toBe('45** ***321');
    expect(decided.questionnaire.inn).toBe(`********${CLEAN_INN.slice(-4)}`);

    const sms = await system.sandboxSms!.list({ limit: 100 });
    expect(sms.some((m) => /заявка одобрена/.test(m.text))).toBe(true);
  });

  it('a returning borrower’s next draft starts with their last questionnaire; nobody else’s does', async () => {
    const { api, id: firstId } = await applyAs();
    const next = await api.create({ product: 'pdl', amount: 12_000, term: 20 });
    expect(next.statusCode).toBe(201);
    const draft = next.json();
    expect(draft.status).toBe('draft');
    expect(draft.missing).toEqual([]);
    expect(draft.questionnaire).toMatchObject({ lastName: questionnaire().lastName, inn: CLEAN_INN, passport: { series: '4510', number: '654321' } });
    expect(draft.consents).toEqual([]); // consents are given again, for this application
    // Sealed for its own row: the copy is not the earlier row's ciphertext.
    const rows = await system.database.db.selectFrom('applications').select(['id', 'passport_ct']).where('id', 'in', [firstId, draft.id]).execute();
    expect(rows).toHaveLength(2);
    expect(Buffer.from(rows[0]!.passport_ct!).equals(Buffer.from(rows[1]!.passport_ct!))).toBe(false);

    const stranger = await applicant();
    expect((await stranger.api.get(stranger.id)).json().missing).toContain('passport.series');
  });

  it('an empty string clears a draft field; submit then asks for it again', async () => {
    const { api, id } = await applicant();
    await api.patch(id, questionnaire());
    const cleared = await api.patch(id, { actualAddress: '', employment: { employer: '' } });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().questionnaire.actualAddress).toBeUndefined();
    expect(cleared.json().missing).toEqual(['actualAddress', 'employment.employer']);
    expect((await api.patch(id, { lastName: '   ' })).statusCode).toBe(400);
  });

  it('the list of applications carries no questionnaire', async () => {
    const { api, id, cookie } = await applicant();
    await api.patch(id, questionnaire());
    const list = await system.get('/api/applications', { cookie });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toHaveLength(1);
    expect(list.json()[0]).toMatchObject({ id, status: 'draft', questionnaire: {}, missing: [] });
    expect(list.body).not.toContain('654321');
  });

  it('the questionnaire is saved field by field (autosave) and merged', async () => {
    const { api, id } = await applicant();
    await api.patch(id, { lastName: 'Петров' });
    await api.patch(id, { passport: { series: '4510' } });
    const after = (await api.patch(id, { passport: { number: '123456' } })).json();
    expect(after.questionnaire).toMatchObject({ lastName: 'Петров', passport: { series: '4510', number: '123456' } });
  });

  it('a new pick from the calculator updates the draft instead of starting a second one', async () => {
    const { api, id } = await applicant();
    const again = await api.create({ product: 'installment', amount: 50_000, term: 24 });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ id, product: 'installment', amount: 50_000 });
  });

  it('refuses a loan outside the product range with a field message', async () => {
    const cookie = await login(system, nextPhone());
    const response = await client(system, cookie).create({ product: 'pdl', amount: 500, term: 30 });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields.amount).toMatch(/от 1\u00a0000/);
  });
});

describe('every validation rule, on the server', () => {
  const base = questionnaire();
  it.each([
    ['passport.series', { passport: { series: '451' } }, { passport: { series: '4510' } }],
    ['passport.series', { passport: { series: '45a0' } }, { passport: { series: '0000' } }],
    ['passport.number', { passport: { number: '12345' } }, { passport: { number: '123456' } }],
    ['passport.number', { passport: { number: '1234567' } }, { passport: { number: '000000' } }],
    ['passport.issuedAt', { passport: { issuedAt: '2026-11-26' } }, { passport: { issuedAt: '2026-11-25' } }],
    ['passport.issuedAt', { birthDate: '1990-05-17', passport: { issuedAt: '2004-05-16' } }, { birthDate: '1990-05-17', passport: { issuedAt: '2004-05-17' } }],
    ['passport.divisionCode', { passport: { divisionCode: '770001' } }, { passport: { divisionCode: '770-001' } }],
    ['passport.divisionCode', { passport: { divisionCode: '77-0001' } }, { passport: { divisionCode: '001-770' } }],
    ['inn', { inn: '771234567890' }, { inn: CLEAN_INN }],
    ['inn', { inn: '7712345678' }, { inn: personalInnWithCheckDigits('5000000001') }],
    ['birthDate', { birthDate: '2008-11-26' }, { birthDate: '2008-11-25' }],
    ['birthDate', { birthDate: '1950-11-25' }, { birthDate: '1950-11-26' }],
    ['birthDate', { birthDate: '1990-02-30' }, { birthDate: '1990-02-28' }],
    ['employment.monthlyIncome', { employment: { monthlyIncome: 0 } }, { employment: { monthlyIncome: 1 } }],
    ['employment.monthlyIncome', { employment: { monthlyIncome: -100 } }, { employment: { monthlyIncome: 250_000 } }],
    ['employment.monthlyIncome', { employment: { monthlyIncome: 60_000.5 } }, { employment: { monthlyIncome: 60_000 } }],
    ['employment.type', { employment: { type: 'astronaut' } }, { employment: { type: 'pensioner' } }],
    ['email', { email: 'maria@' }, { email: 'm.ivanova+loan@mail.example.ru' }],
    ['email', { email: 'maria example.ru' }, { email: 'a@b.ru' }],
    ['lastName', { lastName: 'Ivanova' }, { lastName: 'Салтыкова-Щедрина' }],
  ])('%s: %j is refused, %j is accepted', async (field, invalid, valid) => {
    const { api, id } = await applicant();
    await api.patch(id, { birthDate: base.birthDate });
    const refused = await api.patch(id, invalid);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('validation_failed');
    expect(refused.json().error.fields[field]).toMatch(/[а-яё]/i);
    const accepted = await api.patch(id, valid);
    expect(accepted.statusCode, accepted.body).toBe(200);
  });

  it('unknown fields are refused (no mass assignment of status or owner)', async () => {
    const { api, id } = await applicant();
    for (const body of [{ status: 'approved' }, { customerId: 'x' }, { passport: { series: '4510', hidden: 1 } }]) {
      const response = await api.patch(id, body);
      expect(response.statusCode).toBe(400);
    }
    expect((await api.get(id)).json().status).toBe('draft');
  });
});

describe('consents', () => {
  it('records each consent with its document version, time, IP and user agent', async () => {
    const { api, id } = await applicant();
    system.clock.set('2026-11-25T09:10:00Z');
    await api.consents(id, ['personal_data', 'marketing']);
    const rows = await system.database.db.selectFrom('consents').selectAll().where('application_id', '=', id).orderBy('kind').execute();
    expect(rows.map((r) => ({ kind: r.kind, version: r.document_version, at: r.granted_at.toISOString(), ip: r.ip }))).toEqual([
      { kind: 'marketing', version: consentDocument('marketing').version, at: '2026-11-25T09:10:00.000Z', ip: '127.0.0.1' },
      { kind: 'personal_data', version: consentDocument('personal_data').version, at: '2026-11-25T09:10:00.000Z', ip: '127.0.0.1' },
    ]);
    expect(rows[0]!.user_agent).toBe('lightMyRequest');
  });

  it('each consent is a separate document with its own text and version', async () => {
    const documents = (await system.get('/api/consent-documents')).json();
    expect(documents.map((d: { kind: string; required: boolean }) => [d.kind, d.required])).toEqual([
      ['personal_data', true],
      ['credit_history', true],
      ['simple_signature', true],
      ['marketing', false],
    ]);
    expect(new Set(documents.map((d: { version: string }) => d.version)).size).toBe(4);
    expect(documents[1].text).toMatch(/218-ФЗ/);
  });

  it('refuses unknown consent kinds', async () => {
    const { api, id } = await applicant();
    expect((await api.consents(id, ['everything'])).statusCode).toBe(400);
  });
});

describe('the state machine', () => {
  it('submit refuses a draft with missing fields, listing them', async () => {
    const { api, id } = await applicant();
    await api.consents(id);
    const response = await api.submit(id);
    expect(response.statusCode).toBe(409);
    expect(Object.keys(response.json().error.fields)).toEqual(expect.arrayContaining(['passport.series', 'inn', 'email']));
    expect((await api.get(id)).json().status).toBe('draft');
  });

  it('submit refuses without the required consents', async () => {
    const { api, id } = await applicant();
    await api.patch(id, questionnaire());
    await api.consents(id, ['personal_data', 'marketing']);
    const response = await api.submit(id);
    expect(response.statusCode).toBe(409);
    expect(response.json().error.fields).toEqual({
      'consents.credit_history': expect.any(String),
      'consents.simple_signature': expect.any(String),
    });
  });

  it('no double submit, no change after submit, one scoring job', async () => {
    const { api, id } = await applicant();
    await api.patch(id, questionnaire());
    await api.consents(id);
    const [first, second] = await Promise.all([api.submit(id), api.submit(id)]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([202, 409]);
    expect((await api.patch(id, { lastName: 'Другая' })).statusCode).toBe(409);
    expect((await api.consents(id)).statusCode).toBe(409);
    const jobs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'applications.score'`.execute(system.database.db);
    expect(jobs.rows[0]!.n).toBe(1);
  });

  it('a second application cannot start while one is being scored', async () => {
    const { api, id } = await applicant();
    await api.patch(id, questionnaire());
    await api.consents(id);
    await api.submit(id);
    expect((await api.create()).statusCode).toBe(409);
  });
});

describe('another customer\u2019s application does not exist for you (IDOR)', () => {
  it('GET, PATCH, consents and submit of a foreign id → 404, nothing changes', async () => {
    const { id } = await applicant();
    const before = await system.database.db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const mallory = client(system, await login(system, nextPhone()));
    for (const response of [
      await mallory.get(id),
      await mallory.patch(id, { lastName: 'Взлом' }),
      await mallory.consents(id),
      await mallory.submit(id),
      await mallory.get('00000000-0000-4000-8000-000000000000'),
      await mallory.get('not-a-uuid'),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    const after = await system.database.db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect((await system.database.db.selectFrom('consents').selectAll().execute()).length).toBe(0);
  });

  it('without a session → 401; from a foreign origin → 403', async () => {
    expect((await system.get('/api/applications')).statusCode).toBe(401);
    const cookie = await login(system, nextPhone());
    const forged = await system.app.inject({
      method: 'POST',
      url: '/api/applications',
      headers: { origin: 'https://evil.example', cookie, 'content-type': 'application/json' },
      payload: JSON.stringify({ product: 'pdl', amount: 10_000, term: 30 }),
    });
    expect(forged.statusCode).toBe(403);
  });
});

describe('personal data is never in clear in the database or the logs', () => {
  it('after a full application: no passport number, ИНН, birth date or address in a dump or the logs', async () => {
    const secrets = { passportNumber: '918273', inn: personalInnWithCheckDigits('7798765432') };
    await applyAs(secrets);
    const dump = await dumpDatabase(system.database.db);
    expect(dump).toContain('approved'); // the dump is real
    const logs = system.logs.join('\n');
    for (const secret of [secrets.passportNumber, secrets.inn, '1990-05-17', 'ул. Арбат', 'Иванова', 'maria@example.ru']) {
      expect(dump).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });

  it('a sealed field copied to another row does not open', async () => {
    const a = await applicant();
    await a.api.patch(a.id, { inn: CLEAN_INN });
    const b = await applicant();
    const row = await system.database.db.selectFrom('applications').select('inn_ct').where('id', '=', a.id).executeTakeFirstOrThrow();
    await system.database.db.updateTable('applications').set({ inn_ct: row.inn_ct }).where('id', '=', b.id).execute();
    const response = await b.api.get(b.id);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain(CLEAN_INN);
  });
});

describe('decisions by sandbox persona', () => {
  it.each([
    ['invalid passport', { passportNumber: PERSONAS.invalidPassport.passportNumber }],
    ['self-ban', { inn: PERSONAS.selfBan.inn }],
    ['heavy overdue', { passportNumber: PERSONAS.heavyOverdue.passportNumber }],
    ['bankruptcy', { passportNumber: PERSONAS.bankruptcy.passportNumber }],
    ['two expensive loans (545-ФЗ)', { passportNumber: PERSONAS.expensiveLoans.passportNumber }],
  ])('%s → declined, reapply in 7 days, no reasons shown', async (_name, overrides) => {
    const { application } = await applyAs(overrides);
    expect(application.status).toBe('declined');
    expect(application.reapplyAfter).toBe('2026-12-02');
    expect(application.offer).toBeNull();
    const sms = await system.sandboxSms!.list({ limit: 10 });
    expect(sms.some((m) => /принято решение/.test(m.text))).toBe(true);
    expect(sms.every((m) => !/отказ|паспорт|бюро|просроч|банкрот/i.test(m.text))).toBe(true);
  });

  it('reasons are stored for staff', async () => {
    const { id } = await applyAs({ passportNumber: PERSONAS.bankruptcy.passportNumber });
    const row = await system.database.db.selectFrom('applications').select('decision_reasons').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.decision_reasons).toEqual(['bankruptcy']);
    const checks = await system.database.db.selectFrom('scoring_checks').select(['check_name', 'outcome']).where('application_id', '=', id).execute();
    expect(checks).toContainEqual({ check_name: 'bankruptcy', outcome: 'fail' });
  });

  it('a thin file gets a smaller counter-offer on a payday loan', async () => {
    const { application } = await applyAs({ passportNumber: PERSONAS.thinFile.passportNumber }, { product: 'pdl', amount: 25_000, term: 30 });
    expect(application.status).toBe('approved');
    expect(application.offer).toMatchObject({ amount: 15_000, term: 30 });
  });

  it('a thin file on an instalment loan goes to a person', async () => {
    const { application } = await applyAs({ passportNumber: PERSONAS.thinFile.passportNumber }, { product: 'installment', amount: 50_000, term: 24 });
    expect(application.status).toBe('manual_review');
  });

  it('a high debt load lowers the amount (ПДН ≤ 80 %) and asks for the ПДН warning', async () => {
    const { application } = await applyAs(
      { passportNumber: PERSONAS.highDebtLoad.passportNumber, monthlyIncome: 70_000 },
      { product: 'pdl', amount: 30_000, term: 30 },
    );
    expect(application.status).toBe('approved');
    expect(application.offer.amount).toBeLessThan(30_000);
    expect(application.pdnWarningRequired).toBe(true);
  });

  it('after a decline a new application can start only from the reapply date', async () => {
    const { cookie } = await applyAs({ passportNumber: PERSONAS.invalidPassport.passportNumber });
    const api = client(system, cookie);
    const early = await api.create();
    expect(early.statusCode).toBe(409);
    expect(early.json().error.fields.reapplyAfter).toBe('2026-12-02');
    expect(early.json().error.message).toMatch(/2 декабря 2026/);
  });
});

describe('the credit-history consent (218-ФЗ)', () => {
  it('a consent older than six months at scoring time: no bureau is asked, a person decides', async () => {
    const { api, id } = await applicant();
    await api.patch(id, questionnaire());
    await api.consents(id);
    await api.submit(id);
    system.clock.advance(183 * 24 * 3600 * 1000);
    await runJobs(system);
    const row = await system.database.db.selectFrom('applications').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('manual_review');
    expect(system.sandboxProviders.bureauCalls).toBe(0);
  });

  it('within six months the bureaus are asked', async () => {
    await applyAs();
    expect(system.sandboxProviders.bureauCalls).toBe(5);
  });
});

describe('providers fail closed', () => {
  it.each([
    ['timeouts', 'timeout'],
    ['5xx errors', 'error'],
    ['malformed answers', 'malformed'],
  ] as const)('%s: retried, then manual review — never approved', async (_name, failure) => {
    system.sandboxProviders.failure = failure;
    const { application, id } = await applyAs();
    expect(application.status).toBe('manual_review');
    const attempts = await system.database.db.selectFrom('applications').select('scoring_attempts').where('id', '=', id).executeTakeFirstOrThrow();
    expect(attempts.scoring_attempts).toBe(4);
    const errors = await system.database.db
      .selectFrom('scoring_checks')
      .select('outcome')
      .where('application_id', '=', id)
      .where('outcome', '=', 'error')
      .execute();
    expect(errors).toHaveLength(4);
  }, 30_000);

  it('a persona whose bureau never answers goes to manual review', async () => {
    const { application } = await applyAs({ passportNumber: PERSONAS.bureauTimeout.passportNumber });
    expect(application.status).toBe('manual_review');
  }, 30_000);

  it('a persona whose bureau answers garbage goes to manual review', async () => {
    const { application } = await applyAs({ passportNumber: PERSONAS.bureauMalformed.passportNumber });
    expect(application.status).toBe('manual_review');
  });

  it('a provider that recovers before the last attempt gives a normal decision', async () => {
    system.sandboxProviders.failure = 'error';
    const { api, id } = await applicant();
    await api.patch(id, questionnaire());
    await api.consents(id);
    await api.submit(id);
    await system.jobs.drain();
    expect((await api.get(id)).json().status).toBe('scoring');
    system.sandboxProviders.failure = 'none';
    await runJobs(system);
    expect((await api.get(id)).json().status).toBe('approved');
  });
});
