import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema';
import type { PledgeListState } from './collateral.schemas';

/** SQL for the car behind car applications and the pledges of car loans, as staff see them. */

export function vehiclesOf(db: Kysely<DB>, applicationIds: string[]) {
  if (applicationIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('application_vehicles').selectAll().where('application_id', 'in', applicationIds).execute();
}

export function photosOf(db: Kysely<DB>, applicationIds: string[]) {
  if (applicationIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('application_vehicle_photos')
    .selectAll()
    .where('application_id', 'in', applicationIds)
    .orderBy('uploaded_at')
    .orderBy('id')
    .execute();
}

export function pledgesOf(db: Kysely<DB>, applicationIds: string[]) {
  if (applicationIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('loan_pledges').selectAll().where('application_id', 'in', applicationIds).execute();
}

/** One photo with whether its customer is deleted. */
export function photoWithCustomer(db: Kysely<DB>, photoId: string) {
  return db
    .selectFrom('application_vehicle_photos as p')
    .innerJoin('customers as c', 'c.id', 'p.customer_id')
    .selectAll('p')
    .select('c.deleted_at')
    .where('p.id', '=', photoId)
    .executeTakeFirst();
}

/**
 * The list order: releases first (the earliest deadline first, so the most overdue lead), then
 * pledges being filed, in force, released and cancelled; the loan id breaks ties. The same three
 * values are the page cursor.
 */
const RANK = sql<number>`CASE lp.status WHEN 'releasing' THEN 0 WHEN 'registering' THEN 1 WHEN 'registered' THEN 2 WHEN 'released' THEN 3 ELSE 4 END`;
const DUE = sql<string>`coalesce(lp.release_due_on, DATE '9999-12-31')`;

export type PledgeCursor = { rank: number; due: string; loanId: string };

export function pledgeList(db: Kysely<DB>, filter: { state: PledgeListState; today: string; after: PledgeCursor | null; limit: number }) {
  let query = db
    .selectFrom('loan_pledges as lp')
    .innerJoin('customers as c', 'c.id', 'lp.customer_id')
    .innerJoin('loans as l', 'l.id', 'lp.loan_id')
    .leftJoin('application_vehicles as v', 'v.application_id', 'lp.application_id')
    .selectAll('lp')
    .select(['c.phone', 'c.deleted_at', 'l.contract_date', 'v.plate', 'v.make', 'v.model', RANK.as('rank'), sql<string>`${DUE}::text`.as('due_key')]);
  if (filter.state !== 'all') query = query.where('lp.status', '=', 'releasing');
  if (filter.state === 'overdue') query = query.where('lp.release_due_on', '<', filter.today);
  const after = filter.after;
  if (after) query = query.where(sql<boolean>`(${RANK}, ${DUE}, lp.loan_id) > (${after.rank}::int, ${after.due}::date, ${after.loanId}::uuid)`);
  return query.orderBy(RANK).orderBy(DUE).orderBy('lp.loan_id').limit(filter.limit).execute();
}

/** Releases under way and those of them past their deadline, as of `today`. */
export async function releaseCounts(db: Kysely<DB>, today: string): Promise<{ releasing: number; overdue: number }> {
  const row = await db
    .selectFrom('loan_pledges')
    .select([sql<string>`count(*)`.as('releasing'), sql<string>`count(*) FILTER (WHERE release_due_on < ${today})`.as('overdue')])
    .where('status', '=', 'releasing')
    .executeTakeFirstOrThrow();
  return { releasing: Number(row.releasing), overdue: Number(row.overdue) };
}

/** The customer's car: of `applicationId` when given, else of their newest application that has one. */
export function vehicleOfCustomer(db: Kysely<DB>, customerId: string, applicationId: string | null) {
  let query = db
    .selectFrom('application_vehicles as v')
    .innerJoin('applications as a', 'a.id', 'v.application_id')
    .selectAll('v')
    .where('v.customer_id', '=', customerId)
    .where('a.customer_id', '=', customerId);
  if (applicationId !== null) query = query.where('v.application_id', '=', applicationId);
  return query.orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').limit(1).executeTakeFirst();
}
