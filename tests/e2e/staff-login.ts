import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { totp, totpStep } from '../../src/server/modules/staff/totp';
import { checkScreen, expect } from './support';

/**
 * Staff logins shared by the back-office journeys.
 *
 * The first administrator is made by `scripts/staff-create.ts` before the server starts
 * (playwright.config.ts) with a temporary password in `admin.json`. Whichever journey needs them
 * first does the whole first login (`firstLogin`: the wrong password, the authenticator, the
 * password change, with their checks and screens) and leaves the administrator's own password and
 * authenticator secret in `admin-session.json` beside it; every later login (another spec, another
 * worker) uses those with a fresh code. The server takes each 30-second code once, so the last step
 * used is kept too and a later login uses a later one.
 */

export const ADMIN_PASSWORD = 'админ-пароль-надёжный-2026';

const dataDir = (): string => {
  const dir = process.env.E2E_DATA_DIR;
  if (!dir) throw new Error('E2E_DATA_DIR is not set (playwright.config.ts sets it)');
  return dir;
};

export const readAdmin = (): { email: string; temporaryPassword: string } =>
  JSON.parse(readFileSync(join(dataDir(), 'admin.json'), 'utf8')) as { email: string; temporaryPassword: string };

type SavedLogin = { email: string; password: string; secret: string; lastStep: number };

const sessionFile = () => join(dataDir(), 'admin-session.json');
const readSaved = (): SavedLogin | null => (existsSync(sessionFile()) ? (JSON.parse(readFileSync(sessionFile(), 'utf8')) as SavedLogin) : null);
const save = (login: SavedLogin) => writeFileSync(sessionFile(), JSON.stringify(login));

export const nav = (page: Page) => page.getByRole('navigation', { name: 'Разделы бэк-офиса' });

/**
 * First login of a member: e-mail and temporary password, the authenticator's key (its secret read
 * from the page, grouped by four), the first code, then the password change the app insists on.
 * Returns the secret and the step of the code used.
 */
export const firstLogin = async (
  page: Page,
  testInfo: TestInfo,
  who: { email: string; temporaryPassword: string; newPassword: string },
  screens: string | null,
): Promise<{ secret: string; step: number }> => {
  await page.goto('/staff');
  await expect(page).toHaveURL(/\/staff\/login$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Вход для сотрудников' })).toBeVisible();
  if (screens) await checkScreen(page, testInfo, `${screens}-login`);

  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Пароль', { exact: true }).fill(`${who.temporaryPassword}x`);
  await page.getByRole('button', { name: 'Продолжить' }).click();
  await expect(page.locator('#staff-password-error')).toHaveText('Неверная почта или пароль.');
  await expect(page.getByLabel('Пароль', { exact: true })).toBeFocused();
  await page.getByLabel('Пароль', { exact: true }).fill(who.temporaryPassword);
  await page.getByRole('button', { name: 'Продолжить' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Подключение входа по коду' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Добавьте ключ в приложение-аутентификатор' })).toBeVisible();
  const shown = (await page.getByTestId('totp-secret').textContent()) ?? '';
  expect(shown, 'the secret comes in groups of four').toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
  const secret = shown.replace(/\s+/g, '');
  await expect(page.getByRole('link', { name: /^otpauth:\/\/totp\// })).toHaveAttribute('href', new RegExp(`secret=${secret}`));
  if (screens) await checkScreen(page, testInfo, `${screens}-enroll`);

  await page.getByLabel('Код из приложения').fill('12345');
  await page.getByRole('button', { name: 'Подключить и войти' }).click();
  await expect(page.locator('#staff-code-error')).toHaveText('Код — 6 цифр из приложения-аутентификатора.');
  const at = Date.now();
  await page.getByLabel('Код из приложения').fill(totp(secret, at));
  await page.getByRole('button', { name: 'Подключить и войти' }).click();

  // A temporary password opens nothing before it is changed.
  await expect(page).toHaveURL(/\/staff\/password$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Задайте свой пароль' })).toBeVisible();
  await expect(nav(page)).toHaveCount(0);
  await page.getByLabel('Временный пароль').fill(who.temporaryPassword);
  await page.getByLabel('Новый пароль', { exact: true }).fill('короткий');
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();
  await expect(page.locator('#staff-password-fresh-error')).toHaveText('Новый пароль — не короче 12 символов.');
  await page.getByLabel('Новый пароль', { exact: true }).fill(who.newPassword);
  await page.getByLabel('Новый пароль ещё раз').fill(who.newPassword);
  if (screens) await checkScreen(page, testInfo, `${screens}-password`);
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();

  await expect(page).toHaveURL(/\/staff$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Сводка за сегодня' })).toBeVisible();
  await expect(page.locator('[data-figure="submitted"]')).toBeVisible();
  return { secret, step: totpStep(at) };
};

/** A later login of an enrolled member: password, then a code of a step the server has not seen. */
const logInEnrolled = async (page: Page, login: SavedLogin): Promise<number> => {
  await page.goto('/staff');
  await expect(page).toHaveURL(/\/staff\/login$/);
  await page.getByLabel('E-mail').fill(login.email);
  await page.getByLabel('Пароль', { exact: true }).fill(login.password);
  await page.getByRole('button', { name: 'Продолжить' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Код из приложения' })).toBeVisible();
  // The server looks one step ahead too: the next step's code works at once.
  const step = Math.max(totpStep(Date.now()), login.lastStep + 1);
  await page.getByLabel('Код из приложения').fill(totp(login.secret, step * 30_000));
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/staff$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Сводка за сегодня' })).toBeVisible();
  return step;
};

/**
 * The first administrator, logged in on `page`: the first login (screens `admin-…`) if nobody has
 * done it in this run yet, else the saved password and a fresh code. Ends on the dashboard.
 */
export const logInAdmin = async (page: Page, testInfo: TestInfo): Promise<{ email: string; firstLogin: boolean }> => {
  const admin = readAdmin();
  const saved = readSaved();
  if (saved && saved.email === admin.email) {
    save({ ...saved, lastStep: await logInEnrolled(page, saved) });
    return { email: admin.email, firstLogin: false };
  }
  const { secret, step } = await firstLogin(page, testInfo, { ...admin, newPassword: ADMIN_PASSWORD }, 'admin');
  save({ email: admin.email, password: ADMIN_PASSWORD, secret, lastStep: step });
  return { email: admin.email, firstLogin: true };
};
