import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import { isBusinessDate, moscowDate } from '../../../core/dates';
import { MAX_KOPECKS } from '../../../core/money';
import type { DB } from '../../db/schema';
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
  type ReleasePledgeRequest,
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
 * The pledge registry files notices in the database (table `sandbox_pledge_notices`), as the external
 * registry keeps them: every process on that database — web, worker, a restarted one — sees the same
 * registry, and two calls with one key file one notice even from two processes. A notice filed here
 * shows in `checkPledges` of a VehicleChecks sandbox built with it, and drops out once excluded.
 * Notice numbers are drawn from the injected Random, times from the
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
  async function answer<T>(vin: string, malformed: unknown, build: (persona: VehiclePersona | null) => T | Promise<T>): Promise<T> {
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
      answer<PledgeCheck>(vin, { pledged: 'unknown', notices: null }, async (persona) => {
        const notices = [...(persona === 'pledged' ? [{ ...FOREIGN_PLEDGE_NOTICE }] : []), ...((await deps.registry?.activeNotices(vin)) ?? [])];
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
  activeNotices: (vin: string) => Promise<PledgeNotice[]>;
  /** Everything filed, oldest first, for tests and demos. */
  notices: () => Promise<SandboxPledgeNotice[]>;
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

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === '23505';

/**
 * The registry keeps its notices in `sandbox_pledge_notices`, so a web process, a worker and a
 * restarted server all see one registry. Idempotency rests on the table's unique constraints, not on
 * this process: a notice is filed by INSERT … ON CONFLICT DO NOTHING and read back by its key; an
 * exclusion by an UPDATE that only applies while the notice has none, then read back. Notice and
 * exclusion numbers share one space: a drawn number is checked against both columns first (the
 * constraints cover each column alone; a clash across them needs two identical 12-digit draws at
 * the same moment, and is not guarded further).
 */
export function createSandboxPledgeRegistry(deps: { db: Kysely<DB>; clock: Clock; random: Random; control: SandboxControl }): SandboxPledgeRegistry {
  const { db, control } = deps;
  const refuse = (reason: PledgeRegistryRefusalReason, message: string) => new PledgeRegistryRefusal(REGISTRY_NAME, reason, message);

  function drawNumber(at: Date): string {
    const year = moscowDate(at).slice(0, 4);
    const digits = deps.random.otpCode() + deps.random.otpCode();
    return `${year}-${digits.slice(0, 3)}-${digits.slice(3, 9)}-${digits.slice(9, 12)}`;
  }

  async function isNumberTaken(number: string): Promise<boolean> {
    const row = await db
      .selectFrom('sandbox_pledge_notices')
      .select('notice_number')
      .where((eb) => eb.or([eb('notice_number', '=', number), eb('release_number', '=', number)]))
      .executeTakeFirst();
    return row !== undefined;
  }

  // The registry decides first (its answer is stored before it is sent); the answer then travels
  // back, and that is what latency, `timeout` and `malformed` act on.
  async function respond<T>(decide: () => Promise<T>, malformed: unknown): Promise<T> {
    if (control.failure === 'error') {
      await sandboxDelay(control);
      throw new ProviderError(REGISTRY_NAME, 'HTTP 503');
    }
    let decided: { answer: T } | { refusal: unknown };
    try {
      decided = { answer: await decide() };
    } catch (refusal) {
      decided = { refusal };
    }
    await sandboxDelay(control);
    if ('refusal' in decided) throw decided.refusal;
    if (control.failure === 'malformed') return malformed as T;
    return decided.answer;
  }

  /** What a key filed before answers: the same notice for the same data, a conflict for other data. */
  async function filedUnder(idempotencyKey: string, fingerprint: string): Promise<PledgeRegistration | null> {
    const known = await db
      .selectFrom('sandbox_pledge_notices')
      .select(['notice_number', 'fingerprint', 'registered_at'])
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    if (!known) return null;
    if (known.fingerprint !== fingerprint) throw refuse('idempotency_conflict', 'idempotency key reused with other data');
    return { noticeNumber: known.notice_number, registeredAt: known.registered_at };
  }

  async function register(request: RegisterPledgeRequest): Promise<PledgeRegistration> {
    if (!request.idempotencyKey) throw refuse('invalid_request', 'idempotency key is required');
    const fingerprint = fingerprintOf(request);
    const known = await filedUnder(request.idempotencyKey, fingerprint);
    if (known) return known;
    const problems = problemsOf(request);
    if (problems.length) throw refuse('invalid_request', `not accepted: ${problems.join(', ')}`);
    for (let attempt = 0; attempt < NUMBER_ATTEMPTS; attempt += 1) {
      const registeredAt = deps.clock.now();
      const noticeNumber = drawNumber(registeredAt);
      if (await isNumberTaken(noticeNumber)) continue;
      const filed = await db
        .insertInto('sandbox_pledge_notices')
        .values({
          notice_number: noticeNumber,
          idempotency_key: request.idempotencyKey,
          fingerprint,
          vin: request.vin,
          pledgee: request.pledgee,
          contract_number: request.contractNumber,
          registered_at: registeredAt,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('notice_number')
        .executeTakeFirst();
      if (filed) return { noticeNumber, registeredAt };
      // Nothing filed: another call filed this key first (its answer is ours), or took the number.
      const concurrent = await filedUnder(request.idempotencyKey, fingerprint);
      if (concurrent) return concurrent;
    }
    // Every number drawn was taken; a concurrent call may still have filed this key meanwhile.
    const late = await filedUnder(request.idempotencyKey, fingerprint);
    if (late) return late;
    throw new ProviderError(REGISTRY_NAME, 'could not allocate a registration number');
  }

  async function release(request: ReleasePledgeRequest): Promise<PledgeRelease> {
    if (!request.idempotencyKey) throw refuse('invalid_request', 'idempotency key is required');
    const releaseOf = (row: { release_number: string | null; released_at: Date | null }): PledgeRelease => ({
      releaseNumber: row.release_number!,
      releasedAt: row.released_at!,
    });
    for (let attempt = 0; ; attempt += 1) {
      const done = await db
        .selectFrom('sandbox_pledge_notices')
        .select(['notice_number', 'release_number', 'released_at'])
        .where('release_key', '=', request.idempotencyKey)
        .executeTakeFirst();
      if (done) {
        if (done.notice_number !== request.noticeNumber) throw refuse('idempotency_conflict', 'idempotency key reused for another notice');
        return releaseOf(done);
      }
      const notice = await db
        .selectFrom('sandbox_pledge_notices')
        .select(['notice_number', 'release_key', 'release_number', 'released_at'])
        .where('notice_number', '=', request.noticeNumber)
        .executeTakeFirst();
      if (!notice) throw refuse('unknown_notice', 'no such notice');
      // Excluded under this very key by a concurrent call since the read above: its answer is ours.
      if (notice.release_key === request.idempotencyKey) return releaseOf(notice);
      if (notice.release_key !== null) throw refuse('already_released', 'the notice was excluded before');
      if (attempt === NUMBER_ATTEMPTS) throw new ProviderError(REGISTRY_NAME, 'could not allocate a registration number');
      const releasedAt = deps.clock.now();
      const releaseNumber = drawNumber(releasedAt);
      if (await isNumberTaken(releaseNumber)) continue;
      // Applies only while the notice has no exclusion (0 rows: a concurrent call excluded it); a
      // concurrent call that took this key or this number first fails it on a unique constraint.
      // Either way the next round rereads and answers from what is stored.
      const updated = await db
        .updateTable('sandbox_pledge_notices')
        .set({ release_key: request.idempotencyKey, release_number: releaseNumber, released_at: releasedAt })
        .where('notice_number', '=', notice.notice_number)
        .where('release_key', 'is', null)
        .executeTakeFirst()
        .catch((error: unknown) => {
          if (isUniqueViolation(error)) return null;
          throw error;
        });
      if (updated?.numUpdatedRows === 1n) return { releaseNumber, releasedAt };
    }
  }

  const selectNotices = () =>
    db
      .selectFrom('sandbox_pledge_notices')
      .select(['notice_number', 'vin', 'pledgee', 'contract_number', 'registered_at', 'release_number', 'released_at'])
      // Filing order; notices filed in the same instant (a fake clock) by number.
      .orderBy('registered_at')
      .orderBy('notice_number');

  return {
    name: REGISTRY_NAME,
    registerPledge: (input) => respond(() => register(input), { noticeNumber: 'N/A', registeredAt: 'today' }),
    releasePledge: (input) => respond(() => release(input), { releaseNumber: null, releasedAt: 'today' }),
    activeNotices: async (vin) => {
      const rows = await selectNotices().where('vin', '=', vin).where('release_key', 'is', null).execute();
      return rows.map((row) => ({ number: row.notice_number, registeredOn: moscowDate(row.registered_at), pledgee: row.pledgee }));
    },
    notices: async () => {
      const rows = await selectNotices().execute();
      return rows.map((row) => ({
        noticeNumber: row.notice_number,
        vin: row.vin,
        pledgee: row.pledgee,
        contractNumber: row.contract_number,
        registeredAt: row.registered_at,
        release: row.release_number !== null && row.released_at !== null ? { releaseNumber: row.release_number, releasedAt: row.released_at } : null,
      }));
    },
  };
}
