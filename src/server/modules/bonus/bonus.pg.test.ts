import { afterAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../core/clock';
import { cryptoRandom } from '../../random';
import { activeLoan, customerClient } from '../../testing/applicant';
import { createTestDatabase, dropTestDatabases } from '../../testing/test-database';
import { createTestSystem, login, TEST_ORIGIN, type TestSystem } from '../../testing/test-system';
import { ledgerProblems } from '../ledger/ledger.service';
import * as repo from './bonus.repo';
import { bonusBalance, bonusProblems } from './bonus.service';

/** Spending points under real concurrency (PostgreSQL): the balance never goes below zero. */

afterAll(dropTestDatabases);

async function withSystem(run: (system: TestSystem) => Promise<void>) {
  const { database } = await createTestDatabase();
  const system = await createTestSystem({ database });
  try {
    await run(system);
  } finally {
    await system.close();
    await database.close();
  }
}

/** An active loan 10 days in (800 ₽ of interest due) whose borrower holds `points`. */
async function borrowerWithPoints(system: TestSystem, points: number) {
  const { loanId, phone } = await activeLoan(system);
  const { customer_id: customerId } = await system.database.db.selectFrom('loans').select('customer_id').where('id', '=', loanId).executeTakeFirstOrThrow();
  await system.database.db.transaction().execute(async (trx) => {
    await repo.lockAccount(trx, customerId);
    await repo.appendEntry(trx, cryptoRandom, {
      customerId,
      loanId: null,
      kind: 'earn',
      points,
      reason: 'test',
      idempotencyKey: `test:${customerId}`,
      at: system.clock.now(),
      expiresAt: new Date(system.clock.now().getTime() + 365 * DAY_MS),
    });
  });
  system.clock.advance(10 * DAY_MS);
  const api = customerClient(system, await login(system, phone));
  const spend = (body: unknown, key: string = crypto.randomUUID()) =>
    system.app.inject({
      method: 'POST',
      url: `/api/loans/${loanId}/bonus`,
      headers: { origin: TEST_ORIGIN, cookie: api.cookie, 'content-type': 'application/json', 'idempotency-key': key },
      payload: JSON.stringify(body),
    });
  return { api, loanId, customerId, spend };
}

const spentRows = (system: TestSystem) => system.database.db.selectFrom('bonus_point_entries').select('points').where('kind', '=', 'spend').execute();

describe('bonus points under real concurrency (PostgreSQL)', () => {
  it('10 parallel spends with points for one: one succeeds, the rest 409; the balance is 0, never negative', async () => {
    await withSystem(async (system) => {
      const { api, loanId, customerId, spend } = await borrowerWithPoints(system, 100);
      const replies = await Promise.all(Array.from({ length: 10 }, () => spend({ points: 100 })));
      const ok = replies.filter((r) => r.statusCode === 201);
      expect(ok).toHaveLength(1);
      expect(replies.every((r) => r.statusCode === 201 || (r.statusCode === 409 && r.json().error.message === 'На бонусном счёте нет баллов.'))).toBe(true);
      expect(ok[0]!.json()).toMatchObject({ spentPoints: 100, balancePoints: 0, debt: { interestKopecks: 70_000 } });
      expect(await spentRows(system)).toEqual([{ points: -100 }]);
      expect(await bonusBalance(system.database.db, customerId)).toBe(0);
      expect((await api.get(`/api/loans/${loanId}`)).json().debt.interestKopecks).toBe(70_000);
      expect(await bonusProblems(system.database.db)).toEqual([]);
      expect(await ledgerProblems(system.database.db)).toEqual([]);
    });
  });

  it('10 parallel spends of 30 with 100 points: exactly three go through, 90 spent, 10 left', async () => {
    await withSystem(async (system) => {
      const { customerId, spend } = await borrowerWithPoints(system, 100);
      const replies = await Promise.all(Array.from({ length: 10 }, () => spend({ points: 30 })));
      const spentPoints = replies.filter((r) => r.statusCode === 201).map((r) => r.json().spentPoints as number);
      // The fourth takes the 10 left; the rest find none.
      expect(spentPoints.sort((a, b) => a - b)).toEqual([10, 30, 30, 30]);
      const total = (await spentRows(system)).reduce((sum, row) => sum - row.points, 0);
      expect(total).toBe(100);
      expect(await bonusBalance(system.database.db, customerId)).toBe(0);
      expect(await bonusProblems(system.database.db)).toEqual([]);
      expect(await ledgerProblems(system.database.db)).toEqual([]);
    });
  });

  it('20 parallel requests with one Idempotency-Key spend once', async () => {
    await withSystem(async (system) => {
      const { customerId, spend } = await borrowerWithPoints(system, 100);
      const key = crypto.randomUUID();
      const replies = await Promise.all(Array.from({ length: 20 }, () => spend({ points: 25 }, key)));
      expect(replies.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
      expect(new Set(replies.map((r) => r.json().spentPoints))).toEqual(new Set([25]));
      expect(await spentRows(system)).toEqual([{ points: -25 }]);
      expect(await bonusBalance(system.database.db, customerId)).toBe(75);
    });
  });

  it('the database itself refuses a negative balance, whatever the code does', async () => {
    await withSystem(async (system) => {
      const { customerId } = await borrowerWithPoints(system, 5);
      const overspend = system.database.db.transaction().execute(async (trx) => {
        await repo.lockAccount(trx, customerId);
        await repo.appendEntry(trx, cryptoRandom, { customerId, loanId: null, kind: 'spend', points: -6, reason: 'interest', idempotencyKey: 'test:overspend', at: system.clock.now() });
      });
      await expect(overspend).rejects.toThrow(/check/i);
      expect(await bonusBalance(system.database.db, customerId)).toBe(5);
      // Nor can a row be edited or removed: the points ledger is append-only.
      await expect(system.database.db.updateTable('bonus_point_entries').set({ points: 500 }).execute()).rejects.toThrow(/append-only/);
      await expect(system.database.db.deleteFrom('bonus_point_entries').execute()).rejects.toThrow(/append-only/);
    });
  });
});
