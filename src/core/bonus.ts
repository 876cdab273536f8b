/**
 * Bonus points, the pure rules (docs/ARCHITECTURE.md «Bonus points»). Points are whole numbers;
 * one point takes one ruble off interest or off a prolongation's fee.
 */

/** What one point is worth: 1 ₽. */
export const POINT_KOPECKS = 100;

/**
 * The share of the interest a borrower actually paid that comes back as points when the loan is
 * repaid on time: 5 %. A marketing decision, kept small so a discount never rivals the rate itself.
 */
export const EARN_PERCENT = 5;

/** Earned points lapse this many months after they were earned, if still unspent. */
export const POINTS_LIFETIME_MONTHS = 12;

/** Points for the interest paid on a loan repaid on time: 5 % of it, in whole rubles rounded down. */
export function pointsForInterest(interestPaidKopecks: number): number {
  if (!Number.isSafeInteger(interestPaidKopecks) || interestPaidKopecks <= 0) return 0;
  return Math.floor((interestPaidKopecks * EARN_PERCENT) / (100 * POINT_KOPECKS));
}

/**
 * How many points a spend may take: what was asked, no more than the balance, and no more than the
 * whole rubles of what is owed (a point is never worth less than a ruble, so kopecks stay to pay).
 */
export function spendablePoints(requested: number, balance: number, owedKopecks: number): number {
  return Math.max(0, Math.min(requested, balance, Math.floor(owedKopecks / POINT_KOPECKS)));
}

export type EarnedLot = { id: string; points: number; expiresAt: Date };

/**
 * Points are used oldest first. Given the earned lots (oldest first) and all points used so far
 * (spent and expired), how many points of each lot whose expiry has come are still unused — those
 * lapse now.
 */
export function lapsingPoints(lots: EarnedLot[], usedSoFar: number, now: Date): { id: string; points: number }[] {
  let used = usedSoFar;
  const lapsing: { id: string; points: number }[] = [];
  for (const lot of lots) {
    const fromThisLot = Math.min(lot.points, used);
    used -= fromThisLot;
    const left = lot.points - fromThisLot;
    if (left > 0 && lot.expiresAt.getTime() <= now.getTime()) lapsing.push({ id: lot.id, points: left });
  }
  return lapsing;
}

/** «1 балл», «3 балла», «25 баллов». */
export function pointsText(points: number): string {
  const n = Math.abs(points) % 100;
  const last = n % 10;
  const word = n >= 11 && n <= 14 ? 'баллов' : last === 1 ? 'балл' : last >= 2 && last <= 4 ? 'балла' : 'баллов';
  return `${points} ${word}`;
}
