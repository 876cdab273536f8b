import type { Page } from '@playwright/test';
import { addDays, moscowDate } from '../../src/core/dates';
import { logInAdmin, nav } from './staff-login';
import { checkScreen, expect, expectNoSeriousA11yViolations, saveScreenshot, test } from './support';

/**
 * «Продукты и акции» (issue 7, docs/backoffice.md «Products & promotions»), end to end: the first
 * administrator (tests/e2e/staff-login.ts) opens the workspace, tries a rate above the legal cap
 * (the server's message by the rate field, nothing saved), lowers the payday loan's maximum amount
 * (saved as a new catalogue version, and the public calculator API prices with it at once), puts it
 * back, makes a promotion and a promo code for it and switches them off and on. Axe, nothing wider
 * than the window, screenshots — at 1280 px and on a 768 px tablet.
 *
 * Other journeys count on the payday loan's 30 000 ₽ maximum (calculator.spec.ts): the test puts it
 * back itself, and again after a failure. The promotion is switched off at the end.
 */

const DESKTOP = { width: 1280, height: 900 };
const TABLET = { width: 768, height: 1024 };
const runId = Date.now().toString(36).toUpperCase();

type StaffProduct = {
  code: string;
  name: string;
  description: string;
  amount: { minRubles: number; maxRubles: number; stepRubles: number; defaultRubles: number };
  term: { min: number; max: number; step: number; default: number };
  rate: { ppm: number; per: 'day' | 'month' };
};
type PublicProduct = { code: string; amount: { maxRubles: number }; rate: { ppm: number } };

/** The payday loan as the public calculator API has it now. */
const publicPdl = async (page: Page): Promise<PublicProduct> => {
  const reply = await page.request.get('/api/pricing');
  expect(reply.status(), await reply.text()).toBe(200);
  const product = ((await reply.json()) as { products: PublicProduct[] }).products.find((p) => p.code === 'pdl');
  expect(product, 'the payday loan is in the catalogue').toBeDefined();
  return product!;
};

const staffPdl = async (page: Page): Promise<StaffProduct> => {
  const reply = await page.request.get('/api/staff/products');
  expect(reply.status(), await reply.text()).toBe(200);
  return ((await reply.json()) as { products: StaffProduct[] }).products.find((p) => p.code === 'pdl')!;
};

const editable = (p: StaffProduct) => ({
  name: p.name,
  description: p.description,
  amount: p.amount,
  term: { min: p.term.min, max: p.term.max, step: p.term.step, default: p.term.default },
  rate: { ppm: p.rate.ppm, per: p.rate.per },
});

test('an administrator changes a product within the law and makes a promotion with a promo code', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await page.setViewportSize(DESKTOP);
  await logInAdmin(page, testInfo);
  const original = await staffPdl(page);
  expect(original.amount.maxRubles, 'the journeys expect the payday loan up to 30 000 ₽').toBe(30_000);

  try {
    await nav(page).getByRole('link', { name: 'Продукты и акции' }).click();
    await expect(page).toHaveURL(/\/staff\/products$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Продукты и акции' })).toBeVisible();
    await expect(nav(page).getByRole('link', { name: 'Продукты и акции' })).toHaveAttribute('aria-current', 'page');
    const pdlRow = page.getByTestId('products').locator('tr[data-code="pdl"]');
    await expect(pdlRow).toContainText('До зарплаты');
    await expect(page.getByTestId('rate-pdl')).toHaveText('0,8\u00a0% в день');
    await expect(page.getByTestId('rate-car')).toHaveText('3\u00a0% в месяц');
    await expect(page.getByTestId('amount-pdl')).toHaveText('1\u00a0000 – 30\u00a0000\u00a0₽');
    const version = page.getByTestId('catalogue-version');
    const seq = Number(await version.getAttribute('data-seq'));
    await checkScreen(page, testInfo, 'admin-products');

    // A rate above the legal cap: the server's Russian message by the rate field, nothing saved.
    const edit = pdlRow.getByRole('button', { name: 'Изменить «До зарплаты»' });
    await edit.click();
    await expect(edit).toHaveAttribute('aria-expanded', 'true');
    const form = page.getByTestId('product-form');
    await expect(form.getByRole('heading', { name: 'Изменить продукт «До зарплаты»' })).toBeFocused();
    const rate = form.getByLabel('Ставка, % в день');
    const max = form.getByLabel('Максимальная', { exact: true });
    await expect(rate).toHaveValue('0,8');
    await expect(max).toHaveValue('30 000');
    await rate.fill('1');
    await form.getByRole('button', { name: 'Сохранить' }).click();
    await expect(page.locator('#product-rate-error')).toHaveText('Ставка выше предельной 0,8 % в день');
    await expect(rate).toBeFocused();
    await expect(rate).toHaveAttribute('aria-invalid', 'true');
    await expect(rate).toHaveAttribute('aria-describedby', /product-rate-error/);
    await expect(form.getByRole('alert')).toContainText('Ничего не сохранено.');
    await expect(version).toHaveAttribute('data-seq', String(seq));
    expect((await publicPdl(page)).rate.ppm, 'the illegal rate was not saved').toBe(8_000);
    await expectNoSeriousA11yViolations(page, 'admin-product-refused');
    await saveScreenshot(page, testInfo, 'admin-product-refused');

    // Within the law: a lower maximum for the payday loan, on its 500 ₽ step.
    await rate.fill('0,8');
    await max.fill('29 500');
    await form.getByLabel('Комментарий к изменению').fill(`Проверка e2e ${runId}`);
    await form.getByRole('button', { name: 'Сохранить' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Продукт «До зарплаты» сохранён. Новая версия каталога — ${seq + 1}.` })).toBeVisible();
    await expect(form).toHaveCount(0);
    await expect(edit).toBeFocused();
    await expect(version).toHaveAttribute('data-seq', String(seq + 1));
    await expect(version).toContainText(`Проверка e2e ${runId}`);
    await expect(page.getByTestId('amount-pdl')).toHaveText('1\u00a0000 – 29\u00a0500\u00a0₽');
    // The calculator prices with the new version at once (same process).
    expect((await publicPdl(page)).amount.maxRubles).toBe(29_500);

    // And back, for the journeys that count on 30 000 ₽.
    await edit.click();
    await page.getByTestId('product-form').getByLabel('Максимальная', { exact: true }).fill('30000');
    await page.getByTestId('product-form').getByRole('button', { name: 'Сохранить' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Новая версия каталога — ${seq + 2}.` })).toBeVisible();
    await expect(page.getByTestId('amount-pdl')).toHaveText('1\u00a0000 – 30\u00a0000\u00a0₽');
    expect((await publicPdl(page)).amount.maxRubles).toBe(30_000);

    // A promotion: a rate not below the product's is refused by the field, then a lower one is made.
    const today = moscowDate(new Date());
    const promotionName = `Зима ${runId}`;
    const promotionForm = page.getByRole('form', { name: 'Новая акция' });
    await promotionForm.getByLabel('Название').fill(promotionName);
    await promotionForm.getByLabel('Продукт').selectOption({ label: 'До зарплаты' });
    const promotionRate = promotionForm.getByLabel('Ставка акции, % в день');
    await promotionRate.fill('0,9');
    await expect(promotionForm.getByLabel('Действует с')).toHaveValue(today);
    await promotionForm.getByLabel('Действует по').fill(addDays(today, 30));
    await promotionForm.getByLabel('Кому').selectOption({ label: 'На первый заём' });
    await promotionForm.getByRole('button', { name: 'Создать акцию' }).click();
    await expect(page.locator('#promotion-rate-error')).toContainText('Ставка акции должна быть ниже ставки продукта');
    await expect(promotionRate).toBeFocused();
    await promotionRate.fill('0,5');
    await promotionForm.getByRole('button', { name: 'Создать акцию' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Акция «${promotionName}» создана` })).toBeVisible();
    const promotionRow = page.getByTestId('promotions').getByRole('row').filter({ hasText: promotionName });
    await expect(promotionRow).toContainText('До зарплаты');
    await expect(promotionRow).toContainText('0,5\u00a0% в день');
    await expect(promotionRow).toContainText('На первый заём');
    await expect(promotionRow).toContainText('Действует');
    await expect(promotionRow).toContainText('без промокода');

    // A promo code, typed in lower case and kept upper-case; the same code twice is refused.
    const code = `ZIMA${runId}`.slice(0, 20);
    const codeForm = page.getByRole('form', { name: 'Новый промокод' });
    await codeForm.getByLabel('Промокод').fill(code.toLowerCase());
    await expect(codeForm.getByLabel('Промокод')).toHaveValue(code);
    await codeForm.getByLabel('Акция').selectOption({ label: promotionName });
    await codeForm.getByLabel('Сколько раз можно использовать').fill('100');
    await codeForm.getByRole('button', { name: 'Создать промокод' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Промокод ${code} создан` })).toBeVisible();
    const codeRow = page.getByTestId('promo-codes').getByRole('row').filter({ hasText: code });
    await expect(codeRow).toContainText(promotionName);
    await expect(codeRow).toContainText('0 из 100');
    await expect(codeRow).toContainText('Действует');
    await expect(promotionRow).toContainText('только по промокоду');
    await codeForm.getByLabel('Промокод').fill(code);
    await codeForm.getByRole('button', { name: 'Создать промокод' }).click();
    await expect(page.locator('#promo-code-error')).toHaveText('Такой промокод уже есть.');
    await expect(codeForm.getByLabel('Промокод')).toBeFocused();

    // Off and on again.
    await codeRow.getByRole('button', { name: `Отключить промокод ${code}` }).click();
    await expect(codeRow).toContainText('Отключён');
    await codeRow.getByRole('button', { name: `Включить промокод ${code}` }).click();
    await expect(codeRow).toContainText('Действует');

    await checkScreen(page, testInfo, 'admin-promotions');
    await page.setViewportSize(TABLET);
    await checkScreen(page, testInfo, 'admin-products-tablet');
    await page.setViewportSize(DESKTOP);

    // Switched off at the end, so no later journey meets it; its codes go off with it.
    await promotionRow.getByRole('button', { name: `Отключить акцию «${promotionName}»` }).click();
    await expect(page.getByRole('status').filter({ hasText: `Акция «${promotionName}» отключена.` })).toBeVisible();
    await expect(promotionRow).toContainText('Отключена');
    await expect(codeRow).toContainText('Отключён');
  } finally {
    // Whatever happened above, the payday loan goes back as it was.
    const now = await staffPdl(page);
    if (JSON.stringify(editable(now)) !== JSON.stringify(editable(original))) {
      const reply = await page.request.put('/api/staff/products/pdl', { data: editable(original) });
      expect(reply.status(), await reply.text()).toBe(200);
    }
  }
});
