import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import type { Quote } from '../../../core/pricing/quote';
import type { DB } from '../../db/schema';
import type { Actor } from '../auth/auth.service';
import { quoteOrNull, quoteOrThrow, type Pricing } from '../pricing/pricing.service';
import { personalPricing } from '../loyalty/loyalty.service';
import { moscowDate } from '../../../core/dates';
import * as repo from './loan-choices.repo';

/**
 * The loan a customer picked on the public calculator, carried through login and kept server-side.
 * Only a valid choice is saved (it must quote today); figures are recomputed whenever shown, so a
 * change of rules or of the date is reflected, never a stale number. Figures are at the customer's
 * personal rate (modules/loyalty; no promo code — one is entered in the application).
 */

export type LoanChoiceDeps = { db: Kysely<DB>; clock: Clock; pricing: Pricing };

export type LoanChoiceView =
  | { choice: null }
  | { choice: { product: string; amount: number; term: number; savedAt: string }; quote: Quote | null };

export async function saveLoanChoice(
  deps: LoanChoiceDeps,
  actor: Actor,
  input: { product: string; amount: number; term: number },
): Promise<LoanChoiceView> {
  quoteOrThrow(deps.pricing, { product: input.product, amountRubles: input.amount, term: input.term });
  const quote = quoteOrThrow(deps.pricing, { product: input.product, amountRubles: input.amount, term: input.term, rate: await personalRateOf(deps, actor, input.product) });
  const savedAt = deps.clock.now();
  await repo.saveChoice(deps.db, {
    customerId: actor.customerId,
    productCode: input.product,
    amountRubles: input.amount,
    term: input.term,
    savedAt,
  });
  return { choice: { product: input.product, amount: input.amount, term: input.term, savedAt: savedAt.toISOString() }, quote };
}

export async function getLoanChoice(deps: LoanChoiceDeps, actor: Actor): Promise<LoanChoiceView> {
  const row = await repo.findChoice(deps.db, actor.customerId);
  if (!row) return { choice: null };
  // Null when the catalogue changed since the choice was saved: the cabinet asks to pick again.
  const quote = quoteOrNull(deps.pricing, {
    product: row.product_code,
    amountRubles: row.amount_rubles,
    term: row.term,
    rate: await personalRateOf(deps, actor, row.product_code),
  });
  return {
    choice: { product: row.product_code, amount: row.amount_rubles, term: row.term, savedAt: row.saved_at.toISOString() },
    quote,
  };
}

async function personalRateOf(deps: LoanChoiceDeps, actor: Actor, productCode: string) {
  const personal = await personalPricing(deps.db, deps.pricing, { customerId: actor.customerId, productCode, date: moscowDate(deps.clock.now()) });
  return personal?.rate ?? null;
}
