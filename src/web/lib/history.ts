/**
 * The history page's reading of the API: the filters kept in the address (`?type=&from=&to=`), the
 * operations grouped by Moscow day, and how a status reads (the same words as the exports).
 */
import { isBusinessDate, moscowDate } from '../../core/dates';
import { OPERATION_STATUS_TEXT, OPERATION_TYPES, type OperationType } from '../../core/operations';
import { type HistoryFilters, type HistoryItem, historyQuery } from './api';
import type { Tone } from './loan-status';

const isOperationType = (value: string): value is OperationType => (OPERATION_TYPES as readonly string[]).includes(value);

/** The filters from the address; anything unknown or malformed is dropped. */
export const filtersFromQuery = (query: URLSearchParams): HistoryFilters => {
  const type = query.get('type') ?? '';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  return {
    type: isOperationType(type) ? type : undefined,
    from: isBusinessDate(from) ? from : undefined,
    to: isBusinessDate(to) ? to : undefined,
  };
};

/** The address of the history with these filters. */
export const historyPath = (filters: HistoryFilters): string => `/history${historyQuery(filters)}`;

export type HistoryDay = { date: string; items: HistoryItem[] };

/** Newest-first operations as runs of one Moscow day each, in the same order. */
export const groupByMoscowDay = (items: HistoryItem[]): HistoryDay[] => {
  const days: HistoryDay[] = [];
  for (const item of items) {
    const date = moscowDate(new Date(item.at));
    const last = days[days.length - 1];
    if (last?.date === date) last.items.push(item);
    else days.push({ date, items: [item] });
  }
  return days;
};

/** «Выполнено», «Ожидает оплаты»: the export's words, capitalised for a badge. */
export const statusText = (status: string): string => {
  const text = OPERATION_STATUS_TEXT[status] ?? status;
  return text.charAt(0).toUpperCase() + text.slice(1);
};

const TONES: Record<string, Tone> = {
  submitted: 'progress',
  approved: 'success',
  declined: 'muted',
  manual_review: 'progress',
  signed: 'success',
  refused: 'muted',
  created: 'progress',
  pending: 'progress',
  succeeded: 'success',
  canceled: 'muted',
  posted: 'neutral',
  closed: 'success',
  awaiting_payment: 'progress',
  applied: 'success',
  void: 'muted',
};

export const statusTone = (status: string): Tone => TONES[status] ?? 'neutral';
