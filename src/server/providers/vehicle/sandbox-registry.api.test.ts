import type { Kysely } from 'kysely';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeClock, type FakeClock } from '../../../core/clock';
import type { DB } from '../../db/schema';
import { cryptoRandom, type Random } from '../../random';
import { dropTestDatabases, dumpDatabase, sharedTestDatabase } from '../../testing/test-database';
import { ProviderError, withTimeout } from '../errors';
import { createSandboxControl, type SandboxControl } from '../sandbox-control';
import {
  PLEDGE_NOTICE_NUMBER_RE,
  PledgeCheckAnswer,
  PledgeRegistrationAnswer,
  PledgeRegistryRefusal,
  PledgeReleaseAnswer,
  type RegisterPledgeRequest,
} from './port';
import { createSandboxPledgeRegistry, createSandboxVehicleChecks, FOREIGN_PLEDGE_NOTICE, VEHICLE_PERSONAS } from './sandbox';

afterAll(dropTestDatabases);

afterEach(() => {
  vi.useRealTimers();
});

/** Notice digits 000001000002, 000003000004, …: numbers are predictable and never repeat. */
function countingRandom(): Random {
  let n = 0;
  return { ...cryptoRandom, otpCode: () => String((n += 1) % 1_000_000).padStart(6, '0') };
}

/** A registry and the vehicle checks that show its notices, as one process builds them. */
function buildProcess(db: Kysely<DB>, options: { clock: FakeClock; random?: Random; control?: SandboxControl }) {
  const { clock } = options;
  const control = options.control ?? createSandboxControl(0);
  const registry = createSandboxPledgeRegistry({ db, clock, random: options.random ?? countingRandom(), control });
  const checks = createSandboxVehicleChecks({ clock, control, registry });
  return { clock, control, registry, checks };
}

async function setup(options: { random?: Random; now?: string } = {}) {
  const database = await sharedTestDatabase();
  const clock = createFakeClock(options.now ?? '2026-11-25T09:00:00Z');
  return { db: database.db, ...buildProcess(database.db, { clock, ...(options.random ? { random: options.random } : {}) }) };
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

async function refusalOf(promise: Promise<unknown>): Promise<PledgeRegistryRefusal> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PledgeRegistryRefusal);
  return error as PledgeRegistryRefusal;
}

const rowCount = async (db: Kysely<DB>) => (await db.selectFrom('sandbox_pledge_notices').select('notice_number').execute()).length;

describe('pledge registry sandbox', () => {
  it('files a notice numbered like the real registry, from the injected Random and Clock', async () => {
    const { registry, clock, db } = await setup();
    const registration = await registry.registerPledge(pledge());
    expect(registration).toEqual({ noticeNumber: '2026-000-001000-002', registeredAt: clock.now() });
    expect(registration.noticeNumber).toMatch(PLEDGE_NOTICE_NUMBER_RE);
    expect(PledgeRegistrationAnswer.safeParse(registration).success).toBe(true);
    expect(await registry.notices()).toEqual([
      {
        noticeNumber: '2026-000-001000-002',
        vin: VEHICLE_PERSONAS.clean.vin,
        pledgee: 'ООО МФК «КарКапитал»',
        contractNumber: 'CC-2026-000123',
        registeredAt: clock.now(),
        release: null,
      },
    ]);
    // The pledgor's personal data is not kept in the clear, neither in the answer nor in the table.
    expect(JSON.stringify(await registry.notices())).not.toContain('4510');
    const dump = await dumpDatabase(db);
    expect(dump).toContain('2026-000-001000-002');
    for (const personal of ['4510', 'Иванов', '1985-04-12']) expect(dump).not.toContain(personal);
  });

  it('numbers by the Moscow year of registration', async () => {
    const { registry, checks } = await setup({ now: '2026-12-31T21:30:00Z' });
    const { noticeNumber } = await registry.registerPledge(pledge());
    expect(noticeNumber.startsWith('2027-')).toBe(true);
    expect((await checks.checkPledges(VEHICLE_PERSONAS.clean.vin)).notices[0]?.registeredOn).toBe('2027-01-01');
  });

  it('the same key returns the same notice, even later and in parallel; never a second notice', async () => {
    const { registry, clock, db } = await setup();
    const [first, parallel] = await Promise.all([registry.registerPledge(pledge()), registry.registerPledge(pledge())]);
    clock.advance(3_600_000);
    const again = await registry.registerPledge(pledge());
    expect(parallel).toEqual(first);
    expect(again).toEqual(first);
    expect(await registry.notices()).toHaveLength(1);
    expect(await rowCount(db)).toBe(1);
  });

  it('many parallel calls with one key file exactly one row and all get its answer', async () => {
    const { registry, db } = await setup();
    const answers = await Promise.all(Array.from({ length: 8 }, () => registry.registerPledge(pledge())));
    expect(new Set(answers.map((answer) => answer.noticeNumber)).size).toBe(1);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(await rowCount(db)).toBe(1);
  });

  it('parallel calls with one key and different data: one notice, the others are refused as a conflict', async () => {
    const { registry, db } = await setup();
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => registry.registerPledge(pledge({ amountKopecks: 30_000_000 + i }))));
    const filed = results.filter((result) => result.status === 'fulfilled');
    expect(filed).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect((result.reason as PledgeRegistryRefusal).reason).toBe('idempotency_conflict');
    }
    expect(await rowCount(db)).toBe(1);
  });

  it('a different key files a new notice; a second notice on the same VIN is accepted, as the real registry does', async () => {
    const { registry, checks } = await setup();
    const first = await registry.registerPledge(pledge());
    const second = await registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge', contractNumber: 'CC-2026-000124' }));
    expect(second.noticeNumber).not.toBe(first.noticeNumber);
    expect(second.noticeNumber).toMatch(PLEDGE_NOTICE_NUMBER_RE);
    const search = await checks.checkPledges(VEHICLE_PERSONAS.clean.vin);
    expect(search.pledged).toBe(true);
    expect(search.notices.map((notice) => notice.number)).toEqual([first.noticeNumber, second.noticeNumber]);
    expect(PledgeCheckAnswer.safeParse(search).success).toBe(true);
  });

  it('lists notices oldest first, whatever their numbers', async () => {
    // Descending numbers: the order comes from the registration time, not the number.
    let n = 1_000_000;
    const descending: Random = { ...cryptoRandom, otpCode: () => String((n -= 1) % 1_000_000).padStart(6, '0') };
    const { registry, checks, clock } = await setup({ random: descending });
    const first = await registry.registerPledge(pledge());
    clock.advance(1);
    const second = await registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge', contractNumber: 'CC-2026-000124' }));
    expect(second.noticeNumber < first.noticeNumber).toBe(true);
    expect((await registry.notices()).map((notice) => notice.noticeNumber)).toEqual([first.noticeNumber, second.noticeNumber]);
    expect((await checks.checkPledges(VEHICLE_PERSONAS.clean.vin)).notices.map((notice) => notice.number)).toEqual([first.noticeNumber, second.noticeNumber]);
  });

  it('our notice joins an earlier foreign one in the search of a pledged car', async () => {
    const { registry, checks } = await setup();
    const vin = VEHICLE_PERSONAS.pledged.vin;
    const { noticeNumber } = await registry.registerPledge(pledge({ vin }));
    expect(await checks.checkPledges(vin)).toEqual({
      pledged: true,
      notices: [FOREIGN_PLEDGE_NOTICE, { number: noticeNumber, registeredOn: '2026-11-25', pledgee: 'ООО МФК «КарКапитал»' }],
    });
  });

  it('refuses the same key with other data, definitively, and files nothing', async () => {
    const { registry } = await setup();
    await registry.registerPledge(pledge());
    const refusal = await refusalOf(registry.registerPledge(pledge({ amountKopecks: 30_000_001 })));
    expect(refusal.reason).toBe('idempotency_conflict');
    expect(refusal.retryable).toBe(false);
    const other = await refusalOf(registry.registerPledge(pledge({ pledgor: { ...pledge().pledgor, passport: '4510 654321' } })));
    expect(other.reason).toBe('idempotency_conflict');
    expect(await registry.notices()).toHaveLength(1);
  });

  it('refuses a notice the notary would not accept', async () => {
    const { registry } = await setup();
    for (const bad of [
      pledge({ vin: 'XTAGFK330LY00000Q' }),
      pledge({ amountKopecks: 0 }),
      pledge({ amountKopecks: 100.5 }),
      pledge({ contractDate: '2026-02-30' }),
      pledge({ pledgee: ' ' }),
      pledge({ pledgor: { fullName: 'Иванов Иван', birthDate: '12.04.1985', passport: '4510 123456' } }),
      pledge({ idempotencyKey: '' }),
    ]) {
      const refusal = await refusalOf(registry.registerPledge(bad));
      expect(refusal.reason).toBe('invalid_request');
      expect(refusal.retryable).toBe(false);
    }
    expect(await registry.notices()).toHaveLength(0);
  });

  it('releases a notice: its own number, and the car is no longer pledged', async () => {
    const { registry, checks, clock } = await setup();
    const { noticeNumber } = await registry.registerPledge(pledge());
    clock.advance(86_400_000);
    const release = await registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber });
    expect(release).toEqual({ releaseNumber: '2026-000-003000-004', releasedAt: clock.now() });
    expect(PledgeReleaseAnswer.safeParse(release).success).toBe(true);
    expect(await checks.checkPledges(VEHICLE_PERSONAS.clean.vin)).toEqual({ pledged: false, notices: [] });
    expect((await registry.notices())[0]?.release).toEqual(release);
  });

  it('release is idempotent by key; another key on a released notice, or one key for two notices, is refused', async () => {
    const { registry, clock } = await setup();
    const { noticeNumber } = await registry.registerPledge(pledge());
    const other = await registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge', contractNumber: 'CC-2026-000124' }));
    const release = await registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber });
    clock.advance(60_000);
    expect(await registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber })).toEqual(release);
    const twice = await refusalOf(registry.releasePledge({ idempotencyKey: 'loan-1:release-again', noticeNumber }));
    expect(twice.reason).toBe('already_released');
    const reused = await refusalOf(registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber: other.noticeNumber }));
    expect(reused.reason).toBe('idempotency_conflict');
    expect((await registry.notices())[1]?.release).toBeNull();
  });

  it('parallel releases with one key exclude the notice once, and all get that answer', async () => {
    const { registry, db } = await setup();
    const { noticeNumber } = await registry.registerPledge(pledge());
    const releases = await Promise.all(Array.from({ length: 6 }, () => registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber })));
    for (const release of releases) expect(release).toEqual(releases[0]);
    const rows = await db.selectFrom('sandbox_pledge_notices').select(['release_key', 'release_number']).execute();
    expect(rows).toEqual([{ release_key: 'loan-1:release', release_number: releases[0]?.releaseNumber }]);
  });

  it('parallel releases of two notices under one key: one is excluded, the other refused as a conflict', async () => {
    const { registry } = await setup();
    const first = await registry.registerPledge(pledge());
    const second = await registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge', contractNumber: 'CC-2026-000124' }));
    const results = await Promise.allSettled(
      [first, second].map(({ noticeNumber }) => registry.releasePledge({ idempotencyKey: 'shared:release', noticeNumber })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((result) => result.status === 'rejected');
    expect((refused?.reason as PledgeRegistryRefusal).reason).toBe('idempotency_conflict');
    expect((await registry.notices()).filter((notice) => notice.release)).toHaveLength(1);
  });

  it('releasing an unknown notice is a definitive ProviderError', async () => {
    const { registry } = await setup();
    for (const noticeNumber of ['2026-000-999999-999', 'not-a-number']) {
      const refusal = await refusalOf(registry.releasePledge({ idempotencyKey: `release-${noticeNumber}`, noticeNumber }));
      expect(refusal).toBeInstanceOf(ProviderError);
      expect(refusal.reason).toBe('unknown_notice');
      expect(refusal.retryable).toBe(false);
    }
  });

  it('failure switch error: a retryable ProviderError and nothing filed or released', async () => {
    const { registry, control } = await setup();
    control.failure = 'error';
    const error = await registry.registerPledge(pledge()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(PledgeRegistryRefusal);
    expect((error as ProviderError).retryable).toBe(true);
    expect(await registry.notices()).toHaveLength(0);
    control.failure = 'none';
    const { noticeNumber } = await registry.registerPledge(pledge());
    control.failure = 'error';
    await expect(registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber })).rejects.toBeInstanceOf(ProviderError);
    expect((await registry.notices())[0]?.release).toBeNull();
  });

  it('a lost answer (timeout, malformed): the notice is filed, and a retry with the same key gets it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { registry, control } = await setup();
    control.failure = 'timeout';
    const timedOut = expect(withTimeout(registry.name, 5_000, () => registry.registerPledge(pledge()))).rejects.toBeInstanceOf(ProviderError);
    // The registry files first (real database I/O, not on the fake timers), then withholds the answer.
    await vi.waitFor(async () => expect(await registry.notices()).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(5_000);
    await timedOut;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await registry.notices()).toHaveLength(1);
    control.failure = 'malformed';
    expect(PledgeRegistrationAnswer.safeParse(await registry.registerPledge(pledge())).success).toBe(false);
    control.failure = 'none';
    const retried = await registry.registerPledge(pledge());
    expect(retried.noticeNumber).toBe((await registry.notices())[0]?.noticeNumber);
    expect(await registry.notices()).toHaveLength(1);
  });

  it('draws a new number when the Random repeats one, and gives up (retryable) if it keeps repeating', async () => {
    const stuck: Random = { ...cryptoRandom, otpCode: () => '123456' };
    const { registry } = await setup({ random: stuck });
    expect((await registry.registerPledge(pledge())).noticeNumber).toBe('2026-123-456123-456');
    const error = await registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
    expect(await registry.notices()).toHaveLength(1);
  });

  it('an exclusion never takes a number a notice has, and the other way round', async () => {
    // Draws: 000001000002 (notice), 000001000002 again then 000003000004 (exclusion), then the
    // exclusion's number again and 000005000006 (second notice).
    const draws = ['000001', '000002', '000001', '000002', '000003', '000004', '000003', '000004', '000005', '000006'];
    const replaying: Random = { ...cryptoRandom, otpCode: () => draws.shift() ?? '999999' };
    const { registry } = await setup({ random: replaying });
    const { noticeNumber } = await registry.registerPledge(pledge());
    const { releaseNumber } = await registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber });
    const second = await registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge' }));
    expect([noticeNumber, releaseNumber, second.noticeNumber]).toEqual(['2026-000-001000-002', '2026-000-003000-004', '2026-000-005000-006']);
  });
});

describe('pledge registry sandbox shared by processes', () => {
  it('a second instance on the same database (another process, a restart) sees the notices and answers the same key alike', async () => {
    const web = await setup();
    // Its own Random would draw the web's first number again: the table, not memory, keeps them apart.
    const worker = buildProcess(web.db, { clock: createFakeClock('2026-11-25T09:05:00Z') });
    const filed = await web.registry.registerPledge(pledge());
    expect(await worker.registry.notices()).toEqual(await web.registry.notices());
    expect(await worker.registry.registerPledge(pledge())).toEqual(filed);
    expect((await worker.checks.checkPledges(VEHICLE_PERSONAS.clean.vin)).notices).toEqual([
      { number: filed.noticeNumber, registeredOn: '2026-11-25', pledgee: 'ООО МФК «КарКапитал»' },
    ]);
    const conflict = await refusalOf(worker.registry.registerPledge(pledge({ amountKopecks: 1 })));
    expect(conflict.reason).toBe('idempotency_conflict');

    const other = await worker.registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge', contractNumber: 'CC-2026-000124' }));
    expect(other.noticeNumber).not.toBe(filed.noticeNumber);
    expect(await rowCount(web.db)).toBe(2);

    const release = await worker.registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber: filed.noticeNumber });
    expect(await web.registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber: filed.noticeNumber })).toEqual(release);
    const twice = await refusalOf(web.registry.releasePledge({ idempotencyKey: 'loan-1:release-again', noticeNumber: filed.noticeNumber }));
    expect(twice.reason).toBe('already_released');
    expect((await web.checks.checkPledges(VEHICLE_PERSONAS.clean.vin)).notices.map((notice) => notice.number)).toEqual([other.noticeNumber]);

    // A restart: a new instance with nothing in memory.
    const restarted = buildProcess(web.db, { clock: createFakeClock('2026-11-26T09:00:00Z') });
    expect(await restarted.registry.notices()).toEqual(await web.registry.notices());
    expect(await restarted.registry.registerPledge(pledge())).toEqual(filed);
  });

  it('parallel same-key calls from two instances file exactly one row', async () => {
    const web = await setup();
    const worker = buildProcess(web.db, { clock: web.clock });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? worker : web).registry.registerPledge(pledge())));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(await rowCount(web.db)).toBe(1);
  });
});
