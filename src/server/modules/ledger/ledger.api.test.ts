import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../random';
import { useTestSystem } from '../../testing/test-system';
import { accounts, balance, ledgerProblems, LedgerError, post, type Posting } from './ledger.service';

const system = useTestSystem();
const at = new Date('2026-11-25T09:00:00Z');
const LOAN = '11111111-1111-4111-8111-111111111111';

const payout = (externalId: string, kopecks: number): Posting => ({
  source: 'payout',
  externalId,
  description: 'выдача займа',
  at,
  lines: [
    { account: accounts.loanPrincipal(LOAN), debitKopecks: kopecks },
    { account: accounts.payoutClearing('sandbox'), creditKopecks: kopecks },
  ],
});
const repayment = (externalId: string, kopecks: number): Posting => ({
  source: 'payment',
  externalId,
  description: 'погашение',
  at,
  lines: [
    { account: accounts.acquiringClearing('sandbox'), debitKopecks: kopecks },
    { account: accounts.loanPrincipal(LOAN), creditKopecks: kopecks },
  ],
});

async function postOne(posting: Posting) {
  return system.database.db.transaction().execute((trx) => post(trx, cryptoRandom, posting));
}

describe('the ledger', () => {
  it('posts a balanced transaction and keeps balances on each account\u2019s normal side', async () => {
    expect(await postOne(payout('p1', 1_000_000))).toBe(true);
    expect(await balance(system.database.db, accounts.loanPrincipal(LOAN).id)).toBe(1_000_000);
    expect(await balance(system.database.db, accounts.payoutClearing('sandbox').id)).toBe(1_000_000);
    expect(await ledgerProblems(system.database.db)).toEqual([]);
  });

  it('one posting per event: a repeat changes nothing; a repeat with other figures is refused', async () => {
    await postOne(payout('p1', 1_000_000));
    expect(await postOne(payout('p1', 1_000_000))).toBe(false);
    expect(await balance(system.database.db, accounts.loanPrincipal(LOAN).id)).toBe(1_000_000);
    await expect(postOne(payout('p1', 999_999))).rejects.toThrow(LedgerError);
    const count = await system.database.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('refuses unbalanced postings, fractional and negative amounts', async () => {
    const bad: Posting[] = [
      { ...payout('x1', 100), lines: [{ account: accounts.loanPrincipal(LOAN), debitKopecks: 100 }, { account: accounts.payoutClearing('sandbox'), creditKopecks: 99 }] },
      { ...payout('x2', 100), lines: [{ account: accounts.loanPrincipal(LOAN), debitKopecks: 100.5 }, { account: accounts.payoutClearing('sandbox'), creditKopecks: 100.5 }] },
      { ...payout('x3', 100), lines: [{ account: accounts.loanPrincipal(LOAN), debitKopecks: -1 }, { account: accounts.payoutClearing('sandbox'), creditKopecks: -1 }] },
    ];
    for (const posting of bad) await expect(postOne(posting)).rejects.toThrow(LedgerError);
    expect(await system.database.db.selectFrom('ledger_entries').selectAll().execute()).toEqual([]);
  });

  it('the database itself refuses an unbalanced transaction at commit', async () => {
    await expect(
      system.database.db.transaction().execute(async (trx) => {
        await trx.insertInto('ledger_accounts').values({ id: 'a', kind: 'test', normal_side: 'debit' }).execute();
        await trx.insertInto('ledger_transactions').values({ id: LOAN, source: 's', external_id: 'e', description: 'd', posted_at: at }).execute();
        await trx.insertInto('ledger_entries').values({ transaction_id: LOAN, account_id: 'a', debit_kopecks: 5 }).execute();
      }),
    ).rejects.toThrow(/does not balance/);
    expect(await system.database.db.selectFrom('ledger_transactions').selectAll().execute()).toEqual([]);
  });

  it('is append-only: entries and transactions cannot be updated or deleted', async () => {
    await postOne(payout('p1', 500));
    await expect(sql`UPDATE ledger_entries SET debit_kopecks = 1`.execute(system.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM ledger_entries`.execute(system.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE ledger_transactions SET description = 'x'`.execute(system.database.db)).rejects.toThrow(/append-only/);
    expect(await ledgerProblems(system.database.db)).toEqual([]);
  });

  it('a receivable never goes below zero: an over-repayment fails whole', async () => {
    await postOne(payout('p1', 1_000));
    await expect(postOne(repayment('r1', 1_001))).rejects.toThrow();
    expect(await balance(system.database.db, accounts.loanPrincipal(LOAN).id)).toBe(1_000);
    expect(await postOne(repayment('r2', 1_000))).toBe(true);
    expect(await balance(system.database.db, accounts.loanPrincipal(LOAN).id)).toBe(0);
  });

  it('ledger_check finds a cached balance that drifted from its entries', async () => {
    await postOne(payout('p1', 700));
    await sql`UPDATE ledger_accounts SET balance_kopecks = 699 WHERE id = ${accounts.loanPrincipal(LOAN).id}`.execute(system.database.db);
    expect(await ledgerProblems(system.database.db)).toEqual([`account ${accounts.loanPrincipal(LOAN).id}: cached 699 ≠ entries 700`]);
  });

  it('any sequence of payouts and repayments keeps every invariant (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 50_000 })), { minLength: 1, maxLength: 15 }), async (steps) => {
        let expected = await balance(system.database.db, accounts.loanPrincipal(LOAN).id);
        for (const [isPayout, kopecks] of steps) {
          const id = cryptoRandom.uuid();
          try {
            await postOne(isPayout ? payout(id, kopecks) : repayment(id, kopecks));
            expected += isPayout ? kopecks : -kopecks;
          } catch {
            expect(isPayout).toBe(false); // only an over-repayment may fail
            expect(kopecks).toBeGreaterThan(expected);
          }
          expect(await balance(system.database.db, accounts.loanPrincipal(LOAN).id)).toBe(expected);
        }
        expect(await ledgerProblems(system.database.db)).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });
});
