import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import type { Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import type { Random } from '../../random';
import type { Pricing } from '../pricing/pricing.service';

/** What the back office workspaces need: the same as the customer's application routes. */
export type BackofficeDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
  pricing: Pricing;
};
