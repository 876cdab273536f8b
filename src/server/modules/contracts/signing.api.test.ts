import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../core/clock';
import { MISMATCH_BANK_ID } from '../../providers/payouts/sandbox';
import { PERSONAS } from '../../providers/sandbox-personas';
import { decidedApplication } from '../../testing/applicant';
import { lastCodeFor, login, runJobs, useTestSystem } from '../../testing/test-system';
import { ledgerProblems } from '../ledger/ledger.service';
import { pdfText } from '../../testing/pdf-text';
import { formatRubles } from '../../../core/money';
import { releaseDueLoans } from '../loans/loans.service';

const system = useTestSystem();

async function approved(loan = { product: 'pdl', amount: 10_000, term: 30 }) {
  const decided = await decidedApplication(system, loan);
  expect(decided.application.status).toBe('approved');
  return decided;
}

/** Asks for a signing code a minute later than the last SMS code (the per-phone resend gap). */
async function requestSigningCode(api: { post: (url: string, body?: unknown) => Promise<{ statusCode: number }> }, id: string) {
  system.clock.advance(61 * SECOND_MS);
  const response = await api.post(`/api/applications/${id}/sign/otp`);
  expect(response.statusCode).toBe(200);
}

async function signWithCash(loan?: { product: string; amount: number; term: number }) {
  const { api, id, phone } = await approved(loan);
  expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' })).statusCode).toBe(200);
  await requestSigningCode(api, id);
  const code = await lastCodeFor(system, phone);
  const signed = await api.post(`/api/applications/${id}/sign`, { code });
  expect(signed.statusCode, signed.body).toBe(200);
  return { api, id, phone, loanId: signed.json().loanId as string, payoutAt: signed.json().payoutAt as string };
}

describe('signing and payout', () => {
  it('an approved offer → cash → the contract → a code → signed → paid out → active, with one ledger posting', async () => {
    const { api, id, phone } = await approved();
    const cash = await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' });
    expect(cash.json()).toEqual({ type: 'cash', next: 'sign' });

    const contract = (await api.get(`/api/applications/${id}/contract`)).json();
    expect(contract.keyFacts).toEqual({ amountKopecks: 1_000_000, pskPercent: 292, pskKopecks: 240_000, totalKopecks: 1_240_000, returnDate: '2026-12-25' });
    expect(contract.text.split('\n').slice(0, 4).join('\n')).toMatch(/ПОЛНАЯ СТОИМОСТЬ ЗАЙМА: 292,000 % ГОДОВЫХ[\s\S]*2\u00a0400\u00a0₽/);
    expect(contract.text).toMatch(/прекращается, когда их сумма достигнет 100 %/);
    expect(contract.coolingOffHours).toBe(0);

    await requestSigningCode(api, id);
    await system.jobs.drain();
    const sms = (await system.sandboxSms!.list({ phone, limit: 1 }))[0]!;
    expect(sms.text).toMatch(/подпись договора займа 10\s000 ₽ до 2026-12-25, ПСК 292,000 %/);
    const code = /\b(\d{6})\b/.exec(sms.text)![1]!;
    const signed = await api.post(`/api/applications/${id}/sign`, { code });
    expect(signed.statusCode).toBe(200);
    const { loanId } = signed.json();

    expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('disbursing');
    await runJobs(system);
    const loan = (await api.get(`/api/loans/${loanId}`)).json();
    expect(loan).toMatchObject({ status: 'active', amountKopecks: 1_000_000, totalKopecks: 1_240_000, payoutType: 'cash' });
    expect(loan.cashCode).toMatch(/^\d{10}$/);
    expect((await api.get('/api/loans')).json()).toHaveLength(1);
    expect((await api.get(`/api/applications/${id}`)).json().status).toBe('signed');

    const postings = await system.database.db.selectFrom('ledger_transactions').selectAll().execute();
    expect(postings.map((p) => [p.source, p.external_id])).toEqual([['payout', loanId]]);
    expect(await ledgerProblems(system.database.db)).toEqual([]);
    const texts = (await system.sandboxSms!.list({ phone, limit: 10 })).map((m) => m.text);
    expect(texts.some((t) => /подписан/.test(t))).toBe(true);
    expect(texts.some((t) => /Золотой Короне/.test(t))).toBe(true);
  });

  it('СБП: the bank list, then a bank whose account holder is the borrower', async () => {
    const { api, id } = await approved();
    const list = (await api.post(`/api/applications/${id}/payout-method`, { type: 'sbp' })).json();
    expect(list.next).toBe('choose_bank');
    expect(list.banks.map((b: { name: string }) => b.name)).toContain('Сбербанк');
    const chosen = await api.post(`/api/applications/${id}/payout-method`, { type: 'sbp', bankId: '100000000111' });
    expect(chosen.json()).toMatchObject({ next: 'sign', bank: 'Сбербанк', recipientName: 'Мария Петровна И.' });
    // Reopened later (a reload), the chosen method still says who receives the money.
    expect((await api.get(`/api/applications/${id}/payout-method`)).json().method).toEqual({
      type: 'sbp',
      state: 'ready',
      bank: 'Сбербанк',
      recipientName: 'Мария Петровна И.',
    });
    const contract = (await api.get(`/api/applications/${id}/contract`)).json();
    expect(contract.text).toMatch(/через СБП на счёт заёмщика в банке «Сбербанк»/);
  });

  it('with a provider that checks the holder at payout time, the bank is accepted now and a mismatch fails the payout', async () => {
    const payouts = system.sandboxPayouts as { sbpRecipientCheck: string; sbpRecipientName: unknown; payout: unknown };
    const original = { check: payouts.sbpRecipientCheck, lookup: payouts.sbpRecipientName, payout: payouts.payout };
    let lookups = 0;
    payouts.sbpRecipientCheck = 'at_payout';
    payouts.sbpRecipientName = async () => {
      lookups += 1;
      return '';
    };
    payouts.payout = async () => ({ providerPayoutId: 'p-1', status: 'failed', failureReason: 'recipient_check_failed' });
    try {
      const { api, id, phone } = await approved();
      const chosen = await api.post(`/api/applications/${id}/payout-method`, { type: 'sbp', bankId: MISMATCH_BANK_ID });
      expect(chosen.json()).toEqual({ type: 'sbp', next: 'sign', bank: 'Банк-несовпадение (тест)' });
      expect(lookups).toBe(0);
      await requestSigningCode(api, id);
      const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(system, phone) });
      await runJobs(system);
      expect((await api.get(`/api/loans/${signed.json().loanId}`)).json().status).toBe('payout_failed');
      const payout = await system.database.db.selectFrom('payouts').select('last_error').executeTakeFirstOrThrow();
      expect(payout.last_error).toBe('provider refused: recipient_check_failed');
    } finally {
      Object.assign(payouts, { sbpRecipientCheck: original.check, sbpRecipientName: original.lookup, payout: original.payout });
    }
  });

  it('СБП refuses an account in someone else\u2019s name (R13)', async () => {
    const { api, id } = await approved();
    const response = await api.post(`/api/applications/${id}/payout-method`, { type: 'sbp', bankId: MISMATCH_BANK_ID });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields.bankId).toMatch(/не на ваше имя/);
    expect((await api.get(`/api/applications/${id}/contract`)).statusCode).toBe(409);
  });

  it('a ПДН above 50 % puts the signed warning into the document', async () => {
    const { api, id } = await decidedApplication(
      system,
      { product: 'pdl', amount: 30_000, term: 30 },
      { passportNumber: PERSONAS.highDebtLoad.passportNumber, monthlyIncome: 70_000 },
    );
    await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' });
    const contract = (await api.get(`/api/applications/${id}/contract`)).json();
    expect(contract.pdnWarningRequired).toBe(true);
    expect(contract.text).toMatch(/УВЕДОМЛЕНИЕ О ПОКАЗАТЕЛЕ ДОЛГОВОЙ НАГРУЗКИ/);
    const normal = await approved();
    await normal.api.post(`/api/applications/${normal.id}/payout-method`, { type: 'cash' });
    expect((await normal.api.get(`/api/applications/${normal.id}/contract`)).json().text).not.toMatch(/ДОЛГОВОЙ НАГРУЗКИ/);
  });

  it('cannot sign before choosing how to receive the money', async () => {
    const { api, id } = await approved();
    expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(409);
  });
});

describe('the signed contract as a PDF', () => {
  it('page 1 holds the ПСК box with the quote’s values, in Cyrillic; the text is the signed one', async () => {
    const { api, loanId } = await signWithCash();
    const response = await api.get(`/api/loans/${loanId}/contract.pdf`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const loan = await system.database.db.selectFrom('loans').select('quote').executeTakeFirstOrThrow();
    const quote = loan.quote as { pskPercent: number; pskKopecks: number };
    const [page1 = ''] = await pdfText(response.rawPayload);
    const squeezed = page1.replace(/\s+/g, '');
    const psk = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 3 }).format(quote.pskPercent);
    expect(squeezed).toContain('ПОЛНАЯСТОИМОСТЬЗАЙМА');
    expect(squeezed).toContain(`${psk}%ГОДОВЫХ`);
    expect(squeezed).toContain(formatRubles(quote.pskKopecks).replace(/\s+/g, ''));
    expect(squeezed).toContain('ИНДИВИДУАЛЬНЫЕУСЛОВИЯ');
    expect(squeezed).toContain('достигнет100%');
    const evidence = await system.database.db.selectFrom('signatures').select('document_sha256').executeTakeFirstOrThrow();
    expect(squeezed).toContain(evidence.document_sha256);
  });

  it('is not shown to another customer', async () => {
    const { loanId } = await signWithCash();
    const other = await approved();
    expect((await other.api.get(`/api/loans/${loanId}/contract.pdf`)).statusCode).toBe(404);
  });
});

describe('signing codes (SIG-1…4)', () => {
  it('a login code cannot sign', async () => {
    const { api, id, phone } = await approved();
    await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' });
    system.clock.advance(61 * SECOND_MS);
    await system.post('/api/auth/otp', { phone });
    const loginCode = await lastCodeFor(system, phone);
    expect((await api.post(`/api/applications/${id}/sign`, { code: loginCode })).statusCode).toBe(401);
  });

  it('a code sent for one document cannot sign another: changing the payout method kills it', async () => {
    const { api, id, phone } = await approved();
    await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' });
    await requestSigningCode(api, id);
    const code = await lastCodeFor(system, phone);
    await api.post(`/api/applications/${id}/payout-method`, { type: 'sbp', bankId: '100000000111' });
    const response = await api.post(`/api/applications/${id}/sign`, { code });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('otp_invalid');
    expect((await api.get('/api/loans')).json()).toEqual([]);
  });

  it('a code for one application cannot sign another customer\u2019s, and a foreign application is 404', async () => {
    const first = await approved();
    const second = await approved();
    for (const { api, id } of [first, second]) await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' });
    await requestSigningCode(first.api, first.id);
    const code = await lastCodeFor(system, first.phone);
    expect((await second.api.post(`/api/applications/${first.id}/sign`, { code })).statusCode).toBe(404);
    expect((await second.api.post(`/api/applications/${second.id}/sign`, { code })).statusCode).toBe(401);
  });

  it('expires after 5 minutes, dies after 5 wrong tries, works once', async () => {
    const { api, id, phone } = await approved();
    await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' });
    await requestSigningCode(api, id);
    const expired = await lastCodeFor(system, phone);
    system.clock.advance(5 * MINUTE_MS + SECOND_MS);
    await system.get('/api/me', { cookie: api.cookie }); // keep the session alive
    expect((await api.post(`/api/applications/${id}/sign`, { code: expired })).statusCode).toBe(401);

    await requestSigningCode(api, id);
    const code = await lastCodeFor(system, phone);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i += 1) expect((await api.post(`/api/applications/${id}/sign`, { code: wrong })).statusCode).toBe(401);
    expect((await api.post(`/api/applications/${id}/sign`, { code })).statusCode).toBe(401);

    await requestSigningCode(api, id);
    const fresh = await lastCodeFor(system, phone);
    expect((await api.post(`/api/applications/${id}/sign`, { code: fresh })).statusCode).toBe(200);
    expect((await api.post(`/api/applications/${id}/sign`, { code: fresh })).statusCode).toBe(409);
  });

  it('keeps immutable evidence: document hash, agreement version, phone, code hash, times, IP, user agent', async () => {
    const { loanId, phone } = await signWithCash();
    const evidence = await system.database.db.selectFrom('signatures').selectAll().where('loan_id', '=', loanId).executeTakeFirstOrThrow();
    expect(evidence).toMatchObject({ phone, ip: '127.0.0.1', user_agent: 'lightMyRequest' });
    expect(evidence.document_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(evidence.code_hash)).toHaveLength(32);
    await expect(sql`UPDATE signatures SET phone = '+79990000000'`.execute(system.database.db)).rejects.toThrow(/immutable/);
    await expect(sql`DELETE FROM signatures`.execute(system.database.db)).rejects.toThrow(/immutable/);
  });
});

describe('cooling-off (353-ФЗ ст. 7 ч. 9.3)', () => {
  it('150 000 ₽: no payout before 4 hours, payout after', async () => {
    const { api, loanId, payoutAt } = await signWithCash({ product: 'car', amount: 150_000, term: 24 });
    expect(new Date(payoutAt).getTime() - system.clock.now().getTime()).toBe(4 * HOUR_MS);
    const loan = (await api.get(`/api/loans/${loanId}`)).json();
    expect(loan).toMatchObject({ status: 'cooling_off', canRefuse: true });

    system.clock.advance(4 * HOUR_MS - SECOND_MS);
    expect(await releaseDueLoans({ db: system.database.db, clock: system.clock, jobs: system.jobs })).toBe(0);
    await runJobs(system);
    expect(system.sandboxPayouts.calls()).toBe(0);

    system.clock.advance(SECOND_MS);
    expect(await releaseDueLoans({ db: system.database.db, clock: system.clock, jobs: system.jobs })).toBe(1);
    await runJobs(system);
    expect(system.sandboxPayouts.calls()).toBe(1);
    const cookie = await login(system, (await system.database.db.selectFrom('customers').select('phone').executeTakeFirstOrThrow()).phone);
    expect((await system.get(`/api/loans/${loanId}`, { cookie })).json().status).toBe('active');
  });

  it('refusal during cooling-off cancels the loan: nothing paid out, nothing owed', async () => {
    const { api, loanId } = await signWithCash({ product: 'installment', amount: 60_000, term: 24 });
    const refused = await api.post(`/api/loans/${loanId}/refuse`);
    expect(refused.statusCode).toBe(200);
    expect(refused.json()).toMatchObject({ status: 'refused', canRefuse: false });
    expect((await api.post(`/api/loans/${loanId}/refuse`)).statusCode).toBe(409);
    system.clock.advance(5 * HOUR_MS);
    await releaseDueLoans({ db: system.database.db, clock: system.clock, jobs: system.jobs });
    await runJobs(system);
    expect(system.sandboxPayouts.calls()).toBe(0);
    expect(await system.database.db.selectFrom('ledger_entries').selectAll().execute()).toEqual([]);
  });

  it('below 50 000 ₽ the payout starts at once; refusal is no longer possible once paid', async () => {
    const { api, loanId } = await signWithCash();
    await runJobs(system);
    expect((await api.post(`/api/loans/${loanId}/refuse`)).statusCode).toBe(409);
  });
});

describe('payouts are exactly once', () => {
  it('a payout provider failure is retried with the same idempotency key', async () => {
    system.sandboxPayouts.control.failure = 'error';
    const { api, loanId } = await signWithCash();
    await system.jobs.drain();
    expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('disbursing');
    system.sandboxPayouts.control.failure = 'none';
    await runJobs(system);
    expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('active');
    const rows = await system.database.db.selectFrom('sandbox_payouts').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.idempotency_key).toBe(loanId);
  });

  it('a redelivered payout job pays nothing more', async () => {
    const { loanId } = await signWithCash();
    await runJobs(system);
    await system.jobs.enqueue(system.database.db, 'loans.disburse', { loanId });
    await runJobs(system);
    expect(system.sandboxPayouts.calls()).toBe(1);
    expect((await system.database.db.selectFrom('ledger_transactions').selectAll().execute()).length).toBe(1);
  });

  it('another customer\u2019s loan does not exist for you', async () => {
    const { loanId } = await signWithCash();
    const other = await approved();
    expect((await other.api.get(`/api/loans/${loanId}`)).statusCode).toBe(404);
    expect((await other.api.post(`/api/loans/${loanId}/refuse`)).statusCode).toBe(404);
    expect((await other.api.get('/api/loans')).json()).toEqual([]);
  });
});
