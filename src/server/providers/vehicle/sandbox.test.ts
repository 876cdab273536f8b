import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../../../core/clock';
import { cryptoRandom, type Random } from '../../random';
import { ProviderError, withTimeout } from '../errors';
import { createSandboxControl } from '../sandbox-control';
import {
  PLEDGE_NOTICE_NUMBER_RE,
  PledgeCheckAnswer,
  PledgeRegistrationAnswer,
  PledgeRegistryRefusal,
  PledgeReleaseAnswer,
  RestrictionsAnswer,
  ValuationAnswer,
  type RegisterPledgeRequest,
} from './port';
import {
  createSandboxPledgeRegistry,
  createSandboxVehicleChecks,
  FOREIGN_PLEDGE_NOTICE,
  SLOW_PERSONA_DELAY_MS,
  sandboxValueKopecks,
  VEHICLE_PERSONAS,
  vehiclePersonaByVin,
} from './sandbox';
import { validateVin } from '../../../core/vehicle';

/** Notice digits 000001000002, 000003000004, …: numbers are predictable and never repeat. */
function countingRandom(): Random {
  let n = 0;
  return { ...cryptoRandom, otpCode: () => String((n += 1) % 1_000_000).padStart(6, '0') };
}

function setup(options: { random?: Random; now?: string } = {}) {
  const clock = createFakeClock(options.now ?? '2026-11-25T09:00:00Z');
  const control = createSandboxControl(0);
  const registry = createSandboxPledgeRegistry({ clock, random: options.random ?? countingRandom(), control });
  const checks = createSandboxVehicleChecks({ clock, control, registry });
  return { clock, control, registry, checks };
}

const car = (vin: string) => ({ vin, make: 'LADA', model: 'Vesta', year: 2020, mileageKm: 60_000 });

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

afterEach(() => {
  vi.useRealTimers();
});

describe('vehicle personas', () => {
  it('are valid, distinct VINs, each found by its VIN', () => {
    const vins = Object.values(VEHICLE_PERSONAS).map((persona) => persona.vin);
    expect(new Set(vins).size).toBe(vins.length);
    for (const [key, persona] of Object.entries(VEHICLE_PERSONAS)) {
      expect(validateVin(persona.vin), persona.vin).toEqual({ ok: true, vin: persona.vin });
      expect(vehiclePersonaByVin(persona.vin)).toBe(key);
    }
    expect(vehiclePersonaByVin('XTAGFK330LY999999')).toBeNull();
  });
});

describe('vehicle checks sandbox', () => {
  it('clean: no pledge, no restriction, valued by year and mileage; the answers pass the port schemas', async () => {
    const { checks, clock } = setup();
    const vin = VEHICLE_PERSONAS.clean.vin;
    const pledges = await checks.checkPledges(vin);
    const restrictions = await checks.checkRestrictions(vin);
    const valuation = await checks.valuate(car(vin));
    expect(pledges).toEqual({ pledged: false, notices: [] });
    expect(restrictions).toEqual({ wanted: false, restrictions: [] });
    expect(valuation).toEqual({ valueKopecks: 40_000_000, source: 'valuation-sandbox', valuedAt: clock.now() });
    expect(PledgeCheckAnswer.safeParse(pledges).success).toBe(true);
    expect(RestrictionsAnswer.safeParse(restrictions).success).toBe(true);
    expect(ValuationAnswer.safeParse(valuation).success).toBe(true);
  });

  it('answers any other valid VIN as clean', async () => {
    const { checks } = setup();
    const vin = 'Z94CB41AAGR323020';
    expect(await checks.checkPledges(vin)).toEqual({ pledged: false, notices: [] });
    expect(await checks.checkRestrictions(vin)).toEqual({ wanted: false, restrictions: [] });
    expect((await checks.valuate({ ...car(vin), year: 2023, mileageKm: 45_000 })).valueKopecks).toBe(68_000_000);
  });

  it('pledged: the earlier notice of another pledgee, and nothing else wrong', async () => {
    const { checks } = setup();
    const vin = VEHICLE_PERSONAS.pledged.vin;
    const pledges = await checks.checkPledges(vin);
    expect(pledges).toEqual({ pledged: true, notices: [FOREIGN_PLEDGE_NOTICE] });
    expect(PledgeCheckAnswer.safeParse(pledges).success).toBe(true);
    expect(await checks.checkRestrictions(vin)).toEqual({ wanted: false, restrictions: [] });
    expect((await checks.valuate(car(vin))).valueKopecks).toBe(40_000_000);
  });

  it.each([
    ['wanted', { wanted: true, restrictions: ['wanted'] }],
    ['arrested', { wanted: false, restrictions: ['arrest'] }],
    ['registrationBan', { wanted: false, restrictions: ['registration_ban'] }],
  ] as const)('%s: the ГИБДД restriction, and a clean pledge search', async (persona, expected) => {
    const { checks } = setup();
    const vin = VEHICLE_PERSONAS[persona].vin;
    const restrictions = await checks.checkRestrictions(vin);
    expect(restrictions).toEqual(expected);
    expect(RestrictionsAnswer.safeParse(restrictions).success).toBe(true);
    expect(await checks.checkPledges(vin)).toEqual({ pledged: false, notices: [] });
  });

  it('valuation unavailable: a definitive (non-retryable) ProviderError; the other checks answer', async () => {
    const { checks } = setup();
    const vin = VEHICLE_PERSONAS.valuationUnavailable.vin;
    const error = await checks.valuate(car(vin)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(false);
    expect(await checks.checkPledges(vin)).toEqual({ pledged: false, notices: [] });
    expect(await checks.checkRestrictions(vin)).toEqual({ wanted: false, restrictions: [] });
  });

  it('slow: answers clean after SLOW_PERSONA_DELAY_MS, so the default 5 s timeout fires first', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { checks } = setup();
    const vin = VEHICLE_PERSONAS.slow.vin;
    let answered = false;
    const late = checks.checkRestrictions(vin).then((answer) => {
      answered = true;
      return answer;
    });
    const bounded = withTimeout(checks.name, 5_000, () => checks.checkPledges(vin));
    const timedOut = expect(bounded).rejects.toBeInstanceOf(ProviderError);
    await vi.advanceTimersByTimeAsync(5_000);
    await timedOut;
    await vi.advanceTimersByTimeAsync(SLOW_PERSONA_DELAY_MS - 5_001);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await late).toEqual({ wanted: false, restrictions: [] });
  });

  it('refuses a VIN that is not valid, definitively', async () => {
    const { checks } = setup();
    for (const call of [
      () => checks.checkPledges('XTAGFK330LY00000O'),
      () => checks.checkRestrictions('xtagfk330ly000001'),
      () => checks.valuate(car('1M8GDM9A1KP042788')),
    ]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).retryable).toBe(false);
    }
  });

  it('values deterministically, in whole kopecks, from model year and mileage only', async () => {
    const { checks, clock } = setup();
    expect(sandboxValueKopecks(2026, 0)).toBe(100_000_000);
    expect(sandboxValueKopecks(2030, 9_999)).toBe(100_000_000);
    expect(sandboxValueKopecks(2025, 10_000)).toBe(90_000_000);
    expect(sandboxValueKopecks(2020, 60_000)).toBe(40_000_000);
    expect(sandboxValueKopecks(2023, 45_000)).toBe(68_000_000);
    expect(sandboxValueKopecks(1995, 400_000)).toBe(10_000_000);
    const vin = VEHICLE_PERSONAS.clean.vin;
    const first = await checks.valuate({ ...car(vin), year: 2021, mileageKm: 87_654 });
    clock.advance(400 * 24 * 3600 * 1000);
    const later = await checks.valuate({ ...car(vin), year: 2021, mileageKm: 87_654 });
    expect(first.valueKopecks).toBe(44_000_000);
    expect(later.valueKopecks).toBe(first.valueKopecks);
    expect(later.valuedAt).toEqual(clock.now());
    expect(Number.isSafeInteger(first.valueKopecks)).toBe(true);
  });

  it('refuses a valuation request it cannot read', async () => {
    const { checks } = setup();
    const vin = VEHICLE_PERSONAS.clean.vin;
    for (const input of [
      { ...car(vin), make: ' ' },
      { ...car(vin), model: '' },
      { ...car(vin), year: 2020.5 },
      { ...car(vin), mileageKm: -1 },
    ]) {
      const error = await checks.valuate(input).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).retryable).toBe(false);
    }
  });

  it('failure switch: error is a retryable ProviderError on every call; malformed answers fail the schemas', async () => {
    const { checks, control } = setup();
    const vin = VEHICLE_PERSONAS.clean.vin;
    control.failure = 'error';
    for (const call of [() => checks.checkPledges(vin), () => checks.checkRestrictions(vin), () => checks.valuate(car(vin))]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).retryable).toBe(true);
    }
    control.failure = 'malformed';
    expect(PledgeCheckAnswer.safeParse(await checks.checkPledges(vin)).success).toBe(false);
    expect(RestrictionsAnswer.safeParse(await checks.checkRestrictions(vin)).success).toBe(false);
    expect(ValuationAnswer.safeParse(await checks.valuate(car(vin))).success).toBe(false);
    control.failure = 'none';
    expect(await checks.checkPledges(vin)).toEqual({ pledged: false, notices: [] });
  });

  it('timeout switch and latency: the caller’s withTimeout decides', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { checks, control } = setup();
    const vin = VEHICLE_PERSONAS.clean.vin;
    control.failure = 'timeout';
    const timedOut = expect(withTimeout(checks.name, 5_000, () => checks.checkRestrictions(vin))).rejects.toBeInstanceOf(ProviderError);
    await vi.advanceTimersByTimeAsync(5_000);
    await timedOut;
    await vi.advanceTimersByTimeAsync(60_000);
    control.failure = 'none';
    control.latencyMs = 200;
    const answer = withTimeout(checks.name, 5_000, () => checks.checkRestrictions(vin));
    await vi.advanceTimersByTimeAsync(200);
    expect(await answer).toEqual({ wanted: false, restrictions: [] });
  });
});

describe('pledge registry sandbox', () => {
  it('files a notice numbered like the real registry, from the injected Random and Clock', async () => {
    const { registry, clock } = setup();
    const registration = await registry.registerPledge(pledge());
    expect(registration).toEqual({ noticeNumber: '2026-000-001000-002', registeredAt: clock.now() });
    expect(registration.noticeNumber).toMatch(PLEDGE_NOTICE_NUMBER_RE);
    expect(PledgeRegistrationAnswer.safeParse(registration).success).toBe(true);
    expect(registry.notices()).toEqual([
      {
        noticeNumber: '2026-000-001000-002',
        vin: VEHICLE_PERSONAS.clean.vin,
        pledgee: 'ООО МФК «КарКапитал»',
        contractNumber: 'CC-2026-000123',
        registeredAt: clock.now(),
        release: null,
      },
    ]);
    // The pledgor's personal data is not kept in the clear.
    expect(JSON.stringify(registry.notices())).not.toContain('4510');
  });

  it('numbers by the Moscow year of registration', async () => {
    const { registry, checks } = setup({ now: '2026-12-31T21:30:00Z' });
    const { noticeNumber } = await registry.registerPledge(pledge());
    expect(noticeNumber.startsWith('2027-')).toBe(true);
    expect((await checks.checkPledges(VEHICLE_PERSONAS.clean.vin)).notices[0]?.registeredOn).toBe('2027-01-01');
  });

  it('the same key returns the same notice, even later and in parallel; never a second notice', async () => {
    const { registry, clock } = setup();
    const [first, parallel] = await Promise.all([registry.registerPledge(pledge()), registry.registerPledge(pledge())]);
    clock.advance(3_600_000);
    const again = await registry.registerPledge(pledge());
    expect(parallel).toEqual(first);
    expect(again).toEqual(first);
    expect(registry.notices()).toHaveLength(1);
  });

  it('a different key files a new notice; a second notice on the same VIN is accepted, as the real registry does', async () => {
    const { registry, checks } = setup();
    const first = await registry.registerPledge(pledge());
    const second = await registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge', contractNumber: 'CC-2026-000124' }));
    expect(second.noticeNumber).not.toBe(first.noticeNumber);
    expect(second.noticeNumber).toMatch(PLEDGE_NOTICE_NUMBER_RE);
    const search = await checks.checkPledges(VEHICLE_PERSONAS.clean.vin);
    expect(search.pledged).toBe(true);
    expect(search.notices.map((notice) => notice.number)).toEqual([first.noticeNumber, second.noticeNumber]);
    expect(PledgeCheckAnswer.safeParse(search).success).toBe(true);
  });

  it('our notice joins an earlier foreign one in the search of a pledged car', async () => {
    const { registry, checks } = setup();
    const vin = VEHICLE_PERSONAS.pledged.vin;
    const { noticeNumber } = await registry.registerPledge(pledge({ vin }));
    expect(await checks.checkPledges(vin)).toEqual({
      pledged: true,
      notices: [FOREIGN_PLEDGE_NOTICE, { number: noticeNumber, registeredOn: '2026-11-25', pledgee: 'ООО МФК «КарКапитал»' }],
    });
  });

  it('refuses the same key with other data, definitively, and files nothing', async () => {
    const { registry } = setup();
    await registry.registerPledge(pledge());
    const refusal = await refusalOf(registry.registerPledge(pledge({ amountKopecks: 30_000_001 })));
    expect(refusal.reason).toBe('idempotency_conflict');
    expect(refusal.retryable).toBe(false);
    const other = await refusalOf(registry.registerPledge(pledge({ pledgor: { ...pledge().pledgor, passport: '4510 654321' } })));
    expect(other.reason).toBe('idempotency_conflict');
    expect(registry.notices()).toHaveLength(1);
  });

  it('refuses a notice the notary would not accept', async () => {
    const { registry } = setup();
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
    expect(registry.notices()).toHaveLength(0);
  });

  it('releases a notice: its own number, and the car is no longer pledged', async () => {
    const { registry, checks, clock } = setup();
    const { noticeNumber } = await registry.registerPledge(pledge());
    clock.advance(86_400_000);
    const release = await registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber });
    expect(release).toEqual({ releaseNumber: '2026-000-003000-004', releasedAt: clock.now() });
    expect(PledgeReleaseAnswer.safeParse(release).success).toBe(true);
    expect(await checks.checkPledges(VEHICLE_PERSONAS.clean.vin)).toEqual({ pledged: false, notices: [] });
    expect(registry.notices()[0]?.release).toEqual(release);
  });

  it('release is idempotent by key; another key on a released notice, or one key for two notices, is refused', async () => {
    const { registry, clock } = setup();
    const { noticeNumber } = await registry.registerPledge(pledge());
    const other = await registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge', contractNumber: 'CC-2026-000124' }));
    const release = await registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber });
    clock.advance(60_000);
    expect(await registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber })).toEqual(release);
    const twice = await refusalOf(registry.releasePledge({ idempotencyKey: 'loan-1:release-again', noticeNumber }));
    expect(twice.reason).toBe('already_released');
    const reused = await refusalOf(registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber: other.noticeNumber }));
    expect(reused.reason).toBe('idempotency_conflict');
    expect(registry.notices()[1]?.release).toBeNull();
  });

  it('releasing an unknown notice is a definitive ProviderError', async () => {
    const { registry } = setup();
    for (const noticeNumber of ['2026-000-999999-999', 'not-a-number']) {
      const refusal = await refusalOf(registry.releasePledge({ idempotencyKey: `release-${noticeNumber}`, noticeNumber }));
      expect(refusal).toBeInstanceOf(ProviderError);
      expect(refusal.reason).toBe('unknown_notice');
      expect(refusal.retryable).toBe(false);
    }
  });

  it('failure switch error: a retryable ProviderError and nothing filed or released', async () => {
    const { registry, control } = setup();
    control.failure = 'error';
    const error = await registry.registerPledge(pledge()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(PledgeRegistryRefusal);
    expect((error as ProviderError).retryable).toBe(true);
    expect(registry.notices()).toHaveLength(0);
    control.failure = 'none';
    const { noticeNumber } = await registry.registerPledge(pledge());
    control.failure = 'error';
    await expect(registry.releasePledge({ idempotencyKey: 'loan-1:release', noticeNumber })).rejects.toBeInstanceOf(ProviderError);
    expect(registry.notices()[0]?.release).toBeNull();
  });

  it('a lost answer (timeout, malformed): the notice is filed, and a retry with the same key gets it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { registry, control } = setup();
    control.failure = 'timeout';
    const timedOut = expect(withTimeout(registry.name, 5_000, () => registry.registerPledge(pledge()))).rejects.toBeInstanceOf(ProviderError);
    await vi.advanceTimersByTimeAsync(5_000);
    await timedOut;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(registry.notices()).toHaveLength(1);
    control.failure = 'malformed';
    expect(PledgeRegistrationAnswer.safeParse(await registry.registerPledge(pledge())).success).toBe(false);
    control.failure = 'none';
    const retried = await registry.registerPledge(pledge());
    expect(retried.noticeNumber).toBe(registry.notices()[0]?.noticeNumber);
    expect(registry.notices()).toHaveLength(1);
  });

  it('draws a new number when the Random repeats one, and gives up (retryable) if it keeps repeating', async () => {
    const stuck: Random = { ...cryptoRandom, otpCode: () => '123456' };
    const { registry } = setup({ random: stuck });
    expect((await registry.registerPledge(pledge())).noticeNumber).toBe('2026-123-456123-456');
    const error = await registry.registerPledge(pledge({ idempotencyKey: 'loan-2:pledge' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
    expect(registry.notices()).toHaveLength(1);
  });
});
