import { describe, expect, it } from 'vitest';
import { SECOND_MS } from '../../../core/clock';
import { DECLINED_TEST_CARD, latinName, luhnValid } from '../../providers/payouts/sandbox';
import { decidedApplication } from '../../testing/applicant';
import { dumpDatabase } from '../../testing/test-database';
import { lastCodeFor, runJobs, TEST_ORIGIN, useTestSystem } from '../../testing/test-system';
import { ledgerProblems } from '../ledger/ledger.service';

const system = useTestSystem();
const GOOD_CARD = '4111111111111111';

async function approved() {
  const decided = await decidedApplication(system, { product: 'pdl', amount: 10_000, term: 30 });
  expect(decided.application.status).toBe('approved');
  return decided;
}

/** The borrower on the acquirer's page: a urlencoded form, as the browser sends it. */
function submitCardPage(url: string, form: Record<string, string>) {
  return system.app.inject({
    method: 'POST',
    url: new URL(url).pathname,
    headers: { origin: TEST_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
}

const holdOf = async (bindingUrl: string) => {
  const id = new URL(bindingUrl).pathname.split('/').pop()!;
  const row = await system.database.db.selectFrom('sandbox_card_bindings').select('hold_kopecks').where('id', '=', id).executeTakeFirstOrThrow();
  return row.hold_kopecks!;
};
const asRubles = (kopecks: number) => `${Math.floor(kopecks / 100)},${String(kopecks % 100).padStart(2, '0')}`;
const wrongAmount = (kopecks: number) => asRubles(kopecks === 1000 ? 999 : kopecks + 1);

async function cardPage(api: Awaited<ReturnType<typeof approved>>['api'], id: string) {
  const started = await api.post(`/api/applications/${id}/payout-method`, { type: 'card' });
  expect(started.statusCode, started.body).toBe(200);
  expect(started.json()).toMatchObject({ type: 'card', next: 'card_page' });
  const url = started.json().hostedPageUrl as string;
  const page = await system.app.inject({ method: 'GET', url: new URL(url).pathname });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('Номер карты');
  return url;
}

async function enterCard(url: string, form: Partial<Record<'pan' | 'expiry' | 'cvc' | 'holder', string>> = {}) {
  const answer = await submitCardPage(url, { pan: '4111 1111 1111 1111', expiry: '12/29', cvc: '123', holder: 'MARIA IVANOVA', ...form });
  return answer;
}

describe('card payout: the acquirer page, the hold, the holder name (R13)', () => {
  it('card page → the held amount confirmed → holder matched → signed → paid to the card → active', async () => {
    const { api, id, phone } = await approved();
    const url = await cardPage(api, id);
    expect((await api.get(`/api/applications/${id}/payout-method`)).json().method).toMatchObject({ type: 'card', state: 'awaiting_card' });
    // Cannot sign before the card is confirmed.
    expect((await api.get(`/api/applications/${id}/contract`)).statusCode).toBe(409);

    const entered = await enterCard(url);
    expect(entered.statusCode).toBe(200);
    const hold = await holdOf(url);
    expect(hold).toBeGreaterThanOrEqual(1);
    expect(hold).toBeLessThanOrEqual(1000);
    expect(entered.body).toContain(`${asRubles(hold)} ₽`);
    expect(entered.body).toContain(`/application/${id}/sign?card=returned`);

    const state = (await api.get(`/api/applications/${id}/payout-method`)).json();
    expect(state.available).toEqual(['card', 'sbp', 'wallet', 'cash']);
    expect(state.method).toEqual({ type: 'card', state: 'awaiting_hold', maskedPan: '411111******1111' });

    const confirmed = await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: asRubles(hold) });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toEqual({ type: 'card', state: 'ready', maskedPan: '411111******1111', next: 'sign' });

    const contract = (await api.get(`/api/applications/${id}/contract`)).json();
    expect(contract.text).toContain('перечисление на банковскую карту заёмщика 411111******1111');

    system.clock.advance(61 * SECOND_MS);
    expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(200);
    const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(system, phone) });
    expect(signed.statusCode, signed.body).toBe(200);
    await runJobs(system);
    const loan = (await api.get(`/api/loans/${signed.json().loanId}`)).json();
    expect(loan).toMatchObject({ status: 'active', payoutType: 'card' });
    const paid = await system.database.db.selectFrom('sandbox_payouts').selectAll().execute();
    expect(paid.map((p) => [p.type, p.amount_kopecks])).toEqual([['card', 1_000_000]]);
    expect(await ledgerProblems(system.database.db)).toEqual([]);
    const texts = (await system.sandboxSms!.list({ phone, limit: 5 })).map((m) => m.text);
    expect(texts.some((t) => /отправлены на вашу карту/.test(t))).toBe(true);
  });

  it('a card the provider refuses at payout time ends in payout_failed at once, without retries, and the borrower is told', async () => {
    const { api, id, phone } = await approved();
    const url = await cardPage(api, id);
    await enterCard(url);
    expect((await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: asRubles(await holdOf(url)) })).statusCode).toBe(200);
    system.clock.advance(61 * SECOND_MS);
    await api.post(`/api/applications/${id}/sign/otp`);
    const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(system, phone) });
    // The bank closes the card between signing and the payout.
    await system.database.db.updateTable('sandbox_card_bindings').set({ status: 'locked' }).execute();
    await runJobs(system);
    expect((await api.get(`/api/loans/${signed.json().loanId}`)).json().status).toBe('payout_failed');
    expect(system.sandboxPayouts.calls()).toBe(1);
    const payout = await system.database.db.selectFrom('payouts').select(['status', 'last_error']).executeTakeFirstOrThrow();
    expect(payout).toEqual({ status: 'failed', last_error: 'provider refused: card token unknown' });
    expect(await system.database.db.selectFrom('ledger_transactions').select('id').execute()).toEqual([]);
    const texts = (await system.sandboxSms!.list({ phone, limit: 5 })).map((m) => m.text);
    expect(texts.some((t) => /не удалось отправить деньги/.test(t))).toBe(true);
  });

  it('three wrong amounts lock the card; the right amount after that does not help', async () => {
    const { api, id } = await approved();
    const url = await cardPage(api, id);
    await enterCard(url);
    const hold = await holdOf(url);
    const first = await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: wrongAmount(hold) });
    expect(first.statusCode).toBe(400);
    expect(first.json().error.fields.amount).toMatch(/осталось попыток: 2/);
    expect((await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: wrongAmount(hold) })).json().error.fields.amount).toMatch(
      /осталось попыток: 1/,
    );
    const third = await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: wrongAmount(hold) });
    expect(third.json().error.fields.amount).toMatch(/Попытки закончились/);
    const late = await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: asRubles(hold) });
    expect(late.statusCode).toBe(409);
    expect((await api.get(`/api/applications/${id}/payout-method`)).json().method).toBeNull();
    expect((await api.get(`/api/applications/${id}/contract`)).statusCode).toBe(409);
  });

  it('parallel guesses get no extra tries: 10 wrong answers at once use up exactly the 3 tries', async () => {
    const { api, id } = await approved();
    const url = await cardPage(api, id);
    await enterCard(url);
    const hold = await holdOf(url);
    const answers = await Promise.all(Array.from({ length: 10 }, () => api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: wrongAmount(hold) })));
    expect(answers.every((a) => a.statusCode === 400 || a.statusCode === 409)).toBe(true);
    const bindingId = new URL(url).pathname.split('/').pop()!;
    const row = await system.database.db.selectFrom('sandbox_card_bindings').selectAll().where('id', '=', bindingId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'locked', attempts_left: 0 });
  });

  it('a card in someone else\u2019s name is refused even with the right amount', async () => {
    const { api, id } = await approved();
    const url = await cardPage(api, id);
    await enterCard(url, { holder: 'PETR SIDOROV' });
    const refused = await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: asRubles(await holdOf(url)) });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.fields.amount).toMatch(/не на ваше имя/);
    expect((await api.get(`/api/applications/${id}/contract`)).statusCode).toBe(409);
  });

  it('the usual spellings of a name on a card match (MARIYA / MARIIA / MARIA)', () => {
    expect(latinName('Мария')).toBe('MARIIA');
    expect(latinName('Щукин-Хабибуллин')).toBe('SHCHUKIN-KHABIBULLIN');
  });

  it('the acquirer page checks the card; a declined card is reported; a used page is gone', async () => {
    const { api, id } = await approved();
    const url = await cardPage(api, id);
    const bad = await enterCard(url, { pan: '4111 1111 1111 1112', expiry: '01/20', cvc: '12', holder: 'Мария' });
    expect(bad.statusCode).toBe(400);
    for (const text of ['Проверьте номер карты', 'ММ/ГГ', 'три цифры', 'латиницей']) expect(bad.body).toContain(text);
    const declined = await enterCard(url, { pan: DECLINED_TEST_CARD });
    expect(declined.body).toContain('Банк отклонил карту');
    const state = (await api.get(`/api/applications/${id}/payout-method`)).json();
    expect(state.method.problem).toMatch(/отклонил/);
    expect((await system.app.inject({ method: 'GET', url: new URL(url).pathname })).statusCode).toBe(404);
    expect(luhnValid(DECLINED_TEST_CARD) && luhnValid(GOOD_CARD)).toBe(true);
  });

  it('the card number and CVC are stored nowhere and logged nowhere (PAY-3)', async () => {
    const { api, id } = await approved();
    const url = await cardPage(api, id);
    await enterCard(url, { pan: '5555 5555 5555 4444', cvc: '987' });
    await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: asRubles(await holdOf(url)) });
    const dump = await dumpDatabase(system.database.db);
    expect(dump).not.toContain('5555555555554444');
    expect(dump).toContain('555555******4444');
    expect(system.logs.join('')).not.toMatch(/5555555555554444|5555 5555 5555 4444/);
  });

  it('the hold amount is validated: format and the 10 ₽ ceiling', async () => {
    const { api, id } = await approved();
    await cardPage(api, id);
    for (const amount of ['', 'abc', '10,01', '0', '1,234', '100']) {
      const answer = await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount });
      expect(answer.statusCode, amount).toBe(400);
      expect(answer.json().error.fields.amount).toBeTruthy();
    }
    // Before the card page was filled in there is nothing to confirm.
    expect((await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: '5,00' })).statusCode).toBe(409);
  });

  it('another customer cannot see or confirm this card (IDOR)', async () => {
    const mine = await approved();
    const url = await cardPage(mine.api, mine.id);
    await enterCard(url);
    const other = await approved();
    expect((await other.api.get(`/api/applications/${mine.id}/payout-method`)).statusCode).toBe(404);
    expect((await other.api.post(`/api/applications/${mine.id}/payout-method/card/confirm`, { amount: asRubles(await holdOf(url)) })).statusCode).toBe(404);
  });

  it('a signing code sent before the card was confirmed dies when it is', async () => {
    const { api, id, phone } = await approved();
    expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' })).statusCode).toBe(200);
    system.clock.advance(61 * SECOND_MS);
    expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(200);
    const oldCode = await lastCodeFor(system, phone);
    const url = await cardPage(api, id);
    await enterCard(url);
    expect((await api.post(`/api/applications/${id}/payout-method/card/confirm`, { amount: asRubles(await holdOf(url)) })).statusCode).toBe(200);
    expect((await api.post(`/api/applications/${id}/sign`, { code: oldCode })).statusCode).toBe(401);
  });
});

describe('e-wallet payout: the operator’s test request', () => {
  it('an identified wallet of the borrower → signed → paid to the wallet; the number is sealed', async () => {
    const { api, id, phone } = await approved();
    const chosen = await api.post(`/api/applications/${id}/payout-method`, { type: 'wallet', walletNumber: '4100 1234 5678 9012' });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json()).toEqual({ type: 'wallet', next: 'sign', walletMasked: '4100 •••• 9012' });
    const contract = (await api.get(`/api/applications/${id}/contract`)).json();
    expect(contract.text).toContain('электронный кошелёк ЮMoney заёмщика № 4100 •••• 9012');
    system.clock.advance(61 * SECOND_MS);
    await api.post(`/api/applications/${id}/sign/otp`);
    const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(system, phone) });
    expect(signed.statusCode).toBe(200);
    await runJobs(system);
    expect((await api.get(`/api/loans/${signed.json().loanId}`)).json().status).toBe('active');
    const paid = await system.database.db.selectFrom('sandbox_payouts').select(['type', 'amount_kopecks']).execute();
    expect(paid).toEqual([{ type: 'wallet', amount_kopecks: 1_000_000 }]);
    const methods = await system.database.db.selectFrom('payout_methods').select('details').execute();
    expect(JSON.stringify(methods)).not.toContain('4100123456789012');
  });

  it('refuses a wallet that does not exist, is anonymous, or is someone else\u2019s, and a malformed number', async () => {
    const { api, id } = await approved();
    const cases: [string, RegExp][] = [
      ['41001234560000', /нет/],
      ['41001234561111', /не идентифицирован/],
      ['41001234562222', /не на ваше имя/],
      ['12345', /от 11 до 20 цифр/],
      ['', /от 11 до 20 цифр/],
    ];
    for (const [walletNumber, message] of cases) {
      const answer = await api.post(`/api/applications/${id}/payout-method`, { type: 'wallet', walletNumber });
      expect(answer.statusCode, walletNumber).toBe(400);
      expect(answer.json().error.fields.walletNumber).toMatch(message);
    }
    expect((await api.get(`/api/applications/${id}/payout-method`)).json().method).toBeNull();
  });

  it('a provider that cannot check the wallet gives 503, and nothing is saved', async () => {
    const { api, id } = await approved();
    system.sandboxPayouts.control.failure = 'error';
    const answer = await api.post(`/api/applications/${id}/payout-method`, { type: 'wallet', walletNumber: '410012345678901' });
    system.sandboxPayouts.control.failure = 'none';
    expect(answer.statusCode).toBe(503);
    expect((await api.get(`/api/applications/${id}/payout-method`)).json().method).toBeNull();
  });
});
