import { afterAll, describe, expect, it } from 'vitest';
import { PERSONAS } from '../../providers/sandbox-personas';
import { decidedApplication } from '../../testing/applicant';
import { loginStaff } from '../../testing/staff';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { createTestSystem } from '../../testing/test-system';

/** Two underwriters deciding the same application at the same moment, on a real PostgreSQL. */

afterAll(dropTestDatabases);

describe('manual review race (PostgreSQL)', () => {
  it('two underwriters, 12 concurrent decisions → exactly one wins: one status, one SMS, one history entry, one audit record', async () => {
    const { database } = await createTestDatabase();
    // Two processes on one database, each with its own connection pool.
    const first = await createTestSystem({ database });
    const second = await createTestSystem({ database, clock: first.clock });
    try {
      const applied = await decidedApplication(first, { product: 'installment', amount: 50_000, term: 24 }, { passportNumber: PERSONAS.thinFile.passportNumber });
      expect(applied.application.status).toBe('manual_review');
      const smsBefore = (await database.db.selectFrom('sms_outbox').select('id').execute()).length;
      const anna = await loginStaff(first, ['underwriter']);
      const boris = await loginStaff(second, ['underwriter']);
      const url = `/api/staff/applications/${applied.id}/decision`;
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2 === 0
            ? anna.post(url, { decision: 'approve', amountRubles: 40_000 + i * 1000, comment: `Одобряю, попытка ${i}` })
            : boris.post(url, { decision: 'decline', comment: `Отказываю, попытка ${i}` }),
        ),
      );
      const won = responses.filter((r) => r.statusCode === 200);
      expect(won, responses.map((r) => `${r.statusCode} ${r.body}`).join('\n')).toHaveLength(1);
      expect(responses.filter((r) => r.statusCode === 409)).toHaveLength(11);
      const winner = won[0]!.json();

      const row = await database.db.selectFrom('applications').selectAll().where('id', '=', applied.id).executeTakeFirstOrThrow();
      expect(row.status).toBe(winner.status);
      expect(row.decided_by).toBe(winner.status === 'approved' ? anna.id : boris.id);
      expect((await database.db.selectFrom('sms_outbox').select('id').execute()).length).toBe(smsBefore + 1);
      const operations = await database.db.selectFrom('operations').selectAll().where('ref', '=', applied.id).where('type', '=', 'decision').execute();
      expect(operations).toEqual([expect.objectContaining({ status: winner.status })]);
      const audit = await database.db.selectFrom('audit_log').selectAll().where('action', '=', 'application.decided').execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.actor_id).toBe(row.decided_by);
      const underwriterChecks = await database.db.selectFrom('scoring_checks').select('id').where('application_id', '=', applied.id).where('check_name', '=', 'underwriter').execute();
      expect(underwriterChecks).toHaveLength(1);
      expect((await applied.api.get(`/api/applications/${applied.id}`)).json().status).toBe(winner.status);
    } finally {
      await second.close();
      await first.close();
      await database.close();
    }
  });
});
