import { afterAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../core/clock';
import { deriveKeys } from '../../crypto';
import { cryptoRandom } from '../../random';
import { activeLoan } from '../../testing/applicant';
import { loginStaff } from '../../testing/staff';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { createTestSystem, runJobs, type TestSystem } from '../../testing/test-system';
import { purgeHeld, runRetention, type RetentionDeps } from './retention.service';

/** Two processes running the retention job at the same moment, on a real PostgreSQL: the work is done once. */

afterAll(dropTestDatabases);

const depsOf = (system: TestSystem): RetentionDeps => ({ db: system.database.db, clock: system.clock, random: cryptoRandom, keys: deriveKeys(system.config.appSecret!), blobs: system.blobs });

describe('retention job race (PostgreSQL)', () => {
  it('8 parallel runs in two processes → one destruction act, then one purge act; audit records once', async () => {
    const { database } = await createTestDatabase();
    const first = await createTestSystem({ database });
    const second = await createTestSystem({ database, clock: first.clock });
    try {
      const { api, loanId } = await activeLoan(first);
      const customerId = ((await api.get('/api/me')).json() as { id: string }).id;
      // Repaid on the acquirer's page: the loan closes and the account may be deleted.
      const started = await api.pay(loanId, { amountKopecks: 1_000_000 }, crypto.randomUUID());
      expect(started.statusCode, started.body).toBe(201);
      const path = new URL(started.json().confirmationUrl as string).pathname;
      await first.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'outcome=succeeded' });
      await runJobs(first);
      expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('closed');
      const admin = await loginStaff(first, ['admin']);
      const requested = await api.post('/api/account/deletion');
      expect(requested.statusCode, requested.body).toBe(202);
      const [item] = (await admin.get('/api/staff/deletion-requests')).json().items as { id: string }[];
      expect((await admin.post(`/api/staff/deletion-requests/${item!.id}/confirm`)).statusCode).toBe(200);

      first.clock.advance(2 * DAY_MS);
      const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => runRetention(depsOf(i % 2 ? second : first), { jobId: `race-${i}` })));
      expect(runs.filter((r) => r.destroyed.includes(customerId))).toHaveLength(1);
      const acts = await database.db.selectFrom('deletion_acts').selectAll().where('customer_id', '=', customerId).execute();
      expect(acts.map((a) => a.kind)).toEqual(['destruction']);
      const records = await database.db.selectFrom('audit_log').select('id').where('action', '=', 'account.data_destroyed').execute();
      expect(records.map((r) => r.id).sort()).toEqual([...(acts[0]!.audit_ids as string[])].sort());

      const hold = await database.db.selectFrom('retention_holds').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
      first.clock.set(new Date(hold.purge_after.getTime() + DAY_MS));
      const purges = await Promise.all(Array.from({ length: 8 }, (_, i) => purgeHeld(depsOf(i % 2 ? second : first), customerId, `purge-${i}`)));
      expect(purges.filter(Boolean)).toHaveLength(1);
      const all = await database.db.selectFrom('deletion_acts').select('kind').where('customer_id', '=', customerId).orderBy('performed_at').execute();
      expect(all.map((a) => a.kind)).toEqual(['destruction', 'purge']);
    } finally {
      await second.close();
      await first.close();
      await database.close();
    }
  }, 150_000);
});
