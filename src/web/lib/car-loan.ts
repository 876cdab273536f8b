/**
 * Words for a loan secured by a car: the valuation behind an approval, and where the pledge stands
 * in the notaries' registry (registration at signing, release within 3 working days of repayment,
 * п. 4 ст. 339.1 ГК РФ). Pure, no DOM (car-loan.test.ts).
 */
import { moscowDate } from '../../core/dates';
import { formatRubles } from '../../core/money';
import type { Product } from '../../core/pricing/products';
import { collateralLimitRubles } from '../../core/vehicle/collateral-limit';
import type { Collateral, Pledge } from './api';
import { isoToRuDate } from './masks';
import { formatInteger, pluralRu } from './loan-format';

const NBSP = '\u00a0';

/**
 * «Оценка автомобиля: 400 000 ₽. Одобрено до 70 % оценки: 280 000 ₽». The limit is the share of the
 * valuation on the product's amount grid, as the decision computes it (core collateralLimitRubles).
 */
export const collateralSummary = (collateral: Collateral, product: Pick<Product, 'amount'> | undefined): string => {
  const { valuationKopecks, sharePercent } = collateral;
  const capRubles = product
    ? collateralLimitRubles({ valuationKopecks, sharePercent, product, requestedRubles: product.amount.minRubles }).capRubles
    : Math.floor((valuationKopecks * sharePercent) / 10_000);
  return `Оценка автомобиля: ${formatRubles(valuationKopecks)}. Одобрено до ${formatInteger(sharePercent)}${NBSP}% оценки: ${formatRubles(capRubles * 100)}`;
};

/** A date (YYYY-MM-DD) or an instant (ISO) as the Moscow date «03.12.2026»; '' for anything else. */
export const formatRuDate = (value: string): string => {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return isoToRuDate(value);
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? '' : isoToRuDate(moscowDate(instant));
};

/** 1 → «1 рабочий день», 2 → «2 рабочих дня», 5 → «5 рабочих дней». */
export const formatWorkingDays = (n: number): string =>
  `${formatInteger(n)}${NBSP}${pluralRu(n, 'рабочий день', 'рабочих дня', 'рабочих дней')}`;

/** «LADA Vesta, 2020 г., госномер А123ВС77». */
export const formatPledgedCar = (vehicle: Pledge['vehicle']): string =>
  `${vehicle.make} ${vehicle.model}, ${vehicle.year}${NBSP}г., госномер ${vehicle.plate}`;

export type PledgeTone = 'progress' | 'success' | 'danger' | 'muted';

export type PledgeDescription = {
  tone: PledgeTone;
  /** Something is being done now (a progress indicator is shown). */
  busy: boolean;
  /** The one sentence that says where the pledge stands. */
  title: string;
  /** What else to know, a sentence each. */
  details: string[];
  /** We are late with the release: the way to support is offered. */
  late: boolean;
};

/** Where the pledge stands, in the borrower's words. */
export const describePledge = (pledge: Pledge): PledgeDescription => {
  const car = formatPledgedCar(pledge.vehicle);
  const release = pledge.release;
  switch (pledge.status) {
    case 'registering':
      return {
        tone: 'progress',
        busy: true,
        title: 'Регистрируем залог в реестре нотариата…',
        details: [`Автомобиль: ${car}.`, 'Обычно это занимает несколько минут — страница обновится сама. Машина остаётся у вас.'],
        late: false,
      };
    case 'registered': {
      const number = pledge.noticeNumber ? `, №${NBSP}${pledge.noticeNumber}` : '';
      const date = pledge.registeredAt ? ` от ${formatRuDate(pledge.registeredAt)}` : '';
      return {
        tone: 'success',
        busy: false,
        title: `Залог зарегистрирован${number}${date}`,
        details: [`Автомобиль: ${car}.`, 'Машина остаётся у вас. Когда заём будет погашен, мы снимем залог в течение 3 рабочих дней.'],
        late: false,
      };
    }
    case 'releasing': {
      if (!release) {
        return { tone: 'progress', busy: true, title: 'Займ погашен. Подаём уведомление об исключении залога', details: [`Автомобиль: ${car}.`], late: false };
      }
      const due = formatRuDate(release.dueOn);
      if (release.progress === 'overdue') {
        const late = Math.abs(release.workingDaysLeft);
        return {
          tone: 'danger',
          busy: true,
          title: `Займ погашен, но мы опаздываем: уведомление об исключении залога нужно было подать до ${due}`,
          details: [
            `${late > 0 ? `Опоздание — ${formatWorkingDays(late)}. ` : ''}Приносим извинения: подаём уведомление как можно скорее.`,
            'Если залог мешает продать или переоформить машину, напишите в поддержку — поможем.',
          ],
          late: true,
        };
      }
      const left = release.workingDaysLeft;
      return {
        tone: 'progress',
        busy: true,
        title: `Займ погашен. Подаём уведомление об исключении залога — до ${due}`,
        details: [
          left > 0
            ? `${pluralRu(left, 'Остался', 'Осталось', 'Осталось')} ${formatWorkingDays(left)}: закон даёт на это 3 рабочих дня после погашения.`
            : 'Сегодня последний день срока: закон даёт на это 3 рабочих дня после погашения.',
          `Автомобиль: ${car}.`,
        ],
        late: false,
      };
    }
    case 'released': {
      const number = release?.releaseNumber ? ` №${NBSP}${release.releaseNumber}` : '';
      const date = release?.releasedAt ? ` от ${formatRuDate(release.releasedAt)}` : '';
      const due = release ? ` (срок — до ${formatRuDate(release.dueOn)})` : '';
      return {
        tone: 'success',
        busy: false,
        title: `Залог снят: уведомление${number}${date}${due}`,
        details: [
          ...(release?.progress === 'filed_late' ? ['Мы подали уведомление позже срока — приносим извинения.'] : []),
          `Автомобиль: ${car}. Проверить можно на reestr-zalogov.ru по VIN.`,
        ],
        late: release?.progress === 'filed_late',
      };
    }
    case 'cancelled':
      return {
        tone: 'muted',
        busy: false,
        title: 'Залог не оформлялся',
        details: ['Заём не выдан, поэтому автомобиль не в залоге.'],
        late: false,
      };
  }
};
