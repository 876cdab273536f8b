import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTestDatabases, sharedTestDatabase } from '../testing/test-database';

afterAll(dropTestDatabases);

describe('both drivers return the same JavaScript values', () => {
  it('int8 as a safe number, date as YYYY-MM-DD, timestamptz as a Date', async () => {
    const database = await sharedTestDatabase();
    const { rows } = await sql<{ n: unknown; d: unknown; t: unknown }>`
      SELECT 1240000::int8 AS n, '2026-12-25'::date AS d, '2026-11-25T21:30:00Z'::timestamptz AS t
    `.execute(database.db);
    expect(rows[0]).toEqual({ n: 1_240_000, d: '2026-12-25', t: new Date('2026-11-25T21:30:00Z') });
  });

  it('refuses an int8 beyond 2^53 instead of rounding it', async () => {
    const database = await sharedTestDatabase();
    await expect(sql`SELECT 9007199254740993::int8 AS n`.execute(database.db)).rejects.toThrow(/safe range/);
  });

  it('a transaction that fails leaves nothing behind', async () => {
    const database = await sharedTestDatabase();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx.insertInto('customers').values({ id: '00000000-0000-4000-8000-000000000001', phone: '+79990000001', created_at: new Date() }).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await database.db.selectFrom('customers').selectAll().execute()).toEqual([]);
  });
});
