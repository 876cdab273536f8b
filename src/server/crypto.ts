import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets derived from the one APP_SECRET: separate keys per purpose (HKDF), so a leak of one
 * derived key says nothing about the others.
 */
export type Keys = {
  otpPepper: Buffer;
  fieldKey: Buffer;
  fieldKeyId: number;
  /** HMAC key for lookup hashes of personal data (passport, ИНН). */
  lookupKey: Buffer;
};

export function deriveKeys(appSecret: string): Keys {
  const ikm = Buffer.from(appSecret, 'utf8');
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, 32));
  return {
    otpPepper: derive('carcapital/otp-pepper/v1'),
    fieldKey: derive('carcapital/field-key/v1'),
    fieldKeyId: 1,
    lookupKey: derive('carcapital/lookup-hash/v1'),
  };
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

export function hmacSha256(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest();
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * AES-256-GCM with a random 96-bit nonce. Layout: version(1) ‖ keyId(1) ‖ nonce(12) ‖ tag(16) ‖ data.
 * `aad` binds the ciphertext to where it lives (table/column/row), so a swapped value fails to open.
 */
export function seal(key: Buffer, keyId: number, plaintext: string, aad: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([1, keyId]), nonce, cipher.getAuthTag(), data]);
}

export function open(key: Buffer, sealed: Buffer, aad: string): string {
  if (sealed.length < 30 || sealed[0] !== 1) throw new Error('unsupported ciphertext');
  const nonce = sealed.subarray(2, 14);
  const tag = sealed.subarray(14, 30);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(30)), decipher.final()]).toString('utf8');
}
