import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openPostgres, wrapPGlite, type Database } from '../db/database';
import { migrate } from '../db/migrate';

/**
 * Databases for tests: real PGlite or real PostgreSQL (never an imitation), chosen by DB_MODE,
 * which the vitest project sets. Each call returns a fresh, migrated database:
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

/** Drops what this file created; call in afterAll after every connection is closed. */
export async function dropTestDatabases(): Promise<void> {
  if (pgliteTemplate) {
    await (await pgliteTemplate).close();
    pgliteTemplate = null;
  }
  if (!createdDatabases.length) return;
  const names = createdDatabases.splice(0);
  await withAdmin(async (client) => {
    for (const name of names.reverse()) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  postgresTemplate = null;
}
