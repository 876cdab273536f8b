import type { Kysely } from 'kysely';
import type { DB, OperationType } from '../../db/schema';
import { AppError } from '../../errors';
import { OPERATION_STATUS_TEXT, OPERATION_TYPES } from '../../../core/operations';
import type { Actor } from '../auth/auth.service';
import { renderDocumentPdf } from '../contracts/pdf';

/**
 * The customer's operation history, newest first, by keyset pagination on (at, id): a page costs
 * the same however deep it is and never skips or repeats a row when new ones arrive.
 */

export const HISTORY_TYPES = OPERATION_TYPES;

export type HistoryQuery = { cursor?: string | undefined; type?: OperationType | undefined; from?: string | undefined; to?: string | undefined; limit?: number | undefined };

export type HistoryItem = { id: string; at: string; type: OperationType; title: string; amountKopecks: number | null; status: string | null; loanId: string | null };

const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  if (!id || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) || Number.isNaN(date.getTime())) {
    throw new AppError('validation_failed', undefined, { fields: { cursor: 'Ссылка на страницу устарела: откройте историю заново.' } });
  }
  return { at: date, id };
}

/** Business dates are Moscow days: a period [from, to] covers from 00:00 MSK to the end of `to`. */
const moscowStart = (date: string) => new Date(`${date}T00:00:00+03:00`);

export async function history(db: Kysely<DB>, actor: Actor, query: HistoryQuery): Promise<{ items: HistoryItem[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  let select = db.selectFrom('operations').selectAll().where('customer_id', '=', actor.customerId);
  if (query.type) select = select.where('type', '=', query.type);
  if (query.from) select = select.where('at', '>=', moscowStart(query.from));
  if (query.to) select = select.where('at', '<', new Date(moscowStart(query.to).getTime() + 86_400_000));
  if (query.cursor) {
    const { at, id } = decodeCursor(query.cursor);
    select = select.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
  }
  const rows = await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      type: row.type,
      title: row.title,
      amountKopecks: row.amount_kopecks,
      status: row.status,
      loanId: row.loan_id,
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null,
  };
}

const csvCell = (value: string) => {
  // A leading = + - @ would make a spreadsheet run the cell as a formula (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[";\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** Every row of the (filtered) history as text cells: Moscow time, title, rubles, status. */
async function historyRows(db: Kysely<DB>, actor: Actor, query: Omit<HistoryQuery, 'cursor' | 'limit'>): Promise<string[][]> {
  const rows: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await history(db, actor, { ...query, cursor, limit: 500 });
    for (const item of page.items) {
      const when = new Date(item.at).toLocaleString('ru-RU', { timeZone: 'Europe/Moscow' });
      const amount = item.amountKopecks === null ? '' : kopecksAsRubles(item.amountKopecks);
      rows.push([when, item.title, amount, item.status ? (OPERATION_STATUS_TEXT[item.status] ?? item.status) : '']);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

/** Integer kopecks → "1234,56" without floating point. */
const kopecksAsRubles = (kopecks: number) => `${Math.trunc(kopecks / 100)},${String(Math.abs(kopecks % 100)).padStart(2, '0')}`;

const COLUMNS = ['Дата и время (МСК)', 'Операция', 'Сумма, ₽', 'Статус'];

/** The whole (filtered) history as CSV for Excel: UTF-8 with BOM, «;» separated, amounts in rubles. */
export async function historyCsv(db: Kysely<DB>, actor: Actor, query: Omit<HistoryQuery, 'cursor' | 'limit'>): Promise<string> {
  const lines = [COLUMNS.join(';'), ...(await historyRows(db, actor, query)).map((row) => row.map(csvCell).join(';'))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export async function historyPdf(db: Kysely<DB>, actor: Actor, query: Omit<HistoryQuery, 'cursor' | 'limit'>, now: Date): Promise<Buffer> {
  const rows = await historyRows(db, actor, query);
  const period = query.from || query.to ? `${query.from ?? 'начала'} — ${query.to ?? 'сегодня'}` : 'вся история';
  return renderDocumentPdf({
    title: 'История операций',
    heading: 'История операций в CarCapital',
    facts: [
      ['Период', period],
      ['Операций', String(rows.length)],
    ],
    table: { columns: COLUMNS, widths: [105, 250, 70, 74], rows },
    footer: `Выписка сформирована ${now.toLocaleString('ru-RU', { timeZone: 'Europe/Moscow' })} по данным учёта CarCapital.`,
    createdAt: now,
  });
}
