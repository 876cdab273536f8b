import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../../core/clock';
import { daysBetween, moscowDate, type BusinessDate } from '../../../core/dates';
import { catalogueProblems, pskRange } from '../../../core/pricing/catalogue';
import { dailyPpmEquivalent, type Product } from '../../../core/pricing/products';
import type { LegalRules } from '../../../core/pricing/rules';
import type { DB, PromotionAudience } from '../../db/schema';
import { AppError } from '../../errors';
import type { Random } from '../../random';
import { recordAudit } from '../audit/audit.service';
import { ProductSchema } from '../pricing/pricing.schemas';
import type { Pricing } from '../pricing/pricing.service';
import type { RequestMeta, StaffActor } from '../staff/staff.service';
import { MAX_PROMOTION_DAYS, productEditProblems, promotionRateProblems, type FieldProblems } from './catalogue.checks';
import * as repo from './catalogue.repo';
import type { ProductUpdate, PromoCodeInput, PromotionInput } from './catalogue.schemas';

/**
 * The product catalogue, promotions and promo codes staff manage (issue 7, docs/backoffice.md).
 *
 * Products: every save is a whole new catalogue version (`catalogue_versions`, seq 1, 2, …); the
 * latest is in force, in every process (catalogue.sync.ts installs it into `Pricing`). An edit is
 * checked against the law in force today before it is saved; nothing illegal is ever stored.
 * Loans keep the terms they were signed with: the signed quote is stored with the loan
 * (`loans.quote`) and servicing reads only that, never the catalogue.
 *
 * Promotions: a lower rate on one product for a stretch of dates and an audience, checked against
 * the rules in force on each of its dates. A promotion with promo codes is given only to a customer
 * who enters one; one without codes to its whole audience. `promotionFor` says which applies.
 */

export type CatalogueDeps = { db: Kysely<DB>; clock: Clock; random: Random; pricing: Pricing };

type Db = Kysely<DB> | Transaction<DB>;

const iso = (date: Date | null) => date?.toISOString() ?? null;
const person = (id: string | null, fullName: string | null) => (id && fullName !== null ? { id, fullName } : null);
const invalid = (fields: FieldProblems) => new AppError('validation_failed', undefined, { fields });

// ---------------------------------------------------------------------------------------------
// Catalogue versions

export type SavedCatalogue = {
  seq: number;
  products: readonly Product[];
  createdAt: Date | null;
  createdBy: { id: string; fullName: string } | null;
  note: string | null;
};

/**
 * A saved version's products, parsed and checked against the rules in force on `date`; problems
 * in English for the log (an operator reads them), as at start.
 */
export function checkSavedProducts(raw: unknown, rules: LegalRules, date: BusinessDate): { ok: true; products: Product[] } | { ok: false; problems: string[] } {
  const parsed = ProductSchema.array().min(1).safeParse(raw);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  const problems = catalogueProblems(parsed.data, rules, date);
  return problems.length ? { ok: false, problems } : { ok: true, products: parsed.data };
}

/** The catalogue in the database now (seq 0: staff never saved one, the process's own is in force). */
export async function latestCatalogue(db: Db, pricing: Pricing): Promise<SavedCatalogue> {
  const row = await repo.latestVersion(db);
  if (!row) {
    const current = pricing.catalogue.current();
    return { seq: current.seq, products: current.products, createdAt: null, createdBy: null, note: null };
  }
  const parsed = ProductSchema.array().safeParse(row.products);
  if (!parsed.success) throw new Error(`catalogue version ${row.seq} is malformed`);
  return { seq: row.seq, products: parsed.data, createdAt: row.created_at, createdBy: person(row.created_by, row.created_by_name), note: row.note };
}

function catalogueView(saved: SavedCatalogue, rules: LegalRules, date: BusinessDate) {
  return {
    version: { seq: saved.seq, createdAt: iso(saved.createdAt), createdBy: saved.createdBy, note: saved.note },
    date,
    products: saved.products.map((product) => ({
      ...product,
      rate: { ...product.rate, percent: product.rate.ppm / 10_000 },
      pskRange: pskRange(product, rules, date),
    })),
  };
}

export async function listProducts(deps: CatalogueDeps) {
  return catalogueView(await latestCatalogue(deps.db, deps.pricing), deps.pricing.rules, moscowDate(deps.clock.now()));
}

/** Changed leaves as `amount.maxRubles: {before, after}`. */
function changedFields(before: unknown, after: unknown, path = ''): Record<string, { before: unknown; after: unknown }> {
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const out: Record<string, { before: unknown; after: unknown }> = {};
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      Object.assign(out, changedFields((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], path ? `${path}.${key}` : key));
    }
    return out;
  }
  return before === after ? {} : { [path]: { before: before ?? null, after: after ?? null } };
}

/**
 * Saves a new catalogue version with one product's editable fields replaced, after checking it
 * against the law in force today. The edit is applied to the latest version in the database (read
 * under a lock), never to a process's possibly older copy. An unchanged product saves nothing.
 */
export async function updateProduct(deps: CatalogueDeps, staff: StaffActor, code: string, input: ProductUpdate, meta: RequestMeta) {
  const now = deps.clock.now();
  const date = moscowDate(now);
  const rules = deps.pricing.rules;
  const outcome = await deps.db.transaction().execute(async (trx) => {
    await repo.lockCatalogue(trx);
    const latest = await latestCatalogue(trx, deps.pricing);
    const current = latest.products.find((p) => p.code === code);
    if (!current) throw new AppError('not_found', 'Такого продукта нет.');
    if (input.version !== undefined && input.version !== latest.seq) {
      throw new AppError('conflict', 'Каталог уже изменил другой сотрудник: обновите страницу и внесите изменения снова.');
    }
    if (input.term.unit !== undefined && input.term.unit !== current.term.unit) {
      throw invalid({ 'term.unit': 'Единицу срока менять нельзя: от неё зависят график платежей и категория ПСК.' });
    }
    const next: Product = {
      ...current,
      name: input.name,
      description: input.description,
      amount: { ...input.amount },
      term: { unit: current.term.unit, min: input.term.min, max: input.term.max, step: input.term.step, default: input.term.default },
      rate: { ...input.rate },
    };
    const changes = changedFields(current, next);
    if (!Object.keys(changes).length) return { ...latest, saved: false };
    const problems = productEditProblems(next, rules, date);
    const products = latest.products.map((p) => (p.code === code ? next : p));
    if (!Object.keys(problems).length) {
      // The engine's own whole-catalogue check, as at start: anything the field checks missed.
      const left = catalogueProblems(products, rules, date);
      if (left.length) problems._ = `Условия нарушают правила: ${left.join('; ')}`;
    }
    if (Object.keys(problems).length) throw invalid(problems);
    const seq = latest.seq + 1;
    const note = input.note ?? '';
    await repo.insertVersion(trx, { id: deps.random.uuid(), seq, products, createdAt: now, createdBy: staff.staffId, note });
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'product.updated',
      entity: { type: 'product', id: code },
      from: meta,
      details: { version: seq, note, changes },
    });
    const version: SavedCatalogue = { seq, products, createdAt: now, createdBy: { id: staff.staffId, fullName: staff.fullName }, note };
    return { ...version, saved: true };
  });
  // This process prices with it at once; the others within their refresh interval.
  if (outcome.saved) deps.pricing.catalogue.replace(outcome.seq, outcome.products);
  return catalogueView(outcome, rules, date);
}

// ---------------------------------------------------------------------------------------------
// Promotions

function promotionStatus(row: { valid_from: string; valid_to: string; disabled_at: Date | null }, today: BusinessDate) {
  if (row.disabled_at) return 'disabled' as const;
  if (today < row.valid_from) return 'scheduled' as const;
  if (today > row.valid_to) return 'ended' as const;
  return 'active' as const;
}

function promotionView(row: repo.PromotionRow, today: BusinessDate) {
  return {
    id: row.id,
    name: row.name,
    productCode: row.product_code,
    ratePpm: row.rate_ppm,
    ratePer: row.rate_per,
    ratePercent: row.rate_ppm / 10_000,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    audience: row.audience,
    byCode: row.code_count > 0,
    status: promotionStatus(row, today),
    createdAt: row.created_at.toISOString(),
    createdBy: person(row.created_by, row.created_by_name),
    disabledAt: iso(row.disabled_at),
  };
}

export async function listPromotions(deps: CatalogueDeps) {
  const today = moscowDate(deps.clock.now());
  return (await repo.listPromotions(deps.db)).map((row) => promotionView(row, today));
}

/** Dates and rate of a promotion: the dates first (the rate check needs them), then the law. */
function promotionProblems(product: Product | undefined, input: Pick<PromotionInput, 'ratePpm' | 'validFrom' | 'validTo'>, rules: LegalRules, today: BusinessDate): FieldProblems {
  const problems: FieldProblems = {};
  if (!product) problems.productCode = 'Такого продукта нет.';
  if (input.validFrom < today) problems.validFrom = `Дата начала — не раньше сегодняшней (${today}).`;
  if (input.validTo < input.validFrom) problems.validTo = 'Дата окончания — не раньше даты начала.';
  else if (daysBetween(input.validFrom, input.validTo) + 1 > MAX_PROMOTION_DAYS) problems.validTo = 'Акция длится не больше года.';
  if (Object.keys(problems).length || !product) return problems;
  return promotionRateProblems(product, input.ratePpm, input.validFrom, input.validTo, rules);
}

export async function createPromotion(deps: CatalogueDeps, staff: StaffActor, input: PromotionInput, meta: RequestMeta) {
  const now = deps.clock.now();
  const today = moscowDate(now);
  const { products } = await latestCatalogue(deps.db, deps.pricing);
  const product = products.find((p) => p.code === input.productCode);
  const problems = promotionProblems(product, input, deps.pricing.rules, today);
  if (Object.keys(problems).length || !product) throw invalid(problems);
  const id = deps.random.uuid();
  await deps.db.transaction().execute(async (trx) => {
    await repo.insertPromotion(trx, {
      id,
      name: input.name,
      product_code: product.code,
      rate_ppm: input.ratePpm,
      rate_per: product.rate.per,
      valid_from: input.validFrom,
      valid_to: input.validTo,
      audience: input.audience,
      created_by: staff.staffId,
      created_at: now,
    });
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'promotion.created',
      entity: { type: 'promotion', id },
      from: meta,
      details: {
        name: input.name,
        productCode: product.code,
        rate: { ppm: input.ratePpm, per: product.rate.per },
        productRate: product.rate,
        validFrom: input.validFrom,
        validTo: input.validTo,
        audience: input.audience,
      },
    });
  });
  return promotionView((await repo.findPromotion(deps.db, id))!, today);
}

/**
 * Switches a promotion off or back on. Back on, what is left of it is checked again against the
 * current product and the rules (either may have changed since it was made).
 */
export async function setPromotionDisabled(deps: CatalogueDeps, staff: StaffActor, id: string, disabled: boolean, meta: RequestMeta) {
  const now = deps.clock.now();
  const today = moscowDate(now);
  const row = await repo.findPromotion(deps.db, id);
  if (!row) throw new AppError('not_found', 'Акция не найдена.');
  if ((row.disabled_at !== null) === disabled) return promotionView(row, today);
  if (!disabled && row.valid_to >= today) {
    const { products } = await latestCatalogue(deps.db, deps.pricing);
    const product = products.find((p) => p.code === row.product_code);
    const from = row.valid_from > today ? row.valid_from : today;
    const problems = product
      ? product.rate.per === row.rate_per
        ? promotionRateProblems(product, row.rate_ppm, from, row.valid_to, deps.pricing.rules)
        : { ratePpm: 'Единица ставки продукта изменилась: создайте новую акцию.' }
      : { productCode: 'Продукта этой акции больше нет.' };
    if (Object.keys(problems).length) throw invalid(problems);
  }
  await deps.db.transaction().execute(async (trx) => {
    await repo.setPromotionDisabled(trx, id, disabled ? now : null);
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: staff.staffId },
      action: disabled ? 'promotion.disabled' : 'promotion.enabled',
      entity: { type: 'promotion', id },
      from: meta,
      details: { name: row.name, productCode: row.product_code },
    });
  });
  return promotionView((await repo.findPromotion(deps.db, id))!, today);
}

// ---------------------------------------------------------------------------------------------
// Promo codes

function codeStatus(row: repo.PromoCodeRow, today: BusinessDate) {
  if (row.disabled_at || row.promotion_disabled_at) return 'disabled' as const;
  if (today > row.promotion_valid_to) return 'ended' as const;
  if (row.max_uses !== null && row.used_count >= row.max_uses) return 'used_up' as const;
  return 'active' as const;
}

function codeView(row: repo.PromoCodeRow, today: BusinessDate) {
  return {
    id: row.id,
    code: row.code,
    promotionId: row.promotion_id,
    promotionName: row.promotion_name,
    maxUses: row.max_uses,
    usedCount: row.used_count,
    status: codeStatus(row, today),
    createdAt: row.created_at.toISOString(),
    createdBy: person(row.created_by, row.created_by_name),
    disabledAt: iso(row.disabled_at),
  };
}

export async function listPromoCodes(deps: CatalogueDeps, filter: { promotionId?: string | undefined }) {
  const today = moscowDate(deps.clock.now());
  return (await repo.listPromoCodes(deps.db, filter)).map((row) => codeView(row, today));
}

const codeTaken = () => new AppError('conflict', 'Такой промокод уже есть.', { fields: { code: 'Такой промокод уже есть.' } });

export async function createPromoCode(deps: CatalogueDeps, staff: StaffActor, input: PromoCodeInput, meta: RequestMeta) {
  const now = deps.clock.now();
  const today = moscowDate(now);
  const promotion = await repo.findPromotion(deps.db, input.promotionId);
  if (!promotion) throw invalid({ promotionId: 'Акция не найдена.' });
  if (promotion.disabled_at) throw invalid({ promotionId: 'Акция отключена: сначала включите её.' });
  if (promotion.valid_to < today) throw invalid({ promotionId: 'Акция уже закончилась.' });
  if (await repo.codeExists(deps.db, input.code)) throw codeTaken();
  const id = deps.random.uuid();
  try {
    await deps.db.transaction().execute(async (trx) => {
      await repo.insertPromoCode(trx, {
        id,
        code: input.code,
        promotion_id: promotion.id,
        max_uses: input.maxUses ?? null,
        created_by: staff.staffId,
        created_at: now,
      });
      await recordAudit(trx, { random: deps.random, now }, {
        actor: { type: 'staff', id: staff.staffId },
        action: 'promo_code.created',
        entity: { type: 'promo_code', id },
        from: meta,
        details: { code: input.code, promotionId: promotion.id, maxUses: input.maxUses ?? null },
      });
    });
  } catch (error) {
    // Two admins making the same code at once: the unique index decides.
    throw (error as { code?: string }).code === '23505' ? codeTaken() : error;
  }
  return codeView((await repo.findPromoCode(deps.db, id))!, today);
}

export async function setPromoCodeDisabled(deps: CatalogueDeps, staff: StaffActor, id: string, disabled: boolean, meta: RequestMeta) {
  const now = deps.clock.now();
  const today = moscowDate(now);
  const row = await repo.findPromoCode(deps.db, id);
  if (!row) throw new AppError('not_found', 'Промокод не найден.');
  if ((row.disabled_at !== null) === disabled) return codeView(row, today);
  await deps.db.transaction().execute(async (trx) => {
    await repo.setPromoCodeDisabled(trx, id, disabled ? now : null);
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'staff', id: staff.staffId },
      action: disabled ? 'promo_code.disabled' : 'promo_code.enabled',
      entity: { type: 'promo_code', id },
      from: meta,
      details: { code: row.code, promotionId: row.promotion_id },
    });
  });
  return codeView((await repo.findPromoCode(deps.db, id))!, today);
}

// ---------------------------------------------------------------------------------------------
// Which promotion applies (pure; issue 8 wires it into the customer's quote)

export type CustomerKind = 'first_loan' | 'returning';

export type PromotionRecord = {
  id: string;
  name: string;
  productCode: string;
  rate: Product['rate'];
  validFrom: BusinessDate;
  validTo: BusinessDate;
  audience: PromotionAudience;
  disabled: boolean;
};

export type PromoCodeRecord = {
  code: string;
  promotionId: string;
  maxUses: number | null;
  usedCount: number;
  disabled: boolean;
};

/** The promotions and codes `promotionFor` chooses from (e.g. `offersFor(db, product, date)`). */
export type PromotionOffers = { promotions: readonly PromotionRecord[]; codes: readonly PromoCodeRecord[] };

export type PromoCodeStatus = 'applied' | 'unknown' | 'disabled' | 'used_up' | 'not_applicable' | 'not_better';

export type PromotionChoice = {
  /** The promotion to price with (its rate replaces the product's), or null: the product's own rate. */
  promotion: { id: string; name: string; rate: Product['rate']; code: string | null } | null;
  /** What became of the code the customer entered (null: none entered). */
  code: { code: string; status: PromoCodeStatus } | null;
};

/**
 * Which promotion applies to `product` on `date` for a customer of `customerKind`, with the promo
 * code they entered, if any. A promotion applies when it is on, its dates include `date`, its
 * audience includes the customer, and its rate is below the product's current rate (compared per
 * day, so a product whose unit changed is still compared fairly). A promotion that has codes
 * applies only through one of them: known, not disabled, not used up. Of all that apply, the
 * lowest rate wins; on a tie the one without a code (a code's use is not spent for nothing).
 */
export function promotionFor(offers: PromotionOffers, product: Product, date: BusinessDate, customerKind: CustomerKind, code?: string | null): PromotionChoice {
  const productDaily = dailyPpmEquivalent(product.rate);
  const applies = (p: PromotionRecord) =>
    !p.disabled &&
    p.productCode === product.code &&
    p.validFrom <= date &&
    date <= p.validTo &&
    (p.audience === 'all' || p.audience === customerKind) &&
    dailyPpmEquivalent(p.rate) < productDaily;
  const withCodes = new Set(offers.codes.map((c) => c.promotionId));
  const open = offers.promotions.filter((p) => applies(p) && !withCodes.has(p.id));
  const lowest = (list: PromotionRecord[]) =>
    list.reduce<PromotionRecord | null>((best, p) => (best === null || dailyPpmEquivalent(p.rate) < dailyPpmEquivalent(best.rate) ? p : best), null);
  const bestOpen = lowest(open);
  const asChoice = (p: PromotionRecord | null, withCode: string | null) => (p ? { id: p.id, name: p.name, rate: p.rate, code: withCode } : null);

  const entered = code?.trim().toUpperCase();
  if (!entered) return { promotion: asChoice(bestOpen, null), code: null };
  const record = offers.codes.find((c) => c.code === entered);
  let status: PromoCodeStatus;
  let byCode: PromotionRecord | undefined;
  if (!record) status = 'unknown';
  else if (record.disabled) status = 'disabled';
  else if (record.maxUses !== null && record.usedCount >= record.maxUses) status = 'used_up';
  else {
    byCode = offers.promotions.find((p) => p.id === record.promotionId && applies(p));
    status = byCode ? 'applied' : 'not_applicable';
  }
  if (byCode && bestOpen && dailyPpmEquivalent(bestOpen.rate) <= dailyPpmEquivalent(byCode.rate)) {
    return { promotion: asChoice(bestOpen, null), code: { code: entered, status: 'not_better' } };
  }
  return { promotion: byCode ? asChoice(byCode, entered) : asChoice(bestOpen, null), code: { code: entered, status } };
}

/** The offers for `product` on `date` from the database, in the shape `promotionFor` takes. */
export async function offersFor(db: Db, productCode: string, date: BusinessDate): Promise<PromotionOffers> {
  const { promotions, codes } = await repo.offersOn(db, productCode, date);
  return {
    promotions: promotions.map((p) => ({
      id: p.id,
      name: p.name,
      productCode: p.product_code,
      rate: { ppm: p.rate_ppm, per: p.rate_per },
      validFrom: p.valid_from,
      validTo: p.valid_to,
      audience: p.audience,
      disabled: p.disabled_at !== null,
    })),
    codes: codes.map((c) => ({ code: c.code, promotionId: c.promotion_id, maxUses: c.max_uses, usedCount: c.used_count, disabled: c.disabled_at !== null })),
  };
}
