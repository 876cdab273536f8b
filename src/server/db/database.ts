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
  /**
   * LISTENs on `channel` for as long as the returned handle is open. `onState(true)` once listening,
   * `onState(false)` when the connection is lost (notifications sent meanwhile are lost with it);
   * on PostgreSQL it reconnects by itself, every `retryMs`.
   */
  listen: (channel: string, handlers: ListenHandlers) => Promise<{ close: () => Promise<void> }>;
  close: () => Promise<void>;
};

export type ListenHandlers = { onNotify: (payload: string) => void; onState: (listening: boolean) => void; retryMs?: number };

/** How the listeners' connections show in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'carcapital-listener';

function checkChannel(channel: string) {
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
}

/**
 * A connection of its own (a pooled one would be lent to queries), kept open and re-opened when it
 * drops: a restarted server, a killed backend, a network cut that TCP keepalive notices.
 */
async function listenPostgres(connectionString: string, channel: string, handlers: ListenHandlers) {
  checkChannel(channel);
  let closed = false;
  let current: pg.Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  const retryLater = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, handlers.retryMs ?? 500);
    timer.unref();
  };
  const connect = async () => {
    if (closed) return;
    const client = new pg.Client({ connectionString, keepAlive: true, keepAliveInitialDelayMillis: 10_000, application_name: LISTENER_APPLICATION_NAME });
    client.on('error', () => undefined);
    client.on('notification', (message) => {
      if (message.channel === channel && current === client) handlers.onNotify(message.payload ?? '');
    });
    client.on('end', () => {
      if (current !== client) return;
      current = null;
      handlers.onState(false);
      retryLater();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch {
      await client.end().catch(() => undefined);
      retryLater();
      return;
    }
    if (closed) return void (await client.end().catch(() => undefined));
    current = client;
    handlers.onState(true);
  };
  await connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(timer);
      const client = current;
      current = null;
      if (client) {
        handlers.onState(false);
        await client.end().catch(() => undefined);
      }
    },
  };
}

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

/** Distinct statements a process prepares at most (each is kept on every connection it ran on). */
export const PREPARED_STATEMENT_LIMIT = 1_000;

/**
 * Names the application's statements so each pooled connection parses and plans one of them once,
 * not on every execution: planning is most of what the database spends on the short reads every
 * request makes (the dashboard's two queries: ~0.5 ms of 0.6 ms). Only parameterised single
 * statements as Kysely sends them (text plus a values array, no callback); scripts and the job
 * queue's own calls pass through. At most `limit` distinct texts (queries with IN lists of varying
 * length would otherwise grow it without end); beyond that, unnamed as before. A statement whose
 * result columns changed under it (a migration by another process) is retried once unnamed and
 * never named again (inside a transaction the retry fails too, as the transaction is already aborted).
 */
export function createStatementNamer(limit = PREPARED_STATEMENT_LIMIT) {
  const names = new Map<string, string>();
  const refused = new Set<string>();
  let issued = 0;
  return {
    nameFor(text: string): string | null {
      const known = names.get(text);
      if (known !== undefined) return known;
      if (names.size >= limit || refused.has(text) || !/^\s*(select|insert|update|delete|with)\b/i.test(text)) return null;
      const name = `cc${(issued += 1)}`;
      names.set(text, name);
      return name;
    },
    refuse(text: string) {
      refused.add(text);
      names.delete(text);
    },
    get size() {
      return names.size;
    },
  };
}

type QueryFn = (...args: unknown[]) => Promise<unknown>;

function namePreparedStatements(client: pg.PoolClient, namer: ReturnType<typeof createStatementNamer>) {
  const query = client.query.bind(client) as unknown as QueryFn;
  (client as unknown as { query: QueryFn }).query = async (...args: unknown[]) => {
    const [text, values] = args;
    const name = args.length === 2 && typeof text === 'string' && Array.isArray(values) ? namer.nameFor(text) : null;
    if (!name) return query(...args);
    try {
      return await query({ name, text, values });
    } catch (error) {
      // 0A000 "cached plan must not change result type": the table changed since it was prepared here.
      if ((error as { code?: string }).code !== '0A000') throw error;
      namer.refuse(text as string);
      return query(text, values);
    }
  };
}

export async function openPostgres(connectionString: string, options: { max?: number; preparedStatements?: boolean } = {}): Promise<Database> {
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
  const namer = options.preparedStatements === false ? null : createStatementNamer();
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    if (namer) namePreparedStatements(client, namer);
  });
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
    listen: (channel, handlers) => listenPostgres(connectionString, channel, handlers),
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
    // One backend: a notification reaches the callback as the committing statement returns.
    listen: async (channel, handlers) => {
      checkChannel(channel);
      const unlisten = await pool.withConnection(() => pglite.listen(channel, handlers.onNotify));
      handlers.onState(true);
      return {
        close: async () => {
          handlers.onState(false);
          await pool.withConnection(() => unlisten()).catch(() => undefined);
        },
      };
    },
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}
