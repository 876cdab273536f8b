import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { SECOND_MS } from '../../../core/clock';
import { personalInnWithCheckDigits } from '../../../core/questionnaire';
import { decidedApplication } from '../../testing/applicant';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { httpClient, startServerProcess } from '../../testing/server-process';
import { createTestSystem, lastCodeFor } from '../../testing/test-system';
import { ledgerProblems } from '../ledger/ledger.service';
import { createDisburseHandler } from '../loans/loans.service';

/** SIG-4 and exactly-once payouts under real concurrency and a real process kill (PostgreSQL). */

afterAll(dropTestDatabases);

describe('signing and payout races (PostgreSQL)', () => {
  it('20 concurrent signs with the right code → one signature, one loan; 20 concurrent payout runs → one provider call, one posting', async () => {
    const { database } = await createTestDatabase();
    const system = await createTestSystem({ database });
    try {
      const { api, id, phone } = await decidedApplication(system);
      await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' });
      system.clock.advance(61 * SECOND_MS);
      await api.post(`/api/applications/${id}/sign/otp`);
      const code = await lastCodeFor(system, phone);
      const signs = await Promise.all(Array.from({ length: 20 }, () => api.post(`/api/applications/${id}/sign`, { code })));
      expect(signs.filter((r) => r.statusCode === 200)).toHaveLength(1);
      expect(await database.db.selectFrom('signatures').selectAll().execute()).toHaveLength(1);
      const loans = await database.db.selectFrom('loans').select('id').execute();
      expect(loans).toHaveLength(1);

      const handler = createDisburseHandler({
        db: database.db,
        clock: system.clock,
        random: (await import('../../random')).cryptoRandom,
        keys: (await import('../../crypto')).deriveKeys(system.config.appSecret!),
        jobs: system.jobs,
        logger: system.logger,
        payouts: system.sandboxPayouts,
        crashpoint: () => undefined,
        payoutLeaseMs: 60_000,
      });
      await Promise.all(Array.from({ length: 20 }, () => handler({ loanId: loans[0]!.id })));
      expect(system.sandboxPayouts.calls()).toBe(1);
      expect(await database.db.selectFrom('ledger_transactions').selectAll().execute()).toHaveLength(1);
      expect((await database.db.selectFrom('loans').select('status').executeTakeFirstOrThrow()).status).toBe('active');
      expect(await ledgerProblems(database.db)).toEqual([]);
    } finally {
      await system.close();
      await database.close();
    }
  });

  it('kill -9 between the provider paying and our record: after restart, exactly one payout', async () => {
    const { database, url } = await createTestDatabase();
    const env = {
      DATABASE_URL: url!,
      APP_SECRET: 'payout-crash-secret-0123456789abcdef0123',
      SANDBOX_LATENCY_MS: '0',
      JOBS_MAINTENANCE_SEC: '1',
      JOB_EXPIRE_SEC: '2',
    };
    try {
      const first = await startServerProcess({ ...env, CRASHPOINTS: 'payout.after_provider' });
      const client = httpClient(first.url);
      const phone = '+79165554433';
      await client.login(phone);
      const id = String((await client.post('/api/applications', { product: 'pdl', amount: 10_000, term: 30 })).body!.id);
      await client.patch(`/api/applications/${id}`, {
        lastName: 'Кузнецов',
        firstName: 'Иван',
        birthDate: '1980-01-01',
        birthPlace: 'г. Москва',
        passport: { series: '4500', number: '445566', issuedAt: '2000-02-01', issuer: 'ОВД', divisionCode: '770-003' },
        registrationAddress: 'г. Москва, ул. Мира, д. 1',
        actualAddress: 'г. Москва, ул. Мира, д. 1',
        inn: personalInnWithCheckDigits('7703456789'),
        email: 'ivan@example.ru',
        employment: { type: 'employed', employer: 'ООО «Мир»', monthlyIncome: 100_000 },
      });
      await client.post(`/api/applications/${id}/consents`, { kinds: ['personal_data', 'credit_history', 'simple_signature'] });
      await client.post(`/api/applications/${id}/submit`);
      for (let i = 0; i < 100 && (await client.get(`/api/applications/${id}`)).body!.status === 'scoring'; i += 1) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((await client.post(`/api/applications/${id}/payout-method`, { type: 'cash' })).status).toBe(200);
      // The signing code may be asked for 60 s after the login code at the earliest.
      await sql`UPDATE otp_challenges SET created_at = created_at - interval '2 minutes'`.execute(database.db);
      expect((await client.post(`/api/applications/${id}/sign/otp`)).status).toBe(200);
      let code: string | undefined;
      for (let i = 0; i < 50 && !code; i += 1) {
        const messages = (await client.get(`/api/dev/sms?phone=${encodeURIComponent(phone)}`)).body as unknown as { text: string }[];
        code = messages.find((m) => /подпись договора/.test(m.text))?.text.match(/\b(\d{6})\b/)?.[1];
        if (!code) await new Promise((r) => setTimeout(r, 200));
      }
      expect((await client.post(`/api/applications/${id}/sign`, { code })).status).toBe(200);

      expect((await first.exited).signal).toBe('SIGKILL');
      expect(await database.db.selectFrom('sandbox_payouts').selectAll().execute()).toHaveLength(1);
      expect((await database.db.selectFrom('loans').select('status').executeTakeFirstOrThrow()).status).toBe('disbursing');

      const second = await startServerProcess(env);
      try {
        for (let i = 0; i < 200; i += 1) {
          const loan = await database.db.selectFrom('loans').select('status').executeTakeFirstOrThrow();
          if (loan.status === 'active') break;
          await new Promise((r) => setTimeout(r, 250));
        }
        expect((await database.db.selectFrom('loans').select('status').executeTakeFirstOrThrow()).status).toBe('active');
        expect(await database.db.selectFrom('sandbox_payouts').selectAll().execute()).toHaveLength(1);
        expect(await database.db.selectFrom('ledger_transactions').selectAll().execute()).toHaveLength(1);
        expect(await ledgerProblems(database.db)).toEqual([]);
      } finally {
        await second.stop();
      }
    } finally {
      await database.close();
    }
  }, 150_000);
});
