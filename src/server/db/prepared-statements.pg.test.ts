import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createStatementNamer, openPostgres, type Database } from './database';
import type { DB } from './schema';
import { createEmptyPostgresDatabase, databaseUrl, dropTestDatabases } from '../testing/test-database';

afterAll(dropTestDatabases);

/** One connection, so what was prepared on it can be read back through the same pool. */
async function openOne(options: { preparedStatements?: boolean } = {}): Promise<Database> {
  return openPostgres(databaseUrl(await createEmptyPostgresDatabase()), { max: 1, ...options });
}

const preparedOn = async (db: Kysely<DB>) =>
  (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(db)).rows;

describe('named statements: each pooled connection parses and plans a query once', () => {
  it('a repeated query is prepared once under one name and answers each time with its own values', async () => {
    const database = await openOne();
    try {
      await sql`CREATE TABLE t (id int PRIMARY KEY, label text)`.execute(database.db);
      await sql`INSERT INTO t VALUES (1, 'one'), (2, 'two')`.execute(database.db);
      const labelOf = async (id: number) => (await sql<{ label: string }>`SELECT label FROM t WHERE id = ${id}`.execute(database.db)).rows[0]?.label;
      expect([await labelOf(1), await labelOf(2), await labelOf(1), await labelOf(3)]).toEqual(['one', 'two', 'one', undefined]);
      const prepared = (await preparedOn(database.db)).filter((p) => p.statement.includes('FROM t WHERE'));
      expect(prepared).toHaveLength(1);
      expect(prepared[0]!.name).toMatch(/^cc\d+$/);
      // DDL is never named.
      expect((await preparedOn(database.db)).some((p) => /CREATE TABLE/.test(p.statement))).toBe(false);
    } finally {
      await database.close();
    }
  });

  it('a table whose columns changed under a prepared SELECT * still answers, with the new columns', async () => {
    const database = await openOne();
    try {
      await sql`CREATE TABLE t (id int PRIMARY KEY)`.execute(database.db);
      await sql`INSERT INTO t VALUES (1)`.execute(database.db);
      const all = () => sql<Record<string, unknown>>`SELECT * FROM t WHERE id = ${1}`.execute(database.db);
      expect((await all()).rows).toEqual([{ id: 1 }]);
      // As another process's migration would: the prepared plan's result type is now wrong.
      await sql`ALTER TABLE t ADD COLUMN label text DEFAULT 'new'`.execute(database.db);
      expect((await all()).rows).toEqual([{ id: 1, label: 'new' }]);
      expect((await all()).rows).toEqual([{ id: 1, label: 'new' }]);
    } finally {
      await database.close();
    }
  });

  it('can be switched off (a pooler in transaction mode without prepared statement support)', async () => {
    const database = await openOne({ preparedStatements: false });
    try {
      await sql`SELECT ${1}::int AS n`.execute(database.db);
      await sql`SELECT ${1}::int AS n`.execute(database.db);
      expect(await preparedOn(database.db)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('names at most the limit of distinct texts, only data statements, and never one it was told to refuse', () => {
    const namer = createStatementNamer(2);
    const a = namer.nameFor('select 1');
    expect(a).toMatch(/^cc\d+$/);
    expect(namer.nameFor('select 1')).toBe(a);
    expect(namer.nameFor('begin')).toBeNull();
    expect(namer.nameFor('update t set x = $1')).not.toBeNull();
    expect(namer.nameFor('delete from t')).toBeNull(); // the limit is reached
    expect(namer.size).toBe(2);
    namer.refuse('select 1');
    expect(namer.nameFor('select 1')).toBeNull();
    // A freed slot gets a new name, never one already used on a connection.
    const next = namer.nameFor('insert into t values ($1)');
    expect(next).not.toBeNull();
    expect(next).not.toBe(a);
  });
});
