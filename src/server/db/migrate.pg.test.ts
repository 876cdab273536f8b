import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres } from './database';
import { migrate, readMigrations } from './migrate';
import { createEmptyPostgresDatabase, databaseUrl, dropTestDatabases } from '../testing/test-database';

afterAll(dropTestDatabases);

describe('migrations on PostgreSQL', () => {
  it('two processes migrating one database at once apply each file exactly once', async () => {
    const url = databaseUrl(await createEmptyPostgresDatabase());
    const one = await openPostgres(url);
    const two = await openPostgres(url);
    try {
      const [x, y] = await Promise.all([migrate(one), migrate(two)]);
      expect([...x.applied, ...y.applied].sort((a, b) => a - b)).toEqual((await readMigrations()).map((f) => f.version));
      expect(x.applied.length === 0 || y.applied.length === 0).toBe(true);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
