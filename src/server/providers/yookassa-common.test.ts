import { describe, expect, it } from 'vitest';
import { ProviderError } from './errors';
import { createYooKassaClient, isIdempotenceKey, isRetryableStatus } from './yookassa-common';

// The adapters' tests (payouts/yookassa.test.ts, acquiring/yookassa.test.ts) cover these rules
// through each adapter against a fake server; here only what is a choice of the caller.

const USER = 'user-505050';
const SECRET = 'live_TopSecretKey-DoNotLeak_XyZ';
const CREDENTIALS = Buffer.from(`${USER}:${SECRET}`).toString('base64');

class TestError extends ProviderError {
  constructor(message: string, retryable: boolean) {
    super('yookassa', message, { retryable });
  }
}

function client(options: { redactEncodedCredentials: boolean; description: string }) {
  const fetchImpl = (async () =>
    new Response(JSON.stringify({ type: 'error', code: 'invalid_request', description: options.description }), { status: 400 })) as typeof fetch;
  return createYooKassaClient({
    user: USER,
    userLabel: 'testId',
    secretKey: SECRET,
    fetchImpl,
    maxResponseBytes: 1024,
    redactEncodedCredentials: options.redactEncodedCredentials,
    error: (message, retryable) => new TestError(message, retryable),
  });
}

describe('createYooKassaClient', () => {
  it('builds errors with the caller’s constructor; retryable follows the status unless the caller says otherwise', async () => {
    const yookassa = client({ redactEncodedCredentials: false, description: 'nope' });
    const answer = await yookassa.exchange('call', 'POST', '/things', { json: {}, idempotenceKey: 'k-1' });
    expect(answer.status).toBe(400);
    const error = yookassa.httpError('call', answer);
    expect(error).toBeInstanceOf(TestError);
    expect(error.message).toBe('yookassa: call: HTTP 400 (invalid_request; nope)');
    expect(error.retryable).toBe(false);
    expect(yookassa.httpError('call', answer, true).retryable).toBe(true);
  });

  it('redacts the whole Authorization header always and the base64 credentials alone when asked', async () => {
    for (const redactEncodedCredentials of [false, true]) {
      const yookassa = client({ redactEncodedCredentials, description: `got Basic ${CREDENTIALS} for ${USER}` });
      const error = yookassa.httpError('call', await yookassa.exchange('call', 'GET', '/things'));
      expect(error.message).toContain('got [redacted] for [redacted]');
    }
    const yookassa = client({ redactEncodedCredentials: true, description: `got ${CREDENTIALS}` });
    const error = yookassa.httpError('call', await yookassa.exchange('call', 'GET', '/things'));
    expect(error.message).not.toContain(CREDENTIALS);
    expect(error.message).toContain('got [redacted]');
  });

  it('redacts the words the caller passes for one call, ignoring case and е/ё, longest first', async () => {
    const description = 'Recipient ИВАНОВ-ПЕТРОВ Семен (иванов, Семён) rejected; see ivanov';
    const yookassa = client({ redactEncodedCredentials: false, description });
    const answer = await yookassa.exchange('call', 'POST', '/things', { json: {}, idempotenceKey: 'k-1' });
    const error = yookassa.httpError('call', answer, undefined, ['Иванов', 'Иванов-Петров', 'Семён', 'Ivanov', 'a.*']);
    expect(error.message).toBe('yookassa: call: HTTP 400 (invalid_request; Recipient [redacted] [redacted] ([redacted], [redacted]) rejected; see [redacted])');
    expect(error.retryable).toBe(false);
    // Without words only the credentials and numbers are redacted; one-letter words are not hidden.
    expect(yookassa.httpError('call', answer).message).toContain('ИВАНОВ-ПЕТРОВ Семен');
    expect(yookassa.httpError('call', answer, undefined, ['R', 'e']).message).toContain('Recipient ИВАНОВ');
  });

  it('names the user option in its configuration errors', () => {
    const options = { userLabel: 'testId', secretKey: SECRET, maxResponseBytes: 1, redactEncodedCredentials: true };
    const error = (message: string, retryable: boolean) => new TestError(message, retryable);
    expect(() => createYooKassaClient({ ...options, user: 'a:b', error })).toThrow('YooKassa testId is required (printable ASCII, no colon)');
  });
});

describe('isRetryableStatus', () => {
  it.each([201, 202, 204, 408, 429, 500, 502, 503, 504])('%i is retryable', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });

  it.each([301, 302, 304, 400, 401, 403, 404, 405, 409, 415, 422])('%i is not', (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });
});

describe('isIdempotenceKey', () => {
  it.each(['k', 'k'.repeat(64), 'b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d', '!~'])('accepts %j', (key) => {
    expect(isIdempotenceKey(key)).toBe(true);
  });

  it.each(['', 'k'.repeat(65), 'a b', 'a\nb', 'ключ', 42, undefined])('refuses %j', (key) => {
    expect(isIdempotenceKey(key)).toBe(false);
  });
});
