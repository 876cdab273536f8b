import type { Kysely } from 'kysely';
import { formatLongDate, moscowDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import type { Allocation } from '../../../core/servicing/allocation';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import type { Actor } from '../auth/auth.service';
import { contractNumberOf } from '../contracts/document';
import { renderDocumentPdf } from '../contracts/pdf';

/**
 * The borrower's money documents as PDF: a receipt for each credited payment, and the certificate
 * that the loan is repaid (справка о погашении). Both are built from the ledger-backed records, at
 * request time, so they always say what the books say.
 */

const moscowTime = (at: Date) => at.toLocaleString('ru-RU', { timeZone: 'Europe/Moscow' });

export async function receiptPdf(db: Kysely<DB>, actor: Actor, paymentId: string, now: Date) {
  const payment = /^[0-9a-f-]{36}$/i.test(paymentId)
    ? await db.selectFrom('payments').selectAll().where('id', '=', paymentId).where('customer_id', '=', actor.customerId).executeTakeFirst()
    : undefined;
  if (!payment) throw new AppError('not_found', 'Платёж не найден.');
  if (payment.status !== 'succeeded' || !payment.paid_at) throw new AppError('conflict', 'Квитанция будет, когда платёж зачислят.');
  const loan = await db.selectFrom('loans').select(['contract_date', 'application_id']).where('id', '=', payment.loan_id).executeTakeFirstOrThrow();
  const allocation = payment.allocation as Allocation;
  const parts: [string, number][] = [
    ['проценты', allocation.interestKopecks],
    ['основной долг', allocation.principalKopecks],
    ['неустойка', allocation.penaltyKopecks],
    ['переплата (хранится на вашем счёте)', allocation.overpaymentKopecks],
  ];
  const pdf = await renderDocumentPdf({
    title: `Квитанция ${payment.id}`,
    heading: 'Квитанция об оплате по договору займа',
    facts: [
      ['Платёж', payment.id],
      ['Дата и время (МСК)', moscowTime(payment.paid_at)],
      ['Сумма', formatRubles(payment.amount_kopecks)],
      ['Способ', payment.method === 'sbp' ? 'СБП' : 'банковская карта'],
      ['Договор', contractNumberOf(loan.contract_date, loan.application_id)],
      ['Получатель', 'CarCapital'],
      ['Платёжный сервис', payment.provider],
    ],
    paragraphs: [`Зачтено: ${parts.filter(([, k]) => k > 0).map(([name, k]) => `${name} — ${formatRubles(k)}`).join('; ')}.`],
    footer: `Квитанция сформирована ${moscowTime(now)} по данным учёта CarCapital.`,
    createdAt: payment.paid_at,
  });
  return { fileName: `receipt-${payment.id.slice(0, 8)}.pdf`, pdf };
}

export async function closingCertificatePdf(db: Kysely<DB>, actor: Actor, loanId: string, now: Date) {
  const loan = /^[0-9a-f-]{36}$/i.test(loanId)
    ? await db.selectFrom('loans').selectAll().where('id', '=', loanId).where('customer_id', '=', actor.customerId).executeTakeFirst()
    : undefined;
  if (!loan) throw new AppError('not_found', 'Займ не найден.');
  if (loan.status !== 'closed' || !loan.closed_at) throw new AppError('conflict', 'Справка будет, когда займ погашен полностью.');
  const payments = await db.selectFrom('payments').select('amount_kopecks').where('loan_id', '=', loan.id).where('status', '=', 'succeeded').execute();
  const number = contractNumberOf(loan.contract_date, loan.application_id);
  const closedOn = moscowDate(loan.closed_at);
  const pdf = await renderDocumentPdf({
    title: `Справка о погашении ${number}`,
    heading: 'Справка о погашении задолженности',
    facts: [
      ['Договор потребительского займа', `№ ${number} от ${formatLongDate(loan.contract_date)}`],
      ['Сумма займа', formatRubles(loan.amount_kopecks)],
      ['Дата полного погашения', formatLongDate(closedOn)],
      ['Всего уплачено', formatRubles(payments.reduce((sum, p) => sum + p.amount_kopecks, 0))],
    ],
    paragraphs: [
      `CarCapital подтверждает, что обязательства заёмщика по договору № ${number} исполнены в полном объёме ${formatLongDate(closedOn)} Задолженности по основному долгу, процентам и неустойке нет; претензий к заёмщику нет.`,
      'Сведения о погашении передаются в бюро кредитных историй в установленный законом срок.',
    ],
    footer: `Справка сформирована ${moscowTime(now)} по данным учёта CarCapital. Займ ${loan.id}.`,
    createdAt: loan.closed_at,
  });
  return { fileName: `closing-certificate-${number}.pdf`, pdf };
}
