import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { expect } from 'vitest';
import { ProviderError } from '../providers/errors';
import { replyJson, useFakeHttpServer, type FakeHandler, type FakeHttpServer } from './fake-http-server';

/**
 * Test helper: what the fake YooKassa (API v3) of the payouts and the acquiring adapter tests have
 * in common. Each test file keeps its own fake of the endpoints it uses (payouts, payments).
 */

/** YooKassa's error body: `{ type: "error", id, code, description, parameter? }`. */
export function replyError(res: ServerResponse, status: number, code: string, description: string, parameter?: string): void {
  replyJson(res, { type: 'error', id: randomUUID(), code, description, ...(parameter ? { parameter } : {}) }, status);
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
