import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../../../core/clock';
import { customerClient } from '../../testing/applicant';
import { login, nextPhone, useTestSystem } from '../../testing/test-system';
import { consentDocument } from './documents';

const system = useTestSystem();

type ConsentItem = {
  id: string;
  kind: string;
  title: string;
  required: boolean;
  version: string;
  currentVersion: boolean;
  documentUrl: string;
  grantedAt: string;
  withdrawnAt: string | null;
  applicationId: string | null;
};

/** A customer who gave the three required consents and the marketing one in an application. */
async function customerWithConsents() {
  const api = customerClient(system, await login(system, nextPhone()));
  const created = await api.create();
  expect(created.statusCode).toBe(201);
  const applicationId = created.json().id as string;
  expect((await api.consents(applicationId, ['personal_data', 'credit_history', 'simple_signature', 'marketing'])).statusCode).toBe(200);
  const me = (await api.get('/api/me')).json() as { id: string };
  return { api, applicationId, customerId: me.id };
}

const consentsOf = async (api: ReturnType<typeof customerClient>) => {
  const reply = await api.get('/api/consents');
  expect(reply.statusCode, reply.body).toBe(200);
  return reply.json() as { items: ConsentItem[]; marketing: { given: boolean } };
};

describe('the consents centre', () => {
  it('lists every consent given, with the title, the version of the text, the date and the application', async () => {
    const { api, applicationId } = await customerWithConsents();
    const { items, marketing } = await consentsOf(api);
    expect(marketing).toEqual({ given: true });
    expect(items.map((c) => c.kind).sort()).toEqual(['credit_history', 'marketing', 'personal_data', 'simple_signature']);
    for (const item of items) {
      const doc = consentDocument(item.kind as 'marketing');
      expect(item).toEqual({
        id: expect.any(String),
        kind: doc.kind,
        title: doc.title,
        required: doc.required,
        version: doc.version,
        currentVersion: true,
        documentUrl: `/api/consents/documents/${doc.version}`,
        grantedAt: '2026-11-25T09:00:00.000Z',
        withdrawnAt: null,
        applicationId,
      });
    }

    // Another customer sees only their own.
    const stranger = customerClient(system, await login(system, nextPhone()));
    expect(await consentsOf(stranger)).toEqual({ items: [], marketing: { given: false } });
  });

  it('shows the exact text of a version; an unknown version is not found', async () => {
    const doc = consentDocument('personal_data');
    const reply = await system.get(`/api/consents/documents/${doc.version}`);
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ kind: doc.kind, title: doc.title, required: true, version: doc.version, current: true, text: doc.text });
    for (const version of ['0000000000000000', 'nope', `${doc.version}0`]) {
      expect((await system.get(`/api/consents/documents/${version}`)).statusCode, version).toBe(404);
    }
  });

  it('needs a session for the list and the changes', async () => {
    expect((await system.get('/api/consents')).statusCode).toBe(401);
    expect((await system.post('/api/consents/marketing/withdraw', {})).statusCode).toBe(401);
  });
});

describe('withdrawing and giving the marketing consent', () => {
  it('withdraws it with time and place, keeps the grant row, audits it; a second withdrawal changes nothing', async () => {
    const { api, customerId } = await customerWithConsents();
    system.clock.advance(5 * MINUTE_MS);
    const reply = await api.post('/api/consents/marketing/withdraw');
    expect(reply.statusCode, reply.body).toBe(200);
    const body = reply.json() as { items: ConsentItem[]; marketing: { given: boolean } };
    expect(body.marketing).toEqual({ given: false });
    expect(body.items.find((c) => c.kind === 'marketing')?.withdrawnAt).toBe('2026-11-25T09:05:00.000Z');
    expect(body.items.filter((c) => c.kind !== 'marketing').every((c) => c.withdrawnAt === null)).toBe(true);

    const rows = await system.database.db.selectFrom('consents').selectAll().where('customer_id', '=', customerId).where('kind', '=', 'marketing').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ withdrawn_ip: '127.0.0.1', withdrawn_user_agent: 'lightMyRequest' });
    expect(rows[0]!.granted_at.toISOString()).toBe('2026-11-25T09:00:00.000Z');

    system.clock.advance(5 * MINUTE_MS);
    const again = await api.post('/api/consents/marketing/withdraw');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(body);

    const audit = await system.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'consent.withdrawn').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'customer', actor_id: customerId, entity_id: customerId, details: { kind: 'marketing', consentIds: [rows[0]!.id] } });
  });

  it('refuses to withdraw a required consent here (409, in Russian, pointing to deletion or support), and an unknown kind is not found', async () => {
    const { api } = await customerWithConsents();
    for (const kind of ['personal_data', 'credit_history', 'simple_signature']) {
      const reply = await api.post(`/api/consents/${kind}/withdraw`);
      expect(reply.statusCode, kind).toBe(409);
      expect(reply.json().error.code).toBe('conflict');
      expect(reply.json().error.message).toMatch(/удалив аккаунт.*поддержку/);
    }
    expect((await api.post('/api/consents/newsletter/withdraw')).statusCode).toBe(404);
    expect((await consentsOf(api)).items.every((c) => c.withdrawnAt === null)).toBe(true);
  });

  it('gives it again as a new grant of today’s text; giving twice changes nothing', async () => {
    const { api } = await customerWithConsents();
    await api.post('/api/consents/marketing/withdraw');
    system.clock.advance(MINUTE_MS);
    const given = await api.post('/api/consents/marketing/give');
    expect(given.statusCode, given.body).toBe(200);
    const marketing = (given.json().items as ConsentItem[]).filter((c) => c.kind === 'marketing');
    // The history: the withdrawn grant from the application, then the new one from the profile.
    expect(marketing.map((c) => [c.grantedAt, c.withdrawnAt !== null, c.applicationId === null, c.version])).toEqual([
      ['2026-11-25T09:01:00.000Z', false, true, consentDocument('marketing').version],
      ['2026-11-25T09:00:00.000Z', true, false, consentDocument('marketing').version],
    ]);
    expect(given.json().marketing).toEqual({ given: true });
    expect((await api.post('/api/consents/marketing/give')).json()).toEqual(given.json());
    expect((await api.post('/api/consents/personal_data/give')).statusCode).toBe(409);
    const audit = await system.database.db.selectFrom('audit_log').select('action').where('action', 'like', 'consent.%').orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['consent.withdrawn', 'consent.given']);
  });

  it('refuses a cross-site POST (same-origin rule)', async () => {
    const { api } = await customerWithConsents();
    const forged = await system.app.inject({
      method: 'POST',
      url: '/api/consents/marketing/withdraw',
      headers: { origin: 'https://evil.example', cookie: api.cookie },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('origin_forbidden');
    expect((await consentsOf(api)).marketing).toEqual({ given: true });
  });
});
