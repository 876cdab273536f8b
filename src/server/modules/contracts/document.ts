import { createHash } from 'node:crypto';
import { formatLongDate, type BusinessDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import type { Product } from '../../../core/pricing/products';
import type { Quote } from '../../../core/pricing/quote';
import type { PayoutType } from '../../providers/payouts/port';

/**
 * The individual terms (индивидуальные условия) of the loan, built from the approved offer's quote —
 * the same pricing engine as the calculator. The exact text is what is shown, hashed, bound to the
 * signing code and kept as evidence; any change of the offer or the payout method changes the hash.
 *
 * Page 1 starts with the ПСК box (in % and in ₽) and the overpayment-cap statement before the terms
 * table (DOMAIN R5). The lender's lawyer supplies the final wording of the general terms.
 */

export type ContractInput = {
  applicationId: string;
  product: Product;
  quote: Quote;
  borrower: { fullName: string; birthDate: string; passportMasked: string; registrationAddress: string; phone: string };
  payout: { type: PayoutType; description: string };
  date: BusinessDate;
  /** ПДН in %, when above 50 % the borrower signs the warning with the terms (601-ФЗ). */
  pdnPercent: number | null;
  /** A personal rate's reason («Ставка 0,76 % в день вместо 0,8 % — уровень «Серебро».»), shown with the rate. */
  pricingNote?: string | null | undefined;
};

export type ContractDocument = {
  number: string;
  text: string;
  sha256: string;
  keyFacts: { amountKopecks: number; pskPercent: number; pskKopecks: number; totalKopecks: number; returnDate: BusinessDate };
};

export const PEP_AGREEMENT_KIND = 'simple_signature';

/** «CC-20261125-1A2B3C4D»: the signing date and the application. */
export const contractNumberOf = (date: BusinessDate, applicationId: string) => `CC-${date.replaceAll('-', '')}-${applicationId.slice(0, 8).toUpperCase()}`;

const percent = (value: number) => `${new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(value)} %`;

const TERM_UNIT: Record<Product['term']['unit'], string> = { days: 'дн.', weeks: 'нед.', months: 'мес.' };

export function buildContract(input: ContractInput): ContractDocument {
  const { quote, product, borrower } = input;
  const number = contractNumberOf(input.date, input.applicationId);
  const cap = quote.cap.overpaymentCapPercent;
  const lines = [
    `┌──────────────────────────────────────────────┐`,
    `│ ПОЛНАЯ СТОИМОСТЬ ЗАЙМА: ${percent(quote.pskPercent)} ГОДОВЫХ`,
    `│ ПОЛНАЯ СТОИМОСТЬ ЗАЙМА В РУБЛЯХ: ${formatRubles(quote.pskKopecks)}`,
    `└──────────────────────────────────────────────┘`,
    '',
    `ИНДИВИДУАЛЬНЫЕ УСЛОВИЯ ДОГОВОРА ПОТРЕБИТЕЛЬСКОГО ЗАЙМА № ${number}`,
    `Дата: ${formatLongDate(input.date)}. Займодавец: ООО МКК «КарКапитал» [реквизиты].`,
    `Заёмщик: ${borrower.fullName}, дата рождения ${borrower.birthDate}, паспорт ${borrower.passportMasked}, адрес регистрации: ${borrower.registrationAddress}, телефон ${borrower.phone}.`,
    '',
    cap === null
      ? 'Договор заключён на срок более одного года.'
      : `Начисление процентов, неустойки (штрафа, пени), иных мер ответственности и платежей за услуги прекращается, когда их сумма достигнет ${cap} % суммы займа (${formatRubles(quote.cap.overpaymentCapKopecks ?? 0)}).`,
    '',
    `1. Сумма займа: ${formatRubles(quote.amountKopecks)}.`,
    `2. Срок действия договора: до полного исполнения обязательств; срок возврата займа: ${formatLongDate(quote.returnDate)} (${input.quote.term} ${TERM_UNIT[product.term.unit]}).`,
    `4. Процентная ставка: ${quote.rate.percent.toLocaleString('ru-RU')} % ${quote.rate.per === 'day' ? 'в день' : 'в месяц'}.`,
    ...(input.pricingNote ? [`   ${input.pricingNote}`] : []),
    `6. Количество, размер и периодичность платежей: ${quote.schedule.length === 1 ? 'один платёж' : `${quote.schedule.length} платежей`}; график:`,
    ...quote.schedule.map(
      (item, i) =>
        `   ${i + 1}) ${formatLongDate(item.date)} — ${formatRubles(item.totalKopecks)} (основной долг ${formatRubles(item.principalKopecks)}, проценты ${formatRubles(item.interestKopecks)})`,
    ),
    `   Всего к возврату: ${formatRubles(quote.totalKopecks)}.`,
    `8. Способы исполнения обязательств: бесплатно — картой или через СБП в личном кабинете.`,
    `12. Ответственность за ненадлежащее исполнение: неустойка 20 % годовых от суммы просроченного основного долга, пока начисляются проценты; 0,1 % в день, если проценты не начисляются.`,
    `17. Способ получения займа: ${input.payout.description}.`,
    `Заёмщик вправе отказаться от получения займа до его выдачи, уведомив займодавца; вправе досрочно вернуть заём с уплатой процентов за фактический срок пользования.`,
    ...(input.pdnPercent !== null && input.pdnPercent > 50
      ? [
          '',
          `УВЕДОМЛЕНИЕ О ПОКАЗАТЕЛЕ ДОЛГОВОЙ НАГРУЗКИ. Ваш показатель долговой нагрузки с учётом этого займа — ${input.pdnPercent.toLocaleString('ru-RU')} %: больше половины вашего ежемесячного дохода уходит на платежи по долгам. Есть риск, что вы не сможете платить вовремя, и тогда возможны неустойка и ухудшение кредитной истории. Подписывая договор, вы подтверждаете, что ознакомились с этим уведомлением.`,
        ]
      : []),
    `Договор подписан простой электронной подписью заёмщика (одноразовый код из SMS) по соглашению об использовании ПЭП.`,
  ];
  const text = lines.join('\n');
  return {
    number,
    text,
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    keyFacts: {
      amountKopecks: quote.amountKopecks,
      pskPercent: quote.pskPercent,
      pskKopecks: quote.pskKopecks,
      totalKopecks: quote.totalKopecks,
      returnDate: quote.returnDate,
    },
  };
}

/** Cooling-off before money may leave (353-ФЗ ст. 7 ч. 9.3, from 2025-09-01). */
export function coolingOffHours(amountKopecks: number): number {
  if (amountKopecks > 200_000_00) return 48;
  if (amountKopecks >= 50_000_00) return 4;
  return 0;
}
