import { afterAll, describe, expect, it } from 'vitest';
import { decidedApplication, TEST_VEHICLE } from '../../testing/applicant';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { createTestSystem, lastCodeFor, runJobs } from '../../testing/test-system';

/**
 * Two processes working the same pledge at the same moment, on a real PostgreSQL (PGlite runs one
 * statement at a time): the lease lets one run file, and the registry sees one notice per loan.
 */

afterAll(dropTestDatabases);

describe('pledge job race (PostgreSQL)', () => {
  it('12 parallel runs in two processes file one notice, then one release', async () => {
    const { database } = await createTestDatabase();
    const first = await createTestSystem({ database });
    const second = await createTestSystem({ database, clock: first.clock });
    try {
      const { api, id, phone, application } = await decidedApplication(first, { product: 'car', amount: 300_000, term: 12 });
      expect(application.status).toBe('approved');
      expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'sbp', bankId: '100000000111' })).statusCode).toBe(200);
      first.clock.advance(61_000);
      expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(200);
      const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(first, phone) });
      expect(signed.statusCode, signed.body).toBe(200);
      const loanId = signed.json().loanId as string;

      const runs = Array.from({ length: 12 }, (_, i) => (i % 2 ? first : second).pledges.advance(loanId));
      const outcomes = await Promise.allSettled(runs);
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      const row = await database.db.selectFrom('loan_pledges').selectAll().where('loan_id', '=', loanId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'registered', register_attempts: 1 });
      const filed = (await first.sandboxVehicles.registry.notices()).filter((n) => n.vin === TEST_VEHICLE.vin && n.contractNumber.endsWith(id.slice(0, 8).toUpperCase()));
      expect(filed.map((n) => n.noticeNumber)).toEqual([row.notice_number]);

      // Refused before the payout: the release, raced the same way.
      expect((await api.post(`/api/loans/${loanId}/refuse`)).statusCode).toBe(200);
      await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 2 ? first : second).pledges.advance(loanId)));
      await runJobs(first);
      const released = await database.db.selectFrom('loan_pledges').selectAll().where('loan_id', '=', loanId).executeTakeFirstOrThrow();
      expect(released).toMatchObject({ status: 'released', release_attempts: 1 });
      expect((await first.sandboxVehicles.registry.notices()).find((n) => n.noticeNumber === row.notice_number)?.release?.releaseNumber).toBe(released.release_number);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
