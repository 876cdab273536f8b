/**
 * The SMS gateway port. Every adapter (sandbox, SMS.ru, ...) implements it; the job that delivers
 * an outbox message calls `send` at least once, so adapters pass `idempotencyKey` on where the
 * vendor supports it and the caller deduplicates by it.
 */
export type SmsMessage = {
  /** E.164 Russian mobile, `+79XXXXXXXXX`. */
  to: string;
  text: string;
  /** Stable id of the outbox message; the same value on every retry. */
  idempotencyKey: string;
};

export type SmsSendResult = {
  /** The vendor's id of the accepted message. */
  providerMessageId: string;
};

/** A failure the job queue should retry (network, 5xx, throttling) versus one it should not. */
export class SmsDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SmsDeliveryError';
  }
}

export type SmsProvider = {
  readonly name: string;
  send: (message: SmsMessage) => Promise<SmsSendResult>;
};
