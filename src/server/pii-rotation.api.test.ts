import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { DB } from './db/schema';
import { rekeyPersonalData, sealedValuesByKeyId } from './pii-rekey';
import { activeLoan, customerClient, questionnaire } from './testing/applicant';
import { loginStaff } from './testing/staff';
import { createTestDatabase, dropTestDatabases } from './testing/test-database';
import { createTestSystem, login, nextPhone, testConfig } from './testing/test-system';
import { deriveKeys } from './crypto';

afterAll(dropTestDatabases);

const NEW_KEY = `2:${'n'.repeat(12)}${'e'.repeat(12)}${'w'.repeat(12)}`;

/** The key id byte of every sealed questionnaire column of the application, by column. */
async function keyIdsOf(db: Kysely<DB>, id: string) {
  const { rows } = await sql<{ passport: number; last_name: number; employer: number }>`
    SELECT get_byte(passport_ct, 1) AS passport, get_byte(last_name_ct, 1) AS last_name, get_byte(employer_ct, 1) AS employer
    FROM applications WHERE id = ${id}
  `.execute(db);
  return rows[0];
}

describe('rotating the personal-data key (PII_FIELD_KEYS)', () => {
  it('a restart with a new key keeps what was sealed before readable and seals new data with the new key', async () => {
    const { database } = await createTestDatabase();
    const secret = { APP_SECRET: testConfig().appSecret! };
    // Before: only APP_SECRET's key 1.
    const before = await createTestSystem({ database, env: secret });
    const phone = nextPhone();
    const cookie = await login(before, phone);
    const api = customerClient(before, cookie);
    const id = (await api.create()).json().id as string;
    expect((await api.patch(id, questionnaire())).statusCode).toBe(200);
    expect(await keyIdsOf(database.db, id)).toEqual({ passport: 1, last_name: 1, employer: 1 });
    await before.close();

    // After the restart with key 2 first in the ring: the old data opens, the new is sealed with key 2.
    const after = await createTestSystem({ database, env: { ...secret, PII_FIELD_KEYS: NEW_KEY } });
    try {
      const again = customerClient(after, cookie);
      const read = (await again.get(`/api/applications/${id}`)).json();
      expect(read.questionnaire).toMatchObject({ lastName: 'Иванова', passport: { number: '654321' }, employment: { employer: 'ООО «Ромашка»' } });
      expect((await again.patch(id, { lastName: 'Петрова', employment: { employer: 'ООО «Лютик»' } })).statusCode).toBe(200);
      expect(await keyIdsOf(database.db, id)).toEqual({ passport: 1, last_name: 2, employer: 2 });
      const mixed = (await again.get(`/api/applications/${id}`)).json();
      expect(mixed.questionnaire).toMatchObject({ lastName: 'Петрова', firstName: 'Мария', passport: { number: '654321' }, employment: { employer: 'ООО «Лютик»' } });
      // The login code sealed in the SMS store before the rotation still reads; a new login (its code sealed with key 2) works.
      expect((await after.sandboxSms!.list({ phone, limit: 5 })).length).toBeGreaterThan(0);
      expect(await login(after, nextPhone())).toMatch(/sid=/);
    } finally {
      await after.close();
    }

    // Without key 2 (dropped too early) the rotated fields fail clearly; the old ones still open.
    const withoutNewKey = await createTestSystem({ database, env: secret });
    try {
      const reply = await customerClient(withoutNewKey, cookie).get(`/api/applications/${id}`);
      expect(reply.statusCode).toBe(500);
      expect(withoutNewKey.logs.some((line) => /field key 2.*not configured/.test(line))).toBe(true);
    } finally {
      await withoutNewKey.close();
    }
  });

  it('npm run pii:rekey re-seals everything under the new key, keeps it readable, and leaves what does not open untouched', async () => {
    const { database } = await createTestDatabase();
    const secret = { APP_SECRET: testConfig().appSecret! };
    const before = await createTestSystem({ database, env: secret });
    // Sealed under key 1: a questionnaire, the signed contract, a cash code, SMS texts, a staff TOTP secret.
    const { api, applicationId, loanId } = await activeLoan(before);
    await loginStaff(before, ['admin']);
    const cashCode = (await api.get(`/api/loans/${loanId}`)).json().cashCode as string;
    expect(cashCode).toBeTruthy();
    // One value that will not open: last name's ciphertext moved into the first name (another AAD).
    const broken = await createTestSystem({ database, env: secret });
    const { applicationId: brokenId } = await activeLoan(broken);
    await sql`UPDATE applications SET first_name_ct = last_name_ct WHERE id = ${brokenId}`.execute(database.db);
    await broken.close();
    const counted = await sealedValuesByKeyId(database.db);
    expect(counted.every((c) => c.keyId === 1)).toBe(true);
    const tables = new Set(counted.map((c) => `${c.table}.${c.column}`));
    for (const expected of ['applications.passport_ct', 'signatures.document', 'payouts.cash_code_ct', 'sandbox_sms.text_ciphertext', 'staff.totp_secret_ct']) expect(tables).toContain(expected);
    await before.close();

    const env = { ...secret, PII_FIELD_KEYS: NEW_KEY };
    const after = await createTestSystem({ database, env, clock: before.clock });
    try {
      const keys = deriveKeys(secret.APP_SECRET, after.config.fieldSecrets);
      const report = await rekeyPersonalData(database.db, keys, { batchSize: 2 });
      const failed = report.columns.filter((c) => c.failed.length).map((c) => [c.table, c.column, c.failed]);
      expect(failed).toEqual([['applications', 'first_name_ct', [brokenId]]]);
      expect(report.columns.reduce((sum, c) => sum + c.changed, 0)).toBe(0);
      // Every value that opened is now under key 2, the same number of values per column as before.
      const now = await sealedValuesByKeyId(database.db);
      const left = now.filter((c) => c.keyId !== 2);
      expect(left).toEqual([{ table: 'applications', column: 'first_name_ct', keyId: 1, values: 1 }]);
      const total = (list: typeof now) => list.reduce((sum, c) => sum + c.values, 0);
      expect(total(now)).toBe(total(counted));
      // A second run has nothing left to do but the value that does not open.
      const again = await rekeyPersonalData(database.db, keys);
      expect(again.columns.reduce((sum, c) => sum + c.rekeyed, 0)).toBe(0);

      // Everything reads as before, through the API, with key 2 only in use.
      const client = customerClient(after, api.cookie);
      expect((await client.get(`/api/loans/${loanId}`)).json().cashCode).toBe(cashCode);
      expect((await client.get(`/api/applications/${applicationId}`)).json().questionnaire).toMatchObject({ lastName: 'Иванова', firstName: 'Мария', birthPlace: 'г. Тверь' });
      const pdf = await client.get(`/api/loans/${loanId}/contract.pdf`);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      // The signing evidence accepts nothing but the re-sealing: any other change is still refused.
      await expect(sql`UPDATE signatures SET document_sha256 = 'x' WHERE loan_id = ${loanId}`.execute(database.db)).rejects.toThrow(/immutable/);
    } finally {
      await after.close();
    }
  });
});
