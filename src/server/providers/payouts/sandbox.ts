import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import type { DB } from '../../db/schema';
import { ProviderError } from '../errors';
import { sandboxDelay, type SandboxControl } from '../sandbox-control';
import type { PayoutProvider, SbpBank } from './port';

/**
 * The sandbox payout provider. It keeps what it paid (table `sandbox_payouts`) and answers a repeated
 * idempotency key with the first answer, like a real provider. The СБП lookup answers with the
 * name our own records hold for the phone (as a real bank would, if the borrower told the truth);
 * the test bank «Банк-несовпадение» answers with someone else's name.
 */

export const SANDBOX_BANKS: SbpBank[] = [
  { id: '100000000111', name: 'Сбербанк' },
  { id: '100000000004', name: 'Т-Банк' },
  { id: '110000000005', name: 'ВТБ' },
  { id: '100000000008', name: 'Альфа-Банк' },
  { id: '100000000001', name: 'Газпромбанк' },
  { id: '999999999999', name: 'Банк-несовпадение (тест)' },
];
export const MISMATCH_BANK_ID = '999999999999';

export type SandboxPayouts = PayoutProvider & { calls: () => number };

export function createSandboxPayouts(deps: {
  db: Kysely<DB>;
  clock: Clock;
  control: SandboxControl;
  /** Who holds this phone, as far as the sandbox "banks" know. */
  holderOf: (phone: string) => Promise<string | null>;
}): SandboxPayouts {
  let calls = 0;
  return {
    name: 'payouts-sandbox',
    calls: () => calls,
    async sbpBanks() {
      return SANDBOX_BANKS;
    },
    async sbpRecipientName(phone, bankId) {
      await sandboxDelay(deps.control);
      if (deps.control.failure === 'error') throw new ProviderError('payouts-sandbox', 'HTTP 503');
      if (!SANDBOX_BANKS.some((b) => b.id === bankId)) throw new ProviderError('payouts-sandbox', 'unknown bank');
      if (bankId === MISMATCH_BANK_ID) return 'Пётр Сергеевич К.';
      const holder = await deps.holderOf(phone);
      if (!holder) throw new ProviderError('payouts-sandbox', 'no account for this phone');
      return holder;
    },
    async payout(request) {
      calls += 1;
      await sandboxDelay(deps.control);
      if (deps.control.failure === 'error') throw new ProviderError('payouts-sandbox', 'HTTP 502');
      await deps.db
        .insertInto('sandbox_payouts')
        .values({
          idempotency_key: request.idempotencyKey,
          provider_id: `sbx-${request.idempotencyKey.slice(0, 8)}-${randomInt(1_000_000)}`,
          type: request.type,
          amount_kopecks: request.amountKopecks,
          cash_code: request.type === 'cash' ? String(randomInt(0, 10 ** 10)).padStart(10, '0') : null,
          created_at: deps.clock.now(),
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .execute();
      const row = await deps.db.selectFrom('sandbox_payouts').selectAll().where('idempotency_key', '=', request.idempotencyKey).executeTakeFirstOrThrow();
      if (row.amount_kopecks !== request.amountKopecks) throw new ProviderError('payouts-sandbox', 'idempotency key reused with another amount');
      return { providerPayoutId: row.provider_id, status: 'succeeded', ...(row.cash_code ? { cashCode: row.cash_code } : {}) };
    },
  };
}
