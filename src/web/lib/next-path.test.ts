import { describe, expect, it } from 'vitest';
import { cabinetPathFor } from './loan-choice';
import { safeNextPath } from './next-path';

describe('safeNextPath', () => {
  it.each([
    ['/cabinet', '/cabinet'],
    ['/cabinet?tab=loans#top', '/cabinet?tab=loans#top'],
    ['/cabinet?product=pdl&amount=10000&term=30', '/cabinet?product=pdl&amount=10000&term=30'],
    [null, '/cabinet'],
    ['', '/cabinet'],
    ['cabinet', '/cabinet'],
    ['https://evil.example/', '/cabinet'],
    ['//evil.example/', '/cabinet'],
    ['/\\evil.example/', '/cabinet'],
    ['/\t/evil.example/', '/cabinet'],
    ['/\n/evil.example/', '/cabinet'],
    ['/..//evil.example/', '/cabinet'],
    ['/cabinet\\..\\..\\/evil.example', '/cabinet'],
    ['javascript:alert(1)', '/cabinet'],
    [' /cabinet', '/cabinet'],
  ])('%j → %s', (next, expected) => {
    expect(safeNextPath(next, '/cabinet')).toBe(expected);
  });

  it('keeps the calculator choice that «Получить займ» sends through the login', () => {
    const next = cabinetPathFor({ product: 'installment', amount: 50_000, term: 24 });
    // The login page reads `next` from its own query string, which decodes it once.
    const login = new URL(`/login?next=${encodeURIComponent(next)}`, 'https://carcapital.example');
    expect(safeNextPath(login.searchParams.get('next'), '/cabinet')).toBe('/cabinet?product=installment&amount=50000&term=24');
  });

  it('normalises dot segments but stays on the site', () => {
    expect(safeNextPath('/a/../cabinet?x=1', '/')).toBe('/cabinet?x=1');
  });
});
