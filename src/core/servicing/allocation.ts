import type { Kopecks } from '../money';

/**
 * How a payment pays the debt: the order of 353-ФЗ ст. 5 ч. 20 —
 * 1) overdue interest, 2) overdue principal, 3) penalty, 4) current interest, 5) current principal,
 * 6) other payments. Interest is a single balance here: whatever is accrued and unpaid comes first
 * whether it is overdue or current, which is the legal order whenever the current interest is the
 * only interest (before the due date) and whenever everything is overdue (after it). What is left
 * over is never lost: it is held for the customer as an overpayment.
 */

export type Debt = {
  principalKopecks: Kopecks;
  interestKopecks: Kopecks;
  penaltyKopecks: Kopecks;
  /** The part of the principal already past its instalment date. */
  overduePrincipalKopecks: Kopecks;
};

export type Allocation = {
  interestKopecks: Kopecks;
  principalKopecks: Kopecks;
  penaltyKopecks: Kopecks;
  overpaymentKopecks: Kopecks;
};

export const totalOf = (debt: Pick<Debt, 'principalKopecks' | 'interestKopecks' | 'penaltyKopecks'>): Kopecks =>
  debt.principalKopecks + debt.interestKopecks + debt.penaltyKopecks;

export function allocatePayment(debt: Debt, amountKopecks: Kopecks): Allocation {
  let left = amountKopecks;
  const take = (owed: Kopecks) => {
    const paid = Math.min(Math.max(owed, 0), left);
    left -= paid;
    return paid;
  };
  const interest = take(debt.interestKopecks);
  const overduePrincipal = take(Math.min(debt.overduePrincipalKopecks, debt.principalKopecks));
  const penalty = take(debt.penaltyKopecks);
  const currentPrincipal = take(debt.principalKopecks - overduePrincipal);
  return { interestKopecks: interest, principalKopecks: overduePrincipal + currentPrincipal, penaltyKopecks: penalty, overpaymentKopecks: left };
}
