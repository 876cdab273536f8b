/**
 * The email port. Every adapter (sandbox, SMTP) implements it; the job that delivers an outbox
 * message calls `send` at least once, so adapters pass `idempotencyKey` on (as the Message-ID)
 * and the sandbox deduplicates by it.
 */
export type EmailMessage = {
  to: string;
  subject: string;
  /** Plain text body. */
  text: string;
  /** Stable id of the outbox message; the same value on every retry. */
  idempotencyKey: string;
};

export type EmailSendResult = {
  /** The provider's id of the accepted message (the SMTP Message-ID, the sandbox row id). */
  providerMessageId: string;
};

/** A failure the job queue should retry (connection, 4xx, timeout) versus one it should not (5xx refusal). */
export class EmailDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'EmailDeliveryError';
  }
}

export type EmailProvider = {
  readonly name: string;
  send: (message: EmailMessage) => Promise<EmailSendResult>;
};
