import { describe, expect, it } from 'vitest';
import type { Application, ApplicationStatus } from './api';
import { STATUS_LABELS, isPending, newApplicationBlock } from './application-status';

const application = (status: ApplicationStatus, extra: Partial<Application> = {}): Application => ({
  id: `id-${status}`,
  status,
  product: 'pdl',
  amount: 10_000,
  term: 30,
  createdAt: '2026-11-26T10:00:00.000Z',
  submittedAt: null,
  decidedAt: null,
  questionnaire: {},
  missing: [],
  consents: [],
  offer: null,
  reapplyAfter: null,
  pdnWarningRequired: false,
  ...extra,
});

// 2026-11-26 12:00 in Moscow.
const NOW = new Date('2026-11-26T09:00:00Z');

describe('application statuses', () => {
  it('have a neutral Russian label each, with no reasons', () => {
    expect(STATUS_LABELS).toEqual({
      draft: 'Черновик',
      scoring: 'На проверке',
      approved: 'Одобрена',
      declined: 'Не одобрена',
      manual_review: 'У специалиста',
      signed: 'Договор подписан',
    });
    expect(isPending('scoring')).toBe(true);
    expect(isPending('approved')).toBe(false);
  });
});

describe('whether a new application can start', () => {
  it('can with no applications, a draft or an approval', () => {
    expect(newApplicationBlock([], NOW)).toBeNull();
    expect(newApplicationBlock([application('draft'), application('approved')], NOW)).toBeNull();
  });

  it('cannot while one is being checked', () => {
    const scoring = application('scoring');
    expect(newApplicationBlock([scoring], NOW)).toEqual({ kind: 'scoring', application: scoring });
  });

  it('cannot before a decline’s reapply date (Moscow), and can from that day', () => {
    const declined = application('declined', { reapplyAfter: '2026-12-03' });
    expect(newApplicationBlock([declined], NOW)).toEqual({ kind: 'reapply', after: '2026-12-03' });
    expect(newApplicationBlock([declined], new Date('2026-12-02T20:59:00Z'))).toEqual({ kind: 'reapply', after: '2026-12-03' });
    // 21:00 UTC on the 2nd is midnight of the 3rd in Moscow.
    expect(newApplicationBlock([declined], new Date('2026-12-02T21:00:00Z'))).toBeNull();
  });

  it('takes the latest reapply date of several declines', () => {
    const older = application('declined', { reapplyAfter: '2026-11-30' });
    const newer = application('declined', { reapplyAfter: '2026-12-03' });
    expect(newApplicationBlock([older, newer], NOW)).toEqual({ kind: 'reapply', after: '2026-12-03' });
  });
});
