/** How a loan's (and its payments', its schedule's) status reads to its owner, and the badge's colour (a class suffix). */
import type { LoanStatus, PaymentMethod, PaymentStatus, ScheduleStatus } from './api';

export type Tone = 'neutral' | 'progress' | 'success' | 'muted' | 'danger';

export const LOAN_STATUS_LABELS: Record<LoanStatus, string> = {
  cooling_off: 'Можно отказаться',
  disbursing: 'Выплачиваем',
  active: 'Активен',
  refused: 'Вы отказались',
  payout_failed: 'Выплата не прошла',
  closed: 'Погашен',
};

export const LOAN_STATUS_TONES: Record<LoanStatus, Tone> = {
  cooling_off: 'progress',
  disbursing: 'progress',
  active: 'success',
  refused: 'muted',
  payout_failed: 'neutral',
  closed: 'muted',
};

export const PAYMENT_STATUS_LABELS: Record<PaymentStatus, string> = {
  created: 'Создан',
  pending: 'Ожидает оплаты',
  succeeded: 'Зачислен',
  canceled: 'Не прошёл',
};

export const PAYMENT_STATUS_TONES: Record<PaymentStatus, Tone> = {
  created: 'progress',
  pending: 'progress',
  succeeded: 'success',
  canceled: 'muted',
};

export const PAYMENT_METHOD_LABELS: Record<PaymentMethod, string> = {
  card: 'Картой',
  sbp: 'Через СБП',
};

export const SCHEDULE_STATUS_LABELS: Record<ScheduleStatus, string> = {
  paid: 'Оплачен',
  upcoming: 'Предстоит',
  overdue: 'Просрочен',
  partly_paid: 'Оплачен частично',
};

export const SCHEDULE_STATUS_TONES: Record<ScheduleStatus, Tone> = {
  paid: 'success',
  upcoming: 'neutral',
  overdue: 'danger',
  partly_paid: 'progress',
};

/** `14_400` → `4:00:00`, `59` → `0:00:59`. */
export const formatHms = (seconds: number): string => {
  const whole = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
};
