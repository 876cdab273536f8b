import { randomInt } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { type APIRequestContext, type BrowserContext, type Page, type TestInfo, test as base, expect } from '@playwright/test';

/**
 * Shared helpers for the end-to-end specs. Every spec imports `test` from here: it fails a test
 * when the browser reports a Content-Security-Policy violation (inline script or style sneaking in).
 */
export const test = base.extend<{ cspGuard: void }>({
  cspGuard: [
    async ({ context }, use) => {
      const violations: string[] = [];
      context.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
          violations.push(message.text());
        }
      });
      await use();
      expect(violations, 'the page broke the server CSP').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

let phoneCounter = 0;

/**
 * A fresh Russian mobile number per call, so per-phone and per-prefix send limits of one test never
 * touch another: `+7912` + 5 random digits + a 2-digit counter.
 */
export const uniquePhone = (): { e164: string; national: string; formatted: string } => {
  phoneCounter += 1;
  const random = String(randomInt(100_000)).padStart(5, '0');
  const national = `912${random}${String(phoneCounter % 100).padStart(2, '0')}`;
  return {
    e164: `+7${national}`,
    national,
    formatted: `+7 (${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6, 8)}-${national.slice(8)}`,
  };
};

const CODE_PATTERN = /\b(\d{6})\b/;

/** Reads the newest login code sent to `phone` from the SMS sandbox page, in a second tab. */
export const readCodeFromDevPage = async (context: BrowserContext, phone: { e164: string; formatted: string }) => {
  const sandbox = await context.newPage();
  try {
    await sandbox.goto('/dev/sms');
    await expect(sandbox.getByRole('heading', { level: 1 })).toHaveText('Тестовые SMS (песочница)');
    await sandbox.getByLabel('Номер получателя').fill(phone.e164);
    // The list refreshes every 3 s; the SMS is delivered by a background job, so allow a few rounds.
    const message = sandbox.getByRole('listitem').filter({ hasText: phone.formatted }).first();
    await expect(message).toBeVisible({ timeout: 20_000 });
    const text = (await message.locator('.sms-text').textContent()) ?? '';
    const code = CODE_PATTERN.exec(text)?.[1];
    expect(code, `no 6-digit code in «${text}»`).toBeDefined();
    return code as string;
  } finally {
    await sandbox.close();
  }
};

type SandboxSms = { to: string; text: string; sentAt: string };

/**
 * Reads the newest code sent to `phone` straight from the sandbox API: the newest SMS of all (a
 * login code), or the newest whose text matches `about` (/подпись договора/, /продление/); with
 * `sentSince` (epoch ms), only one sent from then on (a customer signing a second contract).
 */
export const readCodeFromApi = async (request: APIRequestContext, phone: string, about?: RegExp, sentSince?: number): Promise<string> => {
  let code: string | undefined;
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/dev/sms?phone=${encodeURIComponent(phone)}`);
        if (!response.ok()) return undefined;
        const messages = (await response.json()) as SandboxSms[];
        const newest = messages.find(
          (sms) => sms.to === phone && (!about || about.test(sms.text)) && (sentSince === undefined || Date.parse(sms.sentAt) >= sentSince),
        );
        code = newest ? CODE_PATTERN.exec(newest.text)?.[1] : undefined;
        return code;
      },
      { timeout: 20_000, message: `no SMS${about ? ` matching ${about}` : ''} for ${phone}` },
    )
    .toMatch(/^\d{6}$/);
  return code as string;
};

/** Runs axe on the page as it is now; fails on any serious or critical violation. */
export const expectNoSeriousA11yViolations = async (page: Page, screen: string) => {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  expect(serious, `accessibility violations on ${screen}`).toEqual([]);
};

/** The layout must fit a 360 px phone: nothing may scroll sideways. */
export const expectNoHorizontalScroll = async (page: Page) => {
  const viewport = page.viewportSize()?.width ?? 360;
  const { width, culprits } = await page.evaluate((limit) => {
    // The elements that reach past the right edge, named so a failure says where to look.
    const culprits = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > limit + 0.5)
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}.${[...element.classList].join('.')} (${Math.round(element.getBoundingClientRect().right)} px)`);
    return { width: document.documentElement.scrollWidth, culprits };
  }, viewport);
  expect(width, `document is wider than the viewport: ${culprits.join(', ')}`).toBeLessThanOrEqual(viewport);
};

/** A full-page screenshot stored with the test's results and attached to the report. */
export const saveScreenshot = async (page: Page, testInfo: TestInfo, name: string) => {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
};

/** Axe, no sideways scroll at 360 px, and a screenshot attached to the report. */
export const checkScreen = async (page: Page, testInfo: TestInfo, name: string) => {
  await expectNoSeriousA11yViolations(page, name);
  await expectNoHorizontalScroll(page);
  await saveScreenshot(page, testInfo, name);
};

/** A payday loan the sandbox approves at once. */
export const LOAN = { product: 'pdl', amount: 10_000, term: 30 };

/** README «Sandbox personas»: a clean ИНН and passport, approved in seconds. */
export const QUESTIONNAIRE = {
  lastName: 'Иванова',
  firstName: 'Мария',
  middleName: 'Петровна',
  birthDate: '1990-05-17',
  birthPlace: 'г. Тверь',
  passport: { series: '4510', number: '654321', issuedAt: '2010-06-01', issuer: 'ОВД района Арбат г. Москвы', divisionCode: '770-001' },
  registrationAddress: 'г. Москва, ул. Арбат, д. 1, кв. 2',
  actualAddress: 'г. Москва, ул. Арбат, д. 1, кв. 2',
  inn: '771234567859',
  email: 'maria@example.ru',
  employment: { type: 'employed', employer: 'ООО «Ромашка»', monthlyIncome: 80_000, incomeSource: 'зарплата' },
};

/** The server refuses a second SMS code to one phone within a minute (the login code included). */
export const RESEND_GAP_MS = 61_000;

/** A customer logged in through the login page: the phone and when its code was sent. */
export type LoggedIn = { phone: string; codeSentAt: number };

/**
 * The server's time, epoch ms: the sandbox stamps each SMS with it, and on the time machine it runs
 * ahead of this process's clock once a journey has moved it (POST /api/dev/clock), so «sent since»
 * must be measured on it, not on Date.now().
 */
export const serverNow = async (request: APIRequestContext): Promise<number> => {
  const response = await request.get('/api/dev/clock');
  if (!response.ok()) return Date.now();
  return Date.parse(((await response.json()) as { now: string }).now);
};

/** Logs a new customer in through the login page (or, given a phone, that customer again). */
export const logIn = async (page: Page, phone: string = uniquePhone().e164): Promise<LoggedIn> => {
  await page.goto('/login?next=%2Fcabinet');
  await page.getByLabel('Номер телефона').fill(phone);
  const asked = await serverNow(page.request);
  await page.getByRole('button', { name: 'Получить код' }).click();
  const codeSentAt = Date.now();
  // Only a code sent for this login: the same phone may have logged in before.
  await page.getByLabel('Код из SMS').fill(await readCodeFromApi(page.request, phone, /код для входа/, asked - 1_000));
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/cabinet$/);
  return { phone, codeSentAt };
};

/** Creates, fills and submits an application through the API (the page's session) and waits for approval. */
export const approvedApplication = async (page: Page, loan = LOAN): Promise<string> => {
  const created = await page.request.post('/api/applications', { data: loan });
  expect(created.status(), await created.text()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  const patched = await page.request.patch(`/api/applications/${id}`, { data: QUESTIONNAIRE });
  expect(patched.status(), await patched.text()).toBe(200);
  const consents = await page.request.post(`/api/applications/${id}/consents`, {
    data: { kinds: ['personal_data', 'credit_history', 'simple_signature'] },
  });
  expect(consents.status(), await consents.text()).toBe(200);
  const submitted = await page.request.post(`/api/applications/${id}/submit`, { data: {} });
  expect(submitted.status(), await submitted.text()).toBe(202);
  await expect
    .poll(async () => ((await (await page.request.get(`/api/applications/${id}`)).json()) as { status: string }).status, {
      timeout: 20_000,
    })
    .toBe('approved');
  return id;
};

/** Waits out the server's one-minute gap since the last code, for the rest of the minute only. */
export const waitForResendGap = async (page: Page, codeSentAt: number) => {
  const left = codeSentAt + RESEND_GAP_MS - Date.now();
  if (left > 0) await page.waitForTimeout(left);
};

/**
 * An active loan for the logged-in customer, made through the API: approved, cash payout (paid at
 * once below 50 000 ₽), signed with the SMS code after the one-minute gap. Returns the loan's id.
 */
export const activeCashLoan = async (page: Page, customer: LoggedIn, loan = LOAN): Promise<string> =>
  signForCash(page, customer, await approvedApplication(page, loan));

/**
 * Signs the approved application `id` for a cash payout (the SMS code after the one-minute gap) and
 * waits for the loan to be active — or, with `until: 'signed'`, returns at once (a loan with a
 * cooling-off pays out hours later). Moves `customer.codeSentAt` to the signing code, for the next gap.
 */
export const signForCash = async (page: Page, customer: LoggedIn, id: string, { until = 'active' }: { until?: 'active' | 'signed' } = {}): Promise<string> => {
  const method = await page.request.post(`/api/applications/${id}/payout-method`, { data: { type: 'cash' } });
  expect(method.status(), await method.text()).toBe(200);
  await waitForResendGap(page, customer.codeSentAt);
  const asked = await serverNow(page.request);
  const sent = await page.request.post(`/api/applications/${id}/sign/otp`, { data: {} });
  expect(sent.status(), await sent.text()).toBe(200);
  customer.codeSentAt = Date.now();
  // Second-precision slack: the sandbox stamps the SMS with the server's clock.
  const code = await readCodeFromApi(page.request, customer.phone, /подпись договора/, asked - 1_000);
  const signed = await page.request.post(`/api/applications/${id}/sign`, { data: { code } });
  expect(signed.status(), await signed.text()).toBe(200);
  const loanId = ((await signed.json()) as { loanId: string }).loanId;
  if (until === 'signed') return loanId;
  await expect
    .poll(async () => ((await (await page.request.get(`/api/loans/${loanId}`)).json()) as { status: string }).status, {
      timeout: 20_000,
    })
    .toBe('active');
  return loanId;
};

/**
 * Repays the whole debt of `loanId` through the sandbox acquirer's page (opened in a second tab of
 * the same browser) and waits until the loan is closed.
 */
export const repayInFull = async (page: Page, loanId: string): Promise<void> => {
  const loan = (await (await page.request.get(`/api/loans/${loanId}`)).json()) as { debt: { totalKopecks: number } };
  const started = await page.request.post(`/api/loans/${loanId}/payments`, {
    data: { amountKopecks: loan.debt.totalKopecks, method: 'card' },
    headers: { 'Idempotency-Key': `repay-${loanId}` },
  });
  expect(started.status(), await started.text()).toBe(201);
  const { confirmationUrl } = (await started.json()) as { confirmationUrl: string };
  const acquirer = await page.context().newPage();
  try {
    await acquirer.goto(confirmationUrl);
    await acquirer.getByRole('button', { name: 'Оплатить' }).click();
    await expect(acquirer.getByRole('link', { name: 'Вернуться в CarCapital' })).toBeVisible();
  } finally {
    await acquirer.close();
  }
  await expect
    .poll(async () => ((await (await page.request.get(`/api/loans/${loanId}`)).json()) as { status: string }).status, {
      timeout: 70_000,
    })
    .toBe('closed');
};
