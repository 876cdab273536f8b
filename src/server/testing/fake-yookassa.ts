import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect, it } from 'vitest';
import { ProviderError } from '../providers/errors';
import {
  itHandlesBadTransport,
  replyJson,
  useFakeHttpServer,
  type BadTransportCases,
  type FakeHandler,
  type FakeHttpServer,
  type RecordedRequest,
} from './fake-http-server';

/**
 * Test helper: what the fake YooKassa (API v3) of the payouts and the acquiring adapter tests have
 * in common. Each test file keeps its own fake of the endpoints it uses (payouts and personal data,
 * payments).
 *
 * `itAppliesYooKassaHttpRules` registers the cases of the HTTP rules both adapters share
 * (../providers/yookassa-common.ts) for one adapter call that creates something (a POST with an
 * Idempotence-Key): the transport cases of itHandlesBadTransport, then the mapping of statuses,
 * credentials, redirects and unreadable bodies.
 */

/** YooKassa's error body: `{ type: "error", id, code, description, parameter? }`. */
export function replyError(res: ServerResponse, status: number, code: string, description: string, parameter?: string): void {
  replyJson(res, { type: 'error', id: randomUUID(), code, description, ...(parameter ? { parameter } : {}) }, status);
}

/** What a fake YooKassa holds: the objects created, by Idempotence-Key and by id. */
export type IdempotentStore<T extends { id: string }> = {
  byKey: Map<string, T>;
  byId: Map<string, T>;
  /** How many objects were created (one key never creates two). */
  created: number;
  /** The next N POSTs create (or find) the object, then answer 500: the answer is lost. */
  failPostsAfterStore: number;
};

export function emptyStore<T extends { id: string }>(): IdempotentStore<T> {
  return { byKey: new Map(), byId: new Map(), created: 0, failPostsAfterStore: 0 };
}

/**
 * A creating POST as YooKassa answers it: 400 without an Idempotence-Key, 415 unless the body is
 * JSON; a known key gets the object it already holds, a new key stores what `create` makes of the
 * body (a string instead: a 400 with that description, nothing stored).
 */
export function replyCreated<T extends { id: string }>(
  store: IdempotentStore<T>,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  create: (body: string) => T | string,
): void {
  const key = req.headers['idempotence-key'];
  if (typeof key !== 'string' || key.length === 0) return replyError(res, 400, 'invalid_request', 'Idempotence-Key is missing');
  if (req.headers['content-type'] !== 'application/json') return replyError(res, 415, 'invalid_request', 'bad content type');
  let object = store.byKey.get(key);
  if (!object) {
    const created = create(body);
    if (typeof created === 'string') return replyError(res, 400, 'invalid_request', created);
    object = created;
    store.byKey.set(key, object);
    store.byId.set(object.id, object);
    store.created += 1;
  }
  if (store.failPostsAfterStore > 0) {
    store.failPostsAfterStore -= 1;
    return replyError(res, 500, 'internal_server_error', 'Internal server error');
  }
  replyJson(res, object);
}

/**
 * A fake YooKassa on 127.0.0.1 (see useFakeHttpServer) that checks Basic auth before any handler:
 * another Authorization header gets a hostile 401 that echoes the credentials it received.
 */
export function useFakeYooKassa(authorization: string, handler: FakeHandler): FakeHttpServer {
  return useFakeHttpServer({
    handler,
    guard: (req, res) => {
      if (req.headers.authorization === authorization) return false;
      // A hostile 401 that echoes the credentials it received: the adapter must not repeat them.
      replyError(res, 401, 'invalid_credentials', `Authentication failed for ${req.headers.authorization ?? ''}`);
      return true;
    },
  });
}

/**
 * Asserts that `promise` rejects with an `errorClass` (a ProviderError of provider "yookassa") of the
 * given retryability whose message, string form and JSON contain none of `secrets`.
 */
export async function expectYooKassaError<E extends ProviderError>(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => E,
  retryable: boolean,
  secrets: readonly string[],
): Promise<E> {
  const error: unknown = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(errorClass);
  expect(error).toBeInstanceOf(ProviderError);
  const yooError = error as E;
  expect(yooError.provider).toBe('yookassa');
  expect(yooError.retryable).toBe(retryable);
  for (const secret of secrets) {
    expect(yooError.message).not.toContain(secret);
    expect(String(yooError)).not.toContain(secret);
    expect(JSON.stringify(yooError)).not.toContain(secret);
  }
  return yooError;
}

/**
 * Asserts that the fake saw exactly one request, a creating POST to `url` as YooKassa documents it
 * (see expectYooKassaPost). Returns it.
 */
export function expectOneYooKassaPost(
  requests: readonly RecordedRequest[],
  url: string,
  authorization: string,
  key: string,
): RecordedRequest | undefined {
  expect(requests).toHaveLength(1);
  return expectYooKassaPost(requests[0], url, authorization, key);
}

/**
 * Asserts that `request` is a creating POST to `url` as YooKassa documents it: Basic auth, JSON both
 * ways, the key as `Idempotence-Key` (never `Idempotency-Key`). Returns it.
 */
export function expectYooKassaPost(
  request: RecordedRequest | undefined,
  url: string,
  authorization: string,
  key: string,
): RecordedRequest | undefined {
  expect(request?.method).toBe('POST');
  expect(request?.url).toBe(url);
  expect(request?.headers.authorization).toBe(authorization);
  expect(request?.headers['idempotence-key']).toBe(key);
  expect(request?.headers['idempotency-key']).toBeUndefined();
  expect(request?.headers['content-type']).toBe('application/json');
  expect(request?.headers.accept).toBe('application/json');
  return request;
}

export type YooKassaHttpCases = Pick<BadTransportCases, 'server' | 'okBody' | 'maxResponseBytes' | 'atLimit'> & {
  /** The Basic auth user name the adapter under test is configured with. */
  user: string;
  /** The adapter call under test (a POST), with some of its options changed. */
  call: (options?: { baseUrl?: string; timeoutMs?: number; secretKey?: string }) => Promise<unknown>;
  /** The test file's assertion of the adapter's error (see expectYooKassaError); returns it. */
  expectError: (promise: Promise<unknown>, retryable: boolean, extraSecrets?: string[]) => Promise<ProviderError>;
  /** 4xx statuses that must be refusals (not retryable). */
  refusals: readonly number[];
  /** A 200 body that is not UTF-8. */
  notUtf8Body: Buffer;
};

/** The shared HTTP rules as one adapter call sees them, registered (`it`) in the caller's describe. */
export function itAppliesYooKassaHttpRules(cases: YooKassaHttpCases): void {
  const { server, user, call, expectError, refusals, notUtf8Body } = cases;

  itHandlesBadTransport({
    ...cases,
    call: ({ origin, timeoutMs } = {}) =>
      call({ ...(origin === undefined ? {} : { baseUrl: `${origin}/v3` }), ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
    failsRetryably: (promise) => expectError(promise, true),
    timeoutMessage: /no answer within 200 ms/,
  });

  it.each(refusals)('maps HTTP %i on the POST to non-retryable', async (status) => {
    server.override = (_req, res) => replyError(res, status, 'forbidden', 'nope');
    const error = await expectError(call(), false);
    expect(error.message).toContain(`HTTP ${status}`);
  });

  it('maps bad credentials (401) to non-retryable and never repeats the Authorization header', async () => {
    const wrongSecret = 'wrong_Secret-Value-12345';
    const wrongBasic = `Basic ${Buffer.from(`${user}:${wrongSecret}`).toString('base64')}`;
    const error = await expectError(call({ secretKey: wrongSecret }), false, [wrongSecret, wrongBasic, wrongBasic.slice('Basic '.length)]);
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain('invalid_credentials');
  });

  it.each([202, 408, 429, 500, 502, 503, 504])('maps HTTP %i to retryable (same key)', async (status) => {
    server.override = (_req, res) => replyJson(res, { type: 'error', code: 'internal_server_error', retry_after: 1800 }, status);
    const error = await expectError(call(), true);
    expect(error.message).toContain(`HTTP ${status}`);
  });

  it('does not follow redirects and treats a 3xx as a non-retryable misconfiguration', async () => {
    server.override = (_req, res) => {
      res.writeHead(302, { location: `${server.origin}/elsewhere` });
      res.end();
    };
    const error = await expectError(call(), false);
    expect(error.message).toContain('HTTP 302');
    expect(server.requests).toHaveLength(1);
  });

  it('maps a body that is not JSON to a retryable invalid response', async () => {
    server.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    };
    const error = await expectError(call(), true);
    expect(error.message).toMatch(/invalid response \(not JSON\)/);
  });

  it('maps a body that is not UTF-8 to a retryable invalid response', async () => {
    server.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(notUtf8Body);
    };
    const error = await expectError(call(), true);
    expect(error.message).toMatch(/UTF-8/);
  });
}
