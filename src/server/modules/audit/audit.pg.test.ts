import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../random';
import { adminUrl, createTestDatabase, databaseUrl, dropTestDatabases } from '../../testing/test-database';
import { recordAuditAlone, verifyAuditChain } from './audit.service';

afterAll(dropTestDatabases);

/**
 * In production the application connects as a role that does not own the tables (migrations run
 * as the owner). Such a role can write audit records and nothing else: no edit, no delete, no
 * truncate, and it cannot switch the trigger or replication mode off either.
 */
describe('the audit log under the application’s own database role (PostgreSQL)', () => {
  it('the role can append and read, never edit', async () => {
    const { database, url } = await createTestDatabase();
    const dbName = new URL(url!).pathname.slice(1);
    const role = `cc_app_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const admin = new pg.Client({ connectionString: databaseUrl(dbName) });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER`);
    await admin.query(`GRANT CONNECT ON DATABASE ${dbName} TO ${role}`);
    await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    // What an application role is usually given: read and write on every table.
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    const asApp = new pg.Client({ connectionString: Object.assign(new URL(databaseUrl(dbName)), { username: role }).toString() });
    await asApp.connect();
    try {
      await recordAuditAlone(database.db, { random: cryptoRandom, now: new Date('2026-11-25T09:00:00Z') }, {
        actor: { type: 'system', id: null },
        action: 'test.entry',
        entity: { type: 'test', id: '1' },
      });
      expect((await asApp.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(1);
      await expect(asApp.query(`UPDATE audit_log SET reason = 'x'`)).rejects.toThrow(/append-only/);
      await expect(asApp.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      await expect(asApp.query('TRUNCATE audit_log')).rejects.toThrow(/permission denied|append-only/);
      await expect(asApp.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change')).rejects.toThrow(/must be owner/);
      await expect(asApp.query('DROP TRIGGER audit_log_no_change ON audit_log')).rejects.toThrow(/must be owner/);
      await expect(asApp.query('SET session_replication_role = replica')).rejects.toThrow(/permission denied/);
      expect(await verifyAuditChain(database.db)).toEqual({ ok: true, rows: 1 });
    } finally {
      await asApp.end();
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.end();
      await database.close();
      const cluster = new pg.Client({ connectionString: adminUrl() });
      await cluster.connect();
      await cluster.query(`DROP ROLE ${role}`).finally(() => cluster.end());
    }
  });

  it('20 writers at once: one order, no gap, the chain verifies', async () => {
    const { database } = await createTestDatabase();
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          recordAuditAlone(database.db, { random: cryptoRandom, now: new Date('2026-11-25T09:00:00Z') }, {
            actor: { type: 'system', id: null },
            action: 'test.parallel',
            entity: { type: 'test', id: String(i) },
          }),
        ),
      );
      const seqs = (await database.db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await verifyAuditChain(database.db)).toEqual({ ok: true, rows: 20 });
    } finally {
      await database.close();
    }
  });
});
