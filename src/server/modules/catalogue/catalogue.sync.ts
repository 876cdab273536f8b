import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import type { DB } from '../../db/schema';
import { PricingConfigError, type Pricing } from '../pricing/pricing.service';
import * as repo from './catalogue.repo';
import { checkSavedProducts } from './catalogue.service';

/**
 * Keeps this process's `Pricing` on the latest catalogue version staff saved, in whichever process
 * they saved it. At start the latest version replaces the file/built-in catalogue (and, like it,
 * must pass the law in force today, or the process does not start). While running, one cheap
 * `SELECT max(seq)` at most every `intervalMs` of the injected clock asks whether a newer version
 * exists; a timer (real time, unref'd) offers the chance every second and is stopped on close.
 * A newer version that breaks a rule in force today (the rules may differ per process) is logged
 * and not installed: this process keeps pricing with what it has.
 */

export const CATALOGUE_REFRESH_MS = 15_000;
const TICK_MS = 1_000;

export type CatalogueSync = {
  /** Installs the latest saved version; throws PricingConfigError when it breaks today's rules. */
  load: () => Promise<void>;
  /** Looks for a newer version when `intervalMs` has passed since the last look; true if installed. */
  refreshIfDue: () => Promise<boolean>;
  /** Looks now. */
  refresh: () => Promise<boolean>;
  start: () => void;
  /** Stops the timer and waits for a look in progress (before the database closes). */
  stop: () => Promise<void>;
};

export function createCatalogueSync(deps: { db: Kysely<DB>; clock: Clock; logger: Logger; pricing: Pricing; intervalMs?: number }): CatalogueSync {
  const intervalMs = deps.intervalMs ?? CATALOGUE_REFRESH_MS;
  let lastLookAt = Number.NEGATIVE_INFINITY;
  let running: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  /** A bad version is reported once, not every interval. */
  let refusedSeq = 0;

  async function install(seq: number, atStart: boolean): Promise<boolean> {
    const row = await repo.latestVersion(deps.db);
    if (!row || row.seq <= deps.pricing.catalogue.current().seq) return false;
    const checked = checkSavedProducts(row.products, deps.pricing.rules, deps.pricing.today());
    if (!checked.ok) {
      const problems = checked.problems.map((p) => `catalogue version ${row.seq}: ${p}`);
      if (atStart) throw new PricingConfigError(problems);
      if (refusedSeq !== row.seq) deps.logger.error({ seq: row.seq, problems }, 'catalogue version refused: it breaks a rule in force today');
      refusedSeq = row.seq;
      return false;
    }
    const installed = deps.pricing.catalogue.replace(row.seq, checked.products);
    if (installed && !atStart) deps.logger.info({ seq: row.seq, seen: seq }, 'catalogue version installed');
    return installed;
  }

  const look = (): Promise<boolean> => {
    running ??= (async () => {
      try {
        lastLookAt = deps.clock.now().getTime();
        const seq = await repo.latestSeq(deps.db);
        if (seq <= deps.pricing.catalogue.current().seq) return false;
        return await install(seq, false);
      } finally {
        running = null;
      }
    })();
    return running;
  };

  return {
    load: async () => {
      lastLookAt = deps.clock.now().getTime();
      await install(0, true);
    },
    refresh: look,
    refreshIfDue: async () => (deps.clock.now().getTime() - lastLookAt >= intervalMs ? look() : false),
    start: () => {
      if (timer) return;
      timer = setInterval(() => {
        if (deps.clock.now().getTime() - lastLookAt < intervalMs) return;
        look().catch((error: unknown) => deps.logger.warn({ err: error }, 'catalogue refresh failed; will retry'));
      }, TICK_MS);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}
