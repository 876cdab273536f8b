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

/** Reads the newest login code sent to `phone` straight from the sandbox API. */
export const readCodeFromApi = async (request: APIRequestContext, phone: string): Promise<string> => {
  let code: string | undefined;
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/dev/sms?phone=${encodeURIComponent(phone)}`);
        if (!response.ok()) return undefined;
        const messages = (await response.json()) as SandboxSms[];
        const newest = messages.find((sms) => sms.to === phone);
        code = newest ? CODE_PATTERN.exec(newest.text)?.[1] : undefined;
        return code;
      },
      { timeout: 20_000, message: `no SMS for ${phone}` },
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
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, 'document is wider than the viewport').toBeLessThanOrEqual(page.viewportSize()?.width ?? 360);
};

/** A full-page screenshot stored with the test's results and attached to the report. */
export const saveScreenshot = async (page: Page, testInfo: TestInfo, name: string) => {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
};
