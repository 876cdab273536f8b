import type { Browser, BrowserContext, Page, TestInfo } from '@playwright/test';
import { E2E_URL } from './servers';
import { firstLogin, logInAdmin, nav, readAdmin } from './staff-login';
import { QUESTIONNAIRE, checkScreen, expect, expectNoHorizontalScroll, expectNoSeriousA11yViolations, logIn, saveScreenshot, test } from './support';

/**
 * The back office (issue 7) and the customer's support pages, end to end:
 * - the first administrator (made by `scripts/staff-create.ts` before the server starts) logs in with
 *   the temporary password, enrols the authenticator (the test computes the TOTP code), sets a
 *   password, and creates a support agent and an underwriter, each temporary password read from
 *   the page that shows it once;
 * - a customer writes to support from the cabinet (360 px); the agent logs in the same way, finds
 *   the request in the inbox and answers; the customer sees the answer;
 * - the robot passes an instalment application without credit history to a person (README «Sandbox
 *   personas», passport 000005); the underwriter approves a smaller amount; the customer sees the
 *   offer in the cabinet. The underwriter also opens the customer's card and reveals the passport
 *   with a reason.
 * Every screen: axe (no serious or critical finding), nothing wider than the window, a screenshot.
 * Staff screens are desktop first (1280 px), with one inbox check on a 768 px tablet.
 */

test.describe.configure({ mode: 'serial' });

type Credentials = { email: string; password: string };

/** What the journeys pass on: the members the administrator made, with their own passwords. */
const staff: { agent?: Credentials & { name: string }; underwriter?: Credentials & { name: string } } = {};

const runId = Date.now().toString(36);
const DESKTOP = { width: 1280, height: 900 };
const TABLET = { width: 768, height: 1024 };

/** A desk browser for a staff member: its own cookies, Moscow time, and the same CSP watch as `test`. */
const staffContext = async (browser: Browser): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> => {
  const context = await browser.newContext({ baseURL: E2E_URL, viewport: DESKTOP, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
  const cspViolations: string[] = [];
  context.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { context, page: await context.newPage(), cspViolations };
};

const closeStaff = async ({ context, cspViolations }: { context: BrowserContext; cspViolations: string[] }) => {
  await context.close();
  expect(cspViolations, 'a staff page broke the server CSP').toEqual([]);
};

/** The administrator's «Сотрудники» form; returns the temporary password the page shows once. */
const createMember = async (page: Page, testInfo: TestInfo, member: { email: string; name: string; role: string }, screen: string | null) => {
  await nav(page).getByRole('link', { name: 'Сотрудники' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Сотрудники' })).toBeVisible();
  await page.getByLabel('E-mail').fill(member.email);
  await page.getByLabel('Имя и фамилия').fill(member.name);
  await page.getByLabel(member.role, { exact: true }).check();
  await page.getByRole('button', { name: 'Создать сотрудника' }).click();
  const created = page.getByTestId('created-user');
  await expect(created.getByRole('heading', { name: `Сотрудник создан: ${member.name}` })).toBeFocused();
  await expect(created).toContainText('показывается только один раз');
  const password = ((await page.getByTestId('temporary-password').textContent()) ?? '').trim();
  expect(password.length).toBeGreaterThanOrEqual(12);
  await expect(page.getByTestId('users').locator(`tr[data-email="${member.email}"]`)).toContainText(member.role);
  if (screen) await checkScreen(page, testInfo, screen);
  await page.getByRole('button', { name: 'Готово' }).click();
  await expect(page.getByTestId('temporary-password')).toHaveCount(0);
  return password;
};

test('the first administrator enrols, sets a password, and creates a support agent and an underwriter', async ({ browser }, testInfo) => {
  test.setTimeout(240_000);
  const admin = readAdmin();
  const desk = await staffContext(browser);
  const { page } = desk;

  // The first login (tests/e2e/staff-login.ts), unless another journey of this run did it already.
  await logInAdmin(page, testInfo);
  await expect(page.getByTestId('staff-name')).toHaveText('Администратор');
  await expect(page.getByTestId('staff-roles')).toHaveText('Администратор');
  await expect(nav(page).getByRole('link')).toHaveText(['Сводка', 'Заявки', 'Клиенты', 'Обращения', 'Удаление аккаунтов', 'Займы и платежи', 'Залоги', 'Сотрудники', 'Продукты и акции', 'Журнал аудита']);
  await expect(nav(page).getByRole('link', { name: 'Сводка' })).toHaveAttribute('aria-current', 'page');
  await checkScreen(page, testInfo, 'admin-dashboard');

  // A form refused field by field, in Russian.
  await nav(page).getByRole('link', { name: 'Сотрудники' }).click();
  await page.getByRole('button', { name: 'Создать сотрудника' }).click();
  await expect(page.locator('#new-user-email-error')).toHaveText('Введите рабочий e-mail сотрудника.');
  await expect(page.locator('#new-user-name-error')).toHaveText('Введите имя и фамилию сотрудника.');
  await expect(page.locator('#new-user-role-error')).toHaveText('Выберите хотя бы одну роль.');
  await expect(page.getByLabel('E-mail')).toBeFocused();

  const agent = { email: `agent-${runId}@e2e.test`, name: 'Ольга Поддержкина', role: 'Поддержка' };
  const agentPassword = await createMember(page, testInfo, agent, 'admin-user-created');
  staff.agent = { email: agent.email, password: agentPassword, name: agent.name };

  const underwriter = { email: `underwriter-${runId}@e2e.test`, name: 'Игорь Андеррайтеров', role: 'Андеррайтер' };
  const underwriterPassword = await createMember(page, testInfo, underwriter, null);
  staff.underwriter = { email: underwriter.email, password: underwriterPassword, name: underwriter.name };

  // The audit log has the administrator's own steps: the login, the password, both new members.
  await nav(page).getByRole('link', { name: 'Журнал аудита' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Журнал аудита' })).toBeVisible();
  const createdRows = page.getByTestId('audit').locator('tr[data-action="staff.created"]');
  await expect(createdRows.filter({ hasText: agent.email })).toHaveCount(1);
  await expect(createdRows.filter({ hasText: underwriter.email })).toHaveCount(1);
  await expect(createdRows.filter({ hasText: agent.email })).toContainText(admin.email);
  await checkScreen(page, testInfo, 'admin-audit');
  await page.getByLabel('Действие').fill('staff.password_changed');
  await page.getByRole('button', { name: 'Показать' }).click();
  await expect(page).toHaveURL(/\/staff\/audit\?action=staff\.password_changed$/);
  await expect(page.getByTestId('audit').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('audit').locator('tbody tr')).toContainText(admin.email);

  // The collections' lists (empty on a fresh server), the failed payouts with their admin-only action.
  await nav(page).getByRole('link', { name: 'Займы и платежи' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Займы и платежи' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Просроченных займов нет' })).toBeVisible();
  await page.getByRole('link', { name: 'Неудачные выплаты' }).click();
  await expect(page).toHaveURL(/\/staff\/loans\?tab=payouts$/);
  await expect(page.getByRole('link', { name: 'Неудачные выплаты' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('status').filter({ hasText: 'Неудачных выплат нет' })).toBeVisible();
  await checkScreen(page, testInfo, 'admin-loans');

  // The pledges of car loans (none on a fresh server): releases under way, then only the overdue ones.
  await nav(page).getByRole('link', { name: 'Залоги' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Залоги автомобилей' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Снимать нечего' })).toBeVisible();
  await page.getByRole('link', { name: 'Просроченные', exact: true }).click();
  await expect(page).toHaveURL(/\/staff\/pledges\?state=overdue$/);
  await expect(page.getByRole('status').filter({ hasText: 'Просроченных снятий нет' })).toBeVisible();
  await checkScreen(page, testInfo, 'admin-pledges');

  await page.getByRole('button', { name: 'Выйти' }).click();
  await expect(page).toHaveURL(/\/staff\/login$/);
  await page.goto('/staff/users');
  await expect(page).toHaveURL(/\/staff\/login\?next=%2Fstaff%2Fusers$/);
  await closeStaff(desk);
});

test('a customer writes to support; the agent answers from the inbox; the customer reads the answer', async ({ page, browser }, testInfo) => {
  test.setTimeout(240_000);
  expect(staff.agent, 'the administrator made the agent').toBeDefined();
  const agent = staff.agent!;
  const subject = `Не вижу платёж ${runId}`;

  // The customer, on a 360 px phone: from the cabinet to a new request.
  await logIn(page);
  await page.getByRole('link', { name: 'Написать в поддержку' }).click();
  await expect(page).toHaveURL(/\/support$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Поддержка' })).toBeVisible();
  await page.getByRole('button', { name: 'Отправить' }).click();
  await expect(page.locator('#support-category-error')).toHaveText('Выберите, о чём вопрос.');
  await expect(page.locator('#support-subject-error')).toHaveText('Напишите тему в двух-трёх словах.');
  await expect(page.getByLabel('О чём вопрос')).toBeFocused();
  await page.getByLabel('О чём вопрос').selectOption({ label: 'Вопрос по оплате' });
  await expect(page.locator('#support-category-error')).toHaveCount(0);
  await page.getByLabel('Тема').fill(subject);
  await page.getByLabel('Сообщение').fill('Оплатил вчера 3 000 ₽ картой, а в личном кабинете платежа нет.');
  await checkScreen(page, testInfo, 'support-new');
  await page.getByRole('button', { name: 'Отправить' }).click();

  await expect(page).toHaveURL(/\/support\/[0-9a-f-]{36}$/);
  const ticketPath = new URL(page.url()).pathname;
  await expect(page.getByRole('heading', { level: 2, name: subject })).toBeVisible();
  await expect(page.locator('[data-status="new"]')).toHaveText('Новое');
  await expect(page.getByTestId('support-thread').getByRole('listitem')).toHaveCount(1);
  await checkScreen(page, testInfo, 'support-thread-open');

  // The agent's first login, and what the support role opens.
  const desk = await staffContext(browser);
  const staffPage = desk.page;
  await firstLogin(staffPage, testInfo, { email: agent.email, temporaryPassword: agent.password, newPassword: 'поддержка-пароль-2026' }, 'agent');
  await expect(staffPage.getByTestId('staff-roles')).toHaveText('Поддержка');
  await expect(nav(staffPage).getByRole('link')).toHaveText(['Сводка', 'Клиенты', 'Обращения', 'Удаление аккаунтов']);
  await staffPage.goto('/staff/users');
  await expect(staffPage.getByRole('heading', { level: 1, name: 'Нет доступа' })).toBeVisible();

  // The inbox: «Ждут нас» (new and in progress) by default, the new request among them.
  await nav(staffPage).getByRole('link', { name: 'Обращения' }).click();
  await expect(staffPage.getByRole('heading', { level: 1, name: 'Обращения клиентов' })).toBeVisible();
  await expect(staffPage.getByLabel('Статус', { exact: true })).toHaveValue('waiting');
  const row = staffPage.getByTestId('ticket-list').getByRole('row').filter({ hasText: subject });
  await expect(row).toContainText('Вопрос по оплате');
  await expect(row).toContainText('Новое');
  await expect(row).toContainText('не назначено');
  await checkScreen(staffPage, testInfo, 'staff-inbox');
  await staffPage.setViewportSize(TABLET);
  await expectNoSeriousA11yViolations(staffPage, 'staff-inbox-tablet');
  await expectNoHorizontalScroll(staffPage);
  await saveScreenshot(staffPage, testInfo, 'staff-inbox-tablet');
  await staffPage.setViewportSize(DESKTOP);

  await row.getByRole('link', { name: subject }).click();
  await expect(staffPage.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await expect(staffPage.getByTestId('thread')).toContainText('Оплатил вчера 3 000 ₽ картой');
  await expect(staffPage.getByTestId('ticket-status')).toHaveText('Новое');
  await staffPage.getByRole('button', { name: 'Взять себе' }).click();
  await expect(staffPage.getByTestId('ticket-assignee')).toContainText(agent.name);
  // Taken: in progress.
  await expect(staffPage.getByTestId('ticket-status')).toHaveText('В работе');
  await staffPage.getByRole('button', { name: 'Отправить ответ' }).click();
  await expect(staffPage.locator('#reply-body-error')).toHaveText('Напишите ответ клиенту.');
  const answer = 'Платёж нашли: банк прислал его сегодня утром, он уже зачислен. Спасибо, что написали!';
  await staffPage.getByLabel('Ответ клиенту').fill(answer);
  await checkScreen(staffPage, testInfo, 'staff-ticket');
  await staffPage.getByRole('button', { name: 'Отправить ответ' }).click();
  await expect(staffPage.getByRole('status').filter({ hasText: 'Ответ отправлен' })).toBeVisible();
  await expect(staffPage.getByTestId('ticket-status')).toHaveText('Ждёт ответа клиента');
  await expect(staffPage.getByTestId('thread').locator('[data-author="staff"]')).toContainText(answer);
  // Waiting for the customer: no longer among «Ждут нас», found under its own status.
  await staffPage.getByRole('link', { name: 'К обращениям' }).click();
  await expect(staffPage.getByRole('heading', { level: 1, name: 'Обращения клиентов' })).toBeVisible();
  await expect(staffPage.getByRole('status').filter({ hasText: /Обращений|Показано/ })).toBeVisible();
  await expect(staffPage.getByTestId('ticket-list').getByRole('row').filter({ hasText: subject })).toHaveCount(0);
  await staffPage.getByLabel('Статус', { exact: true }).selectOption({ label: 'Ждёт ответа клиента' });
  await staffPage.getByRole('button', { name: 'Показать' }).click();
  await expect(staffPage).toHaveURL(/\/staff\/tickets\?status=waiting_customer$/);
  await expect(staffPage.getByTestId('ticket-list').getByRole('row').filter({ hasText: subject })).toContainText('Ждёт ответа клиента');
  await closeStaff(desk);

  // The customer sees the answer, and the status that says so.
  await page.goto(ticketPath);
  await expect(page.locator('[data-status="waiting_customer"]')).toHaveText('Ждёт вашего ответа');
  await expect(page.getByTestId('support-thread').locator('[data-author="staff"]')).toContainText(answer);
  await checkScreen(page, testInfo, 'support-thread-answered');
  await page.getByRole('link', { name: '← Все обращения' }).click();
  const item = page.getByTestId('support-tickets').getByRole('listitem').filter({ hasText: subject });
  await expect(item).toContainText('Ждёт вашего ответа');
  await checkScreen(page, testInfo, 'support-list');
});

test('the underwriter approves an application the robot sent to manual review; the customer sees the offer', async ({ page, browser }, testInfo) => {
  test.setTimeout(240_000);
  expect(staff.underwriter, 'the administrator made the underwriter').toBeDefined();
  const underwriter = staff.underwriter!;

  // An instalment loan for a customer with no credit history goes to a person (README personas).
  const customer = await logIn(page);
  const created = await page.request.post('/api/applications', { data: { product: 'installment', amount: 50_000, term: 24 } });
  expect(created.status(), await created.text()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  const questionnaire = { ...QUESTIONNAIRE, passport: { ...QUESTIONNAIRE.passport, number: '000005' } };
  expect((await page.request.patch(`/api/applications/${id}`, { data: questionnaire })).status()).toBe(200);
  const consents = await page.request.post(`/api/applications/${id}/consents`, { data: { kinds: ['personal_data', 'credit_history', 'simple_signature'] } });
  expect(consents.status(), await consents.text()).toBe(200);
  expect((await page.request.post(`/api/applications/${id}/submit`, { data: {} })).status()).toBe(202);
  await expect
    .poll(async () => ((await (await page.request.get(`/api/applications/${id}`)).json()) as { status: string }).status, { timeout: 20_000 })
    .toBe('manual_review');

  const desk = await staffContext(browser);
  const staffPage = desk.page;
  await firstLogin(staffPage, testInfo, { email: underwriter.email, temporaryPassword: underwriter.password, newPassword: 'андеррайтер-пароль-2026' }, null);
  await expect(nav(staffPage).getByRole('link')).toHaveText(['Сводка', 'Заявки', 'Клиенты']);

  await nav(staffPage).getByRole('link', { name: 'Заявки' }).click();
  await expect(staffPage.getByRole('heading', { level: 1, name: 'Ручная проверка заявок' })).toBeVisible();
  const row = staffPage.getByTestId('review-queue').locator(`tr[data-id="${id}"]`);
  await expect(row).toContainText('50\u00a0000');
  await expect(row).toContainText('Кредитная история');
  await checkScreen(staffPage, testInfo, 'staff-review-queue');
  await row.getByRole('link', { name: /^Открыть/ }).click();

  await expect(staffPage).toHaveURL(new RegExp(`/staff/applications/${id}$`));
  await expect(staffPage.getByRole('heading', { level: 1, name: 'Заявка на ручной проверке' })).toBeVisible();
  await expect(staffPage.getByTestId('checks').locator('tr[data-check="thin_file"]')).toContainText('Нужно решение специалиста');
  await expect(staffPage.getByTestId('checks').locator('tr[data-check="passport"]')).toContainText('Пройдена');
  const amount = staffPage.getByLabel('Сумма, ₽');
  await expect(amount).toHaveValue('50 000');
  await expect(staffPage.locator('#decision-amount-hint')).toContainText('Максимум — 50\u00a0000\u00a0₽');
  await checkScreen(staffPage, testInfo, 'staff-review-detail');

  await amount.fill('60000');
  await staffPage.getByLabel('Комментарий к одобрению').fill('Доход подтверждён справкой, одобряем меньшую сумму.');
  await staffPage.getByRole('button', { name: 'Одобрить', exact: true }).click();
  await expect(staffPage.locator('#decision-amount-error')).toContainText('Не больше 50\u00a0000\u00a0₽');
  await amount.fill('45 000');
  await staffPage.getByRole('button', { name: 'Одобрить', exact: true }).click();
  const outcome = staffPage.getByTestId('decision-outcome');
  await expect(outcome).toHaveAttribute('data-status', 'approved');
  await expect(outcome.getByRole('heading', { name: 'Заявка одобрена' })).toBeFocused();
  await expect(outcome).toContainText('45\u00a0000\u00a0₽');
  await checkScreen(staffPage, testInfo, 'staff-review-approved');

  // Decided: the page now says by whom.
  await staffPage.reload();
  await expect(staffPage.getByTestId('decided')).toContainText('Игорь Андеррайтеров');

  // The customer found by phone; the card: masked personal data, revealed with a reason the audit keeps.
  await nav(staffPage).getByRole('link', { name: 'Клиенты' }).click();
  await staffPage.getByLabel('Телефон, номер договора, заявки или займа').fill(customer.phone);
  await staffPage.getByRole('button', { name: 'Найти' }).click();
  const found = staffPage.getByTestId('customer-results').getByRole('row').filter({ hasText: 'Иванова Мария Петровна' });
  await expect(found).toHaveCount(1);
  await checkScreen(staffPage, testInfo, 'staff-customer-search');
  await found.getByRole('link', { name: /^Открыть карточку/ }).click();
  await expect(staffPage.getByRole('heading', { level: 1, name: 'Иванова Мария Петровна' })).toBeVisible();
  await expect(staffPage.locator(`tr[data-id="${id}"]`)).toContainText('Одобрена — 45\u00a0000\u00a0₽');
  const passport = staffPage.getByTestId('value-passport');
  await expect(passport).not.toContainText('000005');
  await checkScreen(staffPage, testInfo, 'staff-customer-card');
  await staffPage.getByRole('button', { name: 'Показать паспорт' }).click();
  const dialog = staffPage.getByRole('dialog', { name: 'Показать: паспорт' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Причина просмотра').fill('сверка');
  await dialog.getByRole('button', { name: 'Показать' }).click();
  await expect(dialog.locator('#reveal-reason-error')).toContainText('не короче 10 символов');
  await dialog.getByLabel('Причина просмотра').fill('Сверяем паспорт по звонку клиента');
  await dialog.getByRole('button', { name: 'Показать' }).click();
  await expect(dialog.getByTestId('revealed-value')).toContainText('000005');
  await expectNoSeriousA11yViolations(staffPage, 'staff-reveal-dialog');
  await saveScreenshot(staffPage, testInfo, 'staff-reveal-dialog');
  await dialog.getByRole('button', { name: 'Закрыть' }).click();
  await expect(passport).toContainText('000005');
  await closeStaff(desk);

  // The customer: the offer, by the amount the underwriter approved.
  await page.goto('/cabinet');
  const item = page.locator(`.application-item[data-id="${id}"]`);
  await expect(item).toHaveAttribute('data-status', 'approved');
  await expect(item).toContainText('Одобрена');
  await expect(item).toContainText('Одобрено: 45\u00a0000\u00a0₽');
  await checkScreen(page, testInfo, 'cabinet-offer');
});
