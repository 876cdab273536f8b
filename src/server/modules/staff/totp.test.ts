import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUrl, totp, TOTP_STEP_MS } from './totp';

// RFC 6238 appendix B, SHA-1 column: the 20-byte ASCII key "12345678901234567890", 8-digit codes;
// our codes are the last 6 digits of the same truncation.
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890', 'ascii'));
const RFC_VECTORS: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(RFC_VECTORS)('at %i s gives the RFC code', (seconds, eight) => {
    expect(totp(RFC_SECRET, seconds * 1000)).toBe(eight.slice(-6));
  });

  it('RFC 4226 HOTP vectors', () => {
    const secret = Buffer.from('12345678901234567890', 'ascii');
    expect([0, 1, 2, 9].map((c) => hotp(secret, c))).toEqual(['755224', '287082', '359152', '520489']);
  });

  it('base32 round-trips any bytes', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 255));
      expect(base32Decode(base32Encode(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('accepts the previous, current and next step, nothing further', () => {
    const at = 1_800_000_000_000;
    const step = Math.floor(at / TOTP_STEP_MS);
    for (const offset of [-1, 0, 1]) {
      expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, at + offset * TOTP_STEP_MS), at, null)).toBe(step + offset);
    }
    for (const offset of [-3, -2, 2, 3]) {
      expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, at + offset * TOTP_STEP_MS), at, null)).toBeNull();
    }
  });

  it('a code whose step was used is refused (replay)', () => {
    const at = 1_800_000_000_000;
    const code = totp(RFC_SECRET, at);
    const step = matchTotp(RFC_SECRET, code, at, null);
    expect(step).not.toBeNull();
    expect(matchTotp(RFC_SECRET, code, at, step)).toBeNull();
    expect(matchTotp(RFC_SECRET, code, at + 1000, step)).toBeNull();
  });

  it('refuses anything but six digits', () => {
    for (const code of ['', '12345', '1234567', 'abcdef', ' 123456']) expect(matchTotp(RFC_SECRET, code, 0, null)).toBeNull();
  });

  it('builds the otpauth URL authenticator apps read', () => {
    const url = new URL(otpauthUrl({ issuer: 'CarCapital', account: 'a@b.ru', secretBase32: 'ABC' }));
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe('ABC');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/CarCapital:a@b.ru');
  });
});
