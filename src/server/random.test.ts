import { describe, expect, it } from 'vitest';
import { cryptoRandom } from './random';

describe('cryptoRandom (OTP-1, SES-1)', () => {
  it('makes 6-digit codes whose first digit is uniform (chi-square, p > 0.001)', () => {
    const counts = new Array<number>(10).fill(0);
    const samples = 100_000;
    for (let i = 0; i < samples; i += 1) {
      const code = cryptoRandom.otpCode();
      expect(code).toMatch(/^\d{6}$/);
      counts[Number(code[0])]! += 1;
    }
    const expected = samples / 10;
    const chiSquare = counts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: the 0.999 quantile is 27.88.
    expect(chiSquare).toBeLessThan(27.88);
  });

  it('makes 32-byte session tokens without collisions', () => {
    const seen = new Set<string>();
    let wrongLength = 0;
    for (let i = 0; i < 100_000; i += 1) {
      const token = cryptoRandom.sessionToken();
      if (Buffer.from(token, 'base64url').length !== 32) wrongLength += 1;
      seen.add(token);
    }
    expect(wrongLength).toBe(0);
    expect(seen.size).toBe(100_000);
  });
});
