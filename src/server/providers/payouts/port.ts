/**
 * Payouts: sending the loan to the borrower (СБП to their bank by phone, or cash through Золотая
 * Корона). `payout` is idempotent by `idempotencyKey` (the loan id): asked twice — after a crash, a
 * retry, a parallel run — the provider pays once and answers the same. Adapters throw ProviderError
 * when the answer is unknown (timeout, 5xx), so the caller retries with the same key.
 */
export type PayoutType = 'sbp' | 'cash';

export type SbpBank = { id: string; name: string };

export type PayoutRequest = {
  idempotencyKey: string;
  type: PayoutType;
  amountKopecks: number;
  recipient: { phone: string; fullName: string };
  /** For СБП: the bank chosen by the borrower. */
  bankId?: string;
};

export type PayoutResult = {
  providerPayoutId: string;
  status: 'succeeded' | 'failed';
  /** Cash: the transfer code the borrower shows with a passport at any Золотая Корона point. */
  cashCode?: string;
  failureReason?: string;
};

export type PayoutProvider = {
  readonly name: string;
  sbpBanks: () => Promise<SbpBank[]>;
  /** The account holder's name as the bank reports it for this phone (СБП lookup). */
  sbpRecipientName: (phone: string, bankId: string) => Promise<string>;
  payout: (request: PayoutRequest) => Promise<PayoutResult>;
};
