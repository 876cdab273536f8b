import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS } from '../../core/pricing/products';
import type { Pledge } from './api';
import { collateralSummary, describePledge, formatRuDate, formatWorkingDays } from './car-loan';

const car = DEFAULT_PRODUCTS.find((product) => product.code === 'car')!;
/** Figures and dates keep their parts together with no-break spaces; compared here as plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

const pledge = (overrides: Partial<Pledge> = {}): Pledge => ({
  status: 'registered',
  vehicle: { make: 'LADA', model: 'Vesta', year: 2020, plate: 'А123ВС777' },
  noticeNumber: '2026-012-345678-901',
  registeredAt: '2026-11-26T21:30:00.000Z',
  release: null,
  ...overrides,
});

describe('the valuation behind a car loan', () => {
  it('names the valuation and the share of it, on the product grid', () => {
    expect(plain(collateralSummary({ valuationKopecks: 40_000_000, sharePercent: 70 }, car))).toBe(
      'Оценка автомобиля: 400 000 ₽. Одобрено до 70 % оценки: 280 000 ₽',
    );
    // 70 % of 412 345,67 ₽ is 288 641,97 ₽: down to the 10 000 ₽ grid.
    expect(plain(collateralSummary({ valuationKopecks: 41_234_567, sharePercent: 70 }, car))).toBe(
      'Оценка автомобиля: 412 345,67 ₽. Одобрено до 70 % оценки: 280 000 ₽',
    );
    expect(plain(collateralSummary({ valuationKopecks: 41_234_567, sharePercent: 70 }, undefined))).toBe(
      'Оценка автомобиля: 412 345,67 ₽. Одобрено до 70 % оценки: 288 641 ₽',
    );
  });
});

describe('dates and working days', () => {
  it('writes dates as dd.mm.yyyy, instants by the Moscow date', () => {
    expect(formatRuDate('2026-12-03')).toBe('03.12.2026');
    expect(formatRuDate('2026-11-26T21:30:00.000Z')).toBe('27.11.2026');
    expect(formatRuDate('nonsense')).toBe('');
  });

  it('counts working days in Russian', () => {
    expect(plain(formatWorkingDays(1))).toBe('1 рабочий день');
    expect(plain(formatWorkingDays(3))).toBe('3 рабочих дня');
    expect(plain(formatWorkingDays(5))).toBe('5 рабочих дней');
  });
});

describe('where the pledge stands', () => {
  it('registering: in progress', () => {
    const text = describePledge(pledge({ status: 'registering', noticeNumber: null, registeredAt: null }));
    expect(text).toMatchObject({ tone: 'progress', busy: true, title: 'Регистрируем залог в реестре нотариата…', late: false });
  });

  it('registered: the notice number, its date and the car', () => {
    const text = describePledge(pledge());
    expect(plain(text.title)).toBe('Залог зарегистрирован, № 2026-012-345678-901 от 27.11.2026');
    expect(plain(text.details[0]!)).toBe('Автомобиль: LADA Vesta, 2020 г., госномер А123ВС777.');
    expect(text.tone).toBe('success');
  });

  it('releasing: the deadline and the working days left', () => {
    const release = { endedOn: '2026-11-30', dueOn: '2026-12-03', progress: 'due' as const, workingDaysLeft: 2, releaseNumber: null, releasedAt: null };
    const text = describePledge(pledge({ status: 'releasing', release }));
    expect(plain(text.title)).toBe('Займ погашен. Подаём уведомление об исключении залога — до 03.12.2026');
    expect(plain(text.details[0]!)).toMatch(/^Осталось 2 рабочих дня/);
    expect(plain(describePledge(pledge({ status: 'releasing', release: { ...release, workingDaysLeft: 1 } })).details[0]!)).toMatch(/^Остался 1 рабочий день/);
    expect(describePledge(pledge({ status: 'releasing', release: { ...release, workingDaysLeft: 0 } })).details[0]).toMatch(/^Сегодня последний день/);
  });

  it('overdue: says honestly that we are late, and offers support', () => {
    const release = { endedOn: '2026-11-30', dueOn: '2026-12-03', progress: 'overdue' as const, workingDaysLeft: -1, releaseNumber: null, releasedAt: null };
    const text = describePledge(pledge({ status: 'releasing', release }));
    expect(text).toMatchObject({ tone: 'danger', late: true });
    expect(plain(text.title)).toBe('Займ погашен, но мы опаздываем: уведомление об исключении залога нужно было подать до 03.12.2026');
    expect(plain(text.details.join(' '))).toContain('Опоздание — 1 рабочий день.');
    expect(text.details.join(' ')).toContain('поддержку');
  });

  it('released: the release notice, its date and the deadline it kept', () => {
    const release = {
      endedOn: '2026-11-30',
      dueOn: '2026-12-03',
      progress: 'filed_on_time' as const,
      workingDaysLeft: 0,
      releaseNumber: '2026-012-345678-999',
      releasedAt: '2026-12-01T08:00:00.000Z',
    };
    const text = describePledge(pledge({ status: 'released', release }));
    expect(plain(text.title)).toBe('Залог снят: уведомление № 2026-012-345678-999 от 01.12.2026 (срок — до 03.12.2026)');
    expect(text.late).toBe(false);
    const late = describePledge(pledge({ status: 'released', release: { ...release, progress: 'filed_late' } }));
    expect(late.details[0]).toBe('Мы подали уведомление позже срока — приносим извинения.');
  });
});
