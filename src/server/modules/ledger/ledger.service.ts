import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema';
import type { Random } from '../../random';

/**
 * The ledger (SECURITY.md LED-1…7). A posting is one balanced set of debit and credit lines for one
 * external event (source + external id); posting the same event again changes nothing, and posting
 * it again with other figures is an error. Balances are cached per account and guarded by the
 * database: a receivable or an overpayment can never go below zero, entries can never change.
 */

export type AccountSpec = {
  id: string;
  kind: string;
  ownerId?: string | null;
  normalSide: 'debit' | 'credit';
  allowNegative?: boolean;
};

export type PostingLine = { account: AccountSpec; debitKopecks?: number; creditKopecks?: number };

export type Posting = {
  source: string;
  externalId: string;
  description: string;
  at: Date;
  lines: PostingLine[];
};

export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

/** A loan's receivable account ids built in SQL from a loan id column, as `accounts` builds them: reads that join a loan's balances to its row. */
export const loanAccountIdSql = (loanIdColumn: string, part: 'principal' | 'interest' | 'penalty') =>
  sql<string>`'loan:' || ${sql.ref(loanIdColumn)} || ${':' + part}`;

/** The lender's and the loan's accounts, named the same way everywhere. */
export const accounts = {
  loanPrincipal: (loanId: string): AccountSpec => ({ id: `loan:${loanId}:principal`, kind: 'loan_principal', ownerId: loanId, normalSide: 'debit' }),
  loanInterest: (loanId: string): AccountSpec => ({ id: `loan:${loanId}:interest`, kind: 'loan_interest', ownerId: loanId, normalSide: 'debit' }),
  loanPenalty: (loanId: string): AccountSpec => ({ id: `loan:${loanId}:penalty`, kind: 'loan_penalty', ownerId: loanId, normalSide: 'debit' }),
  customerOverpayment: (customerId: string): AccountSpec => ({
    id: `customer:${customerId}:overpayment`,
    kind: 'customer_overpayment',
    ownerId: customerId,
    normalSide: 'credit',
  }),
  /** Money sent to borrowers through a payout provider, settled with the provider's registry. */
  payoutClearing: (provider: string): AccountSpec => ({ id: `lender:payout_clearing:${provider}`, kind: 'payout_clearing', normalSide: 'credit', allowNegative: true }),
  /** Money received through an acquirer, settled with the acquirer's registry. */
  acquiringClearing: (provider: string): AccountSpec => ({ id: `lender:acquiring_clearing:${provider}`, kind: 'acquiring_clearing', normalSide: 'debit', allowNegative: true }),
  interestIncome: (): AccountSpec => ({ id: 'lender:interest_income', kind: 'interest_income', normalSide: 'credit' }),
  penaltyIncome: (): AccountSpec => ({ id: 'lender:penalty_income', kind: 'penalty_income', normalSide: 'credit' }),
};

/** Posts inside the caller's transaction. Returns false when this event was already posted. */
export async function post(trx: Transaction<DB>, random: Random, posting: Posting): Promise<boolean> {
  const lines = posting.lines.map((line) => {
    const debit = line.debitKopecks ?? 0;
    const credit = line.creditKopecks ?? 0;
    if (!Number.isSafeInteger(debit) || !Number.isSafeInteger(credit) || debit < 0 || credit < 0 || (debit === 0) === (credit === 0)) {
      throw new LedgerError(`a line needs exactly one positive whole-kopeck side: ${line.account.id}`);
    }
    return { ...line, debit, credit };
  });
  const debits = lines.reduce((sum, l) => sum + l.debit, 0);
  const credits = lines.reduce((sum, l) => sum + l.credit, 0);
  if (lines.length < 2 || debits !== credits) throw new LedgerError(`posting ${posting.source}:${posting.externalId} does not balance`);

  const id = random.uuid();
  const inserted = await trx
    .insertInto('ledger_transactions')
    .values({ id, source: posting.source, external_id: posting.externalId, description: posting.description, posted_at: posting.at })
    .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    await assertSamePosting(trx, posting, lines);
    return false;
  }

  for (const { account } of lines) {
    await trx
      .insertInto('ledger_accounts')
      .values({
        id: account.id,
        kind: account.kind,
        owner_id: account.ownerId ?? null,
        normal_side: account.normalSide,
        allow_negative: account.allowNegative ?? false,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  await trx
    .insertInto('ledger_entries')
    .values(lines.map((l) => ({ transaction_id: id, account_id: l.account.id, debit_kopecks: l.debit, credit_kopecks: l.credit })))
    .execute();
  // Accounts in a fixed order, so two postings never wait on each other in a cycle.
  const deltas = new Map<string, number>();
  for (const l of lines) {
    const signed = l.account.normalSide === 'debit' ? l.debit - l.credit : l.credit - l.debit;
    deltas.set(l.account.id, (deltas.get(l.account.id) ?? 0) + signed);
  }
  for (const accountId of [...deltas.keys()].sort()) {
    await trx
      .updateTable('ledger_accounts')
      .set((eb) => ({ balance_kopecks: eb('balance_kopecks', '+', deltas.get(accountId)!) }))
      .where('id', '=', accountId)
      .execute();
  }
  return true;
}

async function assertSamePosting(trx: Transaction<DB>, posting: Posting, lines: { account: AccountSpec; debit: number; credit: number }[]) {
  const existing = await trx
    .selectFrom('ledger_entries as e')
    .innerJoin('ledger_transactions as t', 't.id', 'e.transaction_id')
    .select(['e.account_id', 'e.debit_kopecks', 'e.credit_kopecks'])
    .where('t.source', '=', posting.source)
    .where('t.external_id', '=', posting.externalId)
    .execute();
  const key = (a: string, d: number, c: number) => `${a}|${d}|${c}`;
  const have = existing.map((e) => key(e.account_id, e.debit_kopecks, e.credit_kopecks)).sort();
  const want = lines.map((l) => key(l.account.id, l.debit, l.credit)).sort();
  if (have.join(',') !== want.join(',')) {
    throw new LedgerError(`event ${posting.source}:${posting.externalId} was already posted with other figures`);
  }
}

export async function balance(db: Kysely<DB> | Transaction<DB>, accountId: string): Promise<number> {
  const row = await db.selectFrom('ledger_accounts').select('balance_kopecks').where('id', '=', accountId).executeTakeFirst();
  return row?.balance_kopecks ?? 0;
}

/** LED-3: the whole ledger balances, every transaction balances, every cached balance is right. */
export async function ledgerProblems(db: Kysely<DB>): Promise<string[]> {
  const problems: string[] = [];
  const totals = await sql<{ debits: number; credits: number }>`
    SELECT COALESCE(SUM(debit_kopecks), 0)::int8 AS debits, COALESCE(SUM(credit_kopecks), 0)::int8 AS credits FROM ledger_entries
  `.execute(db);
  const { debits, credits } = totals.rows[0]!;
  if (debits !== credits) problems.push(`debits ${debits} ≠ credits ${credits}`);
  const unbalanced = await sql<{ id: string }>`
    SELECT transaction_id AS id FROM ledger_entries GROUP BY transaction_id HAVING SUM(debit_kopecks - credit_kopecks) <> 0
  `.execute(db);
  for (const row of unbalanced.rows) problems.push(`transaction ${row.id} does not balance`);
  const drift = await sql<{ id: string; cached: number; actual: number }>`
    SELECT a.id, a.balance_kopecks AS cached,
      COALESCE(SUM(CASE WHEN a.normal_side = 'debit' THEN e.debit_kopecks - e.credit_kopecks ELSE e.credit_kopecks - e.debit_kopecks END), 0)::int8 AS actual
    FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
    GROUP BY a.id, a.balance_kopecks
    HAVING a.balance_kopecks <> COALESCE(SUM(CASE WHEN a.normal_side = 'debit' THEN e.debit_kopecks - e.credit_kopecks ELSE e.credit_kopecks - e.debit_kopecks END), 0)
  `.execute(db);
  for (const row of drift.rows) problems.push(`account ${row.id}: cached ${row.cached} ≠ entries ${row.actual}`);
  return problems;
}
