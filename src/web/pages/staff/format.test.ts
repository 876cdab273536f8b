import { describe, expect, it } from 'vitest';
import { canOpen, checkDetailLines, checkLabel, formatDateTime, formatDay, formatKopecks, formatLateness, formatShortDay, groupSecret, parseWholeRubles, workspaceOf, workspacesFor } from './format';

describe('staff workspaces', () => {
  it('opens to each role only what docs/backoffice.md lists', () => {
    const paths = (roles: string[]) => workspacesFor(roles).map((w) => w.path);
    expect(paths(['support'])).toEqual(['/staff', '/staff/customers', '/staff/tickets', '/staff/deletion']);
    expect(paths(['underwriter'])).toEqual(['/staff', '/staff/applications', '/staff/customers']);
    expect(paths(['collections'])).toEqual(['/staff', '/staff/customers', '/staff/loans', '/staff/pledges']);
    expect(paths(['admin'])).toEqual([
      '/staff',
      '/staff/applications',
      '/staff/customers',
      '/staff/tickets',
      '/staff/deletion',
      '/staff/loans',
      '/staff/pledges',
      '/staff/users',
      '/staff/products',
      '/staff/audit',
    ]);
    expect(paths(['support', 'collections'])).toEqual(['/staff', '/staff/customers', '/staff/tickets', '/staff/deletion', '/staff/loans', '/staff/pledges']);
  });

  it('finds the workspace of a detail page and refuses a role outside it', () => {
    expect(workspaceOf('/staff/tickets/0b6f')?.path).toBe('/staff/tickets');
    expect(workspaceOf('/staff')?.path).toBe('/staff');
    expect(workspaceOf('/staff/ticketsx')).toBeUndefined();
    expect(canOpen(['support'], '/staff/tickets/0b6f')).toBe(true);
    expect(canOpen(['support'], '/staff/users')).toBe(false);
    expect(canOpen(['underwriter'], '/staff/audit')).toBe(false);
    // A page of no workspace (the password change) is open to every member.
    expect(canOpen(['support'], '/staff/password')).toBe(true);
  });
});

describe('staff formatting', () => {
  it('groups a TOTP secret by four', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
    expect(groupSecret('')).toBe('');
  });

  it('shows instants in Moscow time', () => {
    expect(formatDateTime('2026-11-25T21:30:00Z')).toBe('26.11.2026, 00:30');
    expect(formatDateTime(null)).toBe('—');
  });

  it('reads whole rubles as typed', () => {
    expect(parseWholeRubles('50 000')).toBe(50_000);
    expect(parseWholeRubles('50\u00a0000')).toBe(50_000);
    expect(parseWholeRubles('50000,5')).toBeNull();
    expect(parseWholeRubles('')).toBeNull();
    expect(parseWholeRubles('abc')).toBeNull();
  });
});

describe('car checks and pledges in words (issue 10)', () => {
  it('names the car checks in Russian', () => {
    for (const name of ['vehicle_pledges', 'vehicle_restrictions', 'vehicle_valuation', 'car_rules', 'collateral_limit']) {
      expect(checkLabel(name), name).toMatch(/^[А-ЯЁ]/);
    }
  });

  it('reads each car check’s details as sentences; other checks and unknown keys as «key: value»', () => {
    expect(checkDetailLines('vehicle_pledges', { pledged: true, notices: [{ number: '2025-001-123456-789', registeredOn: '2025-03-01', pledgee: 'ООО «Другой банк»' }] })).toEqual([
      'Залог в реестре: есть',
      `Уведомление № 2025-001-123456-789 от ${formatDay('2025-03-01')}, залогодержатель: ООО «Другой банк»`,
    ]);
    expect(checkDetailLines('vehicle_pledges', { pledged: false, notices: [] })).toEqual(['Залог в реестре: нет']);
    expect(checkDetailLines('vehicle_restrictions', { wanted: false, restrictions: ['arrest', 'registration_ban'] })).toEqual([
      'В розыске: нет',
      'Ограничения: арест, запрет регистрационных действий',
    ]);
    expect(checkDetailLines('vehicle_restrictions', { wanted: true, restrictions: [] })).toEqual(['В розыске: да', 'Ограничения: нет']);
    expect(checkDetailLines('vehicle_valuation', { valueKopecks: 40_000_000, source: 'valuation-sandbox', valuedAt: '2026-11-25T09:00:00Z' })).toEqual([
      `Оценка: ${formatKopecks(40_000_000)}`,
      'Источник: valuation-sandbox',
      `Дата оценки: ${formatDay('2026-11-25')}`,
    ]);
    expect(checkDetailLines('car_rules', { reasons: ['Автомобилю к концу займа будет больше 20 лет.'] })).toEqual(['Автомобилю к концу займа будет больше 20 лет.']);
    expect(
      checkDetailLines('collateral_limit', { valuationKopecks: 40_000_000, sharePercent: 60, capRubles: 240_000, requestedRubles: 300_000, approvedRubles: 240_000 }),
    ).toEqual([
      `Оценка: ${formatKopecks(40_000_000)}`,
      'Доля оценки: 60\u00a0%',
      `Не больше: ${formatKopecks(24_000_000)}`,
      `Запрошено: ${formatKopecks(30_000_000)}`,
      `Под залог: ${formatKopecks(24_000_000)}`,
    ]);
    // The order is the readers', whatever order the stored JSON has.
    expect(checkDetailLines('vehicle_valuation', { source: 's', valuedAt: null, valueKopecks: 100 })[0]).toBe(`Оценка: ${formatKopecks(100)}`);
    expect(checkDetailLines('collateral_limit', { approvedRubles: null, extra: 1 })).toEqual(['Под залог: нельзя', 'extra: 1']);
    expect(checkDetailLines('pdn', { pdnPercent: 22.5 })).toEqual(['pdnPercent: 22.5']);
  });

  it('writes a business date short for tables', () => {
    expect(formatShortDay('2026-11-20')).toBe('20.11.2026');
    expect(formatShortDay(null)).toBe('—');
  });

  it('says how late a release is in working and calendar days', () => {
    expect(formatLateness(1, 1)).toBe('1 рабочий день (1 календарный)');
    expect(formatLateness(3, 5)).toBe('3 рабочих дня (5 календарных)');
    expect(formatLateness(0, 2)).toBe('0 рабочих дней (2 календарных)');
  });
});
