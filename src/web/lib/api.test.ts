import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, GENERIC_ERROR_MESSAGE, NETWORK_ERROR_MESSAGE, api, fetchMe, historyExportUrl } from './api';

const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

const stubFetch = (response: Response | Error) => {
  const fetchMock = vi.fn(async () => {
    if (response instanceof Error) throw response;
    return response;
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
};

const caught = async (promise: Promise<unknown>): Promise<ApiError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('requests', () => {
  it('sends a mutation as same-origin JSON', async () => {
    const fetchMock = stubFetch(reply(200, { resendAfterSec: 60, expiresInSec: 300 }));
    await expect(api.requestOtp('+7 (912) 345-67-89')).resolves.toEqual({ resendAfterSec: 60, expiresInSec: 300 });
    expect(fetchMock).toHaveBeenCalledWith('/api/auth/otp', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ phone: '+7 (912) 345-67-89' }),
    });
  });

  it('sends {} when a mutation has nothing to send, and accepts an empty 204', async () => {
    const fetchMock = stubFetch(new Response(null, { status: 204 }));
    await expect(api.logout()).resolves.toBeUndefined();
    expect(fetchMock.mock.calls[0]).toMatchObject(['/api/auth/logout', { method: 'POST', body: '{}' }]);
  });

  it('saves the loan choice with a JSON PUT', async () => {
    const fetchMock = stubFetch(reply(200, { choice: { product: 'pdl', amount: 10000, term: 30, savedAt: 'x' }, quote: {} }));
    await api.saveLoanChoice({ product: 'pdl', amount: 10_000, term: 30 });
    expect(fetchMock).toHaveBeenCalledWith('/api/cabinet/loan-choice', {
      method: 'PUT',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ product: 'pdl', amount: 10_000, term: 30 }),
    });
  });

  it('asks for the pricing once per page, and again after a failure', async () => {
    stubFetch(new TypeError('Failed to fetch'));
    await expect(api.pricing()).rejects.toMatchObject({ code: 'network' });
    const fetchMock = stubFetch(reply(200, { today: '2026-11-25', products: [], rules: {}, pskRanges: {} }));
    await expect(api.pricing()).resolves.toMatchObject({ today: '2026-11-25' });
    await api.pricing();
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('starts a payment with its Idempotency-Key', async () => {
    const fetchMock = stubFetch(reply(201, { paymentId: 'p', status: 'pending', confirmationUrl: '/pay', amountKopecks: 300_000 }));
    await api.startPayment('loan-1', 'key-1', { amountKopecks: 300_000, method: 'card' });
    expect(fetchMock).toHaveBeenCalledWith('/api/loans/loan-1/payments', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'Idempotency-Key': 'key-1' },
      body: JSON.stringify({ amountKopecks: 300_000, method: 'card' }),
    });
  });

  it('asks for the history with only the filters that are set, and links the downloads the same way', async () => {
    const fetchMock = stubFetch(reply(200, { items: [], nextCursor: null }));
    await api.history({ type: 'payment', from: undefined, to: '2026-11-30', cursor: 'abc' });
    expect(fetchMock).toHaveBeenCalledWith('/api/history?type=payment&to=2026-11-30&cursor=abc', expect.anything());
    expect(historyExportUrl('csv', {})).toBe('/api/history.csv');
    expect(historyExportUrl('pdf', { from: '2026-11-01' })).toBe('/api/history.pdf?from=2026-11-01');
  });

  it('sends no body and no content type with a GET', async () => {
    const fetchMock = stubFetch(reply(200, []));
    await api.devSms('+79123456789');
    expect(fetchMock).toHaveBeenCalledWith('/api/dev/sms?phone=%2B79123456789', {
      method: 'GET',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
  });
});

describe('errors', () => {
  it('keeps the code, message, retry time and field messages of the error envelope', async () => {
    stubFetch(
      reply(429, {
        error: { code: 'too_many_requests', message: 'Слишком много попыток.', retryAfterSec: 42 },
        requestId: 'r-1',
      }),
    );
    const error = await caught(api.requestOtp('+79123456789'));
    expect(error).toMatchObject({
      status: 429,
      code: 'too_many_requests',
      message: 'Слишком много попыток.',
      retryAfterSec: 42,
      requestId: 'r-1',
    });

    stubFetch(reply(400, { error: { code: 'phone_invalid', message: 'Неверный номер.', fields: { phone: 'Только +79…' } } }));
    expect(await caught(api.requestOtp('123'))).toMatchObject({ code: 'phone_invalid', fields: { phone: 'Только +79…' } });
  });

  it('falls back to the Retry-After header', async () => {
    stubFetch(reply(429, { error: { code: 'too_many_requests', message: 'Подождите.' } }, { 'Retry-After': '30' }));
    expect((await caught(api.requestOtp('+79123456789'))).retryAfterSec).toBe(30);
  });

  it('shows a generic Russian message for a bare 5xx', async () => {
    stubFetch(reply(500, { error: 'internal', requestId: 'r-2' }));
    expect(await caught(api.me())).toMatchObject({ status: 500, code: 'internal', message: GENERIC_ERROR_MESSAGE, requestId: 'r-2' });

    stubFetch(new Response('<html>Bad gateway</html>', { status: 502 }));
    expect(await caught(api.me())).toMatchObject({ status: 502, code: 'internal', message: GENERIC_ERROR_MESSAGE });
  });

  it('turns a failed connection into a network error', async () => {
    stubFetch(new TypeError('Failed to fetch'));
    expect(await caught(api.me())).toMatchObject({ status: 0, code: 'network', message: NETWORK_ERROR_MESSAGE });
  });
});

describe('fetchMe', () => {
  it('gives null without a session and rethrows anything else', async () => {
    stubFetch(reply(401, { error: { code: 'unauthorized', message: 'Войдите.' } }));
    await expect(fetchMe()).resolves.toBeNull();

    stubFetch(reply(503, { error: { code: 'unavailable', message: 'Сервис недоступен.' } }));
    await expect(fetchMe()).rejects.toMatchObject({ code: 'unavailable' });
  });
});
