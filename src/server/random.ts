import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/**
 * Randomness as a dependency: production uses the CSPRNG; tests may inject a seeded source.
 * `Math.random` is banned by lint (OTP-1).
 */
export type Random = {
  uuid: () => string;
  /** A 6-digit one-time code, zero-padded, uniform over 000000–999999. */
  otpCode: () => string;
  /** An opaque session token: 32 random bytes, base64url. */
  sessionToken: () => string;
  /** Raw random bytes (TOTP secrets, temporary passwords). */
  bytes: (count: number) => Buffer;
};

export const cryptoRandom: Random = {
  uuid: () => randomUUID(),
  otpCode: () => randomInt(0, 1_000_000).toString().padStart(6, '0'),
  sessionToken: () => randomBytes(32).toString('base64url'),
  bytes: (count) => randomBytes(count),
};
