/**
 * Acquiring: taking the borrower's repayment by card (the acquirer's hosted page) or by СБП (QR or
 * link). We never see card data (SECURITY.md PAY-3). `createPayment` is idempotent by
 * `idempotencyKey` (our payment id): asked again after a timeout or a crash it returns the same
 * payment, never a second one (PAY-2). Adapters throw ProviderError when the answer is unknown.
 *
 * Notifications are only a hint: `verifyNotification` authenticates the raw request (signature,
 * timestamp or source address, per provider — PAY-5, PAY-6) and names the payment; the payment's
 * state is then always read back with `getPayment`, so a forged, replayed, stale or out-of-order
 * notification can never credit money that the acquirer does not report as paid.
 */

export type AcquiringMethod = 'card' | 'sbp';

export type AcquiringStatus = 'pending' | 'succeeded' | 'canceled';

export type AcquiringPayment = {
  providerPaymentId: string;
  status: AcquiringStatus;
  amountKopecks: number;
  /** When the acquirer took the money (succeeded only). */
  paidAt?: Date;
};

export type CreatePaymentRequest = {
  idempotencyKey: string;
  amountKopecks: number;
  /** Shown on the payment page and in the bank statement. */
  description: string;
  /** Where the payment page sends the borrower back. */
  returnUrl: string;
  method: AcquiringMethod;
};

export type NotificationRequest = { rawBody: Buffer; headers: Record<string, string | string[] | undefined>; ip: string };

export type VerifiedNotification = { eventId: string; providerPaymentId: string };

export type AcquiringProvider = {
  readonly name: string;
  createPayment: (request: CreatePaymentRequest) => Promise<AcquiringPayment & { confirmationUrl: string }>;
  getPayment: (providerPaymentId: string) => Promise<AcquiringPayment>;
  /** null: not from the acquirer (bad signature, stale or future timestamp, unknown source). */
  verifyNotification: (request: NotificationRequest) => VerifiedNotification | null;
  /** What the webhook answers to an accepted notification, in the acquirer's expected format. */
  readonly notificationReply: { contentType: string; body: string };
};
