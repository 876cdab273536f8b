import type { Clock } from '../core/clock';
import type { Database } from './db/database';

/**
 * What a customer reads on every visit held in this process's memory: their session
 * (auth.service), and the validated, serialised replies of the routes that name a `cacheKey`
 * (the loan list and view, per Moscow date; the application list, per date and catalogue
 * version; the history pages). On a small machine a database
 * round trip costs more than all the rest of a request (bench/README), and building and checking a
 * reply of several loans costs a few times a trivial route.
 *
 * What is held must stay true across processes. Every table these reads come from notifies the
 * customer's id when a transaction that changed it commits (migration 0020, `customer_changed`);
 * each process listens (`Database.listen`) and forgets that customer's entries. So:
 * - nothing is served from memory unless the listener is connected: while it is down (a restart of
 *   PostgreSQL, a dropped connection) every read goes to the database, and what was held before it
 *   came back is dropped, since notifications sent meanwhile were lost;
 * - a load that a notification for its customer overtook is returned but not kept: it may have read
 *   the data before the change committed;
 * - a customer's own write (any non-GET request) forgets their entries in this process before the
 *   reply leaves, so the next read shows it without waiting for the notification; a staff
 *   member's write (a deletion confirmed, a session ended…) forgets everything this process holds,
 *   so here it is seen at once too (SECURITY.md SES-6); other processes see it when notified;
 * - every entry also expires after `ttlMs`, a bound on anything a notification could ever miss.
 * Another process's change becomes visible here when its notification arrives: on one machine,
 * p50 0.3 ms, p99 ~3 ms after the commit (printed by read-cache.pg.test.ts).
 *
 * The tables that notify: customers, sessions (revocation), loans, payouts, ledger_accounts,
 * operations, applications, consents. A cached reply built from any other table needs a trigger there first.
 *
 * Values are shared between readers: callers must not mutate what they get.
 */
export type ReadCache = {
  /** The value held for `key`, or `load()`'s (then held under `owner`, the customer it belongs to). */
  read<T>(key: string, load: () => Promise<T>, ownerOf: (value: T) => string | null): Promise<T>;
  /** Forgets everything held for this customer (their id from a notification or their own write). */
  forgetCustomer(customerId: string): void;
  /** Forgets one entry (a session this process has just ended or touched). */
  forget(key: string): void;
  /** Forgets everything (after a staff member's change, which may touch any customer). */
  forgetAll(): void;
  /** Whether reads are served from memory now (the listener is connected). */
  readonly live: boolean;
  /** Entries held. */
  readonly size: number;
};

export type ReadCacheCounters = { hit: () => void; miss: () => void; bypass: () => void };

export type ReadCacheOptions = {
  clock: Clock;
  ttlMs: number;
  /** The most memory held, roughly (a string's length × 2, 1 KB for anything else); the oldest go first. */
  maxBytes: number;
  counters?: ReadCacheCounters;
};

type Entry = { value: unknown; owner: string; storedAt: number; bytes: number };

const sizeOf = (value: unknown) => (typeof value === 'string' ? value.length * 2 : 1024);

/** A pending load that a notification for its owner (or for anyone, while the owner is unknown) made stale. */
type PendingLoad = { stale: boolean };

const UNKNOWN_OWNER = '*';

export type ListenedReadCache = ReadCache & {
  /** The listener's state: entries are served only while it is connected, and dropped when it (re)connects or drops. */
  setLive(live: boolean): void;
  /** A notification's payload: the id of a customer whose data changed. */
  onNotification(payload: string): void;
};

export function createReadCache(options: ReadCacheOptions): ListenedReadCache {
  const entries = new Map<string, Entry>();
  const keysByOwner = new Map<string, Set<string>>();
  const pending = new Map<string, Set<PendingLoad>>();
  let live = false;
  let bytes = 0;

  function drop(key: string) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
    const keys = keysByOwner.get(entry.owner);
    keys?.delete(key);
    if (keys?.size === 0) keysByOwner.delete(entry.owner);
  }

  function clear() {
    entries.clear();
    keysByOwner.clear();
    bytes = 0;
    for (const loads of pending.values()) for (const load of loads) load.stale = true;
  }

  function forgetCustomer(customerId: string) {
    for (const key of [...(keysByOwner.get(customerId) ?? [])]) drop(key);
    for (const owner of [customerId, UNKNOWN_OWNER]) for (const load of pending.get(owner) ?? []) load.stale = true;
  }

  function store(key: string, owner: string, value: unknown) {
    drop(key);
    const size = sizeOf(value);
    if (size > options.maxBytes) return;
    while (bytes + size > options.maxBytes) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      drop(oldest.value);
    }
    entries.set(key, { value, owner, storedAt: options.clock.now().getTime(), bytes: size });
    bytes += size;
    let keys = keysByOwner.get(owner);
    if (!keys) keysByOwner.set(owner, (keys = new Set()));
    keys.add(key);
  }

  return {
    async read<T>(key: string, load: () => Promise<T>, ownerOf: (value: T) => string | null): Promise<T> {
      if (!live) {
        options.counters?.bypass();
        return load();
      }
      const held = entries.get(key);
      if (held && options.clock.now().getTime() - held.storedAt < options.ttlMs) {
        options.counters?.hit();
        return held.value as T;
      }
      options.counters?.miss();
      // The owner is known from the key's prefix for customer reads; a session's only after it loads.
      const ownerGuess = key.startsWith('customer:') ? key.split(':')[1]! : UNKNOWN_OWNER;
      const mark: PendingLoad = { stale: false };
      let marks = pending.get(ownerGuess);
      if (!marks) pending.set(ownerGuess, (marks = new Set()));
      marks.add(mark);
      try {
        const value = await load();
        const owner = ownerOf(value);
        if (owner !== null && live && !mark.stale) store(key, owner, value);
        return value;
      } finally {
        marks.delete(mark);
        if (marks.size === 0) pending.delete(ownerGuess);
      }
    },
    forgetCustomer,
    forget: drop,
    forgetAll: clear,
    get live() {
      return live;
    },
    get size() {
      return entries.size;
    },
    setLive(next: boolean) {
      // Either way what is held may have missed notifications: connecting starts from nothing.
      clear();
      live = next;
    },
    onNotification(payload: string) {
      forgetCustomer(payload);
    },
  };
}

/** The key of a customer's read: `customer:<id>:<what>`. */
export function customerKey(customerId: string, what: string): string {
  return `customer:${customerId}:${what}`;
}

export const CHANGE_CHANNEL = 'customer_changed';
const SYNC_PREFIX = 'sync:';

export type RunningReadCache = {
  cache: ReadCache;
  /**
   * Resolves once every change committed before the call has reached this process: notifications
   * arrive in commit order, so our own marker coming back means all earlier ones have (tests, tools).
   */
  sync: (timeoutMs?: number) => Promise<void>;
  close: () => Promise<void>;
};

/** Opens the cache and its listener on the database's change notifications. */
export async function startReadCache(
  database: Pick<Database, 'listen' | 'executeSql'>,
  options: ReadCacheOptions & { onState?: (live: boolean) => void },
): Promise<RunningReadCache> {
  const cache = createReadCache(options);
  const waiting = new Map<string, () => void>();
  let markers = 0;
  const listener = await database.listen(CHANGE_CHANNEL, {
    onNotify: (payload) => {
      if (payload.startsWith(SYNC_PREFIX)) return waiting.get(payload)?.();
      cache.onNotification(payload);
    },
    onState: (live) => {
      cache.setLive(live);
      options.onState?.(live);
    },
  });
  return {
    cache,
    sync: async (timeoutMs = 5_000) => {
      const marker = `${SYNC_PREFIX}${process.pid}:${(markers += 1)}`;
      const arrived = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('read cache: change notifications did not arrive')), timeoutMs);
        waiting.set(marker, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      try {
        await database.executeSql('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, marker]);
        await arrived;
      } finally {
        waiting.delete(marker);
      }
    },
    close: () => listener.close(),
  };
}
