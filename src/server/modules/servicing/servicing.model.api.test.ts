import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, SECOND_MS } from '../../../core/clock';
import { activeLoan, customerClient } from '../../testing/applicant';
import { lastCodeFor, login, runJobs, useTestSystem } from '../../testing/test-system';
import { accounts, balance, ledgerProblems } from '../ledger/ledger.service';

/**
 * A model test of servicing (issue 6, must-show 2): random sequences of days passing, the accrual
 * job, part and full payments, payments racing past the debt, canceled payments and prolongations,
 * through the HTTP API with a fake clock. After every step: the ledger balances, no debt is
 * negative, charges never pass the cap, and the money received equals what it paid off plus what
 * is held as an overpayment.
 */

const system = useTestSystem();

type Command =
  | { kind: 'days'; days: number }
  | { kind: 'accrue' }
  | { kind: 'pay'; share: number; cancel: boolean }
  | { kind: 'payTwiceInFull' }
  | { kind: 'prolong'; days: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('days' as const), days: fc.integer({ min: 1, max: 60 }) }),
  fc.constant({ kind: 'accrue' as const }),
  fc.record({ kind: fc.constant('pay' as const), share: fc.double({ min: 0.01, max: 1, noNaN: true }), cancel: fc.boolean() }),
  fc.constant({ kind: 'payTwiceInFull' as const }),
  fc.record({ kind: fc.constant('prolong' as const), days: fc.integer({ min: 7, max: 30 }) }),
);

async function payOnPage(url: string, outcome: 'succeeded' | 'canceled') {
  await system.app.inject({ method: 'POST', url: new URL(url).pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `outcome=${outcome}` });
}

describe('servicing model (fast-check, fake clock)', () => {
  it('ledger balanced, no negative debt, cap never crossed, payments = paid off + overpayment', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1_000, max: 30_000 }), fc.array(command, { minLength: 1, maxLength: 8 }), async (amount, commands) => {
        const { loanId, phone, api: firstApi } = await activeLoan(system, { product: 'pdl', amount, term: 30 });
        let api = firstApi;
        const db = system.database.db;
        for (const step of commands) {
          const loan = (await api.get(`/api/loans/${loanId}`)).json();
          if (step.kind === 'days') {
            system.clock.advance(step.days * DAY_MS);
            api = customerClient(system, await login(system, phone));
          } else if (step.kind === 'accrue') {
            await system.money.accrueAll();
          } else if (loan.status !== 'active') {
            continue;
          } else if (step.kind === 'pay') {
            const amountKopecks = Math.max(1, Math.floor(loan.debt.totalKopecks * step.share));
            const started = await api.pay(loanId, { amountKopecks }, crypto.randomUUID());
            expect(started.statusCode, started.body).toBe(201);
            await payOnPage(started.json().confirmationUrl, step.cancel ? 'canceled' : 'succeeded');
          } else if (step.kind === 'payTwiceInFull') {
            const a = (await api.pay(loanId, { amountKopecks: loan.debt.totalKopecks }, crypto.randomUUID())).json();
            const b = (await api.pay(loanId, { amountKopecks: loan.debt.totalKopecks }, crypto.randomUUID())).json();
            await payOnPage(a.confirmationUrl, 'succeeded');
            await payOnPage(b.confirmationUrl, 'succeeded');
          } else if (step.kind === 'prolong') {
            const offer = await api.get(`/api/loans/${loanId}/prolongation?days=${step.days}`);
            if (offer.statusCode !== 200) continue; // nothing to pay today, the cap reached, 5 used
            system.clock.advance(61 * SECOND_MS);
            const otp = await api.post(`/api/loans/${loanId}/prolongation/otp`, { days: step.days });
            if (otp.statusCode === 429) continue; // the per-phone SMS limits are a separate matter
            const signed = await api.post(`/api/loans/${loanId}/prolongation`, { days: step.days, code: await lastCodeFor(system, phone) });
            expect(signed.statusCode, signed.body).toBe(201);
            await payOnPage(signed.json().confirmationUrl, 'succeeded');
          }
          await runJobs(system);

          // The invariants, from the ledger and the loan row.
          expect(await ledgerProblems(db)).toEqual([]);
          const row = await db.selectFrom('loans').selectAll().where('id', '=', loanId).executeTakeFirstOrThrow();
          const principal = await balance(db, accounts.loanPrincipal(loanId).id);
          const interest = await balance(db, accounts.loanInterest(loanId).id);
          const penalty = await balance(db, accounts.loanPenalty(loanId).id);
          const overpayment = await balance(db, accounts.customerOverpayment(row.customer_id).id);
          for (const value of [principal, interest, penalty, overpayment]) expect(value).toBeGreaterThanOrEqual(0);
          expect(row.charged_kopecks).toBeLessThanOrEqual(amount * 100);
          const received = await db.selectFrom('payments').select('amount_kopecks').where('loan_id', '=', loanId).where('status', '=', 'succeeded').execute();
          const paidIn = received.reduce((sum, p) => sum + p.amount_kopecks, 0);
          expect(paidIn).toBe(amount * 100 - principal + (row.charged_kopecks - interest - penalty) + overpayment);
          expect(row.status === 'closed').toBe(principal + interest + penalty === 0);
          const view = (await api.get(`/api/loans/${loanId}`)).json();
          expect(view.debt.totalKopecks).toBeGreaterThanOrEqual(principal + interest + penalty);
        }
      }),
      { numRuns: 12 },
    );
  }, 600_000);
});
