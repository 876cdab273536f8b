import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import type { Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import type { Random } from '../../random';
import type { BlobStore } from '../../storage/blob-store';
import type { Pricing } from '../pricing/pricing.service';
import type { CarRules } from '../../../core/vehicle';

/** What the back office workspaces need: the same as the customer's application routes. */
export type BackofficeDeps = {
  db: Kysely<DB>;
  clock: Clock;
  random: Random;
  keys: Keys;
  jobs: JobQueue;
  pricing: Pricing;
  /** Where the photos of a pledged car live (DATA_DIR/blobs), for the staff photo route. */
  blobs: BlobStore;
  /** What cars are accepted and how much of the valuation is lent: an underwriter's approval keeps to it too. */
  carRules: CarRules;
};
