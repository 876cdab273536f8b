import { createHash } from 'node:crypto';
import type { Clock } from '../../../core/clock';
import { isBusinessDate, moscowDate } from '../../../core/dates';
import { MAX_KOPECKS } from '../../../core/money';
import type { Random } from '../../random';
import { ProviderError } from '../errors';
import { sandboxDelay, type SandboxControl } from '../sandbox-control';
import {
  PledgeRegistryRefusal,
  type PledgeCheck,
  type PledgeNotice,
  type PledgeRegistration,
  type PledgeRegistry,
  type PledgeRelease,
  type PledgeRegistryRefusalReason,
  type RegisterPledgeRequest,
  type RestrictionsCheck,
  type Valuation,
  type VehicleChecks,
} from './port';
import { validateVin } from '../../../core/vehicle';

/** A VIN as our form sends it: valid and already normalised. */
function isValidVin(vin: string): boolean {
  const checked = validateVin(vin);
  return checked.ok && checked.vin === vin;
}

/**
 * Sandboxes of the vehicle checks and of the notaries' pledge registry.
 *
 * Vehicle personas, chosen by the VIN like card networks' test numbers (VEHICLE_PERSONAS):
 *
 * | VIN               | persona              | outcome                                                        |
 * |-------------------|----------------------|----------------------------------------------------------------|
 * | XTAGFK330LY000001 | clean                | no pledge, no restriction, valued by year and mileage          |
 * | XTAGFK330LY000002 | pledged              | one current notice of another pledgee (FOREIGN_PLEDGE_NOTICE)  |
 * | XTAGFK330LY000003 | wanted               | wanted: true, restrictions ['wanted']                          |
 * | XTAGFK330LY000004 | arrested             | restrictions ['arrest']                                        |
 * | XTAGFK330LY000005 | registrationBan      | restrictions ['registration_ban']                              |
 * | XTAGFK330LY000006 | valuationUnavailable | valuate: non-retryable ProviderError (no market data)          |
 * | XTAGFK330LY000007 | slow                 | every check answers clean after SLOW_PERSONA_DELAY_MS (10 s)   |
 * | any other valid   | —                    | clean                                                          |
 *
 * Only the named outcome differs: the pledged car has no restriction, the wanted one is valued, and
 * so on. A VIN that is not valid (vin.ts) is refused with a non-retryable ProviderError.
 *
 * Valuation, for every persona that has one: 1 000 000 ₽ for a car of model year 2026 or later with
 * no mileage, less 8 % per year older than 2026 and 2 % per full 10 000 km, never below 10 %
 * (SANDBOX_VALUATION). A function of year and mileage only — not of the clock — so journeys and
 * tests can state the figure: 2020 and 60 000 km → 400 000 ₽.
 *
 * The pledge registry files notices in this process's memory, as the external registry would keep
 * them; a notice filed here shows in `checkPledges` of a VehicleChecks sandbox built with it, and
 * drops out once excluded. Notice numbers are drawn from the injected Random, times from the
 * injected Clock. It does not refuse a second notice for the same VIN under another key: the real
 * registry does not either (the notary registers any notice in due form at once and checks neither
 * the pledge nor earlier notices; a car may be pledged to several creditors, ГК РФ ст. 342), so our
 * own code must not file twice — use one key per loan. The registry ignores the vehicle personas.
 *
 * Switches (SandboxControl), for both: latency on every call; `error` — a retryable ProviderError
 * (HTTP 503) and nothing done; `malformed` — an answer that fails the port's schemas; `timeout` —
 * no answer for 60 s (callers' withTimeout fires). For the registry the decision is taken before the
 * answer is delayed or garbled, so under `timeout` and `malformed` the notice IS filed, as when a
 * real answer is lost on the way back; a retry with the same key then gets it.
 */

const CHECKS_NAME = 'vehicle-checks-sandbox';
const REGISTRY_NAME = 'pledge-registry-sandbox';

/** Longer than the default PROVIDER_TIMEOUT_MS (5 s), shorter than the longest allowed (60 s). */
export const SLOW_PERSONA_DELAY_MS = 10_000;

export const VEHICLE_PERSONAS = {
  clean: { vin: 'XTAGFK330LY000001', what: 'чистый автомобиль: без залогов и ограничений, оценка по году и пробегу' },
  pledged: { vin: 'XTAGFK330LY000002', what: 'уже в залоге у другого кредитора (уведомление в реестре залогов)' },
  wanted: { vin: 'XTAGFK330LY000003', what: 'в розыске (ГИБДД)' },
  arrested: { vin: 'XTAGFK330LY000004', what: 'арест (ГИБДД)' },
  registrationBan: { vin: 'XTAGFK330LY000005', what: 'запрет на регистрационные действия (ГИБДД)' },
  valuationUnavailable: { vin: 'XTAGFK330LY000006', what: 'оценка недоступна: у сервиса нет данных по машине' },
  slow: { vin: 'XTAGFK330LY000007', what: 'проверки отвечают через 10 секунд (дольше таймаута по умолчанию)' },
} as const;

export type VehiclePersona = keyof typeof VEHICLE_PERSONAS;

export function vehiclePersonaByVin(vin: string): VehiclePersona | null {
  for (const [key, persona] of Object.entries(VEHICLE_PERSONAS)) {
    if (persona.vin === vin) return key as VehiclePersona;
  }
  return null;
}

/** The earlier pledge the `pledged` persona's registry search finds. */
export const FOREIGN_PLEDGE_NOTICE: PledgeNotice = {
  number: '2024-003-518274-406',
  registeredOn: '2024-03-15',
  pledgee: 'ООО «Автозалог-Тест»',
};

export const SANDBOX_VALUATION = {
  baseKopecks: 100_000_000,
  baseYear: 2026,
  percentPerYear: 8,
  percentPer10000Km: 2,
  floorPercent: 10,
} as const;

/** Exact in integers: the base is a multiple of 100, so a whole percentage of it needs no rounding. */
export function sandboxValueKopecks(year: number, mileageKm: number): number {
  const v = SANDBOX_VALUATION;
  const age = Math.max(0, v.baseYear - year);
  const lessPercent = age * v.percentPerYear + Math.floor(mileageKm / 10_000) * v.percentPer10000Km;
  const percent = Math.max(v.floorPercent, 100 - lessPercent);
  return (v.baseKopecks / 100) * percent;
}

export function createSandboxVehicleChecks(deps: {
  clock: Clock;
  control: SandboxControl;
  /** Notices filed with this registry sandbox show in `checkPledges`. */
  registry?: Pick<SandboxPledgeRegistry, 'activeNotices'>;
}): VehicleChecks {
  const { control } = deps;
  const refuse = (message: string) => new ProviderError(CHECKS_NAME, message, { retryable: false });
  // Every call: the persona's delay, the switches, the VIN; then the persona's answer.
  async function answer<T>(vin: string, malformed: unknown, build: (persona: VehiclePersona | null) => T): Promise<T> {
    const persona = vehiclePersonaByVin(vin);
    if (persona === 'slow') await sandboxDelay({ latencyMs: SLOW_PERSONA_DELAY_MS, failure: 'none', bureauCalls: 0 });
    await sandboxDelay(control);
    if (control.failure === 'error') throw new ProviderError(CHECKS_NAME, 'HTTP 503');
    if (control.failure === 'malformed') return malformed as T;
    if (!isValidVin(vin)) throw refuse('VIN is not valid');
    return build(persona);
  }

  return {
    name: CHECKS_NAME,
    checkPledges: (vin) =>
      answer<PledgeCheck>(vin, { pledged: 'unknown', notices: null }, (persona) => {
        const notices = [...(persona === 'pledged' ? [{ ...FOREIGN_PLEDGE_NOTICE }] : []), ...(deps.registry?.activeNotices(vin) ?? [])];
        return { pledged: notices.length > 0, notices };
      }),
    checkRestrictions: (vin) =>
      answer<RestrictionsCheck>(vin, { wanted: 'no', restrictions: 'none' }, (persona) => {
        switch (persona) {
          case 'wanted':
            return { wanted: true, restrictions: ['wanted'] };
          case 'arrested':
            return { wanted: false, restrictions: ['arrest'] };
          case 'registrationBan':
            return { wanted: false, restrictions: ['registration_ban'] };
          default:
            return { wanted: false, restrictions: [] };
        }
      }),
    valuate: (input) =>
      answer<Valuation>(input.vin, { valueKopecks: '1000000.50', source: null, valuedAt: 'today' }, (persona) => {
        if (!input.make.trim() || !input.model.trim()) throw refuse('make and model are required');
        if (!Number.isInteger(input.year) || input.year < 1900 || input.year > 2100) throw refuse('year is not valid');
        if (!Number.isSafeInteger(input.mileageKm) || input.mileageKm < 0 || input.mileageKm > 10_000_000) throw refuse('mileage is not valid');
        // A definitive answer of the service, not an outage: asking again gets the same.
        if (persona === 'valuationUnavailable') throw refuse('no market data for this vehicle');
        return { valueKopecks: sandboxValueKopecks(input.year, input.mileageKm), source: 'valuation-sandbox', valuedAt: deps.clock.now() };
      }),
  };
}

/** A notice as the registry sandbox holds it (the pledgor's data is kept only inside a fingerprint). */
export type SandboxPledgeNotice = {
  noticeNumber: string;
  vin: string;
  pledgee: string;
  contractNumber: string;
  registeredAt: Date;
  release: PledgeRelease | null;
};

export type SandboxPledgeRegistry = PledgeRegistry & {
  /** The current (not excluded) notices on a VIN, oldest first: what the public search shows. */
  activeNotices: (vin: string) => PledgeNotice[];
  /** Everything filed, oldest first, for tests and demos. */
  notices: () => SandboxPledgeNotice[];
};

const NUMBER_ATTEMPTS = 5;

/** Everything but the key, in a fixed order: the same key with other data is a conflict. */
function fingerprintOf(request: RegisterPledgeRequest): string {
  const { vin, pledgor, pledgee, contractNumber, contractDate, amountKopecks } = request;
  const fields = [vin, pledgor.fullName, pledgor.birthDate, pledgor.passport, pledgee, contractNumber, contractDate, amountKopecks];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

function problemsOf(request: RegisterPledgeRequest): string[] {
  const problems: string[] = [];
  if (!isValidVin(request.vin)) problems.push('vin');
  if (!request.pledgor.fullName.trim()) problems.push('pledgor.fullName');
  if (!isBusinessDate(request.pledgor.birthDate)) problems.push('pledgor.birthDate');
  if (!request.pledgor.passport.trim()) problems.push('pledgor.passport');
  if (!request.pledgee.trim()) problems.push('pledgee');
  if (!request.contractNumber.trim()) problems.push('contractNumber');
  if (!isBusinessDate(request.contractDate)) problems.push('contractDate');
  if (!Number.isSafeInteger(request.amountKopecks) || request.amountKopecks <= 0 || request.amountKopecks > MAX_KOPECKS) problems.push('amountKopecks');
  return problems;
}

type StoredNotice = SandboxPledgeNotice & { fingerprint: string };

export function createSandboxPledgeRegistry(deps: { clock: Clock; random: Random; control: SandboxControl }): SandboxPledgeRegistry {
  const { control } = deps;
  // Map order is insertion order: the registry's filing order.
  const notices = new Map<string, StoredNotice>();
  const noticeByKey = new Map<string, string>();
  const releaseByKey = new Map<string, string>();
  const releaseNumbers = new Set<string>();
  const refuse = (reason: PledgeRegistryRefusalReason, message: string) => new PledgeRegistryRefusal(REGISTRY_NAME, reason, message);

  function allocateNumber(at: Date): string {
    const year = moscowDate(at).slice(0, 4);
    for (let attempt = 0; attempt < NUMBER_ATTEMPTS; attempt += 1) {
      const digits = deps.random.otpCode() + deps.random.otpCode();
      const number = `${year}-${digits.slice(0, 3)}-${digits.slice(3, 9)}-${digits.slice(9, 12)}`;
      if (!notices.has(number) && !releaseNumbers.has(number)) return number;
    }
    throw new ProviderError(REGISTRY_NAME, 'could not allocate a registration number');
  }

  // The registry decides at once (synchronously here, so two calls with one key cannot both file);
  // the answer then travels back, and that is what latency, `timeout` and `malformed` act on.
  async function respond<T>(decide: () => T, malformed: unknown): Promise<T> {
    if (control.failure === 'error') {
      await sandboxDelay(control);
      throw new ProviderError(REGISTRY_NAME, 'HTTP 503');
    }
    let decided: { answer: T } | { refusal: unknown };
    try {
      decided = { answer: decide() };
    } catch (refusal) {
      decided = { refusal };
    }
    await sandboxDelay(control);
    if ('refusal' in decided) throw decided.refusal;
    if (control.failure === 'malformed') return malformed as T;
    return decided.answer;
  }

  function register(request: RegisterPledgeRequest): PledgeRegistration {
    if (!request.idempotencyKey) throw refuse('invalid_request', 'idempotency key is required');
    const fingerprint = fingerprintOf(request);
    const knownNumber = noticeByKey.get(request.idempotencyKey);
    if (knownNumber !== undefined) {
      const known = notices.get(knownNumber)!;
      if (known.fingerprint !== fingerprint) throw refuse('idempotency_conflict', 'idempotency key reused with other data');
      return { noticeNumber: known.noticeNumber, registeredAt: new Date(known.registeredAt) };
    }
    const problems = problemsOf(request);
    if (problems.length) throw refuse('invalid_request', `not accepted: ${problems.join(', ')}`);
    const registeredAt = deps.clock.now();
    const noticeNumber = allocateNumber(registeredAt);
    notices.set(noticeNumber, {
      noticeNumber,
      vin: request.vin,
      pledgee: request.pledgee,
      contractNumber: request.contractNumber,
      registeredAt,
      release: null,
      fingerprint,
    });
    noticeByKey.set(request.idempotencyKey, noticeNumber);
    return { noticeNumber, registeredAt: new Date(registeredAt) };
  }

  function release(request: { idempotencyKey: string; noticeNumber: string }): PledgeRelease {
    if (!request.idempotencyKey) throw refuse('invalid_request', 'idempotency key is required');
    const releasedNumber = releaseByKey.get(request.idempotencyKey);
    if (releasedNumber !== undefined) {
      if (releasedNumber !== request.noticeNumber) throw refuse('idempotency_conflict', 'idempotency key reused for another notice');
      const done = notices.get(releasedNumber)!.release!;
      return { releaseNumber: done.releaseNumber, releasedAt: new Date(done.releasedAt) };
    }
    const notice = notices.get(request.noticeNumber);
    if (!notice) throw refuse('unknown_notice', 'no such notice');
    if (notice.release) throw refuse('already_released', 'the notice was excluded before');
    const releasedAt = deps.clock.now();
    const releaseNumber = allocateNumber(releasedAt);
    notice.release = { releaseNumber, releasedAt };
    releaseNumbers.add(releaseNumber);
    releaseByKey.set(request.idempotencyKey, notice.noticeNumber);
    return { releaseNumber, releasedAt: new Date(releasedAt) };
  }

  return {
    name: REGISTRY_NAME,
    registerPledge: (input) => respond(() => register(input), { noticeNumber: 'N/A', registeredAt: 'today' }),
    releasePledge: (input) => respond(() => release(input), { releaseNumber: null, releasedAt: 'today' }),
    activeNotices: (vin) =>
      [...notices.values()]
        .filter((notice) => notice.vin === vin && !notice.release)
        .map((notice) => ({ number: notice.noticeNumber, registeredOn: moscowDate(notice.registeredAt), pledgee: notice.pledgee })),
    notices: () =>
      [...notices.values()].map(({ fingerprint: _fingerprint, ...notice }) => ({
        ...notice,
        registeredAt: new Date(notice.registeredAt),
        release: notice.release && { releaseNumber: notice.release.releaseNumber, releasedAt: new Date(notice.release.releasedAt) },
      })),
  };
}
