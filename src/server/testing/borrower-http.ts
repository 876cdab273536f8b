import { questionnaire } from './applicant';
import type { HttpReply, httpClient } from './server-process';
import { pause } from './wait';

/**
 * A borrower's journey over real HTTP (server processes, not inject): apply, sign, pay on the
 * sandbox acquirer's page. The journey helpers expect a healthy system and fail on any surprise;
 * the payment helpers retry what a client may retry (the same Idempotency-Key), for fault tests.
 */

export type Client = ReturnType<typeof httpClient>;

const expectStatus = (what: string, reply: HttpReply, ...statuses: number[]) => {
  if (!statuses.includes(reply.status)) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body!;
};

/** Draft → questionnaire → consents → submitted (scoring queued). Returns the application id. */
export async function applyOverHttp(client: Client, overrides: Parameters<typeof questionnaire>[0] = {}, loan = { product: 'pdl', amount: 10_000, term: 30 }): Promise<string> {
  const id = String(expectStatus('create the application', await client.post('/api/applications', loan), 201).id);
  expectStatus('fill in the questionnaire', await client.patch(`/api/applications/${id}`, questionnaire(overrides)), 200);
  expectStatus('give the consents', await client.post(`/api/applications/${id}/consents`, { kinds: ['personal_data', 'credit_history', 'simple_signature'] }), 200);
  expectStatus('submit', await client.post(`/api/applications/${id}/submit`), 202);
  return id;
}

/** Polls the application until scoring has decided; returns the status. */
export async function awaitDecision(client: Client, applicationId: string, timeoutMs = 30_000): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const status = String(expectStatus('read the application', await client.get(`/api/applications/${applicationId}`), 200).status);
    if (status !== 'scoring') return status;
    if (performance.now() > deadline) throw new Error(`application ${applicationId} still scoring after ${timeoutMs} ms`);
    await pause(150);
  }
}

/** Cash payout, the signing code by SMS (read on the sandbox SMS page), signed: returns the loan id. */
export async function signOverHttp(client: Client, phone: string, applicationId: string): Promise<string> {
  expectStatus('choose cash payout', await client.post(`/api/applications/${applicationId}/payout-method`, { type: 'cash' }), 200);
  return signWithCode(client, phone, applicationId);
}

/** Asks for the signing code and signs with it (the payout method chosen before). */
export async function signWithCode(client: Client, phone: string, applicationId: string): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const asked = await client.post(`/api/applications/${applicationId}/sign/otp`);
    // Too soon after the login code: wait as told, like the cabinet's countdown.
    const retryAfterSec = (asked.body?.error as { retryAfterSec?: number } | undefined)?.retryAfterSec;
    if (asked.status === 429 && retryAfterSec !== undefined && retryAfterSec <= 5 && attempt < 3) {
      await pause(retryAfterSec * 1000);
      continue;
    }
    expectStatus('ask for the signing code', asked, 200);
    break;
  }
  const code = await client.smsCode(phone, (text) => /подпись договора/.test(text));
  return String(expectStatus('sign', await client.post(`/api/applications/${applicationId}/sign`, { code }), 200).loanId);
}

/** Polls the loan until it has the status (e.g. active once paid out). */
export async function awaitLoanStatus(client: Client, loanId: string, status: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const reply = await client.get(`/api/loans/${loanId}`).catch(() => null);
    if (reply?.status === 200 && reply.body!.status === status) return reply.body!;
    if (performance.now() > deadline) throw new Error(`loan ${loanId} not ${status} after ${timeoutMs} ms (last: ${reply ? `${reply.status} ${String(reply.body?.status)}` : 'network error'})`);
    await pause(150);
  }
}

export type PaymentAck = { key: string; paymentId: string; amountKopecks: number; confirmationUrl: string; attempts: number };

export type RetryOptions = {
  /** Counts what the client saw, by kind (statuses, network errors), for the report. */
  note?: (what: string) => void;
  /** Called for each failed attempt that will be retried. */
  onRetry?: () => void;
  /** Ends the retries at once (another task failed). */
  aborted?: () => boolean;
  /** Builds the error for a definitive failure (e.g. with the server's log attached). */
  fail?: (message: string) => Error;
  deadlineMs?: number;
};

/**
 * POST /api/loans/:id/payments with one Idempotency-Key until 201 (PAY-1): network errors, 5xx and
 * 409 in_flight (an earlier attempt's claim, up to 15 s) are retried with the same key, so however
 * the attempts end there is one payment.
 */
export async function payUntilAcknowledged(client: Client, loanId: string, amountKopecks: number, options: RetryOptions = {}): Promise<PaymentAck> {
  const { note = () => undefined, onRetry = () => undefined, aborted = () => false, fail = (m: string) => new Error(m), deadlineMs = 75_000 } = options;
  const key = crypto.randomUUID();
  const deadline = performance.now() + deadlineMs;
  for (let attempt = 1; ; attempt += 1) {
    if (aborted()) throw new Error('aborted');
    if (performance.now() > deadline) throw fail(`payment with key ${key} not acknowledged within ${deadlineMs} ms (${attempt - 1} attempts)`);
    let reply: HttpReply;
    try {
      reply = await client.post(`/api/loans/${loanId}/payments`, { amountKopecks }, { 'idempotency-key': key });
    } catch (error) {
      note(`pay: network error (${(error as Error).message})`);
      onRetry();
      await pause(100);
      continue;
    }
    const code = (reply.body?.error as { code?: string } | undefined)?.code;
    note(`pay: ${reply.status}${code ? ` ${code}` : ''}`);
    if (reply.status === 201) {
      const body = reply.body!;
      if (typeof body.confirmationUrl !== 'string') throw fail(`payment ${String(body.paymentId)} acknowledged without a page: ${JSON.stringify(body)}`);
      return { key, paymentId: String(body.paymentId), amountKopecks, confirmationUrl: body.confirmationUrl, attempts: attempt };
    }
    if (reply.status >= 500 || (reply.status === 409 && code === 'in_flight')) {
      onRetry();
      await pause(reply.status === 409 ? 500 : 100);
      continue;
    }
    throw fail(`payment with key ${key}: unexpected ${reply.status} ${JSON.stringify(reply.body)}`);
  }
}

/**
 * The borrower presses «Оплатить» on the sandbox acquirer's page (served by any of our processes),
 * retried until it answers. A 404 after a lost reply means the page no longer offers a pending
 * payment: `acquirerStatus` (the sandbox's own record) tells whether it was paid.
 */
export async function payOnAcquirerPage(
  baseUrl: () => string,
  ack: PaymentAck,
  acquirerStatus: (providerPaymentId: string) => Promise<string | undefined>,
  options: RetryOptions = {},
): Promise<void> {
  const { note = () => undefined, onRetry = () => undefined, aborted = () => false, fail = (m: string) => new Error(m), deadlineMs = 60_000 } = options;
  const path = new URL(ack.confirmationUrl).pathname;
  const providerPaymentId = path.split('/').at(-1)!;
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    if (aborted()) throw new Error('aborted');
    if (performance.now() > deadline) throw fail(`the acquirer page of payment ${ack.paymentId} did not answer within ${deadlineMs} ms`);
    let status: number;
    try {
      const response = await fetch(`${baseUrl()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'outcome=succeeded',
        signal: AbortSignal.timeout(30_000),
      });
      await response.text();
      status = response.status;
    } catch (error) {
      note(`page: network error (${(error as Error).message})`);
      onRetry();
      await pause(100);
      continue;
    }
    note(`page: ${status}`);
    if (status === 200) return;
    if (status === 404) {
      const paid = await acquirerStatus(providerPaymentId).catch(() => undefined);
      if (paid === 'succeeded') return;
      if (paid) throw fail(`acquirer page of ${ack.paymentId}: 404 with the payment ${paid}`);
    } else if (status < 500) {
      throw fail(`acquirer page of ${ack.paymentId}: unexpected ${status}`);
    }
    onRetry();
    await pause(100);
  }
}
