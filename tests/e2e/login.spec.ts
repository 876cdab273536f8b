import {
  expect,
  expectNoHorizontalScroll,
  expectNoSeriousA11yViolations,
  readCodeFromApi,
  readCodeFromDevPage,
  saveScreenshot,
  test,
  uniquePhone,
} from './support';

test('a customer logs in with the SMS code, sees the cabinet and logs out', async ({ page, context }, testInfo) => {
  const phone = uniquePhone();

  // Landing: «Войти» in the header.
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.locator('#calculator')).toBeAttached();
  await expectNoSeriousA11yViolations(page, 'the landing page');
  await expectNoHorizontalScroll(page);
  await page.getByRole('banner').getByRole('link', { name: 'Войти' }).click();

  // Login, step 1: the phone, formatted while typed.
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Вход в личный кабинет' })).toBeVisible();
  await expect(page.getByRole('main').getByRole('link', { name: /Тестовые SMS/ })).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'login, phone step');
  const phoneField = page.getByLabel('Номер телефона');
  await phoneField.pressSequentially(phone.national);
  await expect(phoneField).toHaveValue(phone.formatted);
  await saveScreenshot(page, testInfo, 'login-phone');
  await page.getByRole('button', { name: 'Получить код' }).click();

  // Login, step 2: the code.
  await expect(page.locator('#code-sent')).toHaveText(`Код отправлен на ${phone.formatted}`);
  await expect(page.getByRole('timer')).toContainText(/Повторно через [01]:\d\d/);
  const codeField = page.getByLabel('Код из SMS');
  await expect(codeField).toBeFocused();
  await expect(codeField).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(codeField).toHaveAttribute('inputmode', 'numeric');
  await expectNoSeriousA11yViolations(page, 'login, code step');
  await expectNoHorizontalScroll(page);
  await saveScreenshot(page, testInfo, 'login-code');

  const code = await readCodeFromDevPage(context, phone);
  await codeField.fill(code);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();

  // Cabinet: the phone in the header, the empty state.
  await expect(page).toHaveURL(/\/cabinet$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Личный кабинет' })).toBeVisible();
  await expect(page.getByTestId('header-phone')).toHaveText(phone.formatted);
  await expect(page.getByText('У вас пока нет займов')).toBeVisible();
  // «Получить займ» starts an application (the calculator's defaults); the calculator is one link away.
  await expect(page.getByRole('link', { name: 'Получить займ' })).toHaveAttribute('href', '/application');
  await expect(page.getByRole('link', { name: 'Рассчитать в калькуляторе' })).toHaveAttribute('href', '/#calculator');
  await expectNoSeriousA11yViolations(page, 'the cabinet');
  await expectNoHorizontalScroll(page);
  await saveScreenshot(page, testInfo, 'cabinet');

  // The calculator on the landing page, which now offers the cabinet.
  await page.getByRole('link', { name: 'Рассчитать в калькуляторе' }).click();
  await expect(page).toHaveURL(/\/#calculator$/);
  await expect(page.locator('#calculator')).toBeInViewport();
  await expect(page.locator('#calculator')).toBeFocused();
  await page.getByRole('banner').getByRole('link', { name: 'Личный кабинет' }).click();
  await expect(page).toHaveURL(/\/cabinet$/);

  // «Выйти»: back on the landing page, and the session is gone on the server.
  await page.getByRole('button', { name: 'Выйти' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('banner').getByRole('link', { name: 'Войти' })).toBeVisible();
  const me = await page.request.get('/api/me');
  expect(me.status()).toBe(401);
  expect((await me.json()) as unknown).toMatchObject({ error: { code: 'unauthorized' } });
});

test('a wrong code shows the server message and keeps the customer on the login page', async ({ page }, testInfo) => {
  const phone = uniquePhone();
  await page.goto('/login');
  await page.getByLabel('Номер телефона').fill(phone.e164);
  await page.getByRole('button', { name: 'Получить код' }).click();
  const codeField = page.getByLabel('Код из SMS');
  await expect(codeField).toBeVisible();

  const code = await readCodeFromApi(page.request, phone.e164);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  await codeField.fill(wrong);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();

  const error = page.locator('#code-error');
  await expect(error).toBeVisible();
  await expect(error).not.toBeEmpty();
  await expect(codeField).toHaveAttribute('aria-invalid', 'true');
  await expect(codeField).toHaveAttribute('aria-describedby', /code-error/);
  await expect(page).toHaveURL(/\/login$/);
  await expectNoSeriousA11yViolations(page, 'login with a wrong code');
  await expectNoHorizontalScroll(page);
  await saveScreenshot(page, testInfo, 'login-wrong-code');

  // The right code still works afterwards (one wrong try does not kill the code).
  await codeField.fill(code);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/cabinet$/);
});

test('an invalid phone is refused with the server field message', async ({ page }, testInfo) => {
  await page.goto('/login');
  // Ten digits, but not a Russian mobile (+79…): only the server can say no.
  await page.getByLabel('Номер телефона').pressSequentially('4951234567');
  await page.getByRole('button', { name: 'Получить код' }).click();
  const error = page.locator('#phone-error');
  await expect(error).toBeVisible();
  await expect(error).not.toBeEmpty();
  await expect(page.getByLabel('Номер телефона')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Код из SMS')).toHaveCount(0);
  await saveScreenshot(page, testInfo, 'login-phone-invalid');
});

test('the resend button appears after the countdown and a refused resend shows the limit', async ({ page }, testInfo) => {
  const phone = uniquePhone();
  // Browser time only: the server keeps its own 60 s cooldown, so an early resend is refused (429).
  await page.clock.install();
  await page.goto('/login');
  await page.getByLabel('Номер телефона').fill(phone.e164);
  await page.getByRole('button', { name: 'Получить код' }).click();
  await expect(page.getByRole('timer')).toContainText('Повторно через');

  await page.clock.fastForward('01:01');
  const resend = page.getByRole('button', { name: 'Получить код повторно' });
  await expect(resend).toBeVisible();
  await resend.click();

  // The server's message with its own countdown; the code already sent still works meanwhile.
  const limit = page.locator('.wait-slot .alert');
  await expect(limit).toBeVisible();
  await expect(limit).not.toContainText('undefined');
  await expect(limit.getByRole('timer')).toHaveText(/Попробовать снова можно через \d+:\d\d/);
  await expect(page.getByRole('button', { name: 'Войти', exact: true })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Получить код повторно' })).toHaveCount(0);
  await expect(page.getByRole('timer')).toHaveCount(1);
  await expectNoSeriousA11yViolations(page, 'login with a send limit');
  await saveScreenshot(page, testInfo, 'login-limit');
});
