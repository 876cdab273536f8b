import { describe, expect, it } from 'vitest';
import type { HistoryItem } from './api';
import { filtersFromQuery, groupByMoscowDay, historyPath, statusText } from './history';

const item = (id: string, at: string): HistoryItem => ({ id, at, type: 'payment', title: 'Платёж', amountKopecks: 100, status: 'succeeded', loanId: null });

describe('history filters in the address', () => {
  it('keeps known types and real dates, drops the rest', () => {
    expect(filtersFromQuery(new URLSearchParams('type=payment&from=2026-11-01&to=2026-11-30'))).toEqual({
      type: 'payment',
      from: '2026-11-01',
      to: '2026-11-30',
    });
    expect(filtersFromQuery(new URLSearchParams('type=bogus&from=2026-02-30&to=yesterday'))).toEqual({ type: undefined, from: undefined, to: undefined });
  });

  it('writes only the filters that are set', () => {
    expect(historyPath({})).toBe('/history');
    expect(historyPath({ type: 'payment', to: '2026-11-30' })).toBe('/history?type=payment&to=2026-11-30');
  });
});

describe('history by day', () => {
  it('groups by the Moscow date, not the UTC one', () => {
    const days = groupByMoscowDay([item('c', '2026-11-26T08:00:00Z'), item('b', '2026-11-25T21:30:00Z'), item('a', '2026-11-25T20:59:00Z')]);
    expect(days.map((day) => [day.date, day.items.map((i) => i.id)])).toEqual([
      ['2026-11-26', ['c', 'b']],
      ['2026-11-25', ['a']],
    ]);
  });

  it('reads statuses in Russian', () => {
    expect(statusText('succeeded')).toBe('Выполнено');
    expect(statusText('awaiting_payment')).toBe('Ждёт оплаты');
    expect(statusText('unknown_code')).toBe('Unknown_code');
  });
});
