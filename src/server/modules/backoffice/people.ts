import type { Kysely } from 'kysely';
import type { Keys } from '../../crypto';
import type { ApplicationsTable, DB } from '../../db/schema';
import { maskPassport } from '../../pii';
import * as applicationsRepo from '../applications/applications.repo';
import { readQuestionnaire } from '../applications/applications.service';
import type { PartialQuestionnaire } from '../../../core/questionnaire';

/**
 * Who a customer is, as staff screens may show it: the name in clear (staff need it to talk to the
 * person), everything else masked. The clear values leave only through a recorded reveal.
 */

export type ApplicationRow = applicationsRepo.ApplicationRow;

export function fullNameOf(q: PartialQuestionnaire): string | null {
  const name = [q.lastName, q.firstName, q.middleName].filter(Boolean).join(' ');
  return name === '' ? null : name;
}

/** `г. Москва, ул. Арбат, д. 1, кв. 2` → `г. Москва, ***`: the locality, not the door. */
export function maskAddress(address: string): string {
  const [first] = address.split(',');
  return `${first!.trim()}, ***`;
}

/** `maria@example.ru` → `m***@example.ru`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

export function maskedPassportOf(q: PartialQuestionnaire): string | null {
  return q.passport?.series && q.passport.number ? maskPassport(q.passport.series, q.passport.number) : null;
}

/** The customer's applications, newest first (the latest questionnaire is the current truth). */
export function applicationsOf(db: Kysely<DB>, customerId: string): Promise<ApplicationRow[]> {
  return applicationsRepo.listOwnApplications(db, customerId);
}

/** The newest application in which `column` is filled (a fresh draft may still be empty). */
export function latestWith(rows: ApplicationRow[], column: keyof ApplicationsTable): ApplicationRow | undefined {
  return rows.find((row) => row[column] !== null);
}

/** The customer's name from their latest application that has one. */
export function latestName(keys: Keys, rows: ApplicationRow[]): string | null {
  const row = latestWith(rows, 'last_name_ct');
  return row ? fullNameOf(readQuestionnaire(keys, row)) : null;
}

/** Names for many customers at once (lists): one query, the newest named application each. */
export async function namesOf(db: Kysely<DB>, keys: Keys, customerIds: string[]): Promise<Map<string, string | null>> {
  const names = new Map<string, string | null>();
  if (!customerIds.length) return names;
  const rows = await db
    .selectFrom('applications')
    .selectAll()
    .where('customer_id', 'in', [...new Set(customerIds)])
    .where('last_name_ct', 'is not', null)
    .orderBy('created_at', 'desc')
    .execute();
  for (const row of rows) if (!names.has(row.customer_id)) names.set(row.customer_id, fullNameOf(readQuestionnaire(keys, row)));
  for (const id of customerIds) if (!names.has(id)) names.set(id, null);
  return names;
}
