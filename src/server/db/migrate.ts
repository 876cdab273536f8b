import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Database } from './database';

/**
 * Forward-only numbered SQL migrations (`NNNN_name.sql`), the same files on PGlite and PostgreSQL.
 * All pending files run in one transaction under an advisory lock, so two processes starting at
 * once cannot both apply them. A file changed after it was applied, or an applied migration whose
 * file is gone, stops the start: the database and the code disagree and a person must look.
 */

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const MIGRATION_LOCK_KEY = 727_001;

export type MigrationFile = { version: number; name: string; sql: string; checksum: string };

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const fileName of names) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(fileName);
    if (!match) throw new Error(`migration file name must look like 0001_name.sql: ${fileName}`);
    const text = await readFile(join(dir, fileName), 'utf8');
    files.push({
      version: Number(match[1]),
      name: match[2]!,
      sql: text,
      checksum: createHash('sha256').update(text).digest('hex'),
    });
  }
  files.forEach((file, index) => {
    if (file.version !== index + 1) throw new Error(`migrations must be numbered 0001, 0002, … without gaps: ${file.version}`);
  });
  return files;
}

export async function migrate(database: Database, dir = MIGRATIONS_DIR): Promise<{ applied: number[] }> {
  const files = await readMigrations(dir);
  return database.db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()
    )`.execute(trx);
    const applied = await sql<{ version: number; checksum: string }>`SELECT version, checksum FROM schema_migrations ORDER BY version`.execute(trx);
    const byVersion = new Map(files.map((f) => [f.version, f]));
    for (const row of applied.rows) {
      const file = byVersion.get(row.version);
      if (!file) throw new Error(`database has migration ${row.version} that is not on disk: refusing to start`);
      if (file.checksum !== row.checksum)
        throw new Error(`migration ${row.version}_${file.name} changed after it was applied: refusing to start`);
    }
    const done = new Set(applied.rows.map((r) => r.version));
    const newlyApplied: number[] = [];
    for (const file of files) {
      if (done.has(file.version)) continue;
      await sql.raw(file.sql).execute(trx);
      await sql`INSERT INTO schema_migrations (version, name, checksum) VALUES (${file.version}, ${file.name}, ${file.checksum})`.execute(trx);
      newlyApplied.push(file.version);
    }
    return { applied: newlyApplied };
  });
}
