import { randomInt, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import type { DB } from '../../db/schema';
import { ProviderError } from '../errors';
import { sandboxDelay, type SandboxControl } from '../sandbox-control';
import type { CardBinding, PayoutProvider, PersonName, SbpBank } from './port';

/**
 * The sandbox payout provider. It keeps what it paid (table `sandbox_payouts`) and answers a repeated
 * idempotency key with the first answer, like a real provider. The СБП lookup answers with the
 * name our own records hold for the phone (as a real bank would, if the borrower told the truth);
 * the test bank «Банк-несовпадение» answers with someone else's name.
 *
 * Cards: the sandbox acquirer serves its own card page (sandbox-card-page.ts), keeps only a token, the
 * masked number and the name typed there, holds a random 0,01–10,00 ₽ and checks the borrower's answer
 * (3 tries). Its "issuer" matches the name typed on the page against the borrower's name transliterated
 * as in a Russian international passport. Test cards: 4000 0000 0000 0002 is declined; any other
 * Luhn-valid number works.
 *
 * Wallets (ЮMoney-style numbers 4100…): ending in 0000 — no such wallet; 1111 — anonymous (not
 * identified); 2222 — someone else's; any other — the borrower's.
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

export const DECLINED_TEST_CARD = '4000000000000002';
const MAX_HOLD_KOPECKS = 1000;
const HOLD_TRIES = 3;

export type CardPageSubmission = { pan: string; expiry: string; cvc: string; holder: string };
export type CardPageOutcome =
  | { ok: true; maskedPan: string; holdKopecks: number; returnUrl: string }
  | { ok: false; fields: Record<string, string> }
  | { ok: false; declined: true; returnUrl: string };

export type SandboxPayouts = PayoutProvider & {
  calls: () => number;
  /** The acquirer's page: what it shows for a binding (null: unknown or already used). */
  cardPage: (bindingId: string) => Promise<{ returnUrl: string } | null>;
  submitCardPage: (bindingId: string, form: CardPageSubmission) => Promise<CardPageOutcome | null>;
};

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

// Russian international passports (ICAO Doc 9303 table, since 2013): how names appear on cards.
const LATIN: Record<string, string> = {
  а: 'A', б: 'B', в: 'V', г: 'G', д: 'D', е: 'E', ё: 'E', ж: 'ZH', з: 'Z', и: 'I', й: 'I', к: 'K', л: 'L', м: 'M',
  н: 'N', о: 'O', п: 'P', р: 'R', с: 'S', т: 'T', у: 'U', ф: 'F', х: 'KH', ц: 'TS', ч: 'CH', ш: 'SH', щ: 'SHCH',
  ъ: 'IE', ы: 'Y', ь: '', э: 'E', ю: 'IU', я: 'IA', '-': '-',
};
export function latinName(cyrillic: string): string {
  return [...cyrillic.toLowerCase()].map((ch) => LATIN[ch] ?? (/[a-z]/.test(ch) ? ch.toUpperCase() : ' ')).join('').replace(/\s+/g, ' ').trim();
}
/** Spelling variants people and banks use for the same Russian name (MARIYA, MARIIA, MARIA) fold together. */
const nameKey = (latin: string) =>
  latin
    .toUpperCase()
    .replaceAll('X', 'KS')
    .replaceAll('KH', 'H')
    .replaceAll('Y', 'I')
    .replace(/([A-Z])\1+/g, '$1');
function sameHolder(embossed: string, name: PersonName): boolean {
  const words = new Set(embossed.toUpperCase().split(/[^A-Z-]+/).filter(Boolean).map(nameKey));
  return words.has(nameKey(latinName(name.firstName))) && words.has(nameKey(latinName(name.lastName)));
}

export function createSandboxPayouts(deps: {
  db: Kysely<DB>;
  clock: Clock;
  control: SandboxControl;
  /** Who holds this phone, as far as the sandbox "banks" know. */
  holderOf: (phone: string) => Promise<string | null>;
  /** Where the sandbox acquirer's card page is served (this server's public origin). */
  publicUrl: URL;
}): SandboxPayouts {
  let calls = 0;
  const db = deps.db;
  const failIfAsked = async () => {
    await sandboxDelay(deps.control);
    if (deps.control.failure === 'error') throw new ProviderError('payouts-sandbox', 'HTTP 503');
  };
  const findBinding = (id: string) =>
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? db.selectFrom('sandbox_card_bindings').selectAll().where('id', '=', id).executeTakeFirst() : Promise.resolve(undefined);

  return {
    name: 'payouts-sandbox',
    types: ['card', 'sbp', 'wallet', 'cash'],
    sbpRecipientCheck: 'lookup',
    calls: () => calls,
    cards: {
      async startBinding({ reference, returnUrl }) {
        await failIfAsked();
        const now = deps.clock.now();
        await db
          .insertInto('sandbox_card_bindings')
          .values({ id: randomUUID(), reference, return_url: returnUrl, status: 'pending', created_at: now, updated_at: now })
          .onConflict((oc) => oc.column('reference').doNothing())
          .execute();
        const row = await db.selectFrom('sandbox_card_bindings').select('id').where('reference', '=', reference).executeTakeFirstOrThrow();
        return { bindingId: row.id, hostedPageUrl: new URL(`/sandbox/acquirer/cards/${row.id}`, deps.publicUrl).toString() };
      },
      async binding(bindingId): Promise<CardBinding> {
        await failIfAsked();
        const row = await findBinding(bindingId);
        if (!row) throw new ProviderError('payouts-sandbox', 'unknown binding');
        if (row.status === 'held') return { status: 'held', maskedPan: row.masked_pan!, attemptsLeft: row.attempts_left };
        if (row.status === 'confirmed') return { status: 'confirmed', maskedPan: row.masked_pan!, cardToken: row.card_token! };
        return { status: row.status };
      },
      async confirmHold(bindingId, amountKopecks) {
        await failIfAsked();
        // One conditional update decides each try, so parallel answers cannot get extra tries.
        return db.transaction().execute(async (trx) => {
          const row = await trx.selectFrom('sandbox_card_bindings').selectAll().where('id', '=', bindingId).forUpdate().executeTakeFirst();
          if (!row) throw new ProviderError('payouts-sandbox', 'unknown binding');
          if (row.status === 'confirmed') return { status: 'confirmed', maskedPan: row.masked_pan!, cardToken: row.card_token! };
          if (row.status === 'locked') return { status: 'locked' };
          if (row.status !== 'held') return { status: 'not_held' };
          const now = deps.clock.now();
          if (amountKopecks === row.hold_kopecks) {
            const cardToken = `sbx-card-${randomUUID()}`;
            await trx.updateTable('sandbox_card_bindings').set({ status: 'confirmed', card_token: cardToken, updated_at: now }).where('id', '=', row.id).execute();
            return { status: 'confirmed', maskedPan: row.masked_pan!, cardToken };
          }
          const attemptsLeft = row.attempts_left - 1;
          await trx
            .updateTable('sandbox_card_bindings')
            .set({ attempts_left: attemptsLeft, status: attemptsLeft > 0 ? 'held' : 'locked', updated_at: now })
            .where('id', '=', row.id)
            .execute();
          return attemptsLeft > 0 ? { status: 'wrong_amount', attemptsLeft } : { status: 'locked' };
        });
      },
      async holderMatches(cardToken, name) {
        await failIfAsked();
        const row = await db.selectFrom('sandbox_card_bindings').select('holder_name').where('card_token', '=', cardToken).executeTakeFirst();
        if (!row?.holder_name) throw new ProviderError('payouts-sandbox', 'unknown card token');
        return sameHolder(row.holder_name, name);
      },
    },
    wallets: {
      async check(walletNumber, owner) {
        await failIfAsked();
        if (walletNumber.endsWith('0000')) return { status: 'not_found' };
        if (walletNumber.endsWith('1111')) return { status: 'not_identified' };
        if (walletNumber.endsWith('2222')) return { status: 'other_owner' };
        return (await deps.holderOf(owner.phone)) ? { status: 'confirmed' } : { status: 'not_found' };
      },
    },
    async cardPage(bindingId) {
      const row = await findBinding(bindingId);
      return row && row.status === 'pending' ? { returnUrl: row.return_url } : null;
    },
    async submitCardPage(bindingId, form) {
      const row = await findBinding(bindingId);
      if (!row || row.status !== 'pending') return null;
      const pan = form.pan.replace(/[\s-]/g, '');
      const fields: Record<string, string> = {};
      if (!/^\d{16,19}$/.test(pan) || !luhnValid(pan)) fields.pan = 'Проверьте номер карты.';
      const expiry = /^(\d{2})\s*\/\s*(\d{2})$/.exec(form.expiry.trim());
      const today = deps.clock.now();
      const month = expiry ? Number(expiry[1]) : 0;
      const year = expiry ? 2000 + Number(expiry[2]) : 0;
      if (!expiry || month < 1 || month > 12 || year * 12 + month < today.getUTCFullYear() * 12 + today.getUTCMonth() + 1) {
        fields.expiry = 'Срок действия — ММ/ГГ, карта не должна быть просрочена.';
      }
      if (!/^\d{3}$/.test(form.cvc.trim())) fields.cvc = 'CVC — три цифры на обороте карты.';
      const holder = form.holder.trim().toUpperCase().replace(/\s+/g, ' ');
      if (!/^[A-Z][A-Z .'-]{1,48}$/.test(holder)) fields.holder = 'Имя латиницей, как на карте.';
      if (Object.keys(fields).length) return { ok: false, fields };
      const now = deps.clock.now();
      if (pan === DECLINED_TEST_CARD) {
        await db.updateTable('sandbox_card_bindings').set({ status: 'declined', updated_at: now }).where('id', '=', row.id).where('status', '=', 'pending').execute();
        return { ok: false, declined: true, returnUrl: row.return_url };
      }
      const maskedPan = `${pan.slice(0, 6)}******${pan.slice(-4)}`;
      const holdKopecks = randomInt(1, MAX_HOLD_KOPECKS + 1);
      const updated = await db
        .updateTable('sandbox_card_bindings')
        .set({ status: 'held', masked_pan: maskedPan, holder_name: holder, hold_kopecks: holdKopecks, attempts_left: HOLD_TRIES, updated_at: now })
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (updated.numUpdatedRows !== 1n) return null;
      return { ok: true, maskedPan, holdKopecks, returnUrl: row.return_url };
    },
    async sbpBanks() {
      return SANDBOX_BANKS;
    },
    async sbpRecipientName(phone, bankId) {
      await failIfAsked();
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
      if (request.type === 'card') {
        const card = request.cardToken ? await db.selectFrom('sandbox_card_bindings').select('status').where('card_token', '=', request.cardToken).executeTakeFirst() : undefined;
        if (card?.status !== 'confirmed') return { providerPayoutId: `sbx-rejected-${request.idempotencyKey.slice(0, 8)}`, status: 'failed', failureReason: 'card token unknown' };
      }
      if (request.type === 'wallet' && !/^4100\d{7,16}$/.test(request.walletNumber ?? '')) {
        return { providerPayoutId: `sbx-rejected-${request.idempotencyKey.slice(0, 8)}`, status: 'failed', failureReason: 'wallet number invalid' };
      }
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
