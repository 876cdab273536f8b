import { describe, expect, it } from 'vitest';
import { canOpen, formatDateTime, groupSecret, parseWholeRubles, workspaceOf, workspacesFor } from './format';

describe('staff workspaces', () => {
  it('opens to each role only what docs/backoffice.md lists', () => {
    const paths = (roles: string[]) => workspacesFor(roles).map((w) => w.path);
    expect(paths(['support'])).toEqual(['/staff', '/staff/customers', '/staff/tickets', '/staff/deletion']);
    expect(paths(['underwriter'])).toEqual(['/staff', '/staff/applications', '/staff/customers']);
    expect(paths(['collections'])).toEqual(['/staff', '/staff/customers', '/staff/loans']);
    expect(paths(['admin'])).toEqual([
      '/staff',
      '/staff/applications',
      '/staff/customers',
      '/staff/tickets',
      '/staff/deletion',
      '/staff/loans',
      '/staff/users',
      '/staff/products',
      '/staff/audit',
    ]);
    expect(paths(['support', 'collections'])).toEqual(['/staff', '/staff/customers', '/staff/tickets', '/staff/deletion', '/staff/loans']);
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
