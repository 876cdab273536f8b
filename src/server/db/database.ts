import { PGlite, types as pgliteTypes, type PGliteInterface } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult } from 'kysely';
import pg from 'pg';
import type { DB } from './schema';

/**
 * One database handle for both runtime shapes. The SQL is the same; only the transport differs:
 * PGlite (PostgreSQL in WASM, in-process, one connection) or a pg Pool to a real PostgreSQL.
 */
export type Database = {
  kind: 'pglite' | 'postgres';
  db: Kysely<DB>;
  /** Raw SQL for the migration runner and the job queue; same semantics on both drivers. */
  executeSql: (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs a multi-statement script (a migration file) without parameters. */
  executeScript: (text: string) => Promise<void>;
  close: () => Promise<void>;
};

const INT8_OID = 20;
const DATE_OID = 1082;

/** `date` columns (business dates) stay 'YYYY-MM-DD' strings: no time zone can shift them. */
const parseDate = (value: string) => value;

/** Passed with every PGlite query (not at creation, so clones made in tests parse alike). */
const PGLITE_OPTIONS = { parsers: { [pgliteTypes.INT8]: parseInt8, [pgliteTypes.DATE]: parseDate } };

/** int8 (counts, kopecks) as a JS number; refuse silently losing precision. */
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`int8 value out of safe range: ${value}`);
  return parsed;
}

export async function openPostgres(connectionString: string, options: { max?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : oid === DATE_OID ? parseDate : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server (restart) must not crash the process.
  pool.on('error', () => undefined);
  // A checked-out client whose server goes away (a restart) must not crash the process either; the
  // query fails, the pool drops the client on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    executeSql: async (text, values) => {
      const result = await pool.query(text, values as unknown[] | undefined);
      return { rows: result.rows as Record<string, unknown>[] };
    },
    executeScript: async (text) => {
      await pool.query(text);
    },
    close: () => db.destroy(),
  };
}

/**
 * PGlite has one backend, so Kysely's pool is a mutex: a connection is lent to one caller at a time
 * and a transaction holds it from BEGIN to COMMIT. That is exactly PGlite's real behaviour, made
 * explicit, so an interleaved statement can never land inside someone else's transaction.
 */
class PGliteMutexPool implements PostgresPool {
  #tail: Promise<void> = Promise.resolve();

  constructor(private readonly pglite: PGliteInterface) {}

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const previous = this.#tail;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    let released = false;
    return {
      // Kysely's client type also has a cursor overload for streaming, which we never use.
      query: (<R>(text: string, parameters: ReadonlyArray<unknown>) =>
        this.#query<R>(text, parameters)) as PostgresPoolClient['query'],
      release: () => {
        if (released) return;
        released = true;
        release();
      },
    };
  }

  /** Runs one statement outside Kysely while holding the mutex. */
  async withConnection<T>(run: () => Promise<T>): Promise<T> {
    const connection = await this.connect();
    try {
      return await run();
    } finally {
      connection.release();
    }
  }

  async #query<R>(text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    // A parameterless multi-statement script (a migration) needs the simple protocol.
    const result =
      parameters.length === 0 && /;\s*\S/.test(text)
        ? ((await this.pglite.exec(text, PGLITE_OPTIONS)).at(-1) ?? { rows: [], affectedRows: 0 })
        : await this.pglite.query<R>(text, parameters as unknown[], PGLITE_OPTIONS);
    const firstWord = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase();
    const command = (firstWord === 'INSERT' || firstWord === 'DELETE' || firstWord === 'MERGE'
      ? firstWord
      : firstWord === 'SELECT'
        ? 'SELECT'
        : 'UPDATE') as PostgresQueryResult<R>['command'];
    return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows as R[] };
  }

  async end(): Promise<void> {
    await this.#tail;
  }
}

export async function openPGlite(dataDir: string | undefined): Promise<Database> {
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  return wrapPGlite(pglite);
}

export function wrapPGlite(pglite: PGliteInterface): Database {
  const pool = new PGliteMutexPool(pglite);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'pglite',
    db,
    executeSql: (text, values) =>
      pool.withConnection(async () => {
        if (!values?.length && /;\s*\S/.test(text)) {
          // Multi-statement text without parameters: the simple protocol, last result wins.
          const results = await pglite.exec(text, PGLITE_OPTIONS);
          return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
        }
        const result = await pglite.query<Record<string, unknown>>(text, values, PGLITE_OPTIONS);
        return { rows: result.rows };
      }),
    executeScript: (text) =>
      pool.withConnection(async () => {
        await pglite.exec(text);
      }),
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}
