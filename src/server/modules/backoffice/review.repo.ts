import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';

/** SQL for the manual review workspace. */

/** The queue: applications waiting for a person, the longest-waiting first. */
export function manualReviewQueue(db: Kysely<DB>, limit = 200) {
  return db
    .selectFrom('applications')
    .selectAll()
    .where('status', '=', 'manual_review')
    .orderBy('submitted_at', 'asc')
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
}

export function scoringChecks(db: Kysely<DB>, applicationId: string) {
  return db
    .selectFrom('scoring_checks')
    .select(['check_name', 'outcome', 'details', 'attempt', 'checked_at'])
    .where('application_id', '=', applicationId)
    .orderBy('id', 'asc')
    .execute();
}

/** The latest ПДН check of the application, if the robot got as far as computing one. */
export function latestPdnCheck(db: Kysely<DB>, applicationId: string) {
  return db
    .selectFrom('scoring_checks')
    .select('details')
    .where('application_id', '=', applicationId)
    .where('check_name', '=', 'pdn')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export function staffMember(db: Kysely<DB>, id: string) {
  return db.selectFrom('staff').select(['id', 'email', 'full_name']).where('id', '=', id).executeTakeFirst();
}

export function customerPhone(db: Kysely<DB>, customerId: string) {
  return db.selectFrom('customers').select('phone').where('id', '=', customerId).executeTakeFirst();
}
