import { readFileSync } from 'node:fs';
import {
  expect,
  expectNoHorizontalScroll,
  expectNoSeriousA11yViolations,
  saveScreenshot,
  test,
} from './support';

test('the phone field formats typed and pasted numbers', async ({ page }) => {
  await page.goto('/login');
  const phone = page.getByLabel('Номер телефона');
  await expect(phone).toHaveAttribute('type', 'tel');
  await expect(phone).toHaveAttribute('inputmode', 'tel');
  await expect(phone).toHaveAttribute('autocomplete', 'tel');

  await phone.pressSequentially('89123456789');
  await expect(phone).toHaveValue('+7 (912) 345-67-89');

  await phone.fill('8 912 345-67-89');
  await expect(phone).toHaveValue('+7 (912) 345-67-89');

  await phone.fill('+79001112233');
  await expect(phone).toHaveValue('+7 (900) 111-22-33');

  // Backspace over the formatting removes digits, down to an empty field.
  await phone.fill('');
  await phone.pressSequentially('9123');
  await expect(phone).toHaveValue('+7 (912) 3');
  for (let i = 0; i < 4; i += 1) await phone.press('Backspace');
  await expect(phone).toHaveValue('');
});

test('an incomplete phone is caught before anything is sent', async ({ page }) => {
  let otpRequests = 0;
  page.on('request', (request) => {
    if (request.url().endsWith('/api/auth/otp')) otpRequests += 1;
  });
  await page.goto('/login');
  await page.getByRole('button', { name: 'Получить код' }).click();
  await expect(page.locator('#phone-error')).toHaveText('Введите номер мобильного телефона.');
  await page.getByLabel('Номер телефона').pressSequentially('912345');
  await page.getByRole('button', { name: 'Получить код' }).click();
  await expect(page.locator('#phone-error')).toContainText('Номер неполный');
  await expect(page.getByLabel('Номер телефона')).toBeFocused();
  expect(otpRequests).toBe(0);
});

test('the cabinet sends a visitor without a session to the login page', async ({ page }) => {
  await page.goto('/cabinet');
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)cabinet$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Вход в личный кабинет' })).toBeVisible();
});

test('«Получить займ» on the landing page leads to the login with a way back to the cabinet', async ({ page }) => {
  await page.goto('/');
  // The hero's button carries the calculator's choice (its defaults here).
  await page.locator('.hero').getByRole('link', { name: 'Получить займ' }).click();
  await expect(page).toHaveURL(
    (url) => url.pathname === '/login' && url.searchParams.get('next') === '/cabinet?product=pdl&amount=10000&term=30',
  );
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
});

test('the SMS sandbox page and the footer link', async ({ page }, testInfo) => {
  await page.goto('/');
  const footerLink = page.getByRole('contentinfo').getByRole('link', { name: 'Тестовые SMS' });
  await expect(footerLink).toBeVisible();
  await footerLink.click();
  await expect(page).toHaveURL(/\/dev\/sms$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Тестовые SMS (песочница)');
  await expect(page.getByRole('button', { name: 'Обновить' })).toBeEnabled();
  await expectNoSeriousA11yViolations(page, 'the SMS sandbox');
  await saveScreenshot(page, testInfo, 'dev-sms');
});

const SCREENS = [
  { path: '/', name: 'landing' },
  { path: '/login', name: 'login' },
  { path: '/dev/sms', name: 'dev-sms' },
  { path: '/no-such-page', name: 'not-found' },
];

for (const screen of SCREENS) {
  test(`${screen.path} fits 360 px without sideways scrolling`, async ({ page }, testInfo) => {
    await page.goto(screen.path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    // The landing page's calculator renders just after the first paint.
    if (screen.path === '/') await expect(page.locator('#calculator .calc-result')).toBeVisible();
    await expectNoHorizontalScroll(page);
    await saveScreenshot(page, testInfo, screen.name);
  });
}

test('not-found page is accessible', async ({ page }) => {
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Страница не найдена');
  await expectNoSeriousA11yViolations(page, 'the not-found page');
});

test('the HTML shell works under the strict CSP: no inline script or style', async ({ page }) => {
  const response = await page.goto('/');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("'unsafe-inline'");

  const html = readFileSync(new URL('../../dist/web/index.html', import.meta.url), 'utf8');
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
  expect(html).not.toMatch(/<style[\s>]/i);
  expect(html).not.toMatch(/\sstyle=/i);
  // The app rendered, so its script and stylesheet were allowed.
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const fontFamily = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  expect(fontFamily).toContain('system-ui');
});
