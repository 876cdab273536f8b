import type { Browser, BrowserContext, Page } from '@playwright/test';
import { maskPhone } from '../../src/core/phone';
import { E2E_URL } from './servers';
import { logInAdmin } from './staff-login';
import { QUESTIONNAIRE, activeCashLoan, checkScreen, expect, logIn, readCodeFromApi, repayInFull, signForCash, test, waitForResendGap } from './support';

/**
 * Issue 8 at 360 px: the relationship after the first loan.
 * - A new customer sees the «Старт» level and the product's rate in «Ваши предложения». After two
 *   loans repaid on time the level is higher, the personal rate lower; «Оформить» opens an
 *   application prefilled with the offer, whose loan step and contract carry the lower rate.
 * - With that loan unpaid, deletion is refused with the reason. The customer writes to support; the
 *   administrator takes the request and answers in the back office; the customer sees the answer and
 *   the status change.
 * - Repaid, the deletion request is accepted; the administrator confirms it; the old session is dead
 *   at once and the phone cannot log in any more.
 */

type Offers = {
  level: { code: string; name: string };
  bonusPoints: number;
  offers: { product: string; maxAmount: number; ratePerDay: number; note: string | null }[];
};

const getJson = async <T,>(page: Page, url: string): Promise<T> => {
  const response = await page.request.get(url);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as T;
};

const pdlOffer = (offers: Offers) => {
  const offer = offers.offers.find((o) => o.product === 'pdl');
  expect(offer, 'a payday offer').toBeDefined();
  return offer!;
};

/** «0,76» as the page writes a rate per day. */
const ruPercent = (percent: number) => new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 4 }).format(percent);

/** The administrator's desk browser: 1280 px, its own cookies, the same CSP watch as `test`. */
const adminDesk = async (browser: Browser): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> => {
  const context = await browser.newContext({ baseURL: E2E_URL, viewport: { width: 1280, height: 900 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
  const cspViolations: string[] = [];
  context.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { context, page: await context.newPage(), cspViolations };
};

test('a returning customer: a better level and rate, an answered support request, deletion refused with a debt and done without', async ({ page, browser }, testInfo) => {
  // Three signings, each after the one-minute gap between SMS codes, and three repayments.
  test.setTimeout(600_000);
  const customer = await logIn(page);

  // A new customer: the first level, the product's own rate.
  const fresh = await getJson<Offers>(page, '/api/offers');
  expect(fresh.level.code).toBe('start');
  const freshPdl = pdlOffer(fresh);
  const block = page.getByTestId('offers');
  await expect(block.getByRole('heading', { level: 2, name: 'Ваши предложения' })).toBeVisible();
  await expect(block.getByTestId('loyalty-level')).toHaveAttribute('data-level', 'start');
  await expect(block.locator('[data-testid="offer"][data-product="pdl"] [data-testid="offer-rate"]')).toContainText(ruPercent(freshPdl.ratePerDay));
  await checkScreen(page, testInfo, 'offers-1-new-customer');

  // Two loans, each repaid on the day it was paid out: on time.
  for (let n = 0; n < 2; n += 1) {
    const loanId = await activeCashLoan(page, customer);
    await repayInFull(page, loanId);
  }

  const returning = await getJson<Offers>(page, '/api/offers');
  expect(returning.level.code).not.toBe('start');
  const returningPdl = pdlOffer(returning);
  expect(returningPdl.ratePerDay).toBeLessThan(freshPdl.ratePerDay);
  expect(returningPdl.maxAmount).toBeGreaterThanOrEqual(freshPdl.maxAmount);

  await page.goto('/cabinet');
  await expect(block.getByTestId('loyalty-level')).toHaveAttribute('data-level', returning.level.code);
  await expect(block.getByTestId('loyalty-level-name')).toContainText(returning.level.name);
  await expect(block.getByTestId('bonus-points')).toHaveAttribute('data-points', String(returning.bonusPoints));
  const offer = block.locator('[data-testid="offer"][data-product="pdl"]');
  await expect(offer.getByTestId('offer-rate')).toContainText(ruPercent(returningPdl.ratePerDay));
  await expect(offer.getByTestId('offer-note')).toContainText(returning.level.name);
  await checkScreen(page, testInfo, 'offers-2-returning-customer');

  // One tap: an application prefilled with the offer, priced at the personal rate.
  await offer.getByRole('button', { name: /^Оформить/ }).click();
  // The questionnaire comes filled from the last application: it opens at the loan step.
  await expect(page).toHaveURL(/\/application\/[0-9a-f-]{36}\?step=loan$/, { timeout: 20_000 });
  const applicationId = new URL(page.url()).pathname.split('/').pop()!;
  await expect(page.getByRole('heading', { level: 2, name: 'Сумма и срок займа' })).toBeVisible();
  await expect(page.getByTestId('personal-rate-value').first()).toHaveAttribute('data-percent', String(returningPdl.ratePerDay));
  await expect(page.getByTestId('personal-rate-note').first()).toContainText(returning.level.name);
  await checkScreen(page, testInfo, 'offers-3-application-personal-rate');

  // The rest of the application through the API; the contract states the lower rate and why.
  expect((await page.request.patch(`/api/applications/${applicationId}`, { data: QUESTIONNAIRE })).status()).toBe(200);
  const consents = await page.request.post(`/api/applications/${applicationId}/consents`, {
    data: { kinds: ['personal_data', 'credit_history', 'simple_signature'] },
  });
  expect(consents.status(), await consents.text()).toBe(200);
  expect((await page.request.post(`/api/applications/${applicationId}/submit`, { data: {} })).status()).toBe(202);
  await expect
    .poll(async () => (await getJson<{ status: string }>(page, `/api/applications/${applicationId}`)).status, { timeout: 20_000 })
    .toBe('approved');
  const method = await page.request.post(`/api/applications/${applicationId}/payout-method`, { data: { type: 'cash' } });
  expect(method.status(), await method.text()).toBe(200);
  const contract = await getJson<{ text: string }>(page, `/api/applications/${applicationId}/contract`);
  expect(contract.text).toContain(ruPercent(returningPdl.ratePerDay));
  expect(contract.text).toContain(returning.level.name);
  const loanId = await signForCash(page, customer, applicationId);

  // With that loan unpaid, deletion is refused and says why.
  await page.goto('/support');
  const deletion = page.getByTestId('account-deletion');
  await deletion.getByRole('button', { name: 'Удалить аккаунт' }).click();
  await deletion.getByRole('button', { name: 'Да, удалить аккаунт' }).click();
  await expect(deletion.getByRole('alert')).toContainText('Удалить аккаунт сейчас нельзя');
  await expect(deletion.getByRole('alert')).toContainText('не погашен');
  await checkScreen(page, testInfo, 'deletion-1-refused-with-debt');

  // A support request, answered by the administrator in the back office.
  const subject = `Как получить справку ${Date.now().toString(36)}`;
  await page.getByLabel('О чём вопрос').selectOption({ label: 'Вопрос по займу' });
  await page.getByLabel('Тема').fill(subject);
  await page.getByLabel('Сообщение').fill('Нужна справка о погашенных займах для банка. Где её взять?');
  await page.getByRole('button', { name: 'Отправить' }).click();
  await expect(page).toHaveURL(/\/support\/[0-9a-f-]{36}$/);
  const ticketPath = new URL(page.url()).pathname;
  await expect(page.locator('[data-status="new"]')).toHaveText('Новое');
  await expect(page.getByTestId('support-due')).toContainText('Ответим до');
  await checkScreen(page, testInfo, 'support-1-new');

  const desk = await adminDesk(browser);
  const staffPage = desk.page;
  await logInAdmin(staffPage, testInfo);
  await staffPage.goto(`/staff/tickets/${ticketPath.split('/').pop()}`);
  await expect(staffPage.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await staffPage.getByRole('button', { name: 'Взять себе' }).click();
  await expect(staffPage.getByTestId('ticket-status')).toHaveText('В работе');
  const answer = 'Справка о погашении есть на странице каждого закрытого займа: кнопка «Справка о закрытии».';
  await staffPage.getByLabel('Ответ клиенту').fill(answer);
  await staffPage.getByRole('button', { name: 'Отправить ответ' }).click();
  await expect(staffPage.getByTestId('ticket-status')).toHaveText('Ждёт ответа клиента');

  await page.goto(ticketPath);
  await expect(page.locator('[data-status="waiting_customer"]')).toHaveText('Ждёт вашего ответа');
  await expect(page.getByTestId('support-thread').locator('[data-author="staff"]')).toContainText(answer);
  await checkScreen(page, testInfo, 'support-2-answered');

  // Repaid: deletion is accepted, then confirmed by the administrator.
  await repayInFull(page, loanId);
  await page.goto('/support');
  await deletion.getByRole('button', { name: 'Удалить аккаунт' }).click();
  await deletion.getByRole('button', { name: 'Да, удалить аккаунт' }).click();
  await expect(deletion.getByRole('status')).toContainText('Запрос на удаление отправлен');
  await checkScreen(page, testInfo, 'deletion-2-requested');

  await staffPage.goto('/staff/deletion');
  await expect(staffPage.getByRole('heading', { level: 1, name: 'Удаление аккаунтов' })).toBeVisible();
  const row = staffPage.getByTestId('deletion-requests').getByRole('row').filter({ hasText: maskPhone(customer.phone) });
  await row.getByRole('button', { name: /^Удалить аккаунт/ }).click();
  const dialog = staffPage.getByRole('dialog');
  await expect(dialog.getByRole('heading', { name: /Удалить аккаунт клиента/ })).toBeVisible();
  await dialog.getByRole('button', { name: 'Удалить аккаунт' }).click();
  await expect(staffPage.getByTestId('deletion-requests').getByRole('row').filter({ hasText: maskPhone(customer.phone) })).toHaveCount(0);
  await desk.context.close();
  expect(desk.cspViolations, 'a staff page broke the server CSP').toEqual([]);

  // The old session is dead at once; the phone cannot log in.
  expect((await page.request.get('/api/offers')).status()).toBe(401);
  await waitForResendGap(page, customer.codeSentAt);
  await page.goto('/login?next=%2Fcabinet');
  await page.getByLabel('Номер телефона').fill(customer.phone);
  const asked = Date.now();
  await page.getByRole('button', { name: 'Получить код' }).click();
  const code = await readCodeFromApi(page.request, customer.phone, /код для входа/, asked - 1_000);
  await page.getByLabel('Код из SMS').fill(code);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('удалён');
  await expect(page).not.toHaveURL(/\/cabinet$/);
  await checkScreen(page, testInfo, 'deletion-3-login-refused');
});
