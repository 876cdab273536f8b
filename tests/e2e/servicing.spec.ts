import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { type LoggedIn, activeCashLoan, checkScreen, expect, logIn, readCodeFromApi, test } from './support';
import { TIME_MACHINE_URL } from './servers';

/**
 * Servicing at 360 px: an active loan (cash, paid out at once) → the loan page with today's debt and
 * the cost meter → a part payment on the sandbox acquirer's page → its outcome and what it paid →
 * the rest → the loan closed with its certificate → the history with its filter and CSV. Then the
 * prolongation: refused on the payout day (no interest to pay yet), and a day later (the time
 * machine server's clock moved forward) offered, signed with an SMS code, paid, the due date moved.
 */

type Debt = { principalKopecks: number; interestKopecks: number; penaltyKopecks: number; totalKopecks: number };
type LoanReply = {
  status: string;
  debt: Debt;
  dueDate: string;
  daysLeft: number;
  costMeter: { payTodayKopecks: number; payByDueDateKopecks: number | null; legalMaximumKopecks: number | null; capKopecks: number | null };
  closedAt: string | null;
};
type PaymentReply = {
  id: string;
  status: string;
  amountKopecks: number;
  allocation: { interestKopecks: number; principalKopecks: number; penaltyKopecks: number; overpaymentKopecks: number } | null;
};
type Offer = { newDueDate: string; interestKopecks: number; remaining: number; sequence: number };

const getJson = async <T>(page: Page, url: string): Promise<T> => {
  const response = await page.request.get(url);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as T;
};
const getLoan = (page: Page, id: string) => getJson<LoanReply>(page, `/api/loans/${id}`);
const figure = (page: Page, name: string) => page.locator(`[data-figure="${name}"]`);

/** The figures of today's debt on the page equal the API's. */
const expectDebt = async (page: Page, debt: Debt) => {
  await expect(figure(page, 'debt-principal')).toHaveAttribute('data-kopecks', String(debt.principalKopecks));
  await expect(figure(page, 'debt-interest')).toHaveAttribute('data-kopecks', String(debt.interestKopecks));
  await expect(figure(page, 'debt-penalty')).toHaveAttribute('data-kopecks', String(debt.penaltyKopecks));
  await expect(figure(page, 'debt-total')).toHaveAttribute('data-kopecks', String(debt.totalKopecks));
};

/** «2 500,5 ₽» as the sandbox acquirer's page writes it: «2500,50 ₽». */
const acquirerAmount = (kopecks: number) => `${Math.floor(kopecks / 100)},${String(kopecks % 100).padStart(2, '0')} ₽`;

/** On the acquirer's page: the amount, «Оплатить», then back to the cabinet; returns the payment id. */
const payOnAcquirerPage = async (page: Page, loanId: string, kopecks: number): Promise<string> => {
  await expect(page).toHaveURL(/\/sandbox\/acquirer\/payments\/[0-9a-f-]{36}$/);
  await expect(page.locator('#pay-amount')).toHaveText(acquirerAmount(kopecks));
  await page.getByRole('button', { name: 'Оплатить' }).click();
  await page.getByRole('link', { name: 'Вернуться в CarCapital' }).click();
  await expect(page).toHaveURL(new RegExp(`/loans/${loanId}\\?payment=[0-9a-f-]{36}$`));
  const paymentId = new URL(page.url()).searchParams.get('payment')!;
  // The bank's notice is processed by a job: the page asks until the payment settles.
  await expect(page.locator('.payment-outcome')).toHaveAttribute('data-status', 'succeeded', { timeout: 70_000 });
  await expect(page.locator('.payment-outcome [role="status"]')).toHaveText('Платёж зачислен');
  return paymentId;
};

/** A link that opens a PDF: a real PDF. */
const expectPdfLink = async (page: Page, link: Locator, href: string) => {
  await expect(link).toHaveAttribute('href', href);
  await expect(link).toHaveAttribute('target', '_blank');
  const pdf = await page.request.get(href);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toContain('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
};

test.describe('servicing an active loan', () => {
  // Signing waits out the one-minute gap between SMS codes to one phone.
  test.describe.configure({ timeout: 180_000 });

  test('a part payment, then the rest: the debt goes down, the loan closes with a certificate, the history shows it all', async ({ page }, testInfo) => {
    const customer: LoggedIn = await logIn(page);
    const loanId = await activeCashLoan(page, customer);
    const fresh = await getLoan(page, loanId);
    expect(fresh.debt.totalKopecks).toBeGreaterThan(300_000);

    // The cabinet: today's debt and the due date, a link to the loan and to the history.
    await page.goto('/cabinet');
    const item = page.locator('.loan-item').first();
    await expect(item).toHaveAttribute('data-id', loanId);
    await expect(item.locator('.loan-due')).toHaveAttribute('data-kopecks', String(fresh.debt.totalKopecks));
    await expect(item.locator('.loan-due')).toHaveAttribute('data-due-date', fresh.dueDate);
    await expect(page.getByRole('link', { name: 'Открыть историю' })).toHaveAttribute('href', '/history');
    await checkScreen(page, testInfo, 'servicing-1-cabinet');
    await item.getByRole('link', { name: /^Открыть заём/ }).click();

    // The loan page: the debt by part, the due date with the days left, the cost meter, the schedule.
    await expect(page.getByTestId('loan-status')).toHaveText('Активен');
    await expectDebt(page, fresh.debt);
    await expect(figure(page, 'due-date')).toHaveAttribute('data-value', fresh.dueDate);
    await expect(figure(page, 'due-date')).toContainText(/осталось|остался/);
    await expect(figure(page, 'pay-today')).toHaveAttribute('data-kopecks', String(fresh.costMeter.payTodayKopecks));
    await expect(figure(page, 'pay-by-due-date')).toHaveAttribute('data-kopecks', String(fresh.costMeter.payByDueDateKopecks));
    await expect(figure(page, 'legal-maximum')).toHaveAttribute('data-kopecks', String(fresh.costMeter.legalMaximumKopecks));
    await expect(figure(page, 'legal-maximum')).toContainText('не будет никогда');
    await expect(page.locator('.cost-meter')).toContainText('Предел по закону');
    await expect(page.locator('.cost-meter')).toContainText('когда их сумма достигает 100 % суммы займа');
    await expect(page.locator('.schedule tbody tr')).toHaveAttribute('data-status', 'upcoming');
    await expect(page.locator('.schedule tbody tr .badge')).toHaveText('Предстоит');
    await expect(page.locator('.payment-item')).toHaveCount(0);
    await checkScreen(page, testInfo, 'servicing-2-loan');

    // «Внести часть»: checked here first (more than the debt), then 3 000 ₽ by card.
    await page.getByRole('button', { name: 'Внести часть' }).click();
    const amount = page.getByLabel('Сумма платежа, ₽');
    await expect(amount).toBeFocused();
    await expect(amount).toHaveAttribute('inputmode', 'decimal');
    await amount.fill('999 999');
    await page.getByRole('button', { name: 'Перейти к оплате' }).click();
    await expect(page.locator('#pay-amount-error')).toContainText('Сумма больше долга');
    await expect(amount).toHaveAttribute('aria-invalid', 'true');
    await expect(amount).toHaveAttribute('aria-describedby', /pay-amount-error/);
    await expect(amount).toBeFocused();
    await amount.fill('3 000');
    await expect(page.getByRole('radio', { name: 'Банковской картой' })).toBeChecked();
    await checkScreen(page, testInfo, 'servicing-3-part');
    await page.getByRole('button', { name: 'Перейти к оплате' }).click();
    const partId = await payOnAcquirerPage(page, loanId, 300_000);

    // What the payment paid, in the legal order, and the debt now.
    const part = await getJson<PaymentReply>(page, `/api/payments/${partId}`);
    expect(part.status).toBe('succeeded');
    const paid = part.allocation!;
    expect(paid.interestKopecks + paid.principalKopecks + paid.penaltyKopecks + paid.overpaymentKopecks).toBe(300_000);
    if (paid.interestKopecks > 0) await expect(figure(page, 'paid-interest')).toHaveAttribute('data-kopecks', String(paid.interestKopecks));
    await expect(figure(page, 'paid-principal')).toHaveAttribute('data-kopecks', String(paid.principalKopecks));
    const reduced = await getLoan(page, loanId);
    expect(reduced.debt.principalKopecks).toBe(fresh.debt.principalKopecks - paid.principalKopecks);
    await expectDebt(page, reduced.debt);
    const receipt = page.locator('.payment-outcome').getByRole('link', { name: /^Квитанция \(PDF\) о платеже 3\s000\s₽ от / });
    await expectPdfLink(page, receipt, `/api/payments/${partId}/receipt.pdf`);
    const payments = page.locator('.payment-item');
    await expect(payments).toHaveCount(1);
    await expect(payments.first()).toHaveAttribute('data-status', 'succeeded');
    await expect(payments.first().locator('.badge')).toHaveText('Зачислен');
    await checkScreen(page, testInfo, 'servicing-4-part-paid');

    // «Погасить полностью»: today's debt, by СБП.
    await page.getByRole('button', { name: 'Погасить полностью' }).click();
    await expect(page.locator('#pay-step-title')).toBeFocused();
    await expect(figure(page, 'pay-amount')).toHaveAttribute('data-kopecks', String(reduced.debt.totalKopecks));
    await page.getByRole('radio', { name: /СБП/ }).check();
    await checkScreen(page, testInfo, 'servicing-5-full');
    await page.getByRole('button', { name: 'Перейти к оплате' }).click();
    const fullId = await payOnAcquirerPage(page, loanId, reduced.debt.totalKopecks);

    // Closed: the date, the certificate, both payments; nothing left to pay.
    await expect(page.getByTestId('loan-status')).toHaveText('Погашен');
    const closed = await getLoan(page, loanId);
    expect(closed.status).toBe('closed');
    expect(closed.debt.totalKopecks).toBe(0);
    await expect(page.locator('.loan-status')).toContainText('Займ погашен');
    await expect(figure(page, 'closed-at')).toHaveAttribute('data-value', closed.closedAt!);
    await expectPdfLink(page, page.getByRole('link', { name: 'Справка о погашении (PDF)' }), `/api/loans/${loanId}/closing-certificate.pdf`);
    await expect(page.getByRole('button', { name: 'Погасить полностью' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Продлить займ' })).toHaveCount(0);
    await expect(payments).toHaveCount(2);
    await expect(payments.first()).toHaveAttribute('data-id', fullId);
    for (const payment of await payments.all()) await expect(payment.locator('.badge')).toHaveText('Зачислен');
    await checkScreen(page, testInfo, 'servicing-6-closed');

    // The history: every step of the loan, with its status in Russian.
    await page.getByRole('link', { name: 'Вся история операций' }).click();
    await expect(page).toHaveURL(/\/history$/);
    const operations = page.locator('.history-item');
    const expected: [type: string, status: string, text: string][] = [
      ['application', 'submitted', 'Отправлена'],
      ['decision', 'approved', 'Одобрена'],
      ['signing', 'signed', 'Подписан'],
      ['payout', 'succeeded', 'Выполнено'],
      ['closing', 'closed', 'Закрыт'],
    ];
    for (const [type, status, text] of expected) {
      const row = operations.and(page.locator(`[data-type="${type}"]`));
      await expect(row).toHaveCount(1);
      await expect(row).toHaveAttribute('data-status', status);
      await expect(row.locator('.badge')).toHaveText(text);
    }
    const paymentRows = operations.and(page.locator('[data-type="payment"]'));
    await expect(paymentRows).toHaveCount(2);
    for (const row of await paymentRows.all()) {
      await expect(row).toHaveAttribute('data-status', 'succeeded');
      await expect(row.locator('.badge')).toHaveText('Выполнено');
    }
    await expect(page.locator('.history-day h2').first()).toHaveText(/^\d{1,2} [а-я]+ \d{4}\u00a0г\.$/);
    await checkScreen(page, testInfo, 'servicing-7-history');

    // Only payments: the filter goes into the address, the list and the downloads follow it.
    await page.getByLabel('Тип операции').selectOption({ label: 'Платежи' });
    await page.getByRole('button', { name: 'Показать' }).click();
    await expect(page).toHaveURL(/\/history\?type=payment$/);
    await expect(operations).toHaveCount(2);
    for (const row of await operations.all()) await expect(row).toHaveAttribute('data-type', 'payment');
    const csvLink = page.getByRole('link', { name: 'Скачать CSV' });
    await expect(csvLink).toHaveAttribute('href', '/api/history.csv?type=payment');
    const pdfLink = page.getByRole('link', { name: 'Скачать PDF' });
    await expect(pdfLink).toHaveAttribute('href', '/api/history.pdf?type=payment');
    const pdfReply = await page.request.get('/api/history.pdf?type=payment');
    expect(pdfReply.headers()['content-type']).toContain('application/pdf');
    const csvReply = await page.request.get('/api/history.csv?type=payment');
    expect(csvReply.headers()['content-type']).toContain('text/csv');
    const [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r\n/);
    expect(lines[0]).toBe('Дата и время (МСК);Операция;Сумма, ₽;Статус');
    expect(lines).toHaveLength(3);
    for (const line of lines.slice(1)) expect(line).toMatch(/;Платёж (картой|через СБП): зачислен;\d+,\d{2};выполнено$/);
    await checkScreen(page, testInfo, 'servicing-8-history-payments');
  });
});

test.describe('prolongation', () => {
  // A second server whose clock the test moves (tests/e2e/servers.ts), so other journeys keep real time.
  test.use({ baseURL: TIME_MACHINE_URL });
  test.describe.configure({ timeout: 180_000 });

  test('refused on the payout day; a day later: the offer, the addendum, the SMS code, the interest paid, the due date moved', async ({ page }, testInfo) => {
    const customer = await logIn(page);
    const loanId = await activeCashLoan(page, customer);
    await page.goto(`/loans/${loanId}`);
    await expect(page.getByTestId('loan-status')).toHaveText('Активен');

    // The payout day: interest runs from the next day, so there is nothing to pay for a prolongation.
    const payoutDay = await getLoan(page, loanId);
    expect(payoutDay.debt.interestKopecks).toBe(0);
    const open = page.getByRole('button', { name: 'Продлить займ' });
    await expect(open).toHaveAttribute('aria-expanded', 'false');
    await open.click();
    await expect(page.getByRole('button', { name: 'Скрыть продление' })).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByTestId('prolongation-refused')).toHaveText('Проценты на сегодня уже оплачены: продление можно оформить завтра.');
    await expect(page.getByRole('button', { name: 'Подписать кодом из SMS' })).toHaveCount(0);
    await checkScreen(page, testInfo, 'prolongation-1-payout-day');

    // The next day on this server's clock: a day's interest is owed.
    const moved = await page.request.post('/api/dev/clock', { data: { days: 1 } });
    expect(moved.status(), await moved.text()).toBe(200);
    const nextDay = await getLoan(page, loanId);
    expect(nextDay.debt.interestKopecks).toBeGreaterThan(0);
    expect(nextDay.daysLeft).toBe(payoutDay.daysLeft - 1);
    await page.reload();
    await expectDebt(page, nextDay.debt);

    // The offer for 10 days: the new date, the interest to pay now, the prolongations left; the addendum.
    await page.getByRole('button', { name: 'Продлить займ' }).click();
    await page.getByLabel('На сколько дней продлить').selectOption('10');
    const offer = await getJson<Offer>(page, `/api/loans/${loanId}/prolongation?days=10`);
    expect(offer.interestKopecks).toBe(nextDay.debt.interestKopecks);
    await expect(figure(page, 'new-due-date')).toHaveAttribute('data-value', offer.newDueDate);
    await expect(figure(page, 'prolongation-interest')).toHaveAttribute('data-kopecks', String(offer.interestKopecks));
    await expect(figure(page, 'prolongations-left')).toHaveText('5 из 5');
    await expect(page.getByRole('region', { name: 'Дополнительное соглашение № 1' })).toContainText('ДОПОЛНИТЕЛЬНОЕ СОГЛАШЕНИЕ № 1');
    await checkScreen(page, testInfo, 'prolongation-2-offer');

    // Signed with the SMS code (a wrong one first: refused under the field).
    await page.getByRole('button', { name: 'Подписать кодом из SMS' }).click();
    const codeField = page.getByLabel('Код из SMS');
    await expect(codeField).toBeFocused();
    const code = await readCodeFromApi(page.request, customer.phone, /продление займа/);
    await codeField.fill(`${(Number(code[0]) + 1) % 10}${code.slice(1)}`);
    await page.getByRole('button', { name: 'Подписать и перейти к оплате' }).click();
    await expect(page.locator('#prolongation-code-error')).toBeVisible();
    await expect(codeField).toHaveAttribute('aria-invalid', 'true');
    await expect(codeField).toBeFocused();
    await checkScreen(page, testInfo, 'prolongation-3-code');
    await codeField.fill(code);
    await page.getByRole('button', { name: 'Подписать и перейти к оплате' }).click();

    // The interest paid on the acquirer's page: the due date moves.
    await payOnAcquirerPage(page, loanId, offer.interestKopecks);
    await expect(figure(page, 'paid-interest')).toHaveAttribute('data-kopecks', String(offer.interestKopecks));
    await expect(figure(page, 'due-date')).toHaveAttribute('data-value', offer.newDueDate);
    await expect(figure(page, 'debt-interest')).toHaveAttribute('data-kopecks', '0');
    const prolonged = await getLoan(page, loanId);
    expect(prolonged.dueDate).toBe(offer.newDueDate);
    await checkScreen(page, testInfo, 'prolongation-4-paid');

    // The history: the prolongation applied.
    await page.goto('/history?type=prolongation');
    const row = page.locator('.history-item[data-type="prolongation"]');
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-status', 'applied');
    await expect(row.locator('.badge')).toHaveText('Применено');

    // Two days past the new due date (weeks later: the session has ended, the borrower logs in again):
    // overdue, highlighted in the cabinet and on the loan page, with the penalty.
    const moved2 = await page.request.post('/api/dev/clock', { data: { days: prolonged.daysLeft + 2 } });
    expect(moved2.status(), await moved2.text()).toBe(200);
    await logIn(page, customer.phone);
    const overdue = await getLoan(page, loanId);
    expect(overdue.daysLeft).toBe(-2);
    expect(overdue.debt.penaltyKopecks).toBeGreaterThan(0);
    const item = page.locator('.loan-item').first();
    await expect(item.locator('.loan-due')).toHaveAttribute('data-kopecks', String(overdue.debt.totalKopecks));
    await expect(item.locator('.badge-danger')).toHaveText('Просрочка 2\u00a0дн.');
    await checkScreen(page, testInfo, 'prolongation-5-cabinet-overdue');
    await item.getByRole('link', { name: /^Открыть заём/ }).click();
    await expectDebt(page, overdue.debt);
    await expect(page.locator('.due-overdue .badge-danger')).toHaveText('Просрочка 2\u00a0дн.');
    await expect(figure(page, 'pay-by-due-date')).toHaveCount(0);
    await expect(figure(page, 'legal-maximum')).toHaveAttribute('data-kopecks', String(overdue.costMeter.legalMaximumKopecks));
    await checkScreen(page, testInfo, 'prolongation-6-overdue');
  });
});
