import { describe, expect, it } from 'vitest';
import { safeNextPath } from './next-path';

describe('safeNextPath', () => {
  it.each([
    ['/cabinet', '/cabinet'],
    ['/cabinet?tab=loans#top', '/cabinet?tab=loans#top'],
    [null, '/cabinet'],
    ['', '/cabinet'],
    ['cabinet', '/cabinet'],
    ['https://evil.example/', '/cabinet'],
    ['//evil.example/', '/cabinet'],
    ['/\\evil.example/', '/cabinet'],
  ])('%s → %s', (next, expected) => {
    expect(safeNextPath(next, '/cabinet')).toBe(expected);
  });
});
