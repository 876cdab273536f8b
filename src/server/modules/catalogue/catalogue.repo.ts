import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { BusinessDate } from '../../../core/dates';
import type { DB, PromoCodesTable, PromotionsTable } from '../../db/schema';

/** SQL for catalogue versions, promotions and promo codes; no rules here. */

type Db = Kysely<DB> | Transaction<DB>;

/** Orders saves of the catalogue across processes (seq = latest + 1 is read under it). */
const CATALOGUE_SAVE_LOCK = 7_404_111;

export async function lockCatalogue(trx: Transaction<DB>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${CATALOGUE_SAVE_LOCK})`.execute(trx);
}

export type VersionRow = {
  id: string;
  seq: number;
  products: unknown;
  created_at: Date;
  created_by: string | null;
  note: string;
  created_by_name: string | null;
};

export function latestVersion(db: Db): Promise<VersionRow | undefined> {
  return db
    .selectFrom('catalogue_versions as v')
    .leftJoin('staff as s', 's.id', 'v.created_by')
    .select(['v.id', 'v.seq', 'v.products', 'v.created_at', 'v.created_by', 'v.note', 's.full_name as created_by_name'])
    .orderBy('v.seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The newest seq, or 0 when staff never saved a catalogue: the cheap question other processes ask. */
export async function latestSeq(db: Db): Promise<number> {
  const row = await db
    .selectFrom('catalogue_versions')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return row?.seq ?? 0;
}

export async function insertVersion(
  trx: Transaction<DB>,
  row: { id: string; seq: number; products: unknown; createdAt: Date; createdBy: string; note: string },
): Promise<void> {
  await trx
    .insertInto('catalogue_versions')
    .values({ id: row.id, seq: row.seq, products: JSON.stringify(row.products), created_at: row.createdAt, created_by: row.createdBy, note: row.note })
    .execute();
}

export type PromotionRow = Selectable<PromotionsTable> & { created_by_name: string | null; code_count: number };

const promotionColumns = [
  'p.id',
  'p.name',
  'p.product_code',
  'p.rate_ppm',
  'p.rate_per',
  'p.valid_from',
  'p.valid_to',
  'p.audience',
  'p.created_by',
  'p.created_at',
  'p.disabled_at',
  's.full_name as created_by_name',
] as const;

function promotionsQuery(db: Db) {
  return db
    .selectFrom('promotions as p')
    .leftJoin('staff as s', 's.id', 'p.created_by')
    .select(promotionColumns)
    .select((eb) =>
      eb
        .selectFrom('promo_codes as c')
        .whereRef('c.promotion_id', '=', 'p.id')
        .select((inner) => inner.fn.countAll<number>().as('n'))
        .as('code_count'),
    );
}

const withCount = <T extends { code_count: number | string | null }>(row: T) => ({ ...row, code_count: Number(row.code_count ?? 0) });

export async function listPromotions(db: Db): Promise<PromotionRow[]> {
  const rows = await promotionsQuery(db).orderBy('p.created_at', 'desc').orderBy('p.id').execute();
  return rows.map(withCount);
}

export async function findPromotion(db: Db, id: string): Promise<PromotionRow | undefined> {
  const row = await promotionsQuery(db).where('p.id', '=', id).executeTakeFirst();
  return row ? withCount(row) : undefined;
}

export async function insertPromotion(trx: Transaction<DB>, row: Omit<Selectable<PromotionsTable>, 'disabled_at'>): Promise<void> {
  await trx.insertInto('promotions').values({ ...row, disabled_at: null }).execute();
}

export async function setPromotionDisabled(trx: Transaction<DB>, id: string, disabledAt: Date | null): Promise<void> {
  await trx.updateTable('promotions').set({ disabled_at: disabledAt }).where('id', '=', id).execute();
}

export type PromoCodeRow = Selectable<PromoCodesTable> & {
  created_by_name: string | null;
  promotion_name: string;
  promotion_valid_to: string;
  promotion_disabled_at: Date | null;
};

function codesQuery(db: Db) {
  return db
    .selectFrom('promo_codes as c')
    .innerJoin('promotions as p', 'p.id', 'c.promotion_id')
    .leftJoin('staff as s', 's.id', 'c.created_by')
    .select([
      'c.id',
      'c.code',
      'c.promotion_id',
      'c.max_uses',
      'c.used_count',
      'c.created_by',
      'c.created_at',
      'c.disabled_at',
      's.full_name as created_by_name',
      'p.name as promotion_name',
      'p.valid_to as promotion_valid_to',
      'p.disabled_at as promotion_disabled_at',
    ]);
}

export function listPromoCodes(db: Db, filter: { promotionId?: string | undefined }): Promise<PromoCodeRow[]> {
  let query = codesQuery(db);
  if (filter.promotionId) query = query.where('c.promotion_id', '=', filter.promotionId);
  return query.orderBy('c.created_at', 'desc').orderBy('c.code').execute();
}

export function findPromoCode(db: Db, id: string): Promise<PromoCodeRow | undefined> {
  return codesQuery(db).where('c.id', '=', id).executeTakeFirst();
}

export async function codeExists(db: Db, code: string): Promise<boolean> {
  return (await db.selectFrom('promo_codes').select('id').where('code', '=', code).executeTakeFirst()) !== undefined;
}

export async function insertPromoCode(trx: Transaction<DB>, row: Omit<Selectable<PromoCodesTable>, 'disabled_at' | 'used_count'>): Promise<void> {
  await trx.insertInto('promo_codes').values({ ...row, disabled_at: null }).execute();
}

export async function setPromoCodeDisabled(trx: Transaction<DB>, id: string, disabledAt: Date | null): Promise<void> {
  await trx.updateTable('promo_codes').set({ disabled_at: disabledAt }).where('id', '=', id).execute();
}

/** Promotions of a product that are on (not disabled) on `date`, with every code of theirs. */
export async function offersOn(db: Db, productCode: string, date: BusinessDate) {
  const promotions = await db
    .selectFrom('promotions')
    .selectAll()
    .where('product_code', '=', productCode)
    .where('valid_from', '<=', date)
    .where('valid_to', '>=', date)
    .where('disabled_at', 'is', null)
    .execute();
  const ids = promotions.map((p) => p.id);
  const codes = ids.length ? await db.selectFrom('promo_codes').selectAll().where('promotion_id', 'in', ids).execute() : [];
  return { promotions, codes };
}
