import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { addDays } from '../../../core/dates';
import { DEFAULT_PRODUCTS, type Product } from '../../../core/pricing/products';
import { DEFAULT_LEGAL_RULES, pskLimitFromAverage } from '../../../core/pricing/rules';
import { activeLoan, customerClient } from '../../testing/applicant';
import { loginStaff, type StaffClient } from '../../testing/staff';
import { createTestSystem, login, TEST_ORIGIN, useTestSystem, type TestSystem } from '../../testing/test-system';
import { verifyAuditChain } from '../audit/audit.service';
import { PricingConfigError } from '../pricing/pricing.service';
import { CATALOGUE_REFRESH_MS } from './catalogue.sync';
import { offersFor, promotionFor } from './catalogue.service';

const system = useTestSystem();
const TODAY = '2026-11-25';

const pdl = DEFAULT_PRODUCTS.find((p) => p.code === 'pdl')!;
const installment = DEFAULT_PRODUCTS.find((p) => p.code === 'installment')!;

/** The editable part of a product, as the back office form sends it. */
const editable = (product: Product) => ({
  name: product.name,
  description: product.description,
  amount: { ...product.amount },
  term: { ...product.term },
  rate: { ...product.rate },
});

function put(sys: TestSystem, staff: StaffClient, url: string, body: unknown) {
  return sys.app.inject({
    method: 'PUT',
    url,
    headers: { cookie: staff.cookie, origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

const auditRows = (action: string) => system.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();
const versions = () => system.database.db.selectFrom('catalogue_versions').selectAll().orderBy('seq').execute();
const publicPdl = async (sys: TestSystem = system) =>
  ((await sys.get('/api/pricing')).json().products as Product[]).find((p) => p.code === 'pdl')!;

describe('the product catalogue', () => {
  it('lists the products in force with their ПСК ranges and the version (0: built in)', async () => {
    const admin = await loginStaff(system, ['admin']);
    const response = await admin.get('/api/staff/products');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.version).toEqual({ seq: 0, createdAt: null, createdBy: null, note: null });
    expect(body.date).toBe(TODAY);
    expect(body.products.map((p: Product) => p.code)).toEqual(['pdl', 'installment', 'car']);
    expect(body.products[0]).toMatchObject({ amount: { maxRubles: 30_000 }, rate: { ppm: 8_000, per: 'day', percent: 0.8 }, pskRange: { minPercent: 292, maxPercent: 292 } });
  });

  it('an admin changes the maximum amount: a new version, public pricing and quotes follow at once, audited', async () => {
    const admin = await loginStaff(system, ['admin']);
    const body = { ...editable(pdl), amount: { ...pdl.amount, maxRubles: 25_000 }, version: 0, note: 'Снижаем максимум' };
    const response = await put(system, admin, '/api/staff/products/pdl', body);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().version).toMatchObject({ seq: 1, createdBy: { id: admin.id }, note: 'Снижаем максимум' });
    expect(response.json().products[0].amount.maxRubles).toBe(25_000);

    expect((await publicPdl()).amount.maxRubles).toBe(25_000);
    expect((await system.get('/api/products')).json()[0].amount.maxRubles).toBe(25_000);
    const refused = await system.get('/api/quote?product=pdl&amount=26000&term=30');
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.fields.amount).toMatch(/до 25\u00a0000/);
    expect((await admin.get('/api/staff/products')).json().version.seq).toBe(1);

    const saved = await versions();
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ seq: 1, created_by: admin.id, note: 'Снижаем максимум' });
    const [audit] = await auditRows('product.updated');
    expect(audit).toMatchObject({ actor_type: 'staff', actor_id: admin.id, entity_type: 'product', entity_id: 'pdl' });
    expect(audit!.details).toEqual({ version: 1, note: 'Снижаем максимум', changes: { 'amount.maxRubles': { before: 30_000, after: 25_000 } } });
    expect(await verifyAuditChain(system.database.db)).toMatchObject({ ok: true });

    // The same form sent again changes nothing and saves nothing.
    const again = await put(system, admin, '/api/staff/products/pdl', { ...body, version: 1 });
    expect(again.statusCode).toBe(200);
    expect(again.json().version.seq).toBe(1);
    expect(await versions()).toHaveLength(1);
  });

  it('a rate above the legal cap: 400 with the field’s message, nothing saved or changed', async () => {
    const admin = await loginStaff(system, ['admin']);
    const response = await put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), rate: { ppm: 9_000, per: 'day' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', fields: { 'rate.ppm': 'Ставка выше предельной 0,8 % в день' } });
    expect(await versions()).toEqual([]);
    expect(await auditRows('product.updated')).toEqual([]);
    expect((await publicPdl()).rate).toEqual({ ppm: 8_000, per: 'day' });
  });

  it('a ПСК above the category ceiling, ranges out of the category, bad defaults: one message per field', async () => {
    const admin = await loginStaff(system, ['admin']);
    const car = DEFAULT_PRODUCTS.find((p) => p.code === 'car')!;
    const psk = await put(system, admin, '/api/staff/products/car', { ...editable(car), rate: { ppm: 170_000, per: 'month' } });
    expect(psk.statusCode).toBe(400);
    expect(psk.json().error.fields['rate.ppm']).toMatch(/^ПСК [\d,]+ % при 80\u00a0000 ₽ на 6 мес\. выше предельной 203,268 %/);
    const ranges = await put(system, admin, '/api/staff/products/pdl', {
      ...editable(pdl),
      amount: { ...pdl.amount, maxRubles: 50_000 },
      term: { ...pdl.term, default: 40 },
    });
    expect(ranges.statusCode).toBe(400);
    expect(ranges.json().error.fields).toEqual({
      'amount.maxRubles': 'В категории ПСК этого продукта сумма — не больше 30\u00a0000 ₽.',
      'term.default': 'Срок по умолчанию — от 5 до 30 дней с шагом 1.',
    });
    expect(await versions()).toEqual([]);
  });

  it('code, repayment, ПСК category, collateral and the term unit are not editable; an unknown product is 404', async () => {
    const admin = await loginStaff(system, ['admin']);
    for (const extra of [{ code: 'pdl2' }, { repayment: 'monthly_annuity' }, { pskCategory: 'mfo_car_pledge' }, { collateral: 'car' }]) {
      const response = await put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), ...extra });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.fields[Object.keys(extra)[0]!]).toBe('Это поле не поддерживается.');
    }
    const unit = await put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), term: { ...pdl.term, unit: 'weeks' } });
    expect(unit.statusCode).toBe(400);
    expect(unit.json().error.fields['term.unit']).toMatch(/Единицу срока менять нельзя/);
    expect((await put(system, admin, '/api/staff/products/gold', editable(pdl))).statusCode).toBe(404);
    expect((await put(system, admin, '/api/staff/products/PDL!', editable(pdl))).statusCode).toBe(404);
    expect(await versions()).toEqual([]);
  });

  it('a form loaded from an older version is refused (409) instead of overwriting a colleague’s change', async () => {
    const admin = await loginStaff(system, ['admin']);
    const first = await put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), name: 'До получки', version: 0 });
    expect(first.statusCode).toBe(200);
    const stale = await put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), rate: { ppm: 7_000, per: 'day' }, version: 0 });
    expect(stale.statusCode).toBe(409);
    expect((await publicPdl()).name).toBe('До получки');
    expect((await publicPdl()).rate.ppm).toBe(8_000);
  });

  it('two saves from the same version at once: one wins, the other is told (409); seq never repeats', async () => {
    const admin = await loginStaff(system, ['admin']);
    const other = await createTestSystem({ database: system.database, clock: system.clock });
    try {
      const [a, b] = await Promise.all([
        put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), name: 'Вариант А', version: 0 }),
        put(other, admin, '/api/staff/products/pdl', { ...editable(pdl), name: 'Вариант Б', version: 0 }),
      ]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
      expect((await versions()).map((v) => v.seq)).toEqual([1]);
    } finally {
      await other.close();
    }
  });

  it('another process on the same database prices with the new version after its refresh, and a new one at start', async () => {
    const admin = await loginStaff(system, ['admin']);
    const other = await createTestSystem({ database: system.database });
    try {
      expect((await publicPdl(other)).amount.maxRubles).toBe(30_000);
      expect((await put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), amount: { ...pdl.amount, maxRubles: 20_000 } })).statusCode).toBe(200);

      // Not yet: the other process looks at most every CATALOGUE_REFRESH_MS of its clock.
      other.clock.advance(CATALOGUE_REFRESH_MS / 2);
      expect(await other.catalogue.refreshIfDue()).toBe(false);
      expect((await publicPdl(other)).amount.maxRubles).toBe(30_000);
      other.clock.advance(CATALOGUE_REFRESH_MS / 2);
      expect(await other.catalogue.refreshIfDue()).toBe(true);
      expect((await publicPdl(other)).amount.maxRubles).toBe(20_000);
      expect((await other.get('/api/quote?product=pdl&amount=25000&term=30')).statusCode).toBe(400);

      // Its own timer does the same, unasked.
      expect((await put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), amount: { ...pdl.amount, maxRubles: 15_000 } })).statusCode).toBe(200);
      other.clock.advance(CATALOGUE_REFRESH_MS);
      await vi.waitFor(async () => expect((await publicPdl(other)).amount.maxRubles).toBe(15_000), { timeout: 5_000, interval: 100 });
    } finally {
      await other.close();
    }
    const restarted = await createTestSystem({ database: system.database });
    try {
      expect((await publicPdl(restarted)).amount.maxRubles).toBe(15_000);
      expect(restarted.catalogue).toBeDefined();
    } finally {
      await restarted.close();
    }
  });

  it('a process whose legal rules the saved version breaks keeps its own catalogue running, and refuses to start', async () => {
    const admin = await loginStaff(system, ['admin']);
    // Stricter rules in that process: the instalment category's ceiling at 173.333 % (5000 ppm gives 182.5 %).
    const rules = structuredClone(DEFAULT_LEGAL_RULES);
    for (const row of rules.pskLimits) {
      if (row.category === installment.pskCategory) Object.assign(row, { averagePercent: 130, limitPercent: pskLimitFromAverage(130) });
    }
    const file = join(mkdtempSync(join(tmpdir(), 'cc-rules-')), 'rules.json');
    writeFileSync(file, JSON.stringify(rules));
    const strict = await createTestSystem({ database: system.database, env: { LEGAL_RULES_FILE: file } });
    try {
      const saved = await put(system, admin, '/api/staff/products/installment', { ...editable(installment), rate: { ppm: 5_000, per: 'day' } });
      expect(saved.statusCode, saved.body).toBe(200);
      strict.clock.advance(CATALOGUE_REFRESH_MS);
      expect(await strict.catalogue.refreshIfDue()).toBe(false);
      const installed = ((await strict.get('/api/pricing')).json().products as Product[]).find((p) => p.code === 'installment')!;
      expect(installed.rate.ppm).toBe(4_500);
      expect(strict.logs.join('')).toMatch(/catalogue version refused/);
    } finally {
      await strict.close();
    }
    await expect(createTestSystem({ database: system.database, env: { LEGAL_RULES_FILE: file } })).rejects.toThrow(PricingConfigError);
  });

  it('a signed loan keeps the terms it was signed with when the product changes', async () => {
    const { api, loanId, phone } = await activeLoan(system);
    const before = (await api.get(`/api/loans/${loanId}`)).json();
    expect(before).toMatchObject({ amountKopecks: 1_000_000, totalKopecks: 1_240_000 });
    const admin = await loginStaff(system, ['admin']);
    const cheaper = await put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), rate: { ppm: 5_000, per: 'day' } });
    expect(cheaper.statusCode).toBe(200);
    expect((await system.get('/api/quote?product=pdl&amount=10000&term=30')).json().totalKopecks).toBe(1_150_000);
    system.clock.advance(10 * 86_400_000);
    await system.money.accrueAll();
    // Ten days on, the customer's session has ended: they log in again.
    const again = customerClient(system, await login(system, phone));
    const after = (await again.get(`/api/loans/${loanId}`)).json();
    expect(after).toMatchObject({ totalKopecks: 1_240_000, pskPercent: before.pskPercent, returnDate: before.returnDate });
    // 0.8 % a day, as signed, not the new 0.5 %.
    expect(after.debt.interestKopecks % 8_000).toBe(0);
    expect(after.debt.interestKopecks).toBeGreaterThanOrEqual(80_000);
  });
});

describe('promotions and promo codes', () => {
  const promotion = (change: Record<string, unknown> = {}) => ({
    name: 'Зима',
    productCode: 'pdl',
    ratePpm: 5_000,
    validFrom: TODAY,
    validTo: addDays(TODAY, 30),
    audience: 'all',
    ...change,
  });

  it('an admin makes a promotion, switches it off and on; each change audited', async () => {
    const admin = await loginStaff(system, ['admin']);
    const created = await admin.post('/api/staff/promotions', promotion({ audience: 'first_loan' }));
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect(created.json()).toMatchObject({
      name: 'Зима',
      productCode: 'pdl',
      ratePpm: 5_000,
      ratePer: 'day',
      ratePercent: 0.5,
      validFrom: TODAY,
      validTo: '2026-12-25',
      audience: 'first_loan',
      byCode: false,
      status: 'active',
      createdBy: { id: admin.id },
      disabledAt: null,
    });
    system.clock.advance(1_000);
    const later = await admin.post('/api/staff/promotions', promotion({ validFrom: '2026-12-01', name: 'Декабрь' }));
    expect(later.json().status).toBe('scheduled');
    expect((await admin.get('/api/staff/promotions')).json().items.map((p: { name: string }) => p.name)).toEqual(['Декабрь', 'Зима']);

    const off = await admin.patch(`/api/staff/promotions/${id}`, { disabled: true });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ status: 'disabled' });
    expect(off.json().disabledAt).not.toBeNull();
    const on = await admin.patch(`/api/staff/promotions/${id}`, { disabled: false });
    expect(on.json()).toMatchObject({ status: 'active', disabledAt: null });
    expect((await admin.patch('/api/staff/promotions/6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11', { disabled: true })).statusCode).toBe(404);

    const [made] = await auditRows('promotion.created');
    expect(made).toMatchObject({ actor_id: admin.id, entity_type: 'promotion', entity_id: id });
    expect(made!.details).toMatchObject({ productCode: 'pdl', rate: { ppm: 5_000, per: 'day' }, audience: 'first_loan', validFrom: TODAY, validTo: '2026-12-25' });
    expect(await auditRows('promotion.disabled')).toHaveLength(1);
    expect(await auditRows('promotion.enabled')).toHaveLength(1);
  });

  it.each([
    ['a rate not below the product’s', { ratePpm: 8_000 }, 'ratePpm', /ниже ставки продукта \(0,8 % в день\)/],
    ['a rate above the product’s and the cap', { ratePpm: 9_000 }, 'ratePpm', /ниже ставки продукта/],
    ['a start in the past', { validFrom: '2026-11-24' }, 'validFrom', /не раньше сегодняшней \(2026-11-25\)/],
    ['an end before the start', { validFrom: '2026-12-10', validTo: '2026-12-09' }, 'validTo', /не раньше даты начала/],
    ['longer than a year', { validTo: '2027-11-26' }, 'validTo', /не больше года/],
    ['a malformed date', { validTo: '2026-02-30' }, 'validTo', /ГГГГ-ММ-ДД/],
    ['an unknown product', { productCode: 'gold' }, 'productCode', /Такого продукта нет/],
    ['an unknown audience', { audience: 'vip' }, 'audience', /Кому акция/],
    ['a fractional rate', { ratePpm: 10.5 }, 'ratePpm', /целое число/],
  ])('refuses %s (400 on the field), saving nothing', async (_name, change, field, message) => {
    const admin = await loginStaff(system, ['admin']);
    const response = await admin.post('/api/staff/promotions', promotion(change));
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields[field]).toMatch(message);
    expect(await system.database.db.selectFrom('promotions').selectAll().execute()).toEqual([]);
    expect(await auditRows('promotion.created')).toEqual([]);
  });

  it('checks the promotion against the product as saved now (after an edit lowering its rate)', async () => {
    const admin = await loginStaff(system, ['admin']);
    expect((await put(system, admin, '/api/staff/products/pdl', { ...editable(pdl), rate: { ppm: 4_000, per: 'day' } })).statusCode).toBe(200);
    const response = await admin.post('/api/staff/promotions', promotion({ ratePpm: 5_000 }));
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields.ratePpm).toMatch(/\(0,4 % в день\)/);
  });

  it('promo codes: upper-cased, unique (409), well-formed, for a live promotion; switched off and on; audited', async () => {
    const admin = await loginStaff(system, ['admin']);
    const promo = (await admin.post('/api/staff/promotions', promotion())).json();
    const created = await admin.post('/api/staff/promo-codes', { code: ' zima2026 ', promotionId: promo.id, maxUses: 100 });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ code: 'ZIMA2026', promotionId: promo.id, promotionName: 'Зима', maxUses: 100, usedCount: 0, status: 'active' });
    const id = created.json().id as string;

    const duplicate = await admin.post('/api/staff/promo-codes', { code: 'Zima2026', promotionId: promo.id });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.fields.code).toBe('Такой промокод уже есть.');
    for (const code of ['ZIM', 'ЗИМА2026', 'ZIMA-2026', 'A'.repeat(21)]) {
      const bad = await admin.post('/api/staff/promo-codes', { code, promotionId: promo.id });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.fields.code).toMatch(/от 4 до 20 латинских букв и цифр/);
    }
    const unknown = await admin.post('/api/staff/promo-codes', { code: 'LETO2026', promotionId: '6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.fields.promotionId).toBe('Акция не найдена.');
    expect((await admin.post('/api/staff/promo-codes', { code: 'LETO2026', promotionId: promo.id, maxUses: 0 })).statusCode).toBe(400);

    // A promotion with a code is given only through it.
    expect((await admin.get('/api/staff/promotions')).json().items[0].byCode).toBe(true);
    const listed = await admin.get(`/api/staff/promo-codes?promotionId=${promo.id}`);
    expect(listed.json().items.map((c: { code: string }) => c.code)).toEqual(['ZIMA2026']);
    expect((await admin.get('/api/staff/promo-codes?promotionId=nope')).statusCode).toBe(400);

    const off = await admin.patch(`/api/staff/promo-codes/${id}`, { disabled: true });
    expect(off.json()).toMatchObject({ status: 'disabled' });
    expect((await admin.patch(`/api/staff/promo-codes/${id}`, { disabled: false })).json()).toMatchObject({ status: 'active', disabledAt: null });
    expect((await admin.patch(`/api/staff/promotions/${promo.id}`, { disabled: true })).statusCode).toBe(200);
    expect((await admin.get('/api/staff/promo-codes')).json().items[0].status).toBe('disabled');
    const forDisabled = await admin.post('/api/staff/promo-codes', { code: 'LETO2026', promotionId: promo.id });
    expect(forDisabled.json().error.fields.promotionId).toMatch(/Акция отключена/);

    expect((await auditRows('promo_code.created')).map((r) => r.details)).toEqual([{ code: 'ZIMA2026', promotionId: promo.id, maxUses: 100 }]);
    expect(await auditRows('promo_code.disabled')).toHaveLength(1);
    expect(await auditRows('promo_code.enabled')).toHaveLength(1);
    expect(await verifyAuditChain(system.database.db)).toMatchObject({ ok: true });
  });

  it('offersFor + promotionFor: what a customer would get, from what staff saved', async () => {
    const admin = await loginStaff(system, ['admin']);
    const open = (await admin.post('/api/staff/promotions', promotion({ ratePpm: 6_000, name: 'Всем' }))).json();
    const byCode = (await admin.post('/api/staff/promotions', promotion({ ratePpm: 2_000, name: 'По коду', audience: 'returning' }))).json();
    expect((await admin.post('/api/staff/promo-codes', { code: 'SVOI2026', promotionId: byCode.id })).statusCode).toBe(201);
    const offers = await offersFor(system.database.db, 'pdl', TODAY);
    expect(promotionFor(offers, pdl, TODAY, 'first_loan').promotion).toMatchObject({ id: open.id, rate: { ppm: 6_000, per: 'day' } });
    expect(promotionFor(offers, pdl, TODAY, 'returning', 'svoi2026').promotion).toMatchObject({ id: byCode.id, code: 'SVOI2026' });
    expect(promotionFor(offers, pdl, TODAY, 'first_loan', 'SVOI2026')).toMatchObject({ promotion: { id: open.id }, code: { status: 'not_applicable' } });
  });
});

describe('who may manage the catalogue', () => {
  it('admin only: other roles 403, no staff session 401, nothing changed', async () => {
    const others = await loginStaff(system, ['support', 'underwriter', 'collections']);
    const id = '6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11';
    const calls = [
      others.get('/api/staff/products'),
      put(system, others, '/api/staff/products/pdl', { ...editable(pdl), rate: { ppm: 1_000, per: 'day' } }),
      others.get('/api/staff/promotions'),
      others.post('/api/staff/promotions', { name: 'x', productCode: 'pdl', ratePpm: 1, validFrom: TODAY, validTo: TODAY, audience: 'all' }),
      others.patch(`/api/staff/promotions/${id}`, { disabled: true }),
      others.get('/api/staff/promo-codes'),
      others.post('/api/staff/promo-codes', { code: 'ABCD', promotionId: id }),
      others.patch(`/api/staff/promo-codes/${id}`, { disabled: true }),
    ];
    for (const response of await Promise.all(calls)) expect(response.statusCode).toBe(403);
    expect((await system.get('/api/staff/products')).statusCode).toBe(401);
    expect((await system.post('/api/staff/promotions', {})).statusCode).toBe(401);
    expect(await versions()).toEqual([]);
    expect((await publicPdl()).rate.ppm).toBe(8_000);
  });
});
