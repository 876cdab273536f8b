import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { openWith, sealWith, type Keys } from './crypto';
import type { DB } from './db/schema';

/**
 * Re-keying after a rotation of the personal-data key (OPERATIONS.md §8): every sealed value still
 * under an older key is opened and sealed again with the current one, in batches, each value written
 * only if it did not change meanwhile. Idempotent and resumable: a value already under the current
 * key is never selected again, so the command can be stopped and run again at any time. When it
 * reports nothing left under the old key, that key can leave PII_FIELD_KEYS.
 *
 * Every place personal data is sealed is listed here with the additional data (AAD) it was sealed
 * with; a value that does not open is reported, never overwritten.
 */

type ColumnSpec = {
  table: string;
  column: string;
  /** The row's key column, and how the AAD is built from it. */
  key: string;
  aad: (rowId: string) => string;
  /** Signing evidence: the re-sealed text must still hash to the stored document_sha256. */
  checkSha256?: true;
};

const field = (table: string, column: string, key = 'id'): ColumnSpec => ({ table, column, key, aad: (rowId) => `${table}.${column}:${rowId}` });

const APPLICATION_COLUMNS = [
  'last_name_ct',
  'first_name_ct',
  'middle_name_ct',
  'birth_date_ct',
  'birth_place_ct',
  'passport_ct',
  'registration_address_ct',
  'actual_address_ct',
  'inn_ct',
  'email_ct',
  'employer_ct',
];

export const SEALED_COLUMNS: ColumnSpec[] = [
  ...APPLICATION_COLUMNS.map((column) => field('applications', column)),
  field('application_vehicles', 'pts_number_ct', 'application_id'),
  field('application_vehicles', 'sts_number_ct', 'application_id'),
  field('payouts', 'cash_code_ct'),
  { ...field('signatures', 'document'), checkSha256: true },
  { ...field('addenda', 'document'), checkSha256: true },
  field('staff', 'totp_secret_ct'),
  field('staff', 'totp_pending_ct'),
  field('support_tickets', 'public_phone_ct'),
  field('support_tickets', 'public_contact_ct'),
  field('customer_emails', 'email_ct', 'customer_id'),
  { table: 'sms_outbox', column: 'text_ciphertext', key: 'id', aad: (id) => `sms_outbox.text:${id}` },
  { table: 'email_outbox', column: 'message_ciphertext', key: 'id', aad: (id) => `email_outbox.message:${id}` },
  { table: 'sandbox_sms', column: 'text_ciphertext', key: 'id', aad: (id) => `sandbox_sms.text:${id}` },
  { table: 'sandbox_email', column: 'message_ciphertext', key: 'id', aad: (id) => `sandbox_email.message:${id}` },
];

/** A ciphertext: version 1, then the key id (destroyed values are empty or null and are skipped). */
const SEALED_VALUE = (column: string) => sql`length(${sql.ref(column)}) > 30 AND get_byte(${sql.ref(column)}, 0) = 1`;

export type RekeyReport = {
  /** Per sealed column: values re-sealed now, values that changed meanwhile (left for the next run), values that did not open. */
  columns: { table: string; column: string; rekeyed: number; changed: number; failed: string[] }[];
  wallets: { rekeyed: number; changed: number; failed: string[] };
};

export async function rekeyPersonalData(db: Kysely<DB>, keys: Keys, options: { batchSize?: number } = {}): Promise<RekeyReport> {
  const batchSize = options.batchSize ?? 500;
  const current = keys.fieldKeyId;
  const columns: RekeyReport['columns'] = [];
  for (const spec of SEALED_COLUMNS) {
    const outcome = { table: spec.table, column: spec.column, rekeyed: 0, changed: 0, failed: [] as string[] };
    let after = '';
    for (;;) {
      const { rows } = await sql<{ row_id: string; sealed: Uint8Array; sha256: string | null }>`
        SELECT ${sql.ref(spec.key)}::text AS row_id, ${sql.ref(spec.column)} AS sealed,
               ${spec.checkSha256 ? sql.ref('document_sha256') : sql`NULL`} AS sha256
        FROM ${sql.table(spec.table)}
        WHERE ${SEALED_VALUE(spec.column)} AND get_byte(${sql.ref(spec.column)}, 1) <> ${current}
          AND ${sql.ref(spec.key)}::text > ${after}
        ORDER BY ${sql.ref(spec.key)}::text
        LIMIT ${batchSize}
      `.execute(db);
      if (rows.length === 0) break;
      for (const row of rows) {
        after = row.row_id;
        let text: string;
        try {
          text = openWith(keys, row.sealed, spec.aad(row.row_id));
        } catch {
          outcome.failed.push(row.row_id);
          continue;
        }
        if (spec.checkSha256 && createHash('sha256').update(text, 'utf8').digest('hex') !== row.sha256) {
          outcome.failed.push(row.row_id);
          continue;
        }
        const resealed = sealWith(keys, text, spec.aad(row.row_id));
        const updated = await sql`
          UPDATE ${sql.table(spec.table)} SET ${sql.ref(spec.column)} = ${resealed}
          WHERE ${sql.ref(spec.key)}::text = ${row.row_id} AND ${sql.ref(spec.column)} = ${Buffer.from(row.sealed)}
        `.execute(db);
        if (Number(updated.numAffectedRows ?? 0n) === 1) outcome.rekeyed += 1;
        else outcome.changed += 1;
      }
    }
    columns.push(outcome);
  }
  return { columns, wallets: await rekeyWallets(db, keys, batchSize) };
}

/** Wallet numbers are sealed inside payout_methods.details (base64, AAD payout_methods.wallet_number:<application>). */
async function rekeyWallets(db: Kysely<DB>, keys: Keys, batchSize: number): Promise<RekeyReport['wallets']> {
  const outcome = { rekeyed: 0, changed: 0, failed: [] as string[] };
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('payout_methods')
      .select(['application_id', 'details'])
      .where('type', '=', 'wallet')
      .where(sql<boolean>`application_id::text > ${after}`)
      .orderBy(sql`application_id::text`)
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.application_id;
      const details = row.details as { walletSealed?: unknown };
      if (typeof details.walletSealed !== 'string' || details.walletSealed === '') continue;
      const sealed = Buffer.from(details.walletSealed, 'base64');
      if (sealed[1] === keys.fieldKeyId) continue;
      const aad = `payout_methods.wallet_number:${row.application_id}`;
      let text: string;
      try {
        text = openWith(keys, sealed, aad);
      } catch {
        outcome.failed.push(row.application_id);
        continue;
      }
      const next = { ...details, walletSealed: sealWith(keys, text, aad).toString('base64') };
      const updated = await db
        .updateTable('payout_methods')
        .set({ details: JSON.stringify(next) })
        .where('application_id', '=', row.application_id)
        .where(sql<boolean>`details->>'walletSealed' = ${details.walletSealed}`)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 1n) outcome.rekeyed += 1;
      else outcome.changed += 1;
    }
  }
  return outcome;
}

/** How many sealed values each key id holds, per column: what is left under an old key. */
export async function sealedValuesByKeyId(db: Kysely<DB>): Promise<{ table: string; column: string; keyId: number; values: number }[]> {
  const counts: { table: string; column: string; keyId: number; values: number }[] = [];
  for (const spec of SEALED_COLUMNS) {
    const { rows } = await sql<{ key_id: number; n: number }>`
      SELECT get_byte(${sql.ref(spec.column)}, 1) AS key_id, count(*)::int AS n
      FROM ${sql.table(spec.table)} WHERE ${SEALED_VALUE(spec.column)} GROUP BY 1 ORDER BY 1
    `.execute(db);
    counts.push(...rows.map((r) => ({ table: spec.table, column: spec.column, keyId: Number(r.key_id), values: Number(r.n) })));
  }
  const { rows } = await sql<{ key_id: number; n: number }>`
    SELECT get_byte(decode(details->>'walletSealed', 'base64'), 1) AS key_id, count(*)::int AS n
    FROM payout_methods WHERE type = 'wallet' AND coalesce(details->>'walletSealed', '') <> '' GROUP BY 1 ORDER BY 1
  `.execute(db);
  counts.push(...rows.map((r) => ({ table: 'payout_methods', column: 'details.walletSealed', keyId: Number(r.key_id), values: Number(r.n) })));
  return counts;
}
