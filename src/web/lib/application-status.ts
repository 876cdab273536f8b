/**
 * How an application's status reads to its owner. Neutral wording: a decline is «Не одобрена», never
 * with a reason (353-ФЗ ст. 7 ч. 5, DOMAIN R9). Pure (unit-tested in application-status.test.ts).
 */
import { moscowDate } from '../../core/dates';
import type { Application, ApplicationStatus } from './api';

export const STATUS_LABELS: Record<ApplicationStatus, string> = {
  draft: 'Черновик',
  scoring: 'На проверке',
  approved: 'Одобрена',
  declined: 'Не одобрена',
  manual_review: 'У специалиста',
  signed: 'Договор подписан',
};

/** The badge's colour: a class suffix. */
export const STATUS_TONES: Record<ApplicationStatus, 'neutral' | 'progress' | 'success' | 'muted'> = {
  draft: 'neutral',
  scoring: 'progress',
  approved: 'success',
  declined: 'muted',
  manual_review: 'progress',
  signed: 'success',
};

/** Still waiting for a decision (the page keeps asking). */
export const isPending = (status: ApplicationStatus): boolean => status === 'scoring' || status === 'manual_review';

/**
 * Whether a new application makes sense today, and if not why: one is still being checked, or
 * the last decline's reapply date has not come yet (a new one would be declined at once).
 */
export const newApplicationBlock = (
  applications: readonly Application[],
  now: Date,
): { kind: 'scoring'; application: Application } | { kind: 'reapply'; after: string } | null => {
  const scoring = applications.find((a) => a.status === 'scoring');
  if (scoring) return { kind: 'scoring', application: scoring };
  const today = moscowDate(now);
  const waiting = applications
    .filter((a) => a.status === 'declined' && a.reapplyAfter !== null && a.reapplyAfter > today)
    .map((a) => a.reapplyAfter as string)
    .sort();
  const latest = waiting[waiting.length - 1];
  return latest ? { kind: 'reapply', after: latest } : null;
};
