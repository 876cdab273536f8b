import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import type { DB } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import { ProviderError } from '../errors';
import { sandboxDelay, type SandboxControl } from '../sandbox-control';
import type { AcquiringPayment, AcquiringProvider } from './port';

/**
 * The sandbox acquirer. It keeps its payments (table `sandbox_acquiring_payments`), dedupes them by
 * idempotency key, serves its own payment page (sandbox-payment-page.ts) and, when the borrower pays
 * or cancels there, sends a signed notification to our webhook the way a real acquirer would: a job
 * (retried until answered 200) POSTs `{event_id, type, payment_id}` with
 * `X-Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` (Stripe-style, PAY-5).
 * Notifications older or newer than 300 s are refused (PAY-6).
 */

export const SANDBOX_NOTIFY_QUEUE = 'sandbox.acquiring.notify';
export const SANDBOX_ACQUIRER = 'acquiring-sandbox';
export const WEBHOOK_PATH = '/api/webhooks/acquiring';
const TOLERANCE_SEC = 300;

export type SandboxNotificationDelivery = (request: { url: string; headers: Record<string, string>; body: string }) => Promise<number>;

export type SandboxAcquiring = AcquiringProvider & {
  control: SandboxControl;
  createdCount: () => number;
  /** The payment page: what it shows (null: unknown). */
  paymentPage: (id: string) => Promise<{ amountKopecks: number; description: string; method: string; status: string; returnUrl: string } | null>;
  /** The borrower pays or cancels on the page; the notification is queued in the same transaction. */
  completeOnPage: (id: string, outcome: 'succeeded' | 'canceled') => Promise<{ returnUrl: string } | null>;
  /** Signs a notification body as the sandbox does (tests forge, replay and reorder with it). */
  sign: (body: string, atSec: number) => string;
  /** Sends a queued notification (the job's handler). */
  deliver: (data: Record<string, unknown>) => Promise<void>;
  /** Set once the HTTP app exists: how notifications reach our webhook route. */
  setDelivery: (delivery: SandboxNotificationDelivery) => void;
};

/** Page ids are uuids; anything else names no payment (and would make the database refuse the cast). */
const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export function createSandboxAcquiring(deps: { db: Kysely<DB>; clock: Clock; jobs: JobQueue; control: SandboxControl; secret: Buffer; publicUrl: URL }): SandboxAcquiring {
  let created = 0;
  let delivery: SandboxNotificationDelivery | null = null;
  const db = deps.db;
  const sign = (body: string, atSec: number) => `t=${atSec},v1=${createHmac('sha256', deps.secret).update(`${atSec}.${body}`).digest('hex')}`;
  const find = (id: string) =>
    isUuid(id) ? db.selectFrom('sandbox_acquiring_payments').selectAll().where('id', '=', id).executeTakeFirst() : Promise.resolve(undefined);
  const toPayment = (row: NonNullable<Awaited<ReturnType<typeof find>>>): AcquiringPayment => ({
    providerPaymentId: row.id,
    status: row.status,
    amountKopecks: row.amount_kopecks,
    ...(row.paid_at ? { paidAt: row.paid_at } : {}),
  });
  const failIfAsked = async () => {
    await sandboxDelay(deps.control);
    if (deps.control.failure === 'error') throw new ProviderError(SANDBOX_ACQUIRER, 'HTTP 500');
  };

  return {
    name: SANDBOX_ACQUIRER,
    control: deps.control,
    createdCount: () => created,
    notificationReply: { contentType: 'application/json', body: '{"ok":true}' },
    async createPayment(request) {
      await failIfAsked();
      const inserted = await db
        .insertInto('sandbox_acquiring_payments')
        .values({
          id: randomUUID(),
          idempotency_key: request.idempotencyKey,
          amount_kopecks: request.amountKopecks,
          method: request.method,
          description: request.description.slice(0, 128),
          return_url: request.returnUrl,
          status: 'pending',
          created_at: deps.clock.now(),
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) created += 1;
      const row = (await db.selectFrom('sandbox_acquiring_payments').selectAll().where('idempotency_key', '=', request.idempotencyKey).executeTakeFirstOrThrow())!;
      if (row.amount_kopecks !== request.amountKopecks) throw new ProviderError(SANDBOX_ACQUIRER, 'idempotency key reused with another amount', { retryable: false });
      return { ...toPayment(row), confirmationUrl: new URL(`/sandbox/acquirer/payments/${row.id}`, deps.publicUrl).toString() };
    },
    async getPayment(providerPaymentId) {
      await failIfAsked();
      const row = await find(providerPaymentId);
      if (!row) throw new ProviderError(SANDBOX_ACQUIRER, 'HTTP 404', { retryable: false });
      return toPayment(row);
    },
    verifyNotification({ rawBody, headers }) {
      const header = headers['x-sandbox-signature'];
      const match = typeof header === 'string' ? /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header) : null;
      if (!match) return null;
      const atSec = Number(match[1]);
      const nowSec = Math.floor(deps.clock.now().getTime() / 1000);
      if (Math.abs(nowSec - atSec) > TOLERANCE_SEC) return null;
      // The signature covers the exact bytes received: verified before anything is parsed.
      const given = Buffer.from(match[2]!, 'hex');
      const signed = createHmac('sha256', deps.secret).update(`${atSec}.`).update(rawBody).digest();
      if (!timingSafeEqual(signed, given)) return null;
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
      } catch {
        return null;
      }
      const event = body as { event_id?: unknown; payment_id?: unknown };
      if (typeof event.event_id !== 'string' || typeof event.payment_id !== 'string' || event.event_id.length > 100 || event.payment_id.length > 100) return null;
      return { eventId: event.event_id, providerPaymentId: event.payment_id };
    },
    async paymentPage(id) {
      const row = await find(id);
      return row ? { amountKopecks: row.amount_kopecks, description: row.description, method: row.method, status: row.status, returnUrl: row.return_url } : null;
    },
    async completeOnPage(id, outcome) {
      if (!isUuid(id)) return null;
      return db.transaction().execute(async (trx) => {
        const now = deps.clock.now();
        const row = await trx
          .updateTable('sandbox_acquiring_payments')
          .set({ status: outcome, paid_at: outcome === 'succeeded' ? now : null })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .returning(['id', 'return_url'])
          .executeTakeFirst();
        if (!row) return null;
        await deps.jobs.enqueue(trx, SANDBOX_NOTIFY_QUEUE, { eventId: randomUUID(), type: `payment.${outcome}`, paymentId: row.id });
        return { returnUrl: row.return_url };
      });
    },
    sign,
    async deliver(data) {
      if (!delivery) throw new Error('sandbox acquirer: no delivery configured');
      const body = JSON.stringify({ event_id: data.eventId, type: data.type, payment_id: data.paymentId });
      const status = await delivery({
        url: `${WEBHOOK_PATH}/${SANDBOX_ACQUIRER}`,
        headers: { 'content-type': 'application/json', 'x-sandbox-signature': sign(body, Math.floor(deps.clock.now().getTime() / 1000)) },
        body,
      });
      // Like a real acquirer: anything but 200 is sent again later (the job retries).
      if (status !== 200) throw new Error(`webhook answered ${status}`);
    },
    setDelivery(next) {
      delivery = next;
    },
  };
}
