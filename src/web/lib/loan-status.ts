/** How a loan's status reads to its owner, and the badge's colour (a class suffix). */
import type { LoanStatus } from './api';

export const LOAN_STATUS_LABELS: Record<LoanStatus, string> = {
  cooling_off: 'Можно отказаться',
  disbursing: 'Выплачиваем',
  active: 'Активен',
  refused: 'Вы отказались',
  payout_failed: 'Выплата не прошла',
  closed: 'Погашен',
};

export const LOAN_STATUS_TONES: Record<LoanStatus, 'neutral' | 'progress' | 'success' | 'muted'> = {
  cooling_off: 'progress',
  disbursing: 'progress',
  active: 'success',
  refused: 'muted',
  payout_failed: 'neutral',
  closed: 'muted',
};

/** `14_400` → `4:00:00`, `59` → `0:00:59`. */
export const formatHms = (seconds: number): string => {
  const whole = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
};
