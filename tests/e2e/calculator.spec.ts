import type { Locator, Page } from '@playwright/test';
import type { Quote } from '../../src/core/pricing/quote';
import {
  expect,
  expectNoHorizontalScroll,
  expectNoSeriousA11yViolations,
  readCodeFromApi,
  test,
  uniquePhone,
} from './support';

/**
 * The landing-page calculator: its controls, its figures against the server's, the advertising
 * layout (DOMAIN R6), and the journey «Получить займ» → login → the chosen loan in the cabinet.
 */

type ProductCode = 'pdl' | 'installment' | 'car';
const PRODUCT_NAMES: Record<ProductCode, string> = {
  pdl: 'До зарплаты',
  installment: 'Длинный займ',
  car: 'Под залог авто',
};

type PskRange = { minPercent: number; maxPercent: number };
type PricingReply = { today: string; pskRanges: Record<string, PskRange> };

const calculator = (page: Page) => page.locator('#calculator');
const figure = (scope: Locator, name: string) => scope.locator(`[data-figure="${name}"]`).first();
const amountField = (page: Page) => page.getByLabel('Сумма, ₽');
const termField = (page: Page) => page.locator('#calc-term');
const amountSlider = (page: Page) => page.getByRole('slider', { name: 'Сумма' });
const termSlider = (page: Page) => page.getByRole('slider', { name: 'Срок' });
/** The app writes figures with no-break spaces; the tests write ordinary ones. */
const spaced = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s')}$`);

/** Opens the landing page and waits until the server's catalogue has replaced the bundled one. */
const openCalculator = async (page: Page, path = '/') => {
  await page.goto(path);
  await expect(calculator(page)).toHaveAttribute('data-source', 'server');
};

/** Sets product, amount and term the way a visitor types them, and waits for the figures. */
const setLoan = async (page: Page, product: ProductCode, amount: number, term: number) => {
  await page.getByRole('radio', { name: PRODUCT_NAMES[product] }).check();
  await amountField(page).fill(String(amount));
  await amountField(page).press('Tab');
  await termField(page).fill(String(term));
  await termField(page).press('Tab');
  await expect(figure(calculator(page), 'amount')).toHaveAttribute('data-kopecks', String(amount * 100));
  await expect(figure(calculator(page), 'term')).toHaveAttribute('data-value', String(term));
};

/** Every raw value the calculator shows, read from its data-* attributes. */
const readFigures = (page: Page) =>
  calculator(page).evaluate((root) => {
    const attr = (name: string, attribute: string) => root.querySelector(`[data-figure="${name}"]`)?.getAttribute(attribute) ?? null;
    const num = (name: string, attribute: string) => {
      const value = attr(name, attribute);
      return value === null ? null : Number(value);
    };
    return {
      startDate: attr('start-date', 'data-value'),
      pskRange: { minPercent: num('psk-range', 'data-min-percent'), maxPercent: num('psk-range', 'data-max-percent') },
      rate: num('rate', 'data-value'),
      amountKopecks: num('amount', 'data-kopecks'),
      term: num('term', 'data-value'),
      totalKopecks: num('total', 'data-kopecks'),
      overpaymentKopecks: num('overpayment', 'data-kopecks'),
      returnDate: attr('return-date', 'data-value'),
      pskPercent: num('psk', 'data-value'),
      pskKopecks: num('psk-kopecks', 'data-kopecks'),
      paymentCount: num('payments', 'data-count'),
      firstPaymentKopecks: num('payments', 'data-first-kopecks'),
      lastPaymentKopecks: num('payments', 'data-last-kopecks'),
      scheduleRows: Array.from(root.querySelectorAll<HTMLElement>('[data-figure="schedule"] tbody tr')).map((row) => ({
        date: row.dataset.date ?? null,
        totalKopecks: Number(row.dataset.kopecks),
      })),
    };
  });

test.describe('the loan calculator', () => {
  test('prices in the browser exactly as the server does', async ({ page }) => {
    await openCalculator(page);
    const pricing = (await (await page.request.get('/api/pricing')).json()) as PricingReply;

    const cases: [ProductCode, number, number][] = [
      ['pdl', 1_000, 5],
      ['pdl', 10_000, 30],
      ['pdl', 15_500, 17],
      ['pdl', 30_000, 30],
      ['installment', 30_000, 8],
      ['installment', 50_000, 24],
      ['installment', 77_000, 36],
      // 52 weeks at 0.45 %/day would pass the 100 % overpayment cap: the rate is lowered to fit it.
      ['installment', 100_000, 52],
      ['car', 80_000, 6],
      ['car', 550_000, 12],
      ['car', 300_000, 24],
      ['car', 1_000_000, 60],
    ];
    for (const [product, amount, term] of cases) {
      await setLoan(page, product, amount, term);
      // The schedule's rows exist only while it is open; it stays open across changes.
      const schedule = calculator(page).locator('details.calc-schedule');
      if ((await schedule.count()) > 0 && !(await schedule.evaluate((details) => (details as HTMLDetailsElement).open))) {
        await schedule.locator('summary').click();
        await expect(schedule.locator('tbody tr').first()).toBeVisible();
      }
      const shown = await readFigures(page);
      expect(shown.startDate, 'the calculator prices on the server business date').toBe(pricing.today);

      const response = await page.request.get(
        `/api/quote?product=${product}&amount=${amount}&term=${term}&date=${shown.startDate}`,
      );
      expect(response.status()).toBe(200);
      const server = (await response.json()) as Quote;
      const label = `${product} ${amount} ₽ × ${term}`;
      const first = server.schedule[0]!;
      const last = server.schedule[server.schedule.length - 1]!;
      expect(shown, label).toMatchObject({
        amountKopecks: server.amountKopecks,
        term: server.term,
        totalKopecks: server.totalKopecks,
        overpaymentKopecks: server.overpaymentKopecks,
        returnDate: server.returnDate,
        pskPercent: server.pskPercent,
        pskKopecks: server.pskKopecks,
        rate: server.rate.percent,
        paymentCount: server.schedule.length,
        firstPaymentKopecks: first.totalKopecks,
        lastPaymentKopecks: last.totalKopecks,
        pskRange: pricing.pskRanges[product],
      });
      if (server.schedule.length > 1) {
        expect(shown.scheduleRows, `${label}: the whole schedule`).toEqual(
          server.schedule.map((item) => ({ date: item.date, totalKopecks: item.totalKopecks })),
        );
      }
      if (product === 'installment' && term === 52) expect(server.cap.applied).toBe(true);
    }
  });

  test('sliders follow the keyboard, fields follow typing, and products switch', async ({ page }) => {
    await openCalculator(page);
    const total = figure(calculator(page), 'total');

    // Defaults: «До зарплаты», 10 000 ₽ for 30 days.
    await expect(page.getByRole('radio', { name: 'До зарплаты' })).toBeChecked();
    await expect(amountField(page)).toHaveValue('10 000');
    await expect(amountSlider(page)).toHaveAttribute('aria-valuetext', spaced('10 000 рублей'));
    await expect(termSlider(page)).toHaveAttribute('aria-valuetext', spaced('30 дней'));
    await expect(total).toHaveAttribute('data-kopecks', '1240000');
    await expect(total).toHaveText(spaced('12 400 ₽'));
    await expect(figure(calculator(page), 'return-date')).toHaveText(/^\d{1,2} [а-я]+ \d{4}\sг\.$/);
    await expect(figure(calculator(page), 'cap')).toHaveText(spaced('Переплата не может превышать 100 % суммы займа'));

    // The amount slider by the keyboard: a step right, then both ends.
    await amountSlider(page).focus();
    await page.keyboard.press('ArrowRight');
    await expect(amountField(page)).toHaveValue('10 500');
    await expect(amountSlider(page)).toHaveAttribute('aria-valuetext', spaced('10 500 рублей'));
    await expect(total).toHaveAttribute('data-kopecks', '1302000');
    await page.keyboard.press('End');
    await expect(amountField(page)).toHaveValue('30 000');
    await expect(total).toHaveAttribute('data-kopecks', '3720000');
    await page.keyboard.press('Home');
    await expect(amountField(page)).toHaveValue('1 000');
    await expect(total).toHaveAttribute('data-kopecks', '124000');

    // The term slider.
    await termSlider(page).focus();
    await page.keyboard.press('ArrowLeft');
    await expect(termField(page)).toHaveValue('29');
    await expect(termSlider(page)).toHaveAttribute('aria-valuetext', spaced('29 дней'));
    await expect(total).toHaveAttribute('data-kopecks', '123200');
    await page.keyboard.press('Home');
    await expect(termField(page)).toHaveValue('5');
    await expect(figure(calculator(page), 'overpayment')).toHaveAttribute('data-kopecks', '4000');

    // Typing: a number with a space prices at once and moves the slider.
    await amountField(page).fill('20 000');
    await expect(amountSlider(page)).toHaveValue('20000');
    await expect(figure(calculator(page), 'amount')).toHaveAttribute('data-kopecks', '2000000');
    // Off the step: put on the grid when leaving the field, with a message.
    await amountField(page).fill('12345');
    await amountField(page).press('Tab');
    await expect(amountField(page)).toHaveValue('12 500');
    await expect(page.locator('#calc-amount-message')).toHaveText(spaced('Сумма меняется с шагом 500 ₽. Поставили 12 500 ₽.'));
    // Out of range while typing: the field is invalid and says why; leaving it clamps it.
    await amountField(page).fill('50000');
    await expect(amountField(page)).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#calc-amount-message')).toHaveText(spaced('Сумма — целое число рублей от 1 000 до 30 000 ₽.'));
    await expect(amountField(page)).toHaveAttribute('aria-describedby', /calc-amount-message/);
    await expect(calculator(page).locator('.calc-unavailable')).toBeVisible();
    await amountField(page).press('Tab');
    await expect(amountField(page)).toHaveValue('30 000');
    await expect(amountField(page)).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#calc-amount-message')).toHaveText(spaced('Сумма — от 1 000 ₽ до 30 000 ₽. Поставили 30 000 ₽.'));
    // Not a number: the last good value comes back.
    await termField(page).fill('месяц');
    await termField(page).press('Tab');
    await expect(termField(page)).toHaveValue('5');
    await expect(page.locator('#calc-term-message')).toContainText('Введите срок цифрами');

    // Another product: its own ranges, ПСК range, rate, payments and schedule.
    await page.getByRole('radio', { name: 'Длинный займ' }).check();
    await expect(page.getByLabel('Срок, недель')).toHaveValue('24');
    await expect(amountField(page)).toHaveValue('50 000');
    await expect(figure(calculator(page), 'psk-range')).toHaveText(/^ПСК от \d+,\d{3}\s% до \d+,\d{3}\s%$/);
    await expect(figure(calculator(page), 'rate')).toHaveText(spaced('Ставка 0,45 % в день'));
    await expect(figure(calculator(page), 'payments')).toHaveText(/^Платёж [\d\s]+(,\d\d)?\s₽ раз в 2\sнедели, 12\sплатежей/);
    const schedule = calculator(page).locator('details.calc-schedule');
    await expect(schedule).not.toHaveAttribute('open');
    await schedule.locator('summary').click();
    await expect(schedule.getByRole('row')).toHaveCount(13);
    await termSlider(page).focus();
    await page.keyboard.press('ArrowRight');
    await expect(termField(page)).toHaveValue('26');
    await expect(termSlider(page)).toHaveAttribute('aria-valuetext', spaced('26 недель'));
    await expect(schedule.getByRole('row')).toHaveCount(14);

    await page.getByRole('radio', { name: 'Под залог авто' }).check();
    await expect(page.getByLabel('Срок, месяцев')).toHaveValue('24');
    await expect(figure(calculator(page), 'rate')).toHaveText(spaced('Ставка 3 % в месяц'));
    await expect(figure(calculator(page), 'payments')).toHaveText(/раз в месяц, 24\sплатежа/);
    // Loans over a year have no overpayment cap.
    await expect(calculator(page).locator('[data-figure="cap"]')).toHaveCount(0);

    // The result summary reaches screen readers once the figures settle.
    await expect(calculator(page).locator('[aria-live="polite"].sr-only')).toContainText('Под залог авто: 300 000 ₽ на 24 месяца');
  });

  test('shows the ПСК range before the rate, in a font no smaller (DOMAIN R6)', async ({ page }) => {
    await openCalculator(page);
    for (const product of Object.keys(PRODUCT_NAMES) as ProductCode[]) {
      await page.getByRole('radio', { name: PRODUCT_NAMES[product] }).check();
      const layout = await calculator(page).evaluate((root) => {
        const range = root.querySelector('[data-figure="psk-range"]')!;
        const rate = root.querySelector('[data-figure="rate"]')!;
        // Every element that shows a rate must come after the range.
        const ratesBefore = Array.from(root.querySelectorAll('*')).filter(
          (el) => el.textContent?.includes('% в ') && el.compareDocumentPosition(range) & Node.DOCUMENT_POSITION_FOLLOWING && !el.contains(range),
        ).length;
        const size = (el: Element) => Number.parseFloat(getComputedStyle(el).fontSize);
        const rangeBox = range.getBoundingClientRect();
        const rateBox = rate.getBoundingClientRect();
        return {
          rangeFirst: Boolean(range.compareDocumentPosition(rate) & Node.DOCUMENT_POSITION_FOLLOWING),
          ratesBefore,
          rangeSize: size(range),
          rateSize: size(rate),
          rangeAbove: rangeBox.bottom <= rateBox.top,
          rangeText: range.textContent,
        };
      });
      expect(layout.rangeFirst, `${product}: the range precedes the rate`).toBe(true);
      expect(layout.ratesBefore, `${product}: no rate before the range`).toBe(0);
      expect(layout.rangeAbove, `${product}: the range is shown above the rate`).toBe(true);
      expect(layout.rangeSize, `${product}: range font ≥ rate font`).toBeGreaterThanOrEqual(layout.rateSize);
      expect(layout.rangeText).toMatch(/^ПСК /);
    }
  });

  test('is accessible and fits 360 px', async ({ page }, testInfo) => {
    await openCalculator(page);
    await expectNoSeriousA11yViolations(page, 'the landing page with the calculator');
    await expectNoHorizontalScroll(page);

    await page.getByRole('radio', { name: 'Длинный займ' }).check();
    await calculator(page).locator('details.calc-schedule summary').click();
    await expectNoSeriousA11yViolations(page, 'the calculator with the schedule open');
    await expectNoHorizontalScroll(page);
    await amountField(page).fill('1');
    await expect(amountField(page)).toHaveAttribute('aria-invalid', 'true');
    await expectNoSeriousA11yViolations(page, 'the calculator with an invalid amount');
    await amountField(page).press('Tab');

    // Tap targets: the product segments, both fields and both sliders are at least 44 px tall.
    const targets = [
      ...(await page.locator('#calculator .segment').all()),
      amountField(page),
      termField(page),
      amountSlider(page),
      termSlider(page),
      calculator(page).getByRole('link', { name: 'Получить займ' }),
      calculator(page).locator('details.calc-schedule summary'),
    ];
    for (const target of targets) {
      const box = await target.boundingBox();
      expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
    }

    // A visible focus ring on the product switch (the radio itself is transparent).
    await page.getByRole('radio', { name: 'Длинный займ' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('radio', { name: 'Под залог авто' })).toBeChecked();
    await expect(page.getByRole('radio', { name: 'Под залог авто' })).toBeFocused();
    const outline = await calculator(page)
      .locator('.segment-checked')
      .evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).toBe('solid');

    await page.getByRole('radio', { name: 'Длинный займ' }).check();
    await calculator(page).locator('details.calc-schedule summary').click();
    const path = testInfo.outputPath('calculator.png');
    await calculator(page).screenshot({ path });
    await testInfo.attach('calculator', { path, contentType: 'image/png' });
  });

  test('«Получить займ» carries the choice through the login into the cabinet', async ({ page }, testInfo) => {
    const phone = uniquePhone();
    await openCalculator(page);
    await setLoan(page, 'installment', 60_000, 30);
    const shown = await readFigures(page);

    // The hero button carries the same choice as the calculator's.
    const next = '/cabinet?product=installment&amount=60000&term=30';
    const loginHref = `/login?next=${encodeURIComponent(next)}`;
    await expect(page.locator('.hero').getByRole('link', { name: 'Получить займ' })).toHaveAttribute('href', loginHref);
    await calculator(page).getByRole('link', { name: 'Получить займ' }).click();
    await expect(page).toHaveURL((url) => url.pathname === '/login' && url.searchParams.get('next') === next);

    await page.getByLabel('Номер телефона').fill(phone.e164);
    await page.getByRole('button', { name: 'Получить код' }).click();
    await expect(page.getByLabel('Код из SMS')).toBeVisible();
    await page.getByLabel('Код из SMS').fill(await readCodeFromApi(page.request, phone.e164));
    await page.getByRole('button', { name: 'Войти', exact: true }).click();

    // The cabinet saves the choice and tidies its address.
    await expect(page).toHaveURL(/\/cabinet$/);
    const card = page.getByRole('region', { name: 'Выбранный займ' });
    await expect(card).toBeVisible();
    await expect(card).toContainText('Длинный займ');
    await expect(card.getByRole('link', { name: 'Оформить заявку' })).toHaveAttribute('href', '/application');

    const saved = (await (await page.request.get('/api/cabinet/loan-choice')).json()) as {
      choice: { product: string; amount: number; term: number };
      quote: Quote;
    };
    expect(saved.choice).toMatchObject({ product: 'installment', amount: 60_000, term: 30 });
    const cardFigures = await card.evaluate((root) => {
      const attr = (name: string, attribute: string) => root.querySelector(`[data-figure="${name}"]`)?.getAttribute(attribute) ?? null;
      return {
        amountKopecks: Number(attr('amount', 'data-kopecks')),
        term: Number(attr('term', 'data-value')),
        totalKopecks: Number(attr('total', 'data-kopecks')),
        overpaymentKopecks: Number(attr('overpayment', 'data-kopecks')),
        returnDate: attr('return-date', 'data-value'),
        pskPercent: Number(attr('psk', 'data-value')),
      };
    });
    expect(cardFigures).toEqual({
      amountKopecks: saved.quote.amountKopecks,
      term: saved.quote.term,
      totalKopecks: saved.quote.totalKopecks,
      overpaymentKopecks: saved.quote.overpaymentKopecks,
      returnDate: saved.quote.returnDate,
      pskPercent: saved.quote.pskPercent,
    });
    // The same day, so the cabinet shows what the calculator showed.
    expect(cardFigures).toMatchObject({
      amountKopecks: shown.amountKopecks,
      totalKopecks: shown.totalKopecks,
      returnDate: shown.returnDate,
      pskPercent: shown.pskPercent,
    });
    await expectNoSeriousA11yViolations(page, 'the cabinet with a chosen loan');
    await expectNoHorizontalScroll(page);
    const path = testInfo.outputPath('cabinet-choice.png');
    await page.screenshot({ path, fullPage: true });
    await testInfo.attach('cabinet-choice', { path, contentType: 'image/png' });

    // A reload does not save again (the address no longer carries the choice).
    await page.reload();
    await expect(card).toBeVisible();

    // «Изменить»: back to the calculator with the choice preselected.
    await card.getByRole('link', { name: 'Изменить' }).click();
    await expect(page).toHaveURL(/\/\?product=installment&amount=60000&term=30#calculator$/);
    await expect(calculator(page)).toBeFocused();
    await expect(page.getByRole('radio', { name: 'Длинный займ' })).toBeChecked();
    await expect(amountField(page)).toHaveValue('60 000');
    await expect(termField(page)).toHaveValue('30');

    // Signed in, «Получить займ» goes straight to the cabinet with the new choice.
    await amountField(page).fill('70000');
    await amountField(page).press('Tab');
    const direct = '/cabinet?product=installment&amount=70000&term=30';
    await expect(page.locator('.hero').getByRole('link', { name: 'Получить займ' })).toHaveAttribute('href', direct);
    await calculator(page).getByRole('link', { name: 'Получить займ' }).click();
    await expect(page).toHaveURL(/\/cabinet$/);
    await expect(card.locator('[data-figure="amount"]')).toHaveAttribute('data-kopecks', '7000000');
    const updated = (await (await page.request.get('/api/cabinet/loan-choice')).json()) as { choice: { amount: number } };
    expect(updated.choice.amount).toBe(70_000);
  });

  test('a choice that does not price is refused in the cabinet with the server message', async ({ page }) => {
    const phone = uniquePhone();
    await page.goto(`/login?next=${encodeURIComponent('/cabinet?product=pdl&amount=999999&term=30')}`);
    await page.getByLabel('Номер телефона').fill(phone.e164);
    await page.getByRole('button', { name: 'Получить код' }).click();
    await page.getByLabel('Код из SMS').fill(await readCodeFromApi(page.request, phone.e164));
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    await expect(page).toHaveURL(/\/cabinet$/);
    await expect(page.getByRole('alert').filter({ hasText: 'Не удалось сохранить выбранный займ' })).toContainText('Сумма');
    await expect(page.getByText('У вас пока нет займов')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Выбранный займ' })).toHaveCount(0);
  });
});
