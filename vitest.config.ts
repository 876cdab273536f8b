import { defineConfig } from 'vitest/config';

/**
 * Three projects:
 * - `unit`: pure tests (`*.test.ts` that are not API or PostgreSQL-only tests);
 * - `api-pglite`: `*.api.test.ts` against PGlite, always;
 * - `api-postgres`: the same files against a real PostgreSQL, plus the PostgreSQL-only
 *   concurrency tests (`*.pg.test.ts`), when TEST_DATABASE_URL is set (.ci/run sets it).
 */
const withPostgres = Boolean(process.env.TEST_DATABASE_URL);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['**/*.api.test.ts', '**/*.pg.test.ts', '**/node_modules/**'],
        },
      },
      { extends: true, test: { name: 'api-pglite', include: ['src/**/*.api.test.ts'], env: { DB_MODE: 'pglite' } } },
      ...(withPostgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'api-postgres',
                include: ['src/**/*.api.test.ts', 'src/**/*.pg.test.ts'],
                env: { DB_MODE: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
