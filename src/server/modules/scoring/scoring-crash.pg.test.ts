import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { personalInnWithCheckDigits } from '../../../core/questionnaire';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { httpClient, startServerProcess } from '../../testing/server-process';
import { waitFor } from '../../testing/wait';

/**
 * REL-1 for scoring: the server process is SIGKILLed at a crash point inside the scoring job, then
 * started again. The job must complete after the restart, and exactly once: one decision, one SMS.
 * PostgreSQL only (a real separate process on a real database).
 */

afterAll(dropTestDatabases);

const APP_SECRET = 'crash-test-secret-0123456789abcdef012345';

const questionnaire = {
  lastName: 'Смирнов',
  firstName: 'Олег',
  birthDate: '1985-03-03',
  birthPlace: 'г. Москва',
  passport: { series: '4505', number: '112233', issuedAt: '2005-04-01', issuer: 'ОВД Тверского района', divisionCode: '770-002' },
  registrationAddress: 'г. Москва, ул. Тверская, д. 5',
  actualAddress: 'г. Москва, ул. Тверская, д. 5',
  inn: personalInnWithCheckDigits('7701234567'),
  email: 'oleg@example.ru',
  employment: { type: 'employed', employer: 'АО «Завод»', monthlyIncome: 90_000 },
};

describe('a scoring job interrupted by a server kill completes after restart, exactly once', () => {
  it.each(['scoring.before_commit', 'scoring.after_commit'])('killed at %s', async (crashpoint) => {
    const { database, url } = await createTestDatabase();
    const env = {
      DATABASE_URL: url!,
      APP_SECRET,
      SANDBOX_LATENCY_MS: '0',
      JOBS_MAINTENANCE_SEC: '1',
      JOB_EXPIRE_SEC: '2',
    };
    try {
      const first = await startServerProcess({ ...env, CRASHPOINTS: crashpoint });
      const client = httpClient(first.url);
      await client.login('+79161112233').catch((error: Error) => {
        throw new Error(`${error.message}\n${first.output()}`);
      });
      const created = await client.post('/api/applications', { product: 'pdl', amount: 10_000, term: 30 });
      const id = created.body!.id as string;
      expect((await client.patch(`/api/applications/${id}`, questionnaire)).status).toBe(200);
      await client.post(`/api/applications/${id}/consents`, { kinds: ['personal_data', 'credit_history', 'simple_signature'] });
      expect((await client.post(`/api/applications/${id}/submit`)).status).toBe(202);

      const exit = await first.exited;
      expect(exit.signal).toBe('SIGKILL');
      const afterCrash = await database.db.selectFrom('applications').select(['status']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(afterCrash.status).toBe(crashpoint === 'scoring.before_commit' ? 'scoring' : 'approved');

      const second = await startServerProcess(env);
      try {
        await waitFor('the job to finish', async () => {
          const decided = await database.db.selectFrom('applications').select('status').where('id', '=', id).executeTakeFirstOrThrow();
          if (decided.status === 'scoring') return null;
          const jobs = await sql<{ open: number }>`
            SELECT count(*)::int AS open FROM pgboss.job WHERE name = 'applications.score' AND state <> 'completed'
          `.execute(database.db);
          return jobs.rows[0]!.open === 0 ? decided : null;
        });
        const row = await database.db.selectFrom('applications').select(['status', 'scoring_attempts']).where('id', '=', id).executeTakeFirstOrThrow();
        expect(row.status).toBe('approved');
        const notices = await database.db.selectFrom('sms_outbox').select('id').where('kind', '=', 'notice').execute();
        expect(notices).toHaveLength(1);
        const passportChecks = await database.db
          .selectFrom('scoring_checks')
          .select('attempt')
          .where('application_id', '=', id)
          .where('check_name', '=', 'passport')
          .execute();
        expect(passportChecks).toHaveLength(1);
        // The borrower sees the decision after the restart.
        const seen = httpClient(second.url, client.cookie());
        expect((await seen.get(`/api/applications/${id}`)).body!.status).toBe('approved');
      } finally {
        await second.stop();
      }
    } finally {
      await database.close();
    }
  }, 120_000);
});
