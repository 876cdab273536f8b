import { describe, expect, it } from 'vitest';
import { addDays } from '../../../core/dates';
import { activeLoan, customerClient, questionnaire } from '../../testing/applicant';
import { loginStaff } from '../../testing/staff';
import { lastCodeFor, login, nextPhone, runJobs, useTestSystem } from '../../testing/test-system';
import { bonusBalance } from '../bonus/bonus.service';

const system = useTestSystem();
const TODAY = '2026-11-25';

type Api = ReturnType<typeof customerClient>;
type Offer = { product: string; maxAmount: number; ratePerDay: number; note: string | null; basis: { source: string }; choice: { product: string; amount: number; term: number } };

const pdlOffer = (body: { offers: Offer[] }) => body.offers.find((o) => o.product === 'pdl')!;

/** Takes an application through the questionnaire and consents to a decision (the same customer each time). */
async function decided(api: Api, loan: Record<string, unknown> = { product: 'pdl', amount: 10_000, term: 30 }) {
  const created = await api.create(loan);
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  expect((await api.patch(id, questionnaire())).statusCode).toBe(200);
  expect((await api.consents(id)).statusCode).toBe(200);
  expect((await api.submit(id)).statusCode).toBe(202);
  await runJobs(system);
  const application = (await api.get(`/api/applications/${id}`)).json();
  expect(application.status).toBe('approved');
  return { id, application };
}

/** Cash payout, the contract as it would be signed, then signed by the SMS code. */
async function sign(api: Api, phone: string, id: string) {
  expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' })).statusCode).toBe(200);
  const contract = (await api.get(`/api/applications/${id}/contract`)).json();
  system.clock.advance(61_000); // the per-phone gap between SMS codes
  expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(200);
  const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(system, phone) });
  return { contract, signed };
}

/** The borrower pays the whole debt on the sandbox acquirer's page: the loan closes. */
async function repay(api: Api, loanId: string) {
  const debt = (await api.get(`/api/loans/${loanId}`)).json().debt.totalKopecks as number;
  const started = await api.pay(loanId, { amountKopecks: debt }, crypto.randomUUID());
  expect(started.statusCode, started.body).toBe(201);
  const path = new URL(started.json().confirmationUrl as string).pathname;
  const done = await system.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'outcome=succeeded' });
  expect(done.statusCode).toBe(200);
  await runJobs(system);
  expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('closed');
}

/** A customer who took and repaid two loans, each on the day it was paid out (on time). */
async function twoLoansRepaidOnTime() {
  const first = await activeLoan(system);
  const { api, phone } = first;
  await repay(api, first.loanId);
  const second = await decided(api);
  const { signed } = await sign(api, phone, second.id);
  expect(signed.statusCode, signed.body).toBe(200);
  await runJobs(system);
  await repay(api, signed.json().loanId as string);
  return { api, phone };
}

async function promotionWithCode(code: string, maxUses?: number) {
  const admin = await loginStaff(system, ['admin']);
  const promotion = await admin.post('/api/staff/promotions', {
    name: 'Зима',
    productCode: 'pdl',
    ratePpm: 5_000,
    validFrom: TODAY,
    validTo: addDays(TODAY, 30),
    audience: 'all',
  });
  expect(promotion.statusCode, promotion.body).toBe(201);
  const created = await admin.post('/api/staff/promo-codes', { code, promotionId: promotion.json().id, ...(maxUses ? { maxUses } : {}) });
  expect(created.statusCode, created.body).toBe(201);
}

const usedCount = async (code: string) =>
  (await system.database.db.selectFrom('promo_codes').select('used_count').where('code', '=', code).executeTakeFirstOrThrow()).used_count;

describe('GET /api/offers', () => {
  it('needs a session (401)', async () => {
    const response = await system.get('/api/offers');
    expect(response.statusCode).toBe(401);
  });

  it('a new customer: level «Старт», the product rates, half the maximum pre-approved, no points', async () => {
    const api = customerClient(system, await login(system, nextPhone()));
    const response = await api.get('/api/offers');
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['bonusPoints', 'level', 'offers']);
    expect(body.bonusPoints).toBe(0);
    expect(body.level).toMatchObject({ code: 'start', name: 'Старт', title: 'Новый клиент', discountPercent: 0, restriction: null });
    expect(body.level.next).toMatchObject({ code: 'silver', name: 'Серебро', loansToGo: 1 });
    expect(body.offers.map((o: Offer) => o.product)).toEqual(['pdl', 'installment', 'car']);
    expect(pdlOffer(body)).toMatchObject({
      product: 'pdl',
      maxAmount: 15_000,
      ratePerDay: 0.8,
      note: null,
      basis: { source: 'product', level: 'start', promotion: null },
      choice: { product: 'pdl', amount: 15_000, term: 30 },
    });
  });

  it('two loans repaid on time: «Серебро», a lower rate and a larger pre-approved amount; the new quote and the contract show it', async () => {
    const { api, phone } = await twoLoansRepaidOnTime();
    const body = (await api.get('/api/offers')).json();
    expect(body.level).toMatchObject({ code: 'silver', name: 'Серебро', discountPercent: 5, history: { loansRepaid: 2, repaidOnTime: 2, maxOverdueDays: 0 } });
    expect(body.level.next).toMatchObject({ code: 'gold', loansToGo: 1, text: 'Ещё 1 заём без просрочки до уровня «Золото»' });
    const me = (await api.get('/api/me')).json();
    expect(body.bonusPoints).toBe(await bonusBalance(system.database.db, me.id));
    const offer = pdlOffer(body);
    expect(offer).toMatchObject({ maxAmount: 22_500, ratePerDay: 0.76, basis: { source: 'level' } });
    expect(offer.ratePerDay).toBeLessThan(0.8);
    expect(offer.note).toBe('Ставка 0,76\u00a0% в день вместо 0,8\u00a0% — уровень «Серебро»');
    expect(body.offers.find((o: Offer) => o.product === 'installment').ratePerDay).toBe(0.4275);

    // «Оформить»: the offer's choice starts the application.
    const third = await decided(api, { product: 'pdl', amount: 10_000, term: 30 });
    expect(third.application.pricing).toMatchObject({ rate: { ppm: 7_600, percent: 0.76 }, source: 'level', discounted: true, level: { code: 'silver' } });
    expect(third.application.offer.quote.rate).toEqual({ percent: 0.76, per: 'day' });
    // 10 000 ₽ × 0.76 % × 30 days.
    expect(third.application.offer.quote.overpaymentKopecks).toBe(228_000);
    const { contract, signed } = await sign(api, phone, third.id);
    expect(contract.text).toMatch(/Процентная ставка: 0,76 % в день\./);
    expect(contract.text).toContain('Ставка 0,76\u00a0% в день вместо 0,8\u00a0% — уровень «Серебро».');
    expect(contract.keyFacts.totalKopecks).toBe(1_228_000);
    expect(signed.statusCode, signed.body).toBe(200);
    const loan = (await api.get(`/api/loans/${signed.json().loanId}`)).json();
    expect(loan.totalKopecks).toBe(1_228_000);
  });

  it('an active loan past its due date takes the level down to «Старт» until it is repaid', async () => {
    const { api, phone } = await twoLoansRepaidOnTime();
    const third = await decided(api);
    const { signed } = await sign(api, phone, third.id);
    await runJobs(system);
    system.clock.advance(32 * 86_400_000);
    const again = customerClient(system, await login(system, phone));
    const body = (await again.get('/api/offers')).json();
    expect(body.level).toMatchObject({ code: 'start', next: null, history: { openOverdueDays: 2 } });
    expect(body.level.restriction).toMatch(/просроченный заём/);
    expect(pdlOffer(body).ratePerDay).toBe(0.8);
    expect(signed.statusCode).toBe(200);
  });
});

describe('promo codes on the application', () => {
  it('an unknown code is refused on its field; a good one lowers the rate and is counted once, at signing', async () => {
    await promotionWithCode('ZIMA2026', 10);
    const phone = nextPhone();
    const api = customerClient(system, await login(system, phone));
    const created = await api.create({ product: 'pdl', amount: 10_000, term: 30 });
    const id = created.json().id as string;
    expect(created.json().pricing).toMatchObject({ source: 'product', discounted: false, promoCode: null });

    const unknown = await api.patch(id, { promoCode: 'NOPE1234' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.fields.promoCode).toBe('Такого промокода нет. Проверьте, как он написан.');

    const applied = await api.patch(id, { promoCode: ' zima2026 ' });
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json().pricing).toMatchObject({
      rate: { ppm: 5_000, percent: 0.5 },
      source: 'promotion',
      promotion: { name: 'Зима' },
      promoCode: { code: 'ZIMA2026', status: 'applied' },
      note: 'Ставка 0,5\u00a0% в день вместо 0,8\u00a0% — акция «Зима»',
    });
    // Changing the loan keeps the code.
    expect((await api.patch(id, { amount: 12_000 })).json().pricing.promoCode).toMatchObject({ code: 'ZIMA2026', status: 'applied' });
    expect((await api.patch(id, { amount: 10_000 })).statusCode).toBe(200);
    expect((await api.patch(id, questionnaire())).statusCode).toBe(200);
    expect((await api.consents(id)).statusCode).toBe(200);
    expect((await api.submit(id)).statusCode).toBe(202);
    await runJobs(system);
    const application = (await api.get(`/api/applications/${id}`)).json();
    expect(application.offer.quote).toMatchObject({ rate: { percent: 0.5 }, overpaymentKopecks: 150_000 });
    expect(await usedCount('ZIMA2026')).toBe(0); // entering and applying it uses nothing

    const { contract, signed } = await sign(api, phone, id);
    expect(contract.text).toContain('— акция «Зима».');
    expect(signed.statusCode, signed.body).toBe(200);
    expect(await usedCount('ZIMA2026')).toBe(1);
    // Signing again changes nothing.
    const again = await api.post(`/api/applications/${id}/sign`, { code: '123456' });
    expect(again.statusCode).toBe(409);
    expect(await usedCount('ZIMA2026')).toBe(1);
  });

  it('a code used up by someone else before signing: refused, the offer repriced without it, nothing counted twice', async () => {
    await promotionWithCode('LAST2026', 1);
    const customers = [];
    for (let i = 0; i < 2; i += 1) {
      const phone = nextPhone();
      const api = customerClient(system, await login(system, phone));
      const { id } = await decided(api, { product: 'pdl', amount: 10_000, term: 30, promoCode: 'last2026' });
      customers.push({ api, phone, id });
    }
    const [first, second] = customers as [(typeof customers)[0], (typeof customers)[0]];
    expect((await sign(first.api, first.phone, first.id)).signed.statusCode).toBe(200);
    expect(await usedCount('LAST2026')).toBe(1);

    const late = await sign(second.api, second.phone, second.id);
    expect(late.contract.text).toContain('акция «Зима»');
    expect(late.signed.statusCode).toBe(409);
    expect(late.signed.json().error.message).toMatch(/Промокод больше не действует/);
    expect(await usedCount('LAST2026')).toBe(1);
    const repriced = (await second.api.get(`/api/applications/${second.id}`)).json();
    expect(repriced.status).toBe('approved');
    expect(repriced.pricing).toMatchObject({ source: 'product', promoCode: { status: 'used_up' } });
    expect(repriced.offer.quote.rate.percent).toBe(0.8);
    const contract = (await second.api.get(`/api/applications/${second.id}/contract`)).json();
    expect(contract.text).not.toContain('акция');
    expect(contract.sha256).not.toBe(late.contract.sha256);
  });
});
