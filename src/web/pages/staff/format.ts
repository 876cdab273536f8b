/**
 * The back office's wording and reading: roles and the workspaces they open (docs/backoffice.md
 * «Roles»), check names, audit actions, dates and times in Moscow, a TOTP secret in groups of four.
 * Pure functions (unit-tested in format.test.ts).
 */
import { moscowDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import { DEFAULT_PRODUCTS } from '../../../core/pricing/products';
import { formatDate, formatInteger, formatTermAccusative, pluralRu } from '../../lib/loan-format';
import type { Tone } from '../../lib/loan-status';
import type { Role } from './staff-api';

export const ROLE_LABELS: Record<Role, string> = {
  support: 'Поддержка',
  underwriter: 'Андеррайтер',
  collections: 'Взыскание',
  admin: 'Администратор',
  compliance: 'Комплаенс',
};

export const rolesText = (roles: readonly string[]): string => roles.map((role) => ROLE_LABELS[role as Role] ?? role).join(', ');

export type Workspace = { path: string; label: string; roles: readonly Role[] };

/** The nav, in this order; each opens to the roles the server lets use its routes. */
export const WORKSPACES: readonly Workspace[] = [
  { path: '/staff', label: 'Сводка', roles: ['support', 'underwriter', 'collections', 'admin', 'compliance'] },
  { path: '/staff/applications', label: 'Заявки', roles: ['underwriter', 'admin'] },
  { path: '/staff/customers', label: 'Клиенты', roles: ['support', 'underwriter', 'collections', 'admin'] },
  { path: '/staff/tickets', label: 'Обращения', roles: ['support', 'admin'] },
  { path: '/staff/deletion', label: 'Удаление аккаунтов', roles: ['support', 'admin'] },
  { path: '/staff/loans', label: 'Займы и платежи', roles: ['collections', 'admin'] },
  { path: '/staff/pledges', label: 'Залоги', roles: ['collections', 'admin'] },
  { path: '/staff/users', label: 'Сотрудники', roles: ['admin'] },
  { path: '/staff/products', label: 'Продукты и акции', roles: ['admin'] },
  { path: '/staff/audit', label: 'Журнал аудита', roles: ['admin'] },
  { path: '/staff/retention', label: 'Хранение данных', roles: ['compliance'] },
];

const hasAny = (roles: readonly string[], allowed: readonly Role[]) => allowed.some((role) => roles.includes(role));

export const workspacesFor = (roles: readonly string[]): Workspace[] => WORKSPACES.filter((workspace) => hasAny(roles, workspace.roles));

/** The workspace a path belongs to (`/staff/tickets/…` → tickets), or undefined. */
export const workspaceOf = (path: string): Workspace | undefined => {
  if (path === '/staff') return WORKSPACES[0];
  return WORKSPACES.find((workspace) => workspace.path !== '/staff' && (path === workspace.path || path.startsWith(`${workspace.path}/`)));
};

export const canOpen = (roles: readonly string[], path: string): boolean => {
  const workspace = workspaceOf(path);
  return workspace === undefined || hasAny(roles, workspace.roles);
};

export const isAdmin = (roles: readonly string[]): boolean => roles.includes('admin');

/** `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP`: easier to type into an app by hand. */
export const groupSecret = (secret: string): string => (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');

const dateTimeFormat = new Intl.DateTimeFormat('ru-RU', {
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/Moscow',
});

/** An instant in Moscow time, short for tables: «25.11.2026, 09:05»; «—» for none. */
export const formatDateTime = (iso: string | null | undefined): string => {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
};

/** A business date (`YYYY-MM-DD`) or an instant's Moscow date: «25 ноября 2026 г.»; «—» for none. */
export const formatDay = (value: string | null | undefined): string => {
  if (!value) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDate(value);
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? value : formatDate(moscowDate(instant));
};

/** A business date, short for tables: `2026-11-25` → «25.11.2026»; «—» for none. */
export const formatShortDay = (value: string | null | undefined): string =>
  value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value.split('-').reverse().join('.') : formatDay(value);

export const formatKopecks = (kopecks: number | null | undefined): string =>
  typeof kopecks === 'number' && Number.isFinite(kopecks) ? formatRubles(kopecks) : '—';

export const formatRublesWhole = (rubles: number | null | undefined): string =>
  typeof rubles === 'number' && Number.isFinite(rubles) ? formatRubles(Math.round(rubles * 100)) : '—';

export const productName = (code: string | null | undefined): string =>
  (code && DEFAULT_PRODUCTS.find((product) => product.code === code)?.name) || code || '—';

/** «30 дней», «24 недели»: the term in the product's unit. */
export const formatProductTerm = (code: string | null | undefined, term: number | null | undefined): string => {
  if (typeof term !== 'number') return '—';
  const product = DEFAULT_PRODUCTS.find((p) => p.code === code);
  return product ? formatTermAccusative(term, product.term.unit) : String(term);
};

/** The first of `keys` that `record` has with a value: the card's lists are read leniently. */
export const pick = <T = unknown>(record: Record<string, unknown> | null | undefined, ...keys: string[]): T | undefined => {
  if (!record) return undefined;
  for (const key of keys) {
    const value = record[key];
    if (value !== undefined && value !== null && value !== '') return value as T;
  }
  return undefined;
};

export const CHECK_LABELS: Record<string, string> = {
  passport: 'Паспорт (МВД)',
  self_ban: 'Самозапрет на кредиты',
  bankruptcy: 'Банкротство',
  overdue: 'Просрочки',
  own_history: 'Наши прошлые заявки',
  pricing: 'Расчёт условий',
  expensive_loans_545fz: 'Дорогие займы (545-ФЗ)',
  pdn: 'ПДН',
  thin_file: 'Кредитная история',
  credit_history_consent: 'Согласие на запрос в бюро',
  providers: 'Ответы бюро и МВД',
  underwriter: 'Решение специалиста',
  vehicle_pledges: 'Залоги автомобиля (реестр нотариата)',
  vehicle_restrictions: 'Розыск и ограничения (ГИБДД)',
  vehicle_valuation: 'Оценка автомобиля',
  car_rules: 'Требования к автомобилю',
  collateral_limit: 'Сумма под залог',
};

export const checkLabel = (name: string): string => CHECK_LABELS[name] ?? name;

export const OUTCOME_LABELS: Record<string, string> = {
  pass: 'Пройдена',
  fail: 'Не пройдена',
  refer: 'Нужно решение специалиста',
  error: 'Ошибка проверки',
};

export const OUTCOME_TONES: Record<string, Tone> = { pass: 'success', fail: 'danger', refer: 'progress', error: 'danger' };

/** A reason for manual review: a check's name in Russian, or the text as the server sent it. */
export const reasonText = (reason: string): string => CHECK_LABELS[reason] ?? reason;

/** A check's details as «key: value» lines (numbers and flags as they are, objects as JSON). */
export const detailLines = (details: Record<string, unknown> | null | undefined): string[] =>
  Object.entries(details ?? {}).map(([key, value]) => `${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`);

export const RESTRICTION_LABELS: Record<string, string> = {
  wanted: 'розыск',
  arrest: 'арест',
  registration_ban: 'запрет регистрационных действий',
};

const yesNo = (value: unknown): string => (value === true ? 'да' : value === false ? 'нет' : '—');
const rublesOf = (value: unknown): string => (typeof value === 'number' ? formatRublesWhole(value) : '—');
const kopecksOf = (value: unknown): string => (typeof value === 'number' ? formatKopecks(value) : '—');
const percentOf = (value: unknown): string => (typeof value === 'number' ? `${formatInteger(value)}\u00a0%` : '—');
const textOf = (value: unknown): string => (typeof value === 'string' && value !== '' ? value : '—');

type Reader = (value: unknown) => string | string[] | null;

/** The car checks' details in words (issue 10); a key not listed here falls back to «key: value». */
const CAR_CHECK_DETAILS: Record<string, Record<string, Reader>> = {
  vehicle_pledges: {
    pledged: (value) => `Залог в реестре: ${value === true ? 'есть' : value === false ? 'нет' : '—'}`,
    notices: (value) =>
      Array.isArray(value)
        ? value.map((notice: Record<string, unknown> | null) => {
            const pledgee = typeof notice?.pledgee === 'string' && notice.pledgee ? `, залогодержатель: ${notice.pledgee}` : '';
            return `Уведомление № ${textOf(notice?.number)} от ${formatDay(typeof notice?.registeredOn === 'string' ? notice.registeredOn : null)}${pledgee}`;
          })
        : null,
  },
  vehicle_restrictions: {
    wanted: (value) => `В розыске: ${yesNo(value)}`,
    restrictions: (value) =>
      Array.isArray(value) ? `Ограничения: ${value.length ? value.map((r) => labelOf(RESTRICTION_LABELS, r)).join(', ') : 'нет'}` : null,
  },
  vehicle_valuation: {
    valueKopecks: (value) => `Оценка: ${kopecksOf(value)}`,
    source: (value) => `Источник: ${textOf(value)}`,
    valuedAt: (value) => `Дата оценки: ${formatDay(typeof value === 'string' ? value : null)}`,
    reason: () => 'Оценки нет: сервис не знает цену этого автомобиля',
  },
  car_rules: {
    reasons: (value) => (Array.isArray(value) ? value.map((reason) => String(reason)) : null),
  },
  collateral_limit: {
    valuationKopecks: (value) => `Оценка: ${kopecksOf(value)}`,
    sharePercent: (value) => `Доля оценки: ${percentOf(value)}`,
    capRubles: (value) => `Не больше: ${rublesOf(value)}`,
    requestedRubles: (value) => `Запрошено: ${rublesOf(value)}`,
    approvedRubles: (value) => `Под залог: ${value === null ? 'нельзя' : rublesOf(value)}`,
    reason: (value) => textOf(value),
  },
};

/** A check's details for people: the car checks in Russian words, any other check as «key: value» lines. */
export const checkDetailLines = (name: string, details: Record<string, unknown> | null | undefined): string[] => {
  const readers = CAR_CHECK_DETAILS[name];
  if (!readers) return detailLines(details);
  const given = details ?? {};
  // In the readers' order (the stored JSON's key order is the database's), then the unknown keys.
  const keys = [...Object.keys(readers).filter((key) => Object.hasOwn(given, key)), ...Object.keys(given).filter((key) => !Object.hasOwn(readers, key))];
  const lines: string[] = [];
  for (const key of keys) {
    const read = Object.hasOwn(readers, key) ? readers[key]!(given[key]) : null;
    if (read === null) lines.push(...detailLines({ [key]: given[key] }));
    else lines.push(...(Array.isArray(read) ? read : [read]));
  }
  return lines;
};

export const PHOTO_KIND_LABELS: Record<string, string> = {
  front: 'Спереди',
  back: 'Сзади',
  left: 'Слева',
  right: 'Справа',
  odometer: 'Одометр',
  vin_plate: 'Табличка с VIN',
  pts_page: 'Страница ПТС',
};

export const PLEDGE_STATUS_LABELS: Record<string, string> = {
  registering: 'Регистрируется',
  registered: 'В реестре',
  releasing: 'Снимается',
  released: 'Снят',
  cancelled: 'Отменён',
};

export const PLEDGE_STATUS_TONES: Record<string, Tone> = {
  registering: 'progress',
  registered: 'neutral',
  releasing: 'progress',
  released: 'success',
  cancelled: 'muted',
};

/** «3 рабочих дня (5 календарных)»: how late a release is. */
export const formatLateness = (workingDays: number, days: number): string =>
  `${formatInteger(workingDays)} ${pluralRu(workingDays, 'рабочий день', 'рабочих дня', 'рабочих дней')} (${formatInteger(days)} ${pluralRu(days, 'календарный', 'календарных', 'календарных')})`;

export const APPLICATION_STATUS_LABELS: Record<string, string> = {
  draft: 'Черновик',
  scoring: 'На проверке',
  approved: 'Одобрена',
  declined: 'Отказ',
  manual_review: 'Ручная проверка',
  signed: 'Подписан договор',
};

export const LOAN_STATUS_LABELS: Record<string, string> = {
  cooling_off: 'Период охлаждения',
  disbursing: 'Выплата',
  active: 'Активен',
  refused: 'Отказ клиента',
  payout_failed: 'Выплата не прошла',
  closed: 'Погашен',
};

export const PAYMENT_STATUS_LABELS: Record<string, string> = {
  created: 'Создан',
  pending: 'Ожидает оплаты',
  succeeded: 'Зачислен',
  canceled: 'Отменён',
};

export const CONSENT_LABELS: Record<string, string> = {
  personal_data: 'Обработка персональных данных',
  credit_history: 'Запрос кредитной истории',
  simple_signature: 'Простая электронная подпись',
  marketing: 'Реклама и рассылки',
};

export const REVEAL_LABELS: Record<'phone' | 'passport' | 'inn' | 'address' | 'email' | 'pts' | 'sts', string> = {
  phone: 'Телефон',
  passport: 'Паспорт',
  inn: 'ИНН',
  address: 'Адрес',
  email: 'E-mail',
  pts: 'Номер ПТС',
  sts: 'Номер СТС',
};

/** A label from a table, or the raw value when the table lacks it. */
export const labelOf = (table: Record<string, string>, value: unknown): string =>
  typeof value === 'string' ? (table[value] ?? value) : value === undefined || value === null ? '—' : String(value);

/** Whole rubles typed by a person («50 000», «50000») → 50000; null when not a whole number. */
export const parseWholeRubles = (text: string): number | null => {
  const clean = text.replace(/[\s\u00a0\u202f]/g, '');
  if (!/^\d{1,9}$/.test(clean)) return null;
  return Number(clean);
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const isEmail = (text: string): boolean => EMAIL.test(text.trim());

export const PASSWORD_MIN = 12;
export const REVEAL_REASON_MIN = 10;
