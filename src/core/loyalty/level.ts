/**
 * The loyalty level: what a returning borrower has earned by repaying on time, as a pure function
 * of a summary of their loans with us. The server builds the summary from the loans table; the
 * level's benefits reach the price only through core pricing (see ./personal.ts).
 *
 * Rules (deliberately few, so a borrower can predict them):
 * - A loan counts towards a level when it is closed (repaid in full) on or before its due date —
 *   the due date as moved by prolongations, since a prolongation is a repayment arrangement, not
 *   a delay. A loan repaid late never counts, however late.
 * - Levels by loans repaid on time: «Старт» (new customer) 0, «Серебро» 1, «Золото» 3, «Платина» 6.
 * - Overdue takes the level down, whatever was earned:
 *   · a loan overdue right now (past its due date and not repaid): «Старт» until it is repaid;
 *   · any loan ever more than SERIOUS_OVERDUE_DAYS (30) days late, or more than
 *     TOTAL_OVERDUE_DAYS_LIMIT (60) overdue days over all loans: «Старт»;
 *   · any loan ever more than GRACE_OVERDUE_DAYS (5) days late: at most «Серебро».
 * - Benefits: a rate discount of the product's own rate (5 / 10 / 15 %, integer ppm, rounded in
 *   the borrower's favour) and a pre-approved amount above the first-loan limit (+50 % / +100 %),
 *   never above the product's maximum. Scoring still decides every application on its own limits.
 */

export type LoyaltyLevelCode = 'start' | 'silver' | 'gold' | 'platinum';

/** What the level is computed from; days are whole calendar days past the due date. */
export type LoyaltyHistory = {
  /** Loans closed (repaid in full), on time or not. */
  loansRepaid: number;
  /** Loans closed on or before their due date (prolongations included). */
  repaidOnTime: number;
  /** The most days any loan was (or is) past its due date. */
  maxOverdueDays: number;
  /** Overdue days over all loans. */
  totalOverdueDays: number;
  /** Days the worst loan still open is past its due date today (0: none overdue now). */
  openOverdueDays: number;
};

export type LevelDefinition = {
  code: LoyaltyLevelCode;
  name: string;
  /** Who is at this level, in a few words. */
  title: string;
  /** Loans repaid on time needed. */
  minOnTimeLoans: number;
  /** Off the product's rate, in whole percent. */
  discountPercent: number;
  /** Above the first-loan limit, in whole percent (the product's maximum still caps it). */
  amountRaisePercent: number;
};

export const GRACE_OVERDUE_DAYS = 5;
export const SERIOUS_OVERDUE_DAYS = 30;
export const TOTAL_OVERDUE_DAYS_LIMIT = 60;

export const LEVELS: readonly LevelDefinition[] = [
  { code: 'start', name: 'Старт', title: 'Новый клиент', minOnTimeLoans: 0, discountPercent: 0, amountRaisePercent: 0 },
  { code: 'silver', name: 'Серебро', title: 'Постоянный клиент', minOnTimeLoans: 1, discountPercent: 5, amountRaisePercent: 50 },
  { code: 'gold', name: 'Золото', title: 'Надёжный клиент', minOnTimeLoans: 3, discountPercent: 10, amountRaisePercent: 100 },
  { code: 'platinum', name: 'Платина', title: 'Лучший клиент', minOnTimeLoans: 6, discountPercent: 15, amountRaisePercent: 100 },
];

export const levelDefinition = (code: LoyaltyLevelCode): LevelDefinition => LEVELS.find((l) => l.code === code)!;

export type LoyaltyLevel = LevelDefinition & {
  /** The level's benefits, as the cabinet lists them. */
  benefits: string[];
  /** What it takes to be at this level. */
  requirement: string;
  /** Why the level is lower than the loans repaid on time would give (null: it is not). */
  restriction: string | null;
  /** The next level and how far it is; null at the top, or while overdue holds the level down. */
  next: { code: LoyaltyLevelCode; name: string; loansToGo: number; text: string } | null;
  history: LoyaltyHistory;
};

/** «1 заём», «2 займа», «5 займов». */
export function loansWord(n: number): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return 'заём';
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return 'займа';
  return 'займов';
}

function benefitsOf(level: LevelDefinition): string[] {
  if (level.code === 'start') {
    return ['Ставка — по условиям продукта', 'Первый заём — до половины максимальной суммы продукта', 'Каждый заём, погашенный без просрочки, приближает следующий уровень'];
  }
  return [
    `Ставка на ${level.discountPercent} % ниже ставки продукта`,
    level.amountRaisePercent >= 100
      ? 'Предварительно одобренная сумма — до максимальной по продукту'
      : `Предварительно одобренная сумма на ${level.amountRaisePercent} % больше, чем для нового клиента`,
  ];
}

function requirementOf(level: LevelDefinition): string {
  if (level.minOnTimeLoans === 0) return 'Для всех клиентов';
  return `${level.minOnTimeLoans} ${loansWord(level.minOnTimeLoans)} погашено без просрочки`;
}

const byMinLoans = (onTime: number) => [...LEVELS].reverse().find((l) => onTime >= l.minOnTimeLoans)!;
const rank = (code: LoyaltyLevelCode) => LEVELS.findIndex((l) => l.code === code);

const wholeNonNegative = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);

/** The level for a history (see the rules at the top of this file). */
export function loyaltyLevel(input: LoyaltyHistory): LoyaltyLevel {
  const history: LoyaltyHistory = {
    loansRepaid: wholeNonNegative(input.loansRepaid),
    repaidOnTime: Math.min(wholeNonNegative(input.repaidOnTime), wholeNonNegative(input.loansRepaid)),
    maxOverdueDays: wholeNonNegative(input.maxOverdueDays),
    totalOverdueDays: wholeNonNegative(input.totalOverdueDays),
    openOverdueDays: wholeNonNegative(input.openOverdueDays),
  };
  const earned = byMinLoans(history.repaidOnTime);
  // The highest level the overdue record allows, and why.
  let cap: LoyaltyLevelCode = 'platinum';
  let restriction: string | null = null;
  if (history.openOverdueDays > 0) {
    cap = 'start';
    restriction = 'Есть просроченный заём: преимущества уровня вернутся, когда он будет погашен.';
  } else if (history.maxOverdueDays > SERIOUS_OVERDUE_DAYS || history.totalOverdueDays > TOTAL_OVERDUE_DAYS_LIMIT) {
    cap = 'start';
    restriction = `Была просрочка больше ${SERIOUS_OVERDUE_DAYS} дней: персональные скидки недоступны.`;
  } else if (history.maxOverdueDays > GRACE_OVERDUE_DAYS) {
    cap = 'silver';
    restriction = `Была просрочка больше ${GRACE_OVERDUE_DAYS} дней: уровень — не выше «Серебра».`;
  }
  const level = rank(earned.code) > rank(cap) ? levelDefinition(cap) : earned;

  const following = LEVELS[rank(level.code) + 1];
  let next: LoyaltyLevel['next'] = null;
  if (following && rank(following.code) <= rank(cap)) {
    const loansToGo = Math.max(1, following.minOnTimeLoans - history.repaidOnTime);
    next = {
      code: following.code,
      name: following.name,
      loansToGo,
      text: `Ещё ${loansToGo} ${loansWord(loansToGo)} без просрочки до уровня «${following.name}»`,
    };
  }
  return { ...level, benefits: benefitsOf(level), requirement: requirementOf(level), restriction, next, history };
}
