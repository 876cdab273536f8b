import { describe, expect, it } from 'vitest';
import { SECOND_MS } from '../../../core/clock';
import { login, nextPhone, useTestSystem } from '../../testing/test-system';

const system = useTestSystem();

const put = (body: unknown, cookie?: string, headers: Record<string, string> = {}) =>
  system.app.inject({
    method: 'PUT',
    url: '/api/cabinet/loan-choice',
    headers: { origin: 'http://localhost:3000', 'content-type': 'application/json', ...(cookie ? { cookie } : {}), ...headers },
    payload: JSON.stringify(body),
  });
const get = (cookie?: string) => system.get('/api/cabinet/loan-choice', cookie ? { cookie } : {});

describe('the loan picked in the calculator is kept server-side after login', () => {
  it('saves a valid choice and returns it with today\u2019s figures', async () => {
    const cookie = await login(system, nextPhone());
    expect((await get(cookie)).json()).toEqual({ choice: null });

    const saved = await put({ product: 'pdl', amount: 10_000, term: 30 }, cookie);
    expect(saved.statusCode).toBe(200);
    expect(saved.json().quote).toMatchObject({ totalKopecks: 1_240_000, returnDate: '2026-12-25' });

    const read = (await get(cookie)).json();
    expect(read.choice).toMatchObject({ product: 'pdl', amount: 10_000, term: 30 });
    expect(read.quote).toMatchObject({ amountKopecks: 1_000_000, overpaymentKopecks: 240_000 });
  });

  it('a new choice replaces the old one; figures follow the date', async () => {
    const cookie = await login(system, nextPhone());
    await put({ product: 'pdl', amount: 10_000, term: 30 }, cookie);
    await put({ product: 'installment', amount: 50_000, term: 24 }, cookie);
    system.clock.advance(10 * 60 * SECOND_MS);
    const read = (await get(cookie)).json();
    expect(read.choice).toMatchObject({ product: 'installment', amount: 50_000, term: 24 });
    expect(read.quote.schedule).toHaveLength(12);
  });

  it('refuses an invalid choice with field messages, and nothing is saved', async () => {
    const cookie = await login(system, nextPhone());
    const response = await put({ product: 'pdl', amount: 50_000, term: 30 }, cookie);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields.amount).toMatch(/от 1\u00a0000 до 30\u00a0000/);
    for (const body of [{ product: 'pdl', amount: '10000', term: 30 }, { product: 'pdl', amount: 10_000, term: 30, rate: 1 }, {}]) {
      expect((await put(body, cookie)).statusCode).toBe(400);
    }
    expect((await get(cookie)).json()).toEqual({ choice: null });
  });

  it('needs a session (401) and a same-origin request (403)', async () => {
    expect((await put({ product: 'pdl', amount: 10_000, term: 30 })).statusCode).toBe(401);
    expect((await get()).statusCode).toBe(401);
    const cookie = await login(system, nextPhone());
    const forged = await put({ product: 'pdl', amount: 10_000, term: 30 }, cookie, { origin: 'https://evil.example' });
    expect(forged.statusCode).toBe(403);
    expect((await get(cookie)).json()).toEqual({ choice: null });
  });

  it('each customer sees only their own choice', async () => {
    const alice = await login(system, nextPhone());
    const bob = await login(system, nextPhone());
    await put({ product: 'car', amount: 300_000, term: 24 }, alice);
    expect((await get(bob)).json()).toEqual({ choice: null });
    expect((await get(alice)).json().choice.product).toBe('car');
  });
});
