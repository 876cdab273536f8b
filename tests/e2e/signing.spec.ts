import type { Page, TestInfo } from '@playwright/test';
import {
  LOAN,
  RESEND_GAP_MS,
  approvedApplication,
  checkScreen,
  expect,
  logIn,
  readCodeFromApi,
  test,
  waitForResendGap,
} from './support';

/**
 * Signing at 360 px: an approved application → how to receive the money (cash; СБП with a bank; a
 * card through the sandbox acquirer's page and the held amount; an e-wallet) → the contract (key
 * facts equal to `GET /api/quote`) → the SMS code → the loan page (active, the cash code, the signed
 * PDF). The questionnaire's own journey is covered in application.spec.ts;
 * here the application is filled and submitted through the API with the page's session cookie.
 */

type QuoteReply = { amountKopecks: number; totalKopecks: number; pskPercent: number; pskKopecks: number; returnDate: string };

/** The newest signing code sent to `phone`, read from the SMS sandbox. */
const readSigningCode = (page: Page, phone: string) => readCodeFromApi(page.request, phone, /подпись договора/);

/** From the approved decision screen to the payout step. */
const openSigning = async (page: Page, testInfo: TestInfo, id: string, prefix: string) => {
  await page.goto(`/application/${id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Заявка одобрена' })).toBeVisible();
  await checkScreen(page, testInfo, `${prefix}-1-approved`);
  await page.getByRole('link', { name: 'Получить деньги' }).click();
  await expect(page).toHaveURL(new RegExp(`/application/${id}/sign$`));
  await expect(page.getByRole('heading', { level: 2, name: 'Как получить деньги' })).toBeVisible();
  // The sandbox provider checks and pays all four ways.
  for (const name of [/Наличные в Золотой Короне/, /На счёт через СБП/, /На банковскую карту/, /На электронный кошелёк/]) {
    await expect(page.getByRole('radio', { name })).toBeEnabled();
  }
  await checkScreen(page, testInfo, `${prefix}-2-payout`);
};

/** The contract: key facts equal to the public quote for the same loan, the full text, no warning. */
const checkContract = async (page: Page, testInfo: TestInfo, prefix: string, loan = LOAN) => {
  await expect(page.getByRole('heading', { level: 2, name: 'Договор займа' })).toBeVisible();
  const quote = (await (await page.request.get(`/api/quote?product=${loan.product}&amount=${loan.amount}&term=${loan.term}`)).json()) as QuoteReply;
  const facts = page.locator('.key-facts');
  await expect(facts.locator('[data-figure="amount"]')).toHaveAttribute('data-kopecks', String(quote.amountKopecks));
  await expect(facts.locator('[data-figure="psk"]')).toHaveAttribute('data-value', String(quote.pskPercent));
  await expect(facts.locator('[data-figure="psk-kopecks"]')).toHaveAttribute('data-kopecks', String(quote.pskKopecks));
  await expect(facts.locator('[data-figure="total"]')).toHaveAttribute('data-kopecks', String(quote.totalKopecks));
  await expect(facts.locator('[data-figure="return-date"]')).toHaveAttribute('data-value', quote.returnDate);
  // The ПСК is never the small print: its figures are at least as large as any other key fact.
  const sizes = await facts.locator('dd').evaluateAll((elements) => elements.map((e) => parseFloat(getComputedStyle(e).fontSize)));
  const pskSize = await facts.locator('.psk-box dd').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  expect(pskSize).toBeGreaterThanOrEqual(Math.max(...sizes));
  await expect(page.getByRole('region', { name: 'Текст договора' })).toContainText('ПОЛНАЯ СТОИМОСТЬ ЗАЙМА');
  // The ПСК box's frame lines are never broken across lines at 360 px: the block scrolls instead.
  const frames = page.locator('.contract-text .contract-frame');
  await expect(frames).toHaveCount(2);
  expect(await frames.evaluateAll((spans) => spans.map((span) => span.getClientRects().length))).toEqual([1, 1]);
  // Below 50 000 ₽ the money is paid out at once; from 50 000 ₽ there are 4 hours to refuse.
  if (loan.amount < 50_000) await expect(page.locator('.cooling-note')).toHaveCount(0);
  else await expect(page.locator('.cooling-note')).toContainText('Деньги придут через 4 часа; до этого можно');
  await expect(page.locator('.pdn-warning')).toHaveCount(0);
  await checkScreen(page, testInfo, `${prefix}-3-contract`);
};

/** Code → sign → the loan page, active once the payout (immediate below 50 000 ₽) has gone through. */
const signAndOpenLoan = async (page: Page, testInfo: TestInfo, phone: string, prefix: string, status = 'Активен') => {
  await expect(page.getByLabel('Код из SMS')).toBeFocused();
  await expect(page.getByLabel('Код из SMS')).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(page.getByRole('timer')).toContainText('Повторно через');
  await checkScreen(page, testInfo, `${prefix}-4-code`);

  // A wrong code: the server's message next to the field.
  const code = await readSigningCode(page, phone);
  const wrong = `${(Number(code[0]) + 1) % 10}${code.slice(1)}`;
  await page.getByLabel('Код из SMS').fill(wrong);
  await page.getByRole('button', { name: 'Подписать договор' }).click();
  await expect(page.locator('#sign-code-error')).toBeVisible();
  await expect(page.getByLabel('Код из SMS')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Код из SMS')).toBeFocused();

  await page.getByLabel('Код из SMS').fill(code);
  await page.getByRole('button', { name: 'Подписать договор' }).click();
  await expect(page).toHaveURL(/\/loans\/[0-9a-f-]{36}$/);
  const loanId = /\/loans\/([0-9a-f-]{36})/.exec(page.url())![1]!;
  await expect(page.getByTestId('loan-status')).toHaveText(status, { timeout: 15_000 });
  return loanId;
};

/** The PDF link opens the signed contract: a real PDF. */
const checkPdf = async (page: Page, loanId: string) => {
  const link = page.getByRole('link', { name: 'Договор (PDF)' });
  await expect(link).toHaveAttribute('target', '_blank');
  const href = await link.getAttribute('href');
  expect(href).toBe(`/api/loans/${loanId}/contract.pdf`);
  const pdf = await page.request.get(href!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toContain('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
};

/** The sandbox acquirer's test cards (src/server/providers/payouts/sandbox.ts). */
const CARD_OK = '4111 1111 1111 1111';
const CARD_DECLINED = '4000 0000 0000 0002';
const MASKED_PAN = '411111******1111';

/** From the payout step to the acquirer's page: the card option, then «Далее» (a full page load). */
const openCardPage = async (page: Page) => {
  await page.getByRole('radio', { name: /На банковскую карту/ }).check();
  await expect(page.locator('#payout-card-how')).toContainText('до 10 ₽');
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page).toHaveURL(/\/sandbox\/acquirer\/cards\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('привязка карты');
};

/** Fills the acquirer's card form and submits it. */
const submitCard = async (page: Page, pan: string, holder = 'MARIA IVANOVA') => {
  await page.getByLabel('Номер карты').fill(pan);
  await page.getByLabel('Срок действия (ММ/ГГ)').fill('12/29');
  await page.getByLabel('CVC').fill('123');
  await page.getByLabel('Имя и фамилия латиницей, как на карте').fill(holder);
  await page.getByRole('button', { name: 'Привязать карту' }).click();
};

/** The amount in the "bank SMS" on the acquirer's page, as the borrower would type it («7,43»). */
const readHold = async (page: Page): Promise<string> => {
  const text = (await page.locator('#hold-amount').textContent()) ?? '';
  const amount = /^(\d{1,2},\d{2})\s*₽$/.exec(text.trim())?.[1];
  expect(amount, `hold amount in «${text}»`).toBeDefined();
  return amount as string;
};

/** A held amount that is certainly wrong: one kopeck off, still within 0,01–10,00 ₽. */
const wrongHold = (amount: string): string => {
  const kopecks = Number(amount.replace(',', ''));
  const wrong = kopecks === 1000 ? 999 : kopecks + 1;
  return `${Math.floor(wrong / 100)},${String(wrong % 100).padStart(2, '0')}`;
};

/** «Вернуться в CarCapital» from the acquirer's page: back on the signing page by a full page load. */
const returnFromCardPage = async (page: Page, id: string) => {
  await page.getByRole('link', { name: 'Вернуться в CarCapital' }).click();
  await expect(page).toHaveURL(new RegExp(`/application/${id}/sign\\?card=returned$`));
};

const holdAmountField = (page: Page) => page.getByLabel('Заблокированная сумма, ₽');

const confirmHold = async (page: Page, amount: string) => {
  await holdAmountField(page).fill(amount);
  await page.getByRole('button', { name: 'Подтвердить карту' }).click();
};

/** Back on the payout step after a refusal: the reason shown, every method open again. */
const expectChoiceAgain = async (page: Page, reason: RegExp) => {
  await expect(page.getByRole('heading', { level: 2, name: 'Как получить деньги' })).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: reason })).toBeVisible();
  await expect(page.getByRole('radio', { name: /На банковскую карту/ })).toBeEnabled();
};

test.describe('signing the contract', () => {
  // Each journey waits out the one-minute gap between SMS codes to one phone.
  test.describe.configure({ timeout: 150_000 });

  test('cash: payout method → contract = quote → SMS code → signed → active with a cash code and the PDF', async ({ page }, testInfo) => {
    const { phone, codeSentAt } = await logIn(page);
    const id = await approvedApplication(page);
    await openSigning(page, testInfo, id, 'cash');

    await page.getByRole('radio', { name: /Наличные в Золотой Короне/ }).check();
    await page.getByRole('button', { name: 'Далее' }).click();
    await expect(page.locator('#sign-step-title')).toBeFocused();
    await checkContract(page, testInfo, 'cash');

    // Asked within a minute of the login code: the server refuses, the page counts down.
    if (Date.now() < codeSentAt + RESEND_GAP_MS - 5_000) {
      await page.getByRole('button', { name: 'Подписать кодом из SMS' }).click();
      await expect(page.getByRole('timer')).toContainText('Запросить код можно через');
      await expect(page.getByRole('button', { name: 'Подписать кодом из SMS' })).toBeDisabled();
      await checkScreen(page, testInfo, 'cash-3-contract-wait');
    }
    await waitForResendGap(page, codeSentAt);
    await expect(page.getByRole('button', { name: 'Подписать кодом из SMS' })).toBeEnabled({ timeout: 65_000 });
    await page.getByRole('button', { name: 'Подписать кодом из SMS' }).click();
    const loanId = await signAndOpenLoan(page, testInfo, phone, 'cash');
    await expect(page.getByTestId('loan-status')).toHaveAttribute('data-status', 'active');

    await expect(page.getByTestId('cash-code')).toHaveAttribute('data-value', /^\d{10}$/);
    const loan = (await (await page.request.get(`/api/loans/${loanId}`)).json()) as { cashCode: string; totalKopecks: number };
    await expect(page.getByTestId('cash-code')).toHaveAttribute('data-value', loan.cashCode);
    await expect(page.locator('[data-figure="total"]')).toHaveAttribute('data-kopecks', String(loan.totalKopecks));
    await expect(page.getByRole('table')).toBeVisible();
    await checkScreen(page, testInfo, 'cash-5-loan');
    await checkPdf(page, loanId);

    // The cabinet lists the loan with its status and a link.
    await page.getByRole('link', { name: 'Личный кабинет' }).click();
    const item = page.locator('.loan-item').first();
    await expect(item).toHaveAttribute('data-id', loanId);
    await expect(item.locator('.badge')).toHaveText('Активен');
    await expect(item.getByRole('link', { name: /^Открыть заём/ })).toHaveAttribute('href', `/loans/${loanId}`);
    await checkScreen(page, testInfo, 'cash-6-cabinet');
  });

  test('СБП: the bank list, the recipient, then the same contract and signing', async ({ page }, testInfo) => {
    const { phone, codeSentAt } = await logIn(page);
    const id = await approvedApplication(page);
    await openSigning(page, testInfo, id, 'sbp');

    await page.getByRole('radio', { name: /На счёт через СБП/ }).check();
    const bank = page.getByLabel('Банк', { exact: true });
    await expect(bank).toBeVisible();
    // Someone else's account (the sandbox test bank): refused next to the field.
    await bank.selectOption('999999999999');
    await expect(page.locator('#sbp-bank-error')).toContainText('не на ваше имя');
    await checkScreen(page, testInfo, 'sbp-2-payout-mismatch');
    await bank.selectOption({ label: 'Сбербанк' });
    await expect(page.getByTestId('recipient')).toHaveText('Получатель: Мария Петровна И.');
    await expect(page.locator('#sbp-bank-error')).toHaveCount(0);
    await checkScreen(page, testInfo, 'sbp-2-payout-bank');
    await page.getByRole('button', { name: 'Далее' }).click();

    await expect(page.locator('.payout-summary')).toContainText('Сбербанк');
    await checkContract(page, testInfo, 'sbp');
    await expect(page.getByRole('region', { name: 'Текст договора' })).toContainText('Сбербанк');

    await waitForResendGap(page, codeSentAt);
    await page.getByRole('button', { name: 'Подписать кодом из SMS' }).click();
    const loanId = await signAndOpenLoan(page, testInfo, phone, 'sbp');
    await expect(page.getByTestId('cash-code')).toHaveCount(0);
    await expect(page.getByText('Деньги отправлены на ваш счёт.')).toBeVisible();
    await checkScreen(page, testInfo, 'sbp-5-loan');
    await checkPdf(page, loanId);
  });

  test('60 000 ₽: cooling-off with a countdown, then a confirmed refusal', async ({ page }, testInfo) => {
    const loan = { product: 'installment', amount: 60_000, term: 24 };
    const { phone, codeSentAt } = await logIn(page);
    const id = await approvedApplication(page, loan);
    await openSigning(page, testInfo, id, 'cooling');
    await page.getByRole('radio', { name: /Наличные в Золотой Короне/ }).check();
    await page.getByRole('button', { name: 'Далее' }).click();
    await checkContract(page, testInfo, 'cooling', loan);

    await waitForResendGap(page, codeSentAt);
    await page.getByRole('button', { name: 'Подписать кодом из SMS' }).click();
    const loanId = await signAndOpenLoan(page, testInfo, phone, 'cooling', 'Можно отказаться');
    await expect(page.getByTestId('payout-countdown')).toHaveText(/^[34]:\d\d:\d\d$/);
    await expect(page.getByTestId('cash-code')).toHaveCount(0);
    await checkScreen(page, testInfo, 'cooling-5-loan');

    await page.getByRole('button', { name: 'Отказаться от займа' }).click();
    const dialog = page.getByRole('dialog', { name: 'Отказаться от займа?' });
    await expect(dialog).toBeVisible();
    await checkScreen(page, testInfo, 'cooling-6-refuse-dialog');
    await dialog.getByRole('button', { name: 'Нет, оставить заём' }).click();
    await expect(dialog).toBeHidden();
    await page.getByRole('button', { name: 'Отказаться от займа' }).click();
    await dialog.getByRole('button', { name: 'Да, отказаться' }).click();
    await expect(page.getByTestId('loan-status')).toHaveText('Вы отказались');
    await expect(page.getByRole('button', { name: 'Отказаться от займа' })).toHaveCount(0);
    const reply = (await (await page.request.get(`/api/loans/${loanId}`)).json()) as { status: string };
    expect(reply.status).toBe('refused');
    await checkScreen(page, testInfo, 'cooling-7-refused');
  });
  test('card: the acquirer page, the held amount (a wrong one first), then the contract with the card and signing', async ({ page }, testInfo) => {
    const { phone, codeSentAt } = await logIn(page);
    const id = await approvedApplication(page);
    await openSigning(page, testInfo, id, 'card');

    await page.getByRole('radio', { name: /На банковскую карту/ }).check();
    await checkScreen(page, testInfo, 'card-2-payout-card');
    await openCardPage(page);
    await checkScreen(page, testInfo, 'card-3-acquirer');
    await submitCard(page, CARD_OK);
    const amount = await readHold(page);
    await checkScreen(page, testInfo, 'card-3-acquirer-held');
    await returnFromCardPage(page, id);

    // Back from the acquirer: the page resumes at the held amount for this card.
    await expect(page.getByRole('heading', { level: 2, name: 'Подтвердите карту' })).toBeVisible();
    await expect(page.getByTestId('masked-pan')).toHaveText(MASKED_PAN);
    await expect(page.locator('#sign-progress')).toHaveText('Шаг 1 из 2');
    await expect(holdAmountField(page)).toHaveAttribute('inputmode', 'decimal');
    await checkScreen(page, testInfo, 'card-4-hold');

    // A wrong amount: the server's message under the field, with the tries left.
    await confirmHold(page, wrongHold(amount));
    await expect(page.locator('#card-hold-amount-error')).toContainText('осталось попыток: 2');
    await expect(holdAmountField(page)).toHaveAttribute('aria-invalid', 'true');
    await expect(holdAmountField(page)).toHaveAttribute('aria-describedby', /card-hold-amount-error/);
    await expect(holdAmountField(page)).toBeFocused();
    await checkScreen(page, testInfo, 'card-4-hold-wrong');

    await confirmHold(page, amount);
    await expect(page.locator('#sign-step-title')).toBeFocused();
    await expect(page.locator('.payout-summary')).toContainText(`на карту ${MASKED_PAN}`);
    await checkContract(page, testInfo, 'card');
    await expect(page.getByRole('region', { name: 'Текст договора' })).toContainText(`на банковскую карту заёмщика ${MASKED_PAN}`);

    await waitForResendGap(page, codeSentAt);
    await page.getByRole('button', { name: 'Подписать кодом из SMS' }).click();
    const loanId = await signAndOpenLoan(page, testInfo, phone, 'card');
    await expect(page.getByTestId('loan-status')).toHaveAttribute('data-status', 'active');
    await expect(page.getByTestId('cash-code')).toHaveCount(0);
    await checkScreen(page, testInfo, 'card-5-loan');

    await page.getByRole('link', { name: 'Личный кабинет' }).click();
    const item = page.locator('.loan-item').first();
    await expect(item).toHaveAttribute('data-id', loanId);
    await expect(item.locator('.badge')).toHaveText('Активен');
    await checkScreen(page, testInfo, 'card-6-cabinet');
  });

  test('card refused: declined by the bank, tries used up, another person as holder — each time the borrower chooses again', async ({ page }, testInfo) => {
    await logIn(page);
    const id = await approvedApplication(page);
    await page.goto(`/application/${id}/sign`);

    // Back from the acquirer's page without entering the card: the card is still chosen, the page says so.
    await openCardPage(page);
    await page.goBack();
    await expect(page.getByRole('heading', { level: 2, name: 'Как получить деньги' })).toBeVisible();
    await expect(page.locator('.note')).toContainText('Данные карты не получены');
    await expect(page.getByRole('radio', { name: /На банковскую карту/ })).toBeChecked();
    await expect(page.getByRole('button', { name: 'Далее' })).toBeEnabled();
    await checkScreen(page, testInfo, 'card-not-entered');

    // The bank declines the card: back on the payout step with the reason.
    await openCardPage(page);
    await submitCard(page, CARD_DECLINED);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Банк отклонил карту');
    await returnFromCardPage(page, id);
    await expectChoiceAgain(page, /Банк отклонил карту/);
    await checkScreen(page, testInfo, 'card-declined');

    // Three wrong amounts lock the card: the borrower must add it again or choose another way.
    await openCardPage(page);
    await submitCard(page, CARD_OK);
    const amount = await readHold(page);
    await returnFromCardPage(page, id);
    await confirmHold(page, wrongHold(amount));
    await expect(page.locator('#card-hold-amount-error')).toContainText('осталось попыток: 2');
    await confirmHold(page, wrongHold(amount));
    await expect(page.locator('#card-hold-amount-error')).toContainText('осталось попыток: 1');
    await confirmHold(page, wrongHold(amount));
    await expectChoiceAgain(page, /Попытки закончились/);
    await expect(page.locator('#sign-step-title')).toBeFocused();
    await checkScreen(page, testInfo, 'card-locked');

    // A card in someone else's name is refused after the right amount.
    await openCardPage(page);
    await submitCard(page, CARD_OK, 'PETR SIDOROV');
    const held = await readHold(page);
    await returnFromCardPage(page, id);
    await confirmHold(page, held);
    await expectChoiceAgain(page, /не на ваше имя/);

    // Another way still works, and a reload lands on the contract for it.
    await page.getByRole('radio', { name: /Наличные в Золотой Короне/ }).check();
    await page.getByRole('button', { name: 'Далее' }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Договор займа' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { level: 2, name: 'Договор займа' })).toBeVisible();
    await expect(page.locator('.payout-summary')).toContainText('наличными');
  });

  test('e-wallet: an anonymous wallet is refused, the borrower’s own goes into the contract, then signing', async ({ page }, testInfo) => {
    const { phone, codeSentAt } = await logIn(page);
    const id = await approvedApplication(page);
    await openSigning(page, testInfo, id, 'wallet');

    await page.getByRole('radio', { name: /На электронный кошелёк/ }).check();
    const wallet = page.getByLabel('Номер кошелька ЮMoney');
    await expect(wallet).toHaveAttribute('inputmode', 'numeric');
    // Anonymous (not identified) wallets cannot receive a loan: refused next to the field.
    await wallet.fill('41001234561111');
    await page.getByRole('button', { name: 'Далее' }).click();
    await expect(page.locator('#wallet-number-error')).toContainText('не идентифицирован');
    await expect(wallet).toHaveAttribute('aria-invalid', 'true');
    await expect(wallet).toHaveAttribute('aria-describedby', /wallet-number-error/);
    await expect(wallet).toBeFocused();
    await checkScreen(page, testInfo, 'wallet-2-payout-anonymous');

    await wallet.fill('410012345678901');
    await page.getByRole('button', { name: 'Далее' }).click();
    await expect(page.locator('#sign-step-title')).toBeFocused();
    await expect(page.locator('.payout-summary')).toContainText('на кошелёк ЮMoney № 4100 •••• 8901');
    await checkContract(page, testInfo, 'wallet');
    await expect(page.getByRole('region', { name: 'Текст договора' })).toContainText('электронный кошелёк ЮMoney заёмщика № 4100 •••• 8901');

    await waitForResendGap(page, codeSentAt);
    await page.getByRole('button', { name: 'Подписать кодом из SMS' }).click();
    const loanId = await signAndOpenLoan(page, testInfo, phone, 'wallet');
    await expect(page.getByTestId('loan-status')).toHaveAttribute('data-status', 'active');
    await checkScreen(page, testInfo, 'wallet-5-loan');

    await page.getByRole('link', { name: 'Личный кабинет' }).click();
    const item = page.locator('.loan-item').first();
    await expect(item).toHaveAttribute('data-id', loanId);
    await expect(item.locator('.badge')).toHaveText('Активен');
  });
});
