import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { openPostgres, wrapPGlite, type Database } from '../db/database';
import { migrate } from '../db/migrate';

/**
 * Databases for tests: real PGlite or real PostgreSQL (never an imitation), chosen by DB_MODE,
 * which the vitest project sets.
 *
 * Most tests share one database per test file, emptied before each test (`sharedTestDatabase`):
 * truncating takes milliseconds where a new database takes a second. `createTestDatabase` gives a
 * separate fresh, migrated database for tests that need their own:
 * - PGlite: one migrated template per test file, cloned per database (a clone costs ~0.4 s, a new
 *   PGlite ~2 s);
 * - PostgreSQL: one migrated template database per test file, `CREATE DATABASE … TEMPLATE` per
 *   database; all of them dropped when the file ends (`dropTestDatabases`).
 */

export type DbMode = 'pglite' | 'postgres';

export function dbMode(): DbMode {
  const mode = process.env.DB_MODE ?? 'pglite';
  if (mode !== 'pglite' && mode !== 'postgres') throw new Error(`unknown DB_MODE ${mode}`);
  return mode;
}

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set; the PostgreSQL tests need it');
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

let pgliteTemplate: Promise<PGlite> | null = null;
let pgliteBlank: Promise<PGlite> | null = null;
let postgresTemplate: Promise<string> | null = null;
const createdDatabases: string[] = [];

const uniqueName = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A new empty PostgreSQL database (not migrated); the caller owns it until the file ends. */
export async function createEmptyPostgresDatabase(template?: string): Promise<string> {
  const name = uniqueName('cc_test');
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
  createdDatabases.push(name);
  return name;
}

/** A new PGlite with no migrations applied (a clone of a blank one: no second initdb). */
export async function createEmptyPGlite(): Promise<Database> {
  pgliteBlank ??= PGlite.create();
  return wrapPGlite(await (await pgliteBlank).clone());
}

export async function createTestDatabase(): Promise<{ database: Database; url: string | null }> {
  if (dbMode() === 'pglite') {
    pgliteTemplate ??= (async () => {
      const template = await PGlite.create();
      await migrate(wrapPGlite(template));
      return template;
    })();
    const clone = await (await pgliteTemplate).clone();
    return { database: wrapPGlite(clone), url: null };
  }
  postgresTemplate ??= (async () => {
    const name = await createEmptyPostgresDatabase();
    const database = await openPostgres(databaseUrl(name), { max: 1 });
    await migrate(database);
    await database.close();
    return name;
  })();
  const name = await createEmptyPostgresDatabase(await postgresTemplate);
  const url = databaseUrl(name);
  return { database: await openPostgres(url, { max: 10 }), url };
}

let shared: Promise<Database> | null = null;

/** The file's shared database, emptied: every table but the migration record, and every job. */
export async function sharedTestDatabase(): Promise<Database> {
  shared ??= createTestDatabase().then((created) => created.database);
  const database = await shared;
  await resetDatabase(database);
  return database;
}

export async function resetDatabase(database: Database): Promise<void> {
  const tables = await sql<{ name: string }>`
    SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables
    WHERE (schemaname = 'public' AND tablename <> 'schema_migrations')
       OR (schemaname = 'pgboss' AND tablename IN ('job', 'archive'))
  `.execute(database.db);
  // The audit log refuses TRUNCATE by trigger; a test reset (superuser, replica mode) skips triggers.
  if (tables.rows.length) {
    await database.executeSql(
      `SET session_replication_role = replica; TRUNCATE ${tables.rows.map((t) => t.name).join(', ')} RESTART IDENTITY CASCADE; SET session_replication_role = DEFAULT`,
    );
  }
}

/** Drops what this file created; call in afterAll after every connection is closed. */
export async function dropTestDatabases(): Promise<void> {
  if (shared) {
    await (await shared).close();
    shared = null;
  }
  for (const template of [pgliteTemplate, pgliteBlank]) if (template) await (await template).close();
  pgliteTemplate = null;
  pgliteBlank = null;
  if (!createdDatabases.length) return;
  const names = createdDatabases.splice(0);
  await withAdmin(async (client) => {
    for (const name of names.reverse()) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  postgresTemplate = null;
}

/** Every row of every table (ours and the job queue's) as text: what a database dump would show. */
export async function dumpDatabase(db: Kysely<DB>): Promise<string> {
  const tables = await sql<{ table_schema: string; table_name: string }>`
    SELECT table_schema, table_name FROM information_schema.tables
    WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'
  `.execute(db);
  let dump = '';
  for (const { table_schema, table_name } of tables.rows) {
    const rows = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(`${table_schema}.${table_name}`)} t`.execute(db);
    dump += `${rows.rows.map((r) => r.row).join('\n')}\n`;
  }
  return dump;
}
