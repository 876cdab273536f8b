import { afterAll, describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../core/clock';
import { openPostgres, type Database } from '../../db/database';
import { cryptoRandom, type Random } from '../../random';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { createSandboxControl } from '../sandbox-control';
import { PLEDGE_NOTICE_NUMBER_RE, PledgeRegistryRefusal, type RegisterPledgeRequest } from './port';
import { createSandboxPledgeRegistry, VEHICLE_PERSONAS } from './sandbox';

afterAll(dropTestDatabases);

/**
 * The registry sandbox as two processes use it: two connection pools to one PostgreSQL database,
 * each with its own registry instance, calling at the same moment.
 */
async function twoProcesses(random: () => Random = () => cryptoRandom) {
  const { database, url } = await createTestDatabase();
  const second = await openPostgres(url!, { max: 10 });
  const clock = createFakeClock('2026-11-25T09:00:00Z');
  const build = (db: Database) => createSandboxPledgeRegistry({ db: db.db, clock, random: random(), control: createSandboxControl(0) });
  return {
    db: database.db,
    registries: [build(database), build(second)] as const,
    close: async () => {
      await second.close();
      await database.close();
    },
  };
}

const pledge = (overrides: Partial<RegisterPledgeRequest> = {}): RegisterPledgeRequest => ({
  idempotencyKey: 'loan-1:pledge',
  vin: VEHICLE_PERSONAS.clean.vin,
  pledgor: { fullName: 'Иванов Иван Иванович', birthDate: '1985-04-12', passport: '4510 123456' },
  pledgee: 'ООО МФК «КарКапитал»',
  contractNumber: 'CC-2026-000123',
  contractDate: '2026-11-25',
  amountKopecks: 30_000_000,
  ...overrides,
});

describe('pledge registry sandbox across processes (PostgreSQL)', () => {
  it('20 simultaneous registrations with one key from two processes file one notice; all get its answer', async () => {
    const { db, registries, close } = await twoProcesses();
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => registries[i % 2]!.registerPledge(pledge())));
      for (const answer of answers) expect(answer).toEqual(answers[0]);
      expect(await db.selectFrom('sandbox_pledge_notices').selectAll().execute()).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('one key with different data at once: one notice, every other call refused as a conflict', async () => {
    const { db, registries, close } = await twoProcesses();
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => registries[i % 2]!.registerPledge(pledge({ amountKopecks: 30_000_000 + i }))),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(result.reason).toBeInstanceOf(PledgeRegistryRefusal);
          expect((result.reason as PledgeRegistryRefusal).reason).toBe('idempotency_conflict');
        }
      }
      expect(await db.selectFrom('sandbox_pledge_notices').selectAll().execute()).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('simultaneous releases: one key excludes once; one key for two notices excludes one of them', async () => {
    const { db, registries, close } = await twoProcesses();
    try {
      const [web, worker] = registries;
      const first = await web.registerPledge(pledge());
      const second = await web.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge', contractNumber: 'CC-2026-000124' }));
      const releases = await Promise.all(
        Array.from({ length: 10 }, (_, i) => registries[i % 2]!.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber: first.noticeNumber })),
      );
      for (const release of releases) expect(release).toEqual(releases[0]);

      const third = await worker.registerPledge(pledge({ idempotencyKey: 'loan-3:pledge', contractNumber: 'CC-2026-000125' }));
      const results = await Promise.allSettled(
        [second, third].map(({ noticeNumber }, i) => registries[i]!.releasePledge({ idempotencyKey: 'shared:release', noticeNumber })),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((result) => result.status === 'rejected');
      expect((refused?.reason as PledgeRegistryRefusal).reason).toBe('idempotency_conflict');
      const released = await db.selectFrom('sandbox_pledge_notices').select('release_key').where('release_key', 'is not', null).execute();
      expect(released.map((row) => row.release_key).sort()).toEqual(['loan-1:release', 'shared:release']);
    } finally {
      await close();
    }
  });

  it('two processes drawing the same number at once: both notices are filed, under different numbers', async () => {
    // Each process's Random first draws 123456 123456, then numbers of its own.
    let instances = 0;
    const sameFirstDraw = (): Random => {
      instances += 1;
      const draws = ['123456', '123456', `00000${instances}`, '000000'];
      return { ...cryptoRandom, otpCode: () => draws.shift() ?? cryptoRandom.otpCode() };
    };
    const { registries, close } = await twoProcesses(sameFirstDraw);
    try {
      const [a, b] = await Promise.all([
        registries[0].registerPledge(pledge()),
        registries[1].registerPledge(pledge({ idempotencyKey: 'loan-2:pledge', contractNumber: 'CC-2026-000124' })),
      ]);
      expect(a.noticeNumber).not.toBe(b.noticeNumber);
      for (const { noticeNumber } of [a, b]) expect(noticeNumber).toMatch(PLEDGE_NOTICE_NUMBER_RE);
      expect([a.noticeNumber, b.noticeNumber]).toContain('2026-123-456123-456');
    } finally {
      await close();
    }
  });
});
