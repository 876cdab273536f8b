import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeClock, SECOND_MS } from '../../../core/clock';
import { openPGlite, openPostgres, type Database } from '../../db/database';
import { createTestDatabase, dbMode, dropTestDatabases } from '../../testing/test-database';
import { createTestSystem, lastCodeFor, nextPhone } from '../../testing/test-system';

afterAll(dropTestDatabases);

/** A database that can be closed and opened again, as a process restart would. */
async function restartableDatabase(): Promise<{ open: () => Promise<Database> }> {
  if (dbMode() === 'pglite') {
    const dir = join(mkdtempSync(join(tmpdir(), 'cc-restart-')), 'pglite');
    return { open: () => openPGlite(dir) };
  }
  const { database, url } = await createTestDatabase();
  await database.close();
  return { open: () => openPostgres(url!) };
}

describe('limits and data survive a restart', () => {
  it('a phone that used its 5 sends an hour is still limited after the process restarts', async () => {
    const clock = createFakeClock();
    const store = await restartableDatabase();
    const phone = nextPhone();

    const first = await createTestSystem({ database: await store.open(), clock });
    let code = '';
    for (let i = 0; i < 5; i += 1) {
      expect((await first.post('/api/auth/otp', { phone })).statusCode).toBe(200);
      // Deliver each SMS before the next send: a batch of jobs may be delivered in any order.
      code = await lastCodeFor(first, phone);
      clock.advance(61 * SECOND_MS);
    }
    await first.close();
    await first.database.close();

    const second = await createTestSystem({ database: await store.open(), clock });
    try {
      const limited = await second.post('/api/auth/otp', { phone });
      expect(limited.statusCode).toBe(429);
      // The code sent before the restart still works after it, once.
      const verified = await second.post('/api/auth/verify', { phone, code });
      expect(verified.statusCode).toBe(200);
      expect((await second.post('/api/auth/verify', { phone, code })).statusCode).toBe(401);
    } finally {
      await second.close();
      await second.database.close();
    }
  });

  it('a session survives a restart; a logged-out one stays dead', async () => {
    const clock = createFakeClock();
    const store = await restartableDatabase();
    const phone = nextPhone();
    const first = await createTestSystem({ database: await store.open(), clock });
    await first.post('/api/auth/otp', { phone });
    const verified = await first.post('/api/auth/verify', { phone, code: await lastCodeFor(first, phone) });
    const cookie = `sid=${verified.cookies[0]!.value}`;
    await first.close();
    await first.database.close();

    const second = await createTestSystem({ database: await store.open(), clock });
    try {
      expect((await second.get('/api/me', { cookie })).json().phone).toBe(phone);
      await second.post('/api/auth/logout', {}, { cookie });
    } finally {
      await second.close();
      await second.database.close();
    }
    const third = await createTestSystem({ database: await store.open(), clock });
    try {
      expect((await third.get('/api/me', { cookie })).statusCode).toBe(401);
    } finally {
      await third.close();
      await third.database.close();
    }
  });
});
