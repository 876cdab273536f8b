import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../../../core/clock';
import { ProviderError, withTimeout } from '../errors';
import { createSandboxControl } from '../sandbox-control';
import { PledgeCheckAnswer, RestrictionsAnswer, ValuationAnswer, type PledgeNotice } from './port';
import {
  createSandboxVehicleChecks,
  FOREIGN_PLEDGE_NOTICE,
  SLOW_PERSONA_DELAY_MS,
  sandboxValueKopecks,
  VEHICLE_PERSONAS,
  vehiclePersonaByVin,
} from './sandbox';
import { validateVin } from '../../../core/vehicle';

/**
 * The vehicle checks without storage. The pledge registry sandbox keeps its notices in the database:
 * its tests, and those of the checks showing its notices, are in sandbox-registry.api.test.ts.
 */
function setup(options: { registry?: { activeNotices: (vin: string) => Promise<PledgeNotice[]> } } = {}) {
  const clock = createFakeClock('2026-11-25T09:00:00Z');
  const control = createSandboxControl(0);
  const checks = createSandboxVehicleChecks({ clock, control, ...(options.registry ? { registry: options.registry } : {}) });
  return { clock, control, checks };
}

const car = (vin: string) => ({ vin, make: 'LADA', model: 'Vesta', year: 2020, mileageKm: 60_000 });

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

  it('shows the registry’s current notices after any foreign one, asking the registry for that VIN only', async () => {
    const ours: PledgeNotice = { number: '2026-000-001000-002', registeredOn: '2026-11-25', pledgee: 'ООО МФК «КарКапитал»' };
    const asked: string[] = [];
    const { checks } = setup({
      registry: {
        activeNotices: async (vin) => {
          asked.push(vin);
          return vin === VEHICLE_PERSONAS.pledged.vin ? [ours] : [];
        },
      },
    });
    const pledges = await checks.checkPledges(VEHICLE_PERSONAS.pledged.vin);
    expect(pledges).toEqual({ pledged: true, notices: [FOREIGN_PLEDGE_NOTICE, ours] });
    expect(PledgeCheckAnswer.safeParse(pledges).success).toBe(true);
    expect(await checks.checkPledges(VEHICLE_PERSONAS.clean.vin)).toEqual({ pledged: false, notices: [] });
    expect(asked).toEqual([VEHICLE_PERSONAS.pledged.vin, VEHICLE_PERSONAS.clean.vin]);
  });
});
