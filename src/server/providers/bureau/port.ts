/**
 * A credit bureau (БКИ). Every qualified bureau is asked about a self-ban (самозапрет, by ИНН);
 * the credit report comes from the lender's primary bureau. Answers are validated by the adapter;
 * anything unusable is a ProviderError.
 */

export type BureauLoan = {
  /** What the borrower pays on it per month, whole rubles. */
  monthlyPaymentRubles: number;
  /** ПСК of that loan, %. */
  pskPercent: number;
  /** Days past due now (0 = on time). */
  overdueDays: number;
};

export type CreditReport = {
  /** False: the bureau has no history for this person ("thin file"). */
  hasHistory: boolean;
  activeLoans: BureauLoan[];
  bankruptcy: boolean;
  /** Worst delay in the last 12 months, days. */
  maxOverdueDaysLastYear: number;
};

export type BureauSubject = { inn: string; passportSeries: string; passportNumber: string; lastName: string; firstName: string; birthDate: string };

export type BureauProvider = {
  readonly name: string;
  selfBan: (inn: string) => Promise<{ banned: boolean }>;
  creditReport: (subject: BureauSubject) => Promise<CreditReport>;
};
