import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmailDeliveryError } from './port';
import { classifySmtpError, createSmtpEmailProvider, type SmtpProviderOptions } from './smtp';

/**
 * The SMTP adapter against a fake mail server on loopback (smtp-server): what arrives, with which
 * envelope and login, and how each kind of failure maps to retryable or not.
 */

type Received = { from: string; to: string[]; user: string | undefined; raw: string };

const USER = 'carcapital';
const PASS = 'relay-password';
let received: Received[] = [];
/** The reply the fake gives to RCPT TO for the next message (null: accept). */
let rcptRefusal: { code: number; message: string } | null = null;
let server: SMTPServer;
let port = 0;

beforeAll(async () => {
  server = new SMTPServer({
    // No TLS on loopback: allow AUTH in clear here only; production insists on STARTTLS (requireTls).
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASS) return callback(null, { user: auth.username });
      const error = Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 });
      return callback(error);
    },
    onRcptTo(_address, _session, callback) {
      if (rcptRefusal) return callback(Object.assign(new Error(rcptRefusal.message), { responseCode: rcptRefusal.code }));
      return callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  rcptRefusal = null;
});

const options = (overrides: Partial<SmtpProviderOptions> = {}): SmtpProviderOptions => ({
  host: '127.0.0.1',
  port,
  secure: false,
  requireTls: false,
  auth: { user: USER, pass: PASS },
  from: 'CarCapital <no-reply@carcapital.ru>',
  timeoutMs: 2_000,
  ...overrides,
});

const message = {
  to: 'maria@example.ru',
  subject: 'Подтвердите адрес электронной почты',
  text: 'Здравствуйте!\nОткройте ссылку: https://lk.carcapital.ru/email/confirm?token=abc',
  idempotencyKey: '3f1c9a52-5a8e-4c47-9d7e-0a1b2c3d4e5f',
};

/** The headers (unfolded) and the decoded text body of a single-part message. */
function parse(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoded = raw.slice(split + 4);
  const encoding = headers['content-transfer-encoding']?.toLowerCase();
  const body =
    encoding === 'base64'
      ? Buffer.from(encoded, 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? Buffer.from(
            encoded
              .replace(/=\r\n/g, '')
              .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8')
        : encoded;
  return { headers, body: body.replace(/\r\n/g, '\n').replace(/\n$/, '') };
}

/** RFC 2047 encoded words (`=?UTF-8?B?...?=` / `?Q?`), as a mail reader shows them. */
function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_m, kind: string, data: string) =>
    kind.toLowerCase() === 'b'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  );
}

async function failureOf(promise: Promise<unknown>): Promise<EmailDeliveryError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmailDeliveryError);
  return error as EmailDeliveryError;
}

describe('SMTP email adapter', () => {
  it('delivers with the right envelope, headers and body, logged in, the outbox id as Message-ID', async () => {
    const provider = createSmtpEmailProvider(options());
    const result = await provider.send(message);

    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail!.user).toBe(USER);
    expect(mail!.from).toBe('no-reply@carcapital.ru');
    expect(mail!.to).toEqual(['maria@example.ru']);
    const { headers, body } = parse(mail!.raw);
    expect(decodeWords(headers.from!)).toBe('CarCapital <no-reply@carcapital.ru>');
    expect(headers.to).toBe('maria@example.ru');
    expect(decodeWords(headers.subject!)).toBe(message.subject);
    expect(headers['content-type']).toMatch(/^text\/plain; charset=utf-8/i);
    expect(body).toBe(message.text);
    expect(headers['message-id']).toBe(`<${message.idempotencyKey}@carcapital.ru>`);
    expect(result.providerMessageId).toBe(`<${message.idempotencyKey}@carcapital.ru>`);
  });

  it('a wrong password (535) is a definitive failure, and nothing is sent', async () => {
    const error = await failureOf(createSmtpEmailProvider(options({ auth: { user: USER, pass: 'wrong' } })).send(message));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/535/);
    expect(error.message).not.toContain('wrong');
    expect(received).toHaveLength(0);
  });

  it('a 5xx refusal of the recipient is definitive; a 4xx one (greylisting) is retried', async () => {
    rcptRefusal = { code: 550, message: 'Mailbox unavailable' };
    const refused = await failureOf(createSmtpEmailProvider(options()).send(message));
    expect(refused.retryable).toBe(false);
    expect(refused.message).toMatch(/550/);

    rcptRefusal = { code: 451, message: 'Greylisted, try again later' };
    const deferred = await failureOf(createSmtpEmailProvider(options()).send(message));
    expect(deferred.retryable).toBe(true);
    expect(received).toHaveLength(0);
  });

  it('a refused connection is retryable', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failureOf(createSmtpEmailProvider(options({ port: freePort })).send(message));
    expect(error.retryable).toBe(true);
  });

  it('a server that never greets times out, retryably', async () => {
    const silent: TcpServer = createTcpServer(() => {
      /* accepts and says nothing */
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const provider = createSmtpEmailProvider(options({ port: (silent.address() as AddressInfo).port, timeoutMs: 200 }));
      const error = await failureOf(provider.send(message));
      expect(error.retryable).toBe(true);
    } finally {
      silent.close();
    }
  });

  it('with requireTls, a server without STARTTLS gets neither the password nor the message (definitively)', async () => {
    const error = await failureOf(createSmtpEmailProvider(options({ requireTls: true })).send(message));
    // The relay answered STARTTLS with 500: it cannot do TLS, and asking again will not change that.
    expect(error.message).toMatch(/ETLS 500/);
    expect(error.retryable).toBe(false);
    expect(received).toHaveLength(0);
  });

  it('classifies by reply code first, then by what failed', () => {
    const smtp = (code: string, responseCode?: number) => Object.assign(new Error('x'), { code, ...(responseCode ? { responseCode } : {}) });
    expect(classifySmtpError(smtp('EENVELOPE', 553)).retryable).toBe(false);
    expect(classifySmtpError(smtp('EMESSAGE', 552)).retryable).toBe(false);
    expect(classifySmtpError(smtp('EPROTOCOL', 503)).retryable).toBe(true);
    expect(classifySmtpError(smtp('EENVELOPE', 421)).retryable).toBe(true);
    expect(classifySmtpError(smtp('ECONNECTION')).retryable).toBe(true);
    expect(classifySmtpError(smtp('ETIMEDOUT')).retryable).toBe(true);
    expect(classifySmtpError(smtp('EDNS')).retryable).toBe(true);
    expect(classifySmtpError(smtp('ECONFIG')).retryable).toBe(false);
    expect(classifySmtpError(smtp('EENVELOPE')).retryable).toBe(false);
  });
});
