import { afterAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../random';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { accounts, balance, ledgerProblems, post, type Posting } from './ledger.service';

afterAll(dropTestDatabases);

const LOAN = '22222222-2222-4222-8222-222222222222';
const at = new Date('2026-11-25T09:00:00Z');
const line = (source: string, externalId: string, kopecks: number, debitPrincipal: boolean): Posting => ({
  source,
  externalId,
  description: source,
  at,
  lines: debitPrincipal
    ? [{ account: accounts.loanPrincipal(LOAN), debitKopecks: kopecks }, { account: accounts.payoutClearing('sandbox'), creditKopecks: kopecks }]
    : [{ account: accounts.acquiringClearing('sandbox'), debitKopecks: kopecks }, { account: accounts.loanPrincipal(LOAN), creditKopecks: kopecks }],
});

describe('the ledger under real concurrency (PostgreSQL)', () => {
  it('20 parallel repayments of 30 % of the debt: three succeed, the receivable never goes negative', async () => {
    const { database } = await createTestDatabase();
    try {
      await database.db.transaction().execute((trx) => post(trx, cryptoRandom, line('payout', 'p', 1_000_000, true)));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => database.db.transaction().execute((trx) => post(trx, cryptoRandom, line('payment', `r${i}`, 300_000, false)))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      expect(await balance(database.db, accounts.loanPrincipal(LOAN).id)).toBe(100_000);
      expect(await ledgerProblems(database.db)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('the same event posted 20 times at once is posted once', async () => {
    const { database } = await createTestDatabase();
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => database.db.transaction().execute((trx) => post(trx, cryptoRandom, line('payout', 'once', 500_000, true)))),
      );
      const posted = results.filter((r) => r.status === 'fulfilled' && r.value === true);
      expect(posted).toHaveLength(1);
      expect(await balance(database.db, accounts.loanPrincipal(LOAN).id)).toBe(500_000);
      expect(await ledgerProblems(database.db)).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
