import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../random';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { recordAuditAlone, verifyAuditChain } from './audit.service';

afterAll(dropTestDatabases);

const at = new Date('2026-11-25T09:00:00Z');
const STAFF = '11111111-1111-4111-8111-111111111111';

async function withEntries(count: number) {
  const { database } = await createTestDatabase();
  for (let i = 0; i < count; i++) {
    await recordAuditAlone(database.db, { random: cryptoRandom, now: new Date(at.getTime() + i * 1000) }, {
      actor: { type: 'staff', id: STAFF },
      action: 'customer.revealed',
      entity: { type: 'customer', id: `c${i}` },
      reason: `Проверка обращения №${i}`,
      from: { ip: '10.0.0.1', userAgent: 'test' },
      details: { field: 'passport', nested: { b: 2, a: [1, 'x'] } },
    });
  }
  return database;
}

describe('the audit log', () => {
  it('chains every row to the previous one; the chain verifies', async () => {
    const database = await withEntries(5);
    try {
      const rows = await database.db.selectFrom('audit_log').select(['seq', 'prev_hash', 'hash']).orderBy('seq').execute();
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      for (let i = 1; i < rows.length; i++) expect(Buffer.from(rows[i]!.prev_hash).equals(Buffer.from(rows[i - 1]!.hash))).toBe(true);
      expect(await verifyAuditChain(database.db)).toEqual({ ok: true, rows: 5 });
    } finally {
      await database.close();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE from the application', async () => {
    const database = await withEntries(2);
    try {
      await expect(database.db.updateTable('audit_log').set({ reason: 'подчищено' }).where('seq', '=', 1).execute()).rejects.toThrow(/append-only/);
      await expect(database.db.deleteFrom('audit_log').where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
      await expect(sql`TRUNCATE audit_log`.execute(database.db)).rejects.toThrow(/append-only/);
      expect(await verifyAuditChain(database.db)).toEqual({ ok: true, rows: 2 });
    } finally {
      await database.close();
    }
  });

  it('an edit or a removal made with the trigger switched off breaks the chain at that row', async () => {
    const edited = await withEntries(4);
    const removed = await withEntries(4);
    try {
      // A superuser can bypass triggers (replica mode); the hashes still tell.
      await edited.executeScript(`SET session_replication_role = replica; UPDATE audit_log SET reason = 'иначе' WHERE seq = 2; SET session_replication_role = DEFAULT`);
      expect(await verifyAuditChain(edited.db)).toEqual({ ok: false, rows: 2, brokenAtSeq: 2 });
      await removed.executeScript(`SET session_replication_role = replica; DELETE FROM audit_log WHERE seq = 3; SET session_replication_role = DEFAULT`);
      expect(await verifyAuditChain(removed.db)).toMatchObject({ ok: false, brokenAtSeq: 3 });
    } finally {
      await edited.close();
      await removed.close();
    }
  });
});
