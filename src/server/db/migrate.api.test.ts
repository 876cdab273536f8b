import { cpSync, mkdtempSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from './database';
import { migrate, MIGRATIONS_DIR, readMigrations } from './migrate';
import { createEmptyPGlite, createEmptyPostgresDatabase, databaseUrl, dbMode, dropTestDatabases } from '../testing/test-database';

let database: Database;
let url: string | null = null;

beforeEach(async () => {
  if (dbMode() === 'pglite') {
    database = await createEmptyPGlite();
  } else {
    url = databaseUrl(await createEmptyPostgresDatabase());
    database = await openPostgres(url);
  }
});
afterEach(async () => {
  await database.close();
});
afterAll(dropTestDatabases);

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cc-migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

describe('migrations', () => {
  it('applies every file once; a second run applies nothing', async () => {
    const files = await readMigrations();
    expect((await migrate(database)).applied).toEqual(files.map((f) => f.version));
    expect((await migrate(database)).applied).toEqual([]);
    const tables = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`.execute(database.db);
    expect(tables.rows[0]!.n).toBeGreaterThan(5);
  });

  it('applies a new file on top of the applied ones', async () => {
    const dir = copyOfMigrations();
    await migrate(database, dir);
    const next = String(readdirSync(dir).length + 1).padStart(4, '0');
    writeFileSync(join(dir, `${next}_extra.sql`), 'CREATE TABLE extra_things (id int PRIMARY KEY);');
    expect((await migrate(database, dir)).applied).toEqual([Number(next)]);
  });

  it('refuses to start when an applied file was changed', async () => {
    const dir = copyOfMigrations();
    await migrate(database, dir);
    appendFileSync(join(dir, readdirSync(dir)[0]!), '\n-- edited after the fact\n');
    await expect(migrate(database, dir)).rejects.toThrow(/changed after it was applied/);
  });

  it('rolls back a failing file completely', async () => {
    const dir = copyOfMigrations();
    await migrate(database, dir);
    const next = String(readdirSync(dir).length + 1).padStart(4, '0');
    writeFileSync(join(dir, `${next}_broken.sql`), 'CREATE TABLE half_done (id int); SELECT no_such_function();');
    await expect(migrate(database, dir)).rejects.toThrow();
    const exists = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'half_done'`.execute(database.db);
    expect(exists.rows[0]!.n).toBe(0);
  });
});
