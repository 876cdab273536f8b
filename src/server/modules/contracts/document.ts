import { createHash } from 'node:crypto';
import { formatLongDate, type BusinessDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import type { Product } from '../../../core/pricing/products';
import type { Quote } from '../../../core/pricing/quote';
import { PLEDGE_RELEASE_WORKING_DAYS } from '../../../core/vehicle';
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
  /** A loan secured by a car: the pledge agreement's terms, part of the same signed text. */
  pledge?: PledgeTerms | null | undefined;
  /** A personal rate's reason («Ставка 0,76 % в день вместо 0,8 % — уровень «Серебро».»), shown with the rate. */
  pricingNote?: string | null | undefined;
};

export type PledgeTerms = {
  vin: string;
  make: string;
  model: string;
  year: number;
  plate: string;
  ptsNumber: string;
  stsNumber: string;
  /** The valuation the decision used: the parties' agreed value of the car (ГК РФ ст. 340). */
  valuationKopecks: number;
  /** The lender as the registry notice names it. */
  pledgee: string;
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
    ...(input.pledge ? ['', ...pledgeAgreement(number, input.pledge, quote)] : []),
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

/**
 * The pledge agreement (договор залога транспортного средства) signed with the terms: what is
 * pledged, its agreed value, what it secures, that the car stays with the borrower, and the
 * registry notices — registration after signing, exclusion within 3 working days of repayment
 * (DOMAIN.md R24). The lender's lawyer supplies the final wording.
 */
function pledgeAgreement(number: string, pledge: PledgeTerms, quote: Quote): string[] {
  return [
    `ДОГОВОР ЗАЛОГА ТРАНСПОРТНОГО СРЕДСТВА (часть договора № ${number})`,
    `1. Предмет залога: автомобиль ${pledge.make} ${pledge.model}, ${pledge.year} года выпуска, VIN ${pledge.vin}, государственный регистрационный знак ${pledge.plate}, ПТС (ЭПТС) № ${pledge.ptsNumber}, СТС № ${pledge.stsNumber}.`,
    `2. Оценка предмета залога по соглашению сторон: ${formatRubles(pledge.valuationKopecks)}.`,
    `3. Залог обеспечивает исполнение обязательств заёмщика по договору займа № ${number}: возврат займа ${formatRubles(quote.amountKopecks)}, уплату процентов и неустойки.`,
    `4. Автомобиль остаётся у залогодателя и в его пользовании. Без письменного согласия залогодержателя (${pledge.pledgee}) его нельзя продать, подарить, сдать в аренду или передать в залог другому лицу.`,
    `5. Залогодержатель направляет уведомление о возникновении залога в реестр уведомлений о залоге движимого имущества (Федеральная нотариальная палата) после подписания договора, за свой счёт, и сообщает заёмщику его регистрационный номер в личном кабинете.`,
    `6. После полного исполнения обязательств по займу, а также при отказе заёмщика от получения займа залог прекращается; залогодержатель направляет уведомление об исключении сведений о залоге не позднее ${PLEDGE_RELEASE_WORKING_DAYS} рабочих дней со дня, когда узнал об этом.`,
    `7. Взыскание на предмет залога обращается только в судебном порядке или по исполнительной надписи нотариуса в случаях, предусмотренных законом.`,
  ];
}

/** Cooling-off before money may leave (353-ФЗ ст. 7 ч. 9.3, from 2025-09-01). */
export function coolingOffHours(amountKopecks: number): number {
  if (amountKopecks > 200_000_00) return 48;
  if (amountKopecks >= 50_000_00) return 4;
  return 0;
}
