import type { Page, TestInfo } from '@playwright/test';
import {
  expect,
  expectNoHorizontalScroll,
  expectNoSeriousA11yViolations,
  readCodeFromApi,
  saveScreenshot,
  test,
  uniquePhone,
} from './support';

/**
 * The loan application, end to end at 360 px: the landing calculator → login → cabinet → the
 * questionnaire step by step (with a validation error fixed on the way) → consents → review →
 * submit → the decision on the same page, for an approved and a declined sandbox persona
 * (README «Sandbox personas»). Plus the autosave: a reload in the middle restores the draft.
 */

const CLEAN_INN = '771234567859';
/** Not the check digits of a real ИНН: the core rule refuses it. */
const WRONG_INN = '771234567890';
const INN_MESSAGE = 'ИНН — 12 цифр; проверьте номер: контрольные цифры не сходятся.';

type Persona = { passportNumber: string; lastName: string; firstName: string };

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });
const stepHeading = (page: Page) => page.locator('#step-title');
const next = (page: Page) => page.getByRole('button', { name: 'Далее' });

/**
 * The step is on screen: its counter, heading and the address; after an in-app step change the
 * heading has focus (after a page load, focus stays where the browser puts it).
 */
const expectStep = async (page: Page, counter: string, title: string, step: string, { focused = true } = {}) => {
  await expect(page.locator('#progress-label')).toContainText(counter);
  await expect(stepHeading(page)).toHaveText(title);
  if (focused) await expect(stepHeading(page)).toBeFocused();
  await expect(page).toHaveURL(new RegExp(`\\?step=${step}$`));
  await expect(page.locator('.progress-bar [aria-current="step"]')).toHaveCount(1);
};

/** Each step: no serious axe finding, nothing wider than the phone, a screenshot. */
const checkScreen = async (page: Page, testInfo: TestInfo, name: string) => {
  await expectNoSeriousA11yViolations(page, name);
  await expectNoHorizontalScroll(page);
  await saveScreenshot(page, testInfo, name);
};

/** Every control matched is at least 44 px tall (a finger, not a mouse pointer). */
const expectTapTargets = async (page: Page, selector: string) => {
  const heights = await page.locator(selector).evaluateAll((elements) => elements.map((e) => e.getBoundingClientRect().height));
  expect(heights.length).toBeGreaterThan(0);
  for (const height of heights) expect(height, selector).toBeGreaterThanOrEqual(44);
};

/** Logs a new customer in through `/application` (which sends to the login first) and lands on the first step. */
const startSignedOut = async (page: Page) => {
  const phone = uniquePhone();
  await page.goto('/application');
  await expect(page).toHaveURL(/\/login\?next=%2Fapplication$/);
  await page.getByLabel('Номер телефона').fill(phone.e164);
  await page.getByRole('button', { name: 'Получить код' }).click();
  await page.getByLabel('Код из SMS').fill(await readCodeFromApi(page.request, phone.e164));
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/application\/[0-9a-f-]{36}\?step=person$/);
  return /\/application\/([0-9a-f-]{36})/.exec(page.url())![1]!;
};

/** Landing calculator → «Получить займ» → login with the SMS code → the cabinet with the choice. */
const pickLoanAndLogIn = async (page: Page) => {
  const phone = uniquePhone();
  await page.goto('/');
  const calculator = page.locator('#calculator');
  await expect(calculator).toHaveAttribute('data-source', 'server');
  await page.getByRole('radio', { name: 'До зарплаты' }).check();
  await page.getByLabel('Сумма, ₽').fill('15000');
  await page.getByLabel('Сумма, ₽').press('Tab');
  await page.locator('#calc-term').fill('20');
  await page.locator('#calc-term').press('Tab');
  await expect(calculator.locator('[data-figure="amount"]')).toHaveAttribute('data-kopecks', '1500000');
  await calculator.getByRole('link', { name: 'Получить займ' }).click();

  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel('Номер телефона').fill(phone.e164);
  await page.getByRole('button', { name: 'Получить код' }).click();
  await expect(page.getByLabel('Код из SMS')).toBeVisible();
  await page.getByLabel('Код из SMS').fill(await readCodeFromApi(page.request, phone.e164));
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/cabinet$/);
  return phone;
};

/** From the cabinet's chosen loan card to the questionnaire's first step. */
const startFromCabinet = async (page: Page) => {
  const card = page.getByRole('region', { name: 'Выбранный займ' });
  await expect(card).toContainText('До зарплаты');
  await card.getByRole('link', { name: 'Оформить заявку' }).click();
  await expect(page).toHaveURL(/\/application\/[0-9a-f-]{36}\?step=person$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Заявка на заём' })).toBeVisible();
  return /\/application\/([0-9a-f-]{36})/.exec(page.url())![1]!;
};

const fillPerson = async (page: Page, persona: Persona) => {
  await field(page, 'Фамилия').fill(persona.lastName);
  await field(page, 'Имя').fill(persona.firstName);
  await page.getByLabel('Отчество').fill('Петровна');
  // Typed as digits: the mask adds the dots.
  await field(page, 'Дата рождения').pressSequentially('17051990');
  await expect(field(page, 'Дата рождения')).toHaveValue('17.05.1990');
  await field(page, 'Место рождения').fill('г. Тверь');
};

const fillPassport = async (page: Page, persona: Persona) => {
  await field(page, 'Серия').pressSequentially('4510');
  await field(page, 'Номер').fill(persona.passportNumber);
  await field(page, 'Дата выдачи').pressSequentially('01062010');
  await expect(field(page, 'Дата выдачи')).toHaveValue('01.06.2010');
  await field(page, 'Кем выдан').fill('ОВД района Арбат г. Москвы');
  await field(page, 'Код подразделения').pressSequentially('770001');
  await expect(field(page, 'Код подразделения')).toHaveValue('770-001');
};

/** The whole journey through the questionnaire up to the decision, with checks on every screen. */
const applyAs = async (page: Page, testInfo: TestInfo, persona: Persona, prefix: string) => {
  await pickLoanAndLogIn(page);
  await expectNoSeriousA11yViolations(page, 'the cabinet with a chosen loan');
  await saveScreenshot(page, testInfo, `${prefix}-0-cabinet`);
  const id = await startFromCabinet(page);

  // Step 1. «Далее» on empty fields: the required ones say so, focus goes to the first.
  await expectStep(page, 'Шаг 1 из 6', 'ФИО, дата и место рождения', 'person');
  await expect(field(page, 'Фамилия')).toHaveAttribute('autocomplete', 'family-name');
  await expect(field(page, 'Имя')).toHaveAttribute('autocomplete', 'given-name');
  await expect(page.getByLabel('Отчество')).toHaveAttribute('autocomplete', 'additional-name');
  await expect(field(page, 'Дата рождения')).toHaveAttribute('autocomplete', 'bday');
  await expect(field(page, 'Дата рождения')).toHaveAttribute('inputmode', 'numeric');
  await next(page).click();
  await expect(field(page, 'Фамилия')).toBeFocused();
  await expect(field(page, 'Фамилия')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#q-lastName-error')).toHaveText('Заполните это поле.');
  await expect(field(page, 'Фамилия')).toHaveAttribute('aria-describedby', /q-lastName-error/);
  await expect(page.getByLabel('Отчество')).not.toHaveAttribute('aria-invalid', 'true');
  await checkScreen(page, testInfo, `${prefix}-1-person-errors`);
  await fillPerson(page, persona);
  await expect(field(page, 'Фамилия')).not.toHaveAttribute('aria-invalid', 'true');
  await checkScreen(page, testInfo, `${prefix}-1-person`);
  await next(page).click();

  // Step 2. The passport.
  await expectStep(page, 'Шаг 2 из 6', 'Паспорт', 'passport');
  await expect(page.locator('.save-status')).toHaveText(/Сохранено/);
  await fillPassport(page, persona);
  await expect(field(page, 'Серия')).toHaveAttribute('inputmode', 'numeric');
  await checkScreen(page, testInfo, `${prefix}-2-passport`);
  await next(page).click();

  // Step 3. Addresses: the actual one follows the registration while the box is ticked.
  await expectStep(page, 'Шаг 3 из 6', 'Адреса', 'address');
  const same = page.getByLabel('Адрес проживания совпадает с адресом регистрации');
  await expect(same).toBeChecked();
  await field(page, 'Адрес регистрации').fill('г. Москва, ул. Арбат, д. 1, кв. 2');
  await same.uncheck();
  await expect(field(page, 'Адрес проживания')).toBeFocused();
  await same.check();
  await expect(field(page, 'Адрес проживания')).toHaveCount(0);
  await checkScreen(page, testInfo, `${prefix}-3-address`);
  await next(page).click();

  // Step 4. A wrong ИНН: the core rule's message on leaving the field, «Далее» refuses, then fixed.
  await expectStep(page, 'Шаг 4 из 6', 'ИНН и электронная почта', 'contacts');
  const inn = field(page, 'ИНН');
  await expect(inn).toHaveAttribute('inputmode', 'numeric');
  await inn.fill(WRONG_INN);
  await field(page, 'Электронная почта').fill('maria@example.ru');
  await expect(page.locator('#q-inn-error')).toHaveText(INN_MESSAGE);
  await expect(inn).toHaveAttribute('aria-invalid', 'true');
  await expect(inn).toHaveAttribute('aria-describedby', /q-inn-error/);
  await expect(field(page, 'Электронная почта')).toHaveAttribute('autocomplete', 'email');
  await checkScreen(page, testInfo, `${prefix}-4-contacts-error`);
  await next(page).click();
  await expect(inn).toBeFocused();
  await expect(page).toHaveURL(/\?step=contacts$/);
  await inn.fill(CLEAN_INN);
  await expect(page.locator('#q-inn-error')).toHaveCount(0);
  await expect(inn).not.toHaveAttribute('aria-invalid', 'true');
  await checkScreen(page, testInfo, `${prefix}-4-contacts`);
  await next(page).click();

  // Step 5. Employment: the employer is asked of the employed only.
  await expectStep(page, 'Шаг 5 из 6', 'Работа и доход', 'employment');
  await expect(field(page, 'Место работы')).toHaveCount(0);
  await page.getByRole('radio', { name: 'Работаю по найму' }).check();
  await field(page, 'Место работы').fill('ООО «Ромашка»');
  await field(page, 'Доход в месяц, ₽').fill('80000');
  await field(page, 'Доход в месяц, ₽').press('Tab');
  await expect(field(page, 'Доход в месяц, ₽')).toHaveValue('80 000');
  await page.getByLabel('Источник дохода').fill('зарплата');
  await expectTapTargets(page, '.choice, .step-actions .btn, .input');
  await checkScreen(page, testInfo, `${prefix}-5-employment`);
  await next(page).click();

  // Step 6. The loan, as picked in the calculator, priced by the core engine.
  await expectStep(page, 'Шаг 6 из 6', 'Сумма и срок займа', 'loan');
  await expect(page.getByRole('radio', { name: 'До зарплаты' })).toBeChecked();
  await expect(page.getByLabel('Сумма, ₽')).toHaveValue('15 000');
  await expect(page.locator('#loan-term')).toHaveValue('20');
  await expect(page.locator('.loan-result [data-figure="amount"]')).toHaveAttribute('data-kopecks', '1500000');
  await expect(page.locator('.loan-result [data-figure="total"]')).toBeVisible();
  await checkScreen(page, testInfo, `${prefix}-6-loan`);
  await next(page).click();

  // Consents: each document in full, each unticked; the required ones are required.
  await expect(page.locator('#progress-label')).toContainText('Почти готово');
  await expect(stepHeading(page)).toHaveText('Согласия');
  await expect(stepHeading(page)).toBeFocused();
  const documents = page.locator('.consent');
  await expect(documents).toHaveCount(4);
  for (const checkbox of await page.locator('.consent input[type="checkbox"]').all()) await expect(checkbox).not.toBeChecked();
  await expect(page.locator('.consent[data-kind="marketing"]')).toContainText('Необязательно');
  await expect(page.locator('.consent[data-kind="personal_data"] .consent-text')).toContainText('Согласие действует до достижения целей обработки');
  await next(page).click();
  await expect(page.locator('#consent-personal_data')).toBeFocused();
  await expect(page.locator('#consent-personal_data-error')).toHaveText('Нужно согласие: «Согласие на обработку персональных данных».');
  await expect(page.locator('.consent .field-error')).toHaveCount(3);
  await checkScreen(page, testInfo, `${prefix}-7-consents-errors`);
  await page.locator('#consent-personal_data').check();
  await page.locator('#consent-credit_history').check();
  await page.locator('#consent-simple_signature').check();
  await expect(page.locator('.consent .field-error')).toHaveCount(0);
  await expectTapTargets(page, '.consent .check');
  await checkScreen(page, testInfo, `${prefix}-7-consents`);
  await next(page).click();

  // Review: everything entered, with a way back to each step.
  await expect(stepHeading(page)).toHaveText('Проверьте заявку');
  await expect(page).toHaveURL(/\?step=review$/);
  const review = page.locator('.step-card');
  await expect(review).toContainText(`${persona.lastName} ${persona.firstName} Петровна`);
  await expect(review).toContainText('17.05.1990');
  await expect(review).toContainText(`4510 ${persona.passportNumber}`);
  await expect(review).toContainText('770-001');
  await expect(review).toContainText('Совпадает с адресом регистрации');
  await expect(review).toContainText(CLEAN_INN);
  await expect(review).toContainText('Работаю по найму');
  await expect(review).toContainText(/80\s000\s₽/);
  await expect(review.locator('[data-figure="amount"]')).toHaveAttribute('data-kopecks', '1500000');
  await expect(review).toContainText('Соглашение об использовании простой электронной подписи');
  await expect(review.getByRole('button', { name: /^Изменить/ })).toHaveCount(7);
  await checkScreen(page, testInfo, `${prefix}-8-review`);

  // «Изменить» → the step → back to the review in one press.
  await review.getByRole('button', { name: 'Изменить: ИНН и почта' }).click();
  await expectStep(page, 'Шаг 4 из 6', 'ИНН и электронная почта', 'contacts');
  await expect(field(page, 'ИНН')).toHaveValue(CLEAN_INN);
  await page.getByRole('button', { name: 'Сохранить и вернуться к проверке' }).click();
  await expect(stepHeading(page)).toHaveText('Проверьте заявку');

  // Submit: no page load from here on; the decision arrives on this screen.
  await page.evaluate(() => {
    (window as unknown as { samePage: boolean }).samePage = true;
  });
  // The submit is held back a little, to see the button wait: disabled, «Отправляем…».
  await page.route('**/api/applications/*/submit', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 800));
    await route.continue();
  });
  await page.getByRole('button', { name: 'Отправить заявку' }).click();
  await expect(page.getByRole('button', { name: 'Отправляем…' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Назад' })).toBeDisabled();
  await expect(page.getByRole('heading', { level: 1, name: 'Проверяем заявку…' })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/application/${id}$`));
  await saveScreenshot(page, testInfo, `${prefix}-9-scoring`);
  return id;
};

const isSamePage = (page: Page) => page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage === true);

type ApplicationReply = {
  status: string;
  amount: number;
  reapplyAfter: string | null;
  offer: { amount: number; quote: { totalKopecks: number; returnDate: string; pskPercent: number } | null } | null;
};

test.describe('the loan application', () => {
  // A whole journey with axe on every screen takes about half a minute.
  test.describe.configure({ timeout: 120_000 });

  test('an approved persona: calculator → login → questionnaire → consents → review → approved', async ({ page }, testInfo) => {
    const id = await applyAs(page, testInfo, { passportNumber: '654321', lastName: 'Иванова', firstName: 'Мария' }, 'approved');

    const title = page.getByRole('heading', { level: 1, name: 'Заявка одобрена' });
    await expect(title).toBeVisible({ timeout: 20_000 });
    expect(await isSamePage(page), 'the decision came without a page load').toBe(true);
    await expect(page.locator('.decision-status')).toHaveAttribute('aria-live', 'polite');

    const reply = (await (await page.request.get(`/api/applications/${id}`)).json()) as ApplicationReply;
    expect(reply.status).toBe('approved');
    const offer = page.getByRole('region', { name: 'Условия займа' });
    await expect(offer.locator('[data-figure="amount"]')).toHaveAttribute('data-kopecks', String(reply.offer!.amount * 100));
    await expect(offer.locator('[data-figure="total"]')).toHaveAttribute('data-kopecks', String(reply.offer!.quote!.totalKopecks));
    await expect(offer.locator('[data-figure="return-date"]')).toHaveAttribute('data-value', reply.offer!.quote!.returnDate);
    await expect(offer.locator('[data-figure="psk"]')).toHaveAttribute('data-value', String(reply.offer!.quote!.pskPercent));
    await expect(page.getByRole('link', { name: 'Получить деньги' })).toHaveAttribute('href', `/application/${id}/sign`);
    await checkScreen(page, testInfo, 'approved-10-decision');

    // The cabinet lists it, newest on top, with its status.
    await page.getByRole('link', { name: 'В личный кабинет' }).click();
    await expect(page).toHaveURL(/\/cabinet$/);
    const first = page.locator('.application-item').first();
    await expect(first).toHaveAttribute('data-id', id);
    await expect(first.locator('.badge')).toHaveText('Одобрена');
    await expect(first).toContainText(/До зарплаты · 15\s000\s₽ на 20\sдней/);
    await expect(first.getByRole('link', { name: /^Открыть заявку/ })).toHaveAttribute('href', `/application/${id}`);
    await checkScreen(page, testInfo, 'approved-11-cabinet');
  });

  test('a declined persona: only the date a new application is possible, never a reason', async ({ page }, testInfo) => {
    const id = await applyAs(page, testInfo, { passportNumber: '000001', lastName: 'Петрова', firstName: 'Анна' }, 'declined');

    const date = page.locator('.decision-date');
    await expect(date).toBeVisible({ timeout: 20_000 });
    expect(await isSamePage(page), 'the decision came without a page load').toBe(true);
    await expect(page.getByRole('heading', { level: 1, name: 'Решение по заявке' })).toBeVisible();
    await expect(date).toHaveText(/^Подать новую заявку можно с \d{1,2} [а-я]+ \d{4}\sг\.$/);
    const reply = (await (await page.request.get(`/api/applications/${id}`)).json()) as ApplicationReply;
    expect(reply.status).toBe('declined');
    await expect(date).toHaveAttribute('data-reapply-after', reply.reapplyAfter!);

    const text = (await page.locator('body').innerText()).toLowerCase();
    for (const reason of ['паспорт', 'недействител', 'банкрот', 'просроч', 'кредитн', 'причин', 'самозапрет', 'долг']) {
      expect(text, `the decline screen mentions «${reason}»`).not.toContain(reason);
    }
    await checkScreen(page, testInfo, 'declined-10-decision');

    // The cabinet: «Не одобрена», the date, and no «Оформить заявку» until then.
    await page.getByRole('link', { name: 'В личный кабинет' }).click();
    const first = page.locator('.application-item').first();
    await expect(first.locator('.badge')).toHaveText('Не одобрена');
    await expect(first).toContainText('Подать новую заявку можно с');
    await expect(page.getByRole('link', { name: 'Оформить заявку' })).toHaveCount(0);
    await checkScreen(page, testInfo, 'declined-11-cabinet');
  });

  test('autosave: a reload in the middle restores the draft and returns to the first incomplete step', async ({ page }, testInfo) => {
    // Signed out, /application sends to the login first and comes back.
    const id = await startSignedOut(page);

    await fillPerson(page, { passportNumber: '654321', lastName: 'Сидорова', firstName: 'Ольга' });
    await next(page).click();
    await expectStep(page, 'Шаг 2 из 6', 'Паспорт', 'passport');
    // Half a step typed, no «Далее»: the pause in typing saves it.
    await field(page, 'Серия').pressSequentially('4510');
    await field(page, 'Номер').pressSequentially('6543');
    await expect(page.locator('.save-status')).toHaveText(/Сохраняем…|Сохранено/);
    await expect(page.locator('.save-status')).toHaveText(/Сохранено/);
    await expect
      .poll(async () => ((await (await page.request.get(`/api/applications/${id}`)).json()) as { questionnaire: { passport?: { series?: string } } }).questionnaire.passport?.series)
      .toBe('4510');

    await page.reload();
    await expectStep(page, 'Шаг 2 из 6', 'Паспорт', 'passport', { focused: false });
    await expect(field(page, 'Серия')).toHaveValue('4510');
    // «6543» is not a passport number yet (6 digits): it was not sent, so it is not restored.
    await expect(field(page, 'Номер')).toHaveValue('');
    await saveScreenshot(page, testInfo, 'autosave-after-reload');

    // The address without the step: the first incomplete step, with step 1 kept.
    await page.goto(`/application/${id}`);
    await expect(page).toHaveURL(new RegExp(`/application/${id}\\?step=passport$`));
    await page.getByRole('button', { name: 'Назад' }).click();
    await expect(stepHeading(page)).toHaveText('ФИО, дата и место рождения');
    await expect(field(page, 'Фамилия')).toHaveValue('Сидорова');
    await expect(field(page, 'Дата рождения')).toHaveValue('17.05.1990');
    // The browser's back button walks the steps too (here: back to where «Назад» was pressed).
    await page.goBack();
    await expect(stepHeading(page)).toHaveText('Паспорт');

    // The cabinet offers to continue the draft.
    await page.goto('/cabinet');
    const draft = page.locator('.application-item').first();
    await expect(draft.locator('.badge')).toHaveText('Черновик');
    await draft.getByRole('link', { name: /^Продолжить заполнение/ }).click();
    await expect(page).toHaveURL(new RegExp(`/application/${id}\\?step=passport$`));
    await expect(stepHeading(page)).toBeFocused();
  });

  test('the server is the judge: a field it refuses shows its message and holds the step', async ({ page }, testInfo) => {
    await startSignedOut(page);
    // The server refuses the birth place once (as if its rules had changed since the page loaded).
    let refused = false;
    await page.route('**/api/applications/*', async (route) => {
      const body = route.request().postData() ?? '';
      if (route.request().method() !== 'PATCH' || refused || !body.includes('birthPlace')) return route.continue();
      refused = true;
      await route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          error: { code: 'validation_failed', message: 'Проверьте введённые данные.', fields: { birthPlace: 'Укажите место рождения как в паспорте.' } },
          requestId: 'test',
        }),
      });
    });
    await fillPerson(page, { passportNumber: '654321', lastName: 'Орлова', firstName: 'Вера' });
    await next(page).click();
    const place = field(page, 'Место рождения');
    await expect(place).toBeFocused();
    await expect(page.locator('#q-birthPlace-error')).toHaveText('Укажите место рождения как в паспорте.');
    await expect(place).toHaveAttribute('aria-invalid', 'true');
    await expect(page).toHaveURL(/\?step=person$/);
    await expectNoSeriousA11yViolations(page, 'a field refused by the server');
    await saveScreenshot(page, testInfo, 'server-refused-field');

    // The other fields of the refused save were saved without it; a new birth place goes through.
    await place.fill('г. Тверь, Тверская обл.');
    await expect(page.locator('#q-birthPlace-error')).toHaveCount(0);
    await next(page).click();
    await expectStep(page, 'Шаг 2 из 6', 'Паспорт', 'passport');
  });

  test('the landing page does not load the questionnaire script', async ({ page }) => {
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await page.goto('/');
    await expect(page.locator('#calculator .calc-result')).toBeVisible();
    expect(scripts.some((path) => path.includes('ApplicationPages'))).toBe(false);
  });
});
