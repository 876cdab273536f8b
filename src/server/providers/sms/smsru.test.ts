import { describe, expect, it } from 'vitest';
import { itHandlesBadTransport, replyJson, useFakeHttpServer } from '../../testing/fake-http-server';
import { SmsDeliveryError, type SmsMessage } from './port';
import { createSmsRuProvider, SMSRU_MAX_RESPONSE_BYTES } from './smsru';

// No long digit runs, so the redaction of the api_id itself is what the tests observe.
const API_ID = 'A1B2C3D4-SECRET-API-ID';
const PHONE = '+79123456789';
const DIGITS = '79123456789';
const MASKED = '+7******6789';
const TEXT = 'Your CarCapital code: 424242';
const MESSAGE: SmsMessage = { to: PHONE, text: TEXT, idempotencyKey: 'outbox-0001' };

function okReply(smsId = '000000-10000000'): unknown {
  return {
    status: 'OK',
    status_code: 100,
    sms: { [DIGITS]: { status: 'OK', status_code: 100, sms_id: smsId } },
    balance: 4122.56,
  };
}

// A fake SMS.ru on 127.0.0.1: records requests; a test may answer otherwise than this OK reply.
const server = useFakeHttpServer({ handler: (_req, res) => replyJson(res, okReply()) });
const { requests } = server;

function provider(extra: Partial<Parameters<typeof createSmsRuProvider>[0]> = {}) {
  return createSmsRuProvider({ apiId: API_ID, baseUrl: server.origin, ...extra });
}

/** Asserts an SmsDeliveryError with the given retryability that leaks no secret or full phone. */
async function expectDeliveryError(promise: Promise<unknown>, retryable: boolean): Promise<SmsDeliveryError> {
  const error: unknown = await promise.then(
    () => {
      throw new Error('expected send to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SmsDeliveryError);
  const deliveryError = error as SmsDeliveryError;
  expect(deliveryError.retryable).toBe(retryable);
  for (const secret of [API_ID, DIGITS, PHONE, TEXT, '424242']) {
    expect(deliveryError.message).not.toContain(secret);
    expect(String(deliveryError.stack)).not.toContain(secret);
  }
  return deliveryError;
}

describe('createSmsRuProvider', () => {
  it('sends the documented request: POST /sms/send, form body, api_id only in the body', async () => {
    const result = await provider().send(MESSAGE);
    expect(result).toEqual({ providerMessageId: '000000-10000000' });

    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.method).toBe('POST');
    const url = new URL(request.url, server.origin);
    expect(url.pathname).toBe('/sms/send');
    expect(url.search).toBe('');
    expect(request.url).not.toContain(API_ID);
    expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded\b/);

    const form = new URLSearchParams(request.body);
    expect([...form.keys()].sort()).toEqual(['api_id', 'json', 'msg', 'to']);
    expect(form.get('api_id')).toBe(API_ID);
    expect(form.get('to')).toBe(DIGITS);
    expect(form.get('msg')).toBe(TEXT);
    expect(form.get('json')).toBe('1');
  });

  it('sends from and test=1 when configured, and UTF-8 text intact', async () => {
    const text = 'Код: 1234 — CarCapital & co';
    await provider({ from: 'CarCapital', test: true }).send({ ...MESSAGE, text });
    const form = new URLSearchParams(requests[0]!.body);
    expect([...form.keys()].sort()).toEqual(['api_id', 'from', 'json', 'msg', 'test', 'to']);
    expect(form.get('from')).toBe('CarCapital');
    expect(form.get('test')).toBe('1');
    expect(form.get('msg')).toBe(text);
  });

  it('keeps a base path prefix and tolerates a trailing slash', async () => {
    await provider({ baseUrl: `${server.origin}/proxy/` }).send(MESSAGE);
    expect(new URL(requests[0]!.url, server.origin).pathname).toBe('/proxy/sms/send');
  });

  it('maps a per-number OK to providerMessageId and exposes the provider name', async () => {
    server.override = (_req, res) => replyJson(res, okReply('201910-1000001'));
    const sms = provider();
    expect(sms.name).toBe('smsru');
    await expect(sms.send(MESSAGE)).resolves.toEqual({ providerMessageId: '201910-1000001' });
  });

  it('uses fetchImpl when given', async () => {
    const calls: string[] = [];
    const fetchImpl: typeof fetch = async (input, init) => {
      calls.push(String(input));
      return fetch(input, init);
    };
    await provider({ fetchImpl }).send(MESSAGE);
    expect(calls).toEqual([`${server.origin}/sms/send`]);
  });

  it('maps a per-number error to a non-retryable error with a masked phone and redacted vendor text', async () => {
    server.override = (_req, res) =>
      replyJson(res, {
        status: 'OK',
        status_code: 100,
        sms: {
          [DIGITS]: {
            status: 'ERROR',
            status_code: 207,
            // A hostile or chatty vendor text must not leak the request back into our logs.
            status_text: `No route to ${DIGITS} (+7 912 345-67-89) for ${API_ID}: ${TEXT}`,
          },
        },
        balance: 4122.56,
      });
    const error = await expectDeliveryError(provider().send(MESSAGE), false);
    expect(error.message).toContain('207');
    expect(error.message).toContain(MASKED);
    expect(error.message).not.toContain('912 345');
  });

  it('maps a per-number throttling code (231) to a retryable error', async () => {
    server.override = (_req, res) =>
      replyJson(res, {
        status: 'OK',
        status_code: 100,
        sms: { [DIGITS]: { status: 'ERROR', status_code: 231, status_text: 'limit' } },
      });
    const error = await expectDeliveryError(provider().send(MESSAGE), true);
    expect(error.message).toContain('231');
  });

  it.each([
    [200, false],
    [201, false],
    [202, false],
    [203, false],
    [204, false],
    [207, false],
    [206, true],
    [220, true],
    [230, true],
    [500, true],
    [999, false],
  ])('maps top-level status_code %i to retryable=%s', async (code, retryable) => {
    server.override = (_req, res) => replyJson(res, { status: 'ERROR', status_code: code, status_text: `error for ${API_ID}` });
    const error = await expectDeliveryError(provider().send(MESSAGE), retryable);
    expect(error.message).toContain(String(code));
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [408, true],
    [404, false],
    [401, false],
    [302, false],
  ])('maps HTTP %i to retryable=%s without following redirects', async (status, retryable) => {
    server.override = (_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html', location: `${server.origin}/elsewhere` });
      res.end(`<html>${status}</html>`);
    };
    const error = await expectDeliveryError(provider().send(MESSAGE), retryable);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(requests).toHaveLength(1);
  });

  itHandlesBadTransport({
    server,
    call: ({ origin, timeoutMs } = {}) =>
      provider({ ...(origin === undefined ? {} : { baseUrl: origin }), ...(timeoutMs === undefined ? {} : { timeoutMs }) }).send(MESSAGE),
    failsRetryably: (promise) => expectDeliveryError(promise, true),
    okBody: () => okReply(),
    timeoutMessage: /timed out/,
    maxResponseBytes: SMSRU_MAX_RESPONSE_BYTES,
    atLimit: [
      'accepts a reply just under the size limit',
      (promise) => expect(promise).resolves.toEqual({ providerMessageId: '000000-10000000' }),
    ],
  });

  it('maps invalid JSON to a retryable invalid-response error', async () => {
    server.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>Bad Gateway</html>');
    };
    const error = await expectDeliveryError(provider().send(MESSAGE), true);
    expect(error.message).toMatch(/invalid response/);
  });

  it.each([
    ['an array', []],
    ['a missing status_code', { status: 'OK', sms: {} }],
    ['an unknown status', { status: 'MAYBE', status_code: 100, sms: {} }],
    ['no entry for the recipient', { status: 'OK', status_code: 100, sms: {} }],
    ['an OK entry without sms_id', { status: 'OK', status_code: 100, sms: { [DIGITS]: { status: 'OK', status_code: 100 } } }],
    ['a numeric sms_id', { status: 'OK', status_code: 100, sms: { [DIGITS]: { status: 'OK', status_code: 100, sms_id: 42 } } }],
    ['a string status_code', { status: 'ERROR', status_code: '200' }],
  ])('maps a reply with %s to a retryable invalid-response error', async (_label, payload) => {
    server.override = (_req, res) => replyJson(res, payload);
    const error = await expectDeliveryError(provider().send(MESSAGE), true);
    expect(error.message).toMatch(/invalid response/);
  });

  it('refuses a recipient that is not E.164 without calling SMS.ru or echoing it', async () => {
    const error = await expectDeliveryError(provider().send({ ...MESSAGE, to: DIGITS }), false);
    expect(error.message).toMatch(/E\.164/);
    expect(requests).toHaveLength(0);
  });

  it('validates its configuration', () => {
    expect(() => createSmsRuProvider({ apiId: '' })).toThrow(/apiId/);
    expect(() => createSmsRuProvider({ apiId: API_ID, baseUrl: 'ftp://sms.ru' })).toThrow(/http/);
    expect(() => createSmsRuProvider({ apiId: API_ID, baseUrl: 'https://sms.ru/?api_id=x' })).toThrow(/query/);
    expect(() => createSmsRuProvider({ apiId: API_ID, timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

});
