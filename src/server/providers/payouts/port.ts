/**
 * Payouts: sending the loan to the borrower — to a card, to their bank account by СБП, to an
 * e-wallet, or in cash through Золотая Корона. `payout` is idempotent by `idempotencyKey` (the loan
 * id): asked twice — after a crash, a retry, a parallel run — the provider pays once and answers the
 * same. Adapters throw ProviderError when the answer is unknown (timeout, 5xx), so the caller retries
 * with the same key.
 *
 * Before a payout the destination is checked to be the borrower's own (DOMAIN.md R13): СБП by the
 * bank's name lookup; a card by a hold of a random amount the borrower confirms (ownership) plus the
 * issuer's answer whether the card is in the borrower's name (a hold alone does not reveal it); a
 * wallet by the wallet operator's test request. A provider lists the methods it can check and pay.
 */
export type PayoutType = 'card' | 'sbp' | 'wallet' | 'cash';

export type SbpBank = { id: string; name: string };

export type PersonName = { lastName: string; firstName: string; middleName?: string | undefined };

export type PayoutRequest = {
  idempotencyKey: string;
  type: PayoutType;
  amountKopecks: number;
  recipient: { phone: string; fullName: string; name: PersonName };
  /** For СБП: the bank chosen by the borrower. */
  bankId?: string;
  /** For a card: the acquirer's token of the confirmed card (we never hold the number). */
  cardToken?: string;
  /** For an e-wallet: the wallet number. */
  walletNumber?: string;
};

export type PayoutResult = {
  providerPayoutId: string;
  status: 'succeeded' | 'failed';
  /** Cash: the transfer code the borrower shows with a passport at any Золотая Корона point. */
  cashCode?: string;
  failureReason?: string;
};

/** A card entered on the acquirer's page, as the acquirer reports it. */
export type CardBinding =
  | { status: 'pending' }
  | { status: 'held'; maskedPan: string; attemptsLeft: number }
  | { status: 'confirmed'; maskedPan: string; cardToken: string }
  | { status: 'declined' | 'locked' };

export type HoldConfirmation =
  | { status: 'confirmed'; maskedPan: string; cardToken: string }
  | { status: 'wrong_amount'; attemptsLeft: number }
  | { status: 'not_held' | 'locked' };

export type CardPayouts = {
  /** Opens the acquirer's hosted page where the borrower enters the card; `reference` is ours, unique. */
  startBinding: (request: { reference: string; returnUrl: string }) => Promise<{ bindingId: string; hostedPageUrl: string }>;
  binding: (bindingId: string) => Promise<CardBinding>;
  /** The borrower's answer to "how much was held on your card?"; the acquirer releases the hold. */
  confirmHold: (bindingId: string, amountKopecks: number) => Promise<HoldConfirmation>;
  /** The issuer's answer: is this card in this person's name? */
  holderMatches: (cardToken: string, name: PersonName) => Promise<boolean>;
};

export type WalletCheck = { status: 'confirmed' | 'not_found' | 'not_identified' | 'other_owner' };

export type WalletPayouts = {
  /** The wallet operator's test request: does this wallet exist, is it identified, is it this person's? */
  check: (walletNumber: string, owner: { name: PersonName; phone: string }) => Promise<WalletCheck>;
};

export type PayoutProvider = {
  readonly name: string;
  /** The methods this provider can both check and pay; the others are refused before signing. */
  readonly types: readonly PayoutType[];
  sbpBanks: () => Promise<SbpBank[]>;
  /**
   * How the СБП holder is checked (R13): 'lookup' — `sbpRecipientName` answers before signing;
   * 'at_payout' — the provider checks the name it is given with the payout and refuses it
   * (a failed PayoutResult, reason `recipient_check_failed`) when the holder is someone else.
   */
  readonly sbpRecipientCheck: 'lookup' | 'at_payout';
  /** The account holder's name as the bank reports it for this phone (СБП lookup). */
  sbpRecipientName: (phone: string, bankId: string) => Promise<string>;
  cards?: CardPayouts;
  wallets?: WalletPayouts;
  payout: (request: PayoutRequest) => Promise<PayoutResult>;
};
