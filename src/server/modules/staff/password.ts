import { scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Staff passwords are hashed with scrypt, a memory-hard function (ASVS 5.0 11.4.2): N = 2¹⁵, r = 8,
 * p = 1 costs 32 MiB and tens of milliseconds per guess. Stored as `scrypt$N$r$p$salt$hash`, so the
 * parameters can be raised later and old hashes still verify. Runs on libuv's thread pool: a login
 * does not stall the event loop.
 */

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

export const MIN_PASSWORD_LENGTH = 12;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, salt: Buffer): Promise<string> {
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of nothing anyone knows: checked against when the e-mail is unknown, so both cost the same. */
export const DUMMY_PASSWORD_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43);

/** 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I): about 92 bits. */
export function temporaryPassword(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  let out = '';
  for (const byte of bytes.subarray(0, 16)) out += alphabet[byte % alphabet.length];
  return out;
}
