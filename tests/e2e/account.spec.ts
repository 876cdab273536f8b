import { readFile } from 'node:fs/promises';
import type { Browser, Page } from '@playwright/test';
import { E2E_URL } from './servers';
import { checkScreen, expect, logIn, test, uniquePhone, waitForResendGap } from './support';

/**
 * Issue 8's account pages at 360 px, each screen with axe and no sideways scroll:
 * - without logging in: the FAQ, and «Не приходит SMS?» from the login page with its public form;
 * - the profile: a second device logs in (the customer gets an SMS about it) and is ended from the
 *   first; an email address confirmed by the link from the sandbox mailbox; the marketing consent
 *   given and withdrawn; «Скачать мои данные» gives a JSON file with the customer's own data.
 */

type SandboxSms = { to: string; text: string; sentAt: string };

const phoneBrowser = async (browser: Browser): Promise<Page> => {
  const context = await browser.newContext({ baseURL: E2E_URL, viewport: { width: 360, height: 800 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
  return context.newPage();
};

test('the FAQ and the «Не приходит SMS» form work without logging in', async ({ page }, testInfo) => {
  await page.goto('/faq');
  await expect(page.getByRole('heading', { level: 1, name: 'Вопросы и ответы' })).toBeVisible();
  const questions = page.locator('details');
  // The list may render a moment after the heading: wait for it rather than count at once.
  await expect.poll(() => questions.count()).toBeGreaterThan(10);
  await questions.first().locator('summary').click();
  await expect(questions.first()).toHaveAttribute('open', '');
  await checkScreen(page, testInfo, 'faq');

  await page.goto('/login');
  await page.getByRole('link', { name: 'Не приходит SMS?' }).click();
  await expect(page).toHaveURL(/\/support\/sms$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Не приходит SMS с кодом' })).toBeVisible();
  await page.getByRole('button', { name: 'Отправить заявку' }).click();
  await expect(page.locator('#sms-phone-error')).toBeVisible();
  await page.getByLabel('Номер, на который не приходит SMS').fill(uniquePhone().national);
  await page.getByLabel(/Что происходит/).fill('Оператор Теле2, код не приходит с утра, другие SMS приходят.');
  await checkScreen(page, testInfo, 'sms-problem-form');
  await page.getByRole('button', { name: 'Отправить заявку' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Заявка принята' })).toBeVisible();
  await checkScreen(page, testInfo, 'sms-problem-accepted');
});

test('the profile: sessions and devices, email confirmed by a link, the marketing consent, my data', async ({ page, browser }, testInfo) => {
  // A second login of one phone waits out the one-minute gap between codes.
  test.setTimeout(180_000);
  const customer = await logIn(page);
  await page.getByRole('link', { name: 'Профиль и безопасность' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Профиль и безопасность' })).toBeVisible();
  const sessions = page.getByTestId('sessions');
  await expect(sessions.getByRole('listitem')).toHaveCount(1);

  // The same phone from another browser: a second session, and an SMS about the new device.
  await waitForResendGap(page, customer.codeSentAt);
  const second = await phoneBrowser(browser);
  const since = Date.now() - 1_000;
  await logIn(second, customer.phone);
  await expect
    .poll(async () => {
      const messages = (await (await page.request.get(`/api/dev/sms?phone=${encodeURIComponent(customer.phone)}`)).json()) as SandboxSms[];
      return messages.some((sms) => Date.parse(sms.sentAt) >= since && /нового устройства/.test(sms.text));
    }, { timeout: 20_000, message: 'an SMS about the new device' })
    .toBe(true);
  await page.reload();
  await expect(sessions.getByRole('listitem')).toHaveCount(2);
  await expect(sessions.locator('[data-current="true"]')).toContainText('Этот сеанс');
  await checkScreen(page, testInfo, 'profile-sessions');
  await sessions.locator('[data-current="false"]').getByRole('button', { name: /^Завершить/ }).click();
  await expect(sessions.getByRole('listitem')).toHaveCount(1);
  expect((await second.request.get('/api/sessions')).status()).toBe(401);
  await second.context().close();

  // An email address, confirmed by the link in the letter (the sandbox mailbox).
  const email = `client-${Date.now().toString(36)}@example.ru`;
  const emailSection = page.getByTestId('email-section');
  await emailSection.getByLabel('Адрес электронной почты').fill(email);
  await emailSection.getByRole('button', { name: 'Отправить ссылку' }).click();
  await expect(emailSection.getByText('ждёт подтверждения')).toBeVisible();
  const mailbox = await page.context().newPage();
  await mailbox.goto('/dev/email');
  await expect(mailbox.getByRole('heading', { level: 1, name: 'Тестовые письма (песочница)' })).toBeVisible();
  await mailbox.getByLabel('Адрес получателя').fill(email);
  const letter = mailbox.getByRole('listitem').filter({ hasText: email }).first();
  await expect(letter).toBeVisible({ timeout: 20_000 });
  await checkScreen(mailbox, testInfo, 'dev-email');
  await letter.getByRole('link', { name: /\/email\/confirm\?token=/ }).click();
  // The page takes the token out of the address (history, screenshots) before it posts it.
  await expect(mailbox).toHaveURL(/\/email\/confirm$/);
  await expect(mailbox.getByRole('status').filter({ hasText: 'Адрес электронной почты подтверждён' })).toBeVisible();
  await checkScreen(mailbox, testInfo, 'email-confirmed');
  await mailbox.close();
  await page.reload();
  await expect(emailSection.getByText('подтверждён', { exact: true })).toBeVisible();

  // The marketing consent: given with its text shown, then withdrawn.
  const marketing = page.getByTestId('marketing-consent');
  await marketing.getByRole('button', { name: 'Дать согласие на рекламу' }).click();
  await expect(marketing.getByRole('region', { name: /Текст документа/ })).toContainText('38-ФЗ');
  await marketing.getByRole('button', { name: 'Даю согласие' }).click();
  await expect(marketing.getByRole('button', { name: 'Отозвать согласие на рекламу' })).toBeVisible();
  await expect(page.getByTestId('consents').getByRole('listitem')).toHaveCount(1);
  await checkScreen(page, testInfo, 'profile-consents');
  await marketing.getByRole('button', { name: 'Отозвать согласие на рекламу' }).click();
  await marketing.getByRole('button', { name: 'Да, отозвать' }).click();
  await expect(marketing.getByRole('button', { name: 'Дать согласие на рекламу' })).toBeVisible();
  const consents = (await (await page.request.get('/api/consents')).json()) as { items: { kind: string; withdrawnAt: string | null }[] };
  expect(consents.items.find((c) => c.kind === 'marketing')?.withdrawnAt).not.toBeNull();

  // «Скачать мои данные»: a JSON file with this customer's phone, email and consents.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Скачать мои данные (JSON)' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^carcapital-my-data-\d{4}-\d{2}-\d{2}\.json$/);
  const exported = await readFile((await download.path())!, 'utf8');
  expect(exported).toContain(customer.phone);
  expect(exported).toContain(email);
  expect(exported).toContain('marketing');
  await expect(page.getByTestId('data-export').getByRole('status')).toContainText('скачан');
  await checkScreen(page, testInfo, 'profile-data');
});
