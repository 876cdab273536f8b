import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS } from '../../../core/pricing/products';
import { promotionFor, type PromoCodeRecord, type PromotionOffers, type PromotionRecord } from './catalogue.service';

const pdl = DEFAULT_PRODUCTS.find((p) => p.code === 'pdl')!;
const DATE = '2026-12-01';

let counter = 0;
function promo(change: Partial<PromotionRecord> = {}): PromotionRecord {
  counter += 1;
  return {
    id: `p${counter}`,
    name: `Акция ${counter}`,
    productCode: 'pdl',
    rate: { ppm: 5_000, per: 'day' },
    validFrom: '2026-11-25',
    validTo: '2026-12-31',
    audience: 'all',
    disabled: false,
    ...change,
  };
}
const code = (promotionId: string, change: Partial<PromoCodeRecord> = {}): PromoCodeRecord => ({
  code: 'ZIMA2026',
  promotionId,
  maxUses: null,
  usedCount: 0,
  disabled: false,
  ...change,
});
const offers = (promotions: PromotionRecord[], codes: PromoCodeRecord[] = []): PromotionOffers => ({ promotions, codes });

describe('promotionFor', () => {
  it('no promotion: the product’s own rate', () => {
    expect(promotionFor(offers([]), pdl, DATE, 'first_loan')).toEqual({ promotion: null, code: null });
  });

  it('an open promotion applies to its audience on its dates', () => {
    const open = promo();
    expect(promotionFor(offers([open]), pdl, DATE, 'returning').promotion).toEqual({ id: open.id, name: open.name, rate: { ppm: 5_000, per: 'day' }, code: null });
    expect(promotionFor(offers([open]), pdl, '2026-11-25', 'first_loan').promotion?.id).toBe(open.id);
    expect(promotionFor(offers([open]), pdl, '2026-12-31', 'first_loan').promotion?.id).toBe(open.id);
    expect(promotionFor(offers([open]), pdl, '2026-11-24', 'first_loan').promotion).toBeNull();
    expect(promotionFor(offers([open]), pdl, '2027-01-01', 'first_loan').promotion).toBeNull();
  });

  it('audiences: first loan only, returning only', () => {
    const first = promo({ audience: 'first_loan' });
    const returning = promo({ audience: 'returning', rate: { ppm: 6_000, per: 'day' } });
    expect(promotionFor(offers([first, returning]), pdl, DATE, 'first_loan').promotion?.id).toBe(first.id);
    expect(promotionFor(offers([first, returning]), pdl, DATE, 'returning').promotion?.id).toBe(returning.id);
  });

  it('ignores disabled promotions, other products and a rate no longer below the product’s', () => {
    expect(promotionFor(offers([promo({ disabled: true })]), pdl, DATE, 'first_loan').promotion).toBeNull();
    expect(promotionFor(offers([promo({ productCode: 'installment' })]), pdl, DATE, 'first_loan').promotion).toBeNull();
    const cheaperProduct = { ...pdl, rate: { ppm: 4_000, per: 'day' as const } };
    expect(promotionFor(offers([promo()]), cheaperProduct, DATE, 'first_loan').promotion).toBeNull();
  });

  it('compares rates per day when the units differ', () => {
    // 12 % a month ≈ 0.39 % a day: below the product's 0.8 % a day.
    const monthly = promo({ rate: { ppm: 120_000, per: 'month' } });
    expect(promotionFor(offers([monthly]), pdl, DATE, 'first_loan').promotion?.rate).toEqual({ ppm: 120_000, per: 'month' });
    // 30 % a month ≈ 0.99 % a day: not a discount.
    expect(promotionFor(offers([promo({ rate: { ppm: 300_000, per: 'month' } })]), pdl, DATE, 'first_loan').promotion).toBeNull();
  });

  it('the lowest rate wins', () => {
    const a = promo({ rate: { ppm: 6_000, per: 'day' } });
    const b = promo({ rate: { ppm: 3_000, per: 'day' } });
    const c = promo({ rate: { ppm: 7_000, per: 'day' } });
    expect(promotionFor(offers([a, b, c]), pdl, DATE, 'first_loan').promotion?.id).toBe(b.id);
  });

  it('a promotion with codes applies only with one of them, in any case, and says so', () => {
    const byCode = promo({ rate: { ppm: 2_000, per: 'day' } });
    const list = offers([byCode], [code(byCode.id)]);
    expect(promotionFor(list, pdl, DATE, 'first_loan')).toEqual({ promotion: null, code: null });
    expect(promotionFor(list, pdl, DATE, 'first_loan', ' zima2026 ')).toEqual({
      promotion: { id: byCode.id, name: byCode.name, rate: { ppm: 2_000, per: 'day' }, code: 'ZIMA2026' },
      code: { code: 'ZIMA2026', status: 'applied' },
    });
  });

  it('a code that cannot be used says why, and open promotions still apply', () => {
    const open = promo({ rate: { ppm: 6_000, per: 'day' } });
    const byCode = promo({ rate: { ppm: 2_000, per: 'day' } });
    const withCode = (c: PromoCodeRecord, p = byCode) => offers([open, p], [c]);
    const status = (list: PromotionOffers, entered: string) => {
      const choice = promotionFor(list, pdl, DATE, 'first_loan', entered);
      expect(choice.promotion?.id).toBe(open.id);
      return choice.code?.status;
    };
    expect(status(withCode(code(byCode.id)), 'LETO2026')).toBe('unknown');
    expect(status(withCode(code(byCode.id, { disabled: true })), 'ZIMA2026')).toBe('disabled');
    expect(status(withCode(code(byCode.id, { maxUses: 3, usedCount: 3 })), 'ZIMA2026')).toBe('used_up');
    expect(status(withCode(code(byCode.id), { ...byCode, audience: 'returning' }), 'ZIMA2026')).toBe('not_applicable');
    expect(status(withCode(code(byCode.id), { ...byCode, validTo: '2026-11-30' }), 'ZIMA2026')).toBe('not_applicable');
    expect(status(withCode(code(byCode.id), { ...byCode, disabled: true }), 'ZIMA2026')).toBe('not_applicable');
  });

  it('a code no better than an open promotion is not spent', () => {
    const open = promo({ rate: { ppm: 3_000, per: 'day' } });
    const byCode = promo({ rate: { ppm: 3_000, per: 'day' } });
    const choice = promotionFor(offers([open, byCode], [code(byCode.id)]), pdl, DATE, 'returning', 'ZIMA2026');
    expect(choice).toEqual({ promotion: { id: open.id, name: open.name, rate: { ppm: 3_000, per: 'day' }, code: null }, code: { code: 'ZIMA2026', status: 'not_better' } });
  });

  it('a code better than an open promotion wins', () => {
    const open = promo({ rate: { ppm: 6_000, per: 'day' } });
    const byCode = promo({ rate: { ppm: 1_000, per: 'day' } });
    expect(promotionFor(offers([open, byCode], [code(byCode.id, { maxUses: 3, usedCount: 2 })]), pdl, DATE, 'returning', 'ZIMA2026').promotion).toMatchObject({
      id: byCode.id,
      code: 'ZIMA2026',
    });
  });
});
