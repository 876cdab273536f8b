import { createTransport } from 'nodemailer';
import { EmailDeliveryError, type EmailMessage, type EmailProvider, type EmailSendResult } from './port';

/**
 * SMTP adapter (nodemailer) for a mail relay: the company's own or a hosted one (Yandex 360,
 * Unisender Go, Mail.ru for business all speak SMTP submission on 587/STARTTLS or 465/TLS).
 *
 * One `send` = one SMTP transaction on a fresh connection (few messages: no pool to keep warm).
 * The outbox id goes out as the Message-ID (`<id@from-domain>`), so a message repeated after an
 * ambiguous failure carries the same id and mail systems that deduplicate by it can do so.
 *
 * Mapping of outcomes to EmailDeliveryError.retryable:
 *
 * | Outcome                                                          | retryable |
 * |------------------------------------------------------------------|-----------|
 * | 5xx reply (mailbox unknown, relaying denied, 535 bad login)      | false     |
 * | 503 bad sequence of commands (a session glitch, not a refusal)   | true      |
 * | 4xx reply (greylisting, mailbox busy, 421 service closing)       | true      |
 * | connection refused or reset, DNS, timeout, TLS handshake failed  | true      |
 * | STARTTLS refused (5xx) while `requireTls`: the relay cannot do TLS | false     |
 * | our configuration or the message itself is wrong (no reply code) | false     |
 *
 * Privacy: error texts carry the server's reply and nodemailer's code, never the message text;
 * the password is only ever sent inside the SMTP AUTH exchange.
 */

export type SmtpProviderOptions = {
  host: string;
  port: number;
  /** TLS from the first byte (465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to go on unless STARTTLS upgraded the connection (no credentials or mail in clear). */
  requireTls: boolean;
  auth?: { user: string; pass: string } | undefined;
  /** `"CarCapital" <no-reply@carcapital.ru>` or a bare address. */
  from: string;
  /** Connect, greeting and per-command deadlines. */
  timeoutMs?: number;
  /** Extra TLS options (tests trust their own certificate). */
  tls?: { rejectUnauthorized?: boolean; ca?: string | Buffer };
};

/** Failures that say our setup or the message is wrong: sending the same again cannot help. */
const CONFIGURATION_CODES = new Set(['ECONFIG', 'EENVELOPE', 'EMESSAGE', 'ENOAUTH', 'EOAUTH2', 'EFILEACCESS', 'EURLACCESS', 'EMAXRECIPIENTS', 'EOTP']);

type NodemailerError = Error & { code?: string; responseCode?: number };

export function classifySmtpError(error: unknown): EmailDeliveryError {
  const failure = (error instanceof Error ? error : new Error(String(error))) as NodemailerError;
  const code = failure.code ?? 'unknown';
  const reply = failure.responseCode;
  let retryable: boolean;
  if (typeof reply === 'number' && reply >= 400 && reply < 600) retryable = reply < 500 || reply === 503;
  else retryable = !CONFIGURATION_CODES.has(code);
  return new EmailDeliveryError(`smtp ${code}${reply ? ` ${reply}` : ''}: ${failure.message}`.slice(0, 500), retryable);
}

function domainOf(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1).trim() || 'localhost';
}

export function createSmtpEmailProvider(options: SmtpProviderOptions): EmailProvider {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const transport = createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    requireTLS: options.requireTls,
    ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs * 2,
    // The messages are plain text we compose: nothing may be read from disk or fetched by URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const messageDomain = domainOf(options.from);
  return {
    name: 'smtp',
    async send(message: EmailMessage): Promise<EmailSendResult> {
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          messageId: `<${message.idempotencyKey}@${messageDomain}>`,
        });
        return { providerMessageId: info.messageId };
      } catch (error) {
        throw classifySmtpError(error);
      }
    },
  };
}
