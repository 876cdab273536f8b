import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { LISTENER_APPLICATION_NAME } from './db/database';
import { readCacheReads } from './testing/metrics';
import { login, nextPhone, useTwoSystems } from './testing/test-system';
import { until } from './testing/wait';

/**
 * The read cache's listener on a real PostgreSQL: when its connection is lost, notifications sent
 * meanwhile are lost too, so nothing may be served from memory until it is back (and then from
 * nothing). PostgreSQL only: PGlite's listener is in-process and cannot drop.
 */

const CACHED = { READ_CACHE: 'true', READ_CACHE_TTL_SEC: '3600' };
const { a, b } = useTwoSystems({ env: CACHED });

const killListeners = () =>
  sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${LISTENER_APPLICATION_NAME} AND datname = current_database()`.execute(
    a.database.db,
  );

describe('the read cache when its listener drops', () => {
  it('reads go to the database while the listener is down; it reconnects and holds again', async () => {
    const cookie = await login(a, nextPhone());
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(200);
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(200);

    await killListeners();
    await until('the listener to be lost', () => !a.readCache!.cache.live, 5_000);
    // Ended in the other process while no notification can reach this one.
    expect((await b.post('/api/auth/logout', {}, { cookie })).statusCode).toBeLessThan(300);
    const bypassed = await readCacheReads(a, 'bypass');
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(401);
    expect(await readCacheReads(a, 'bypass')).toBe(bypassed + 1);

    await until('the listener to be back', () => a.readCache!.cache.live, 10_000);
    const again = await login(a, nextPhone());
    expect((await a.get('/api/me', { cookie: again })).statusCode).toBe(200);
    const hits = await readCacheReads(a, 'hit');
    expect((await a.get('/api/me', { cookie: again })).statusCode).toBe(200);
    expect(await readCacheReads(a, 'hit')).toBe(hits + 1);
    // And it hears changes again.
    expect((await b.post('/api/auth/logout', {}, { cookie: again })).statusCode).toBeLessThan(300);
    await a.readCache!.sync();
    expect((await a.get('/api/me', { cookie: again })).statusCode).toBe(401);

    // How long a committed change takes to reach a listener (printed for docs/OPERATIONS.md).
    const delays: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const started = performance.now();
      await a.readCache!.sync();
      delays.push(performance.now() - started);
    }
    delays.sort((x, y) => x - y);
    const at = (q: number) => delays[Math.floor(q * delays.length)]!.toFixed(2);
    console.log(`read cache: notify committed → received, 200 times: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
  });

});
