import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets derived from the one APP_SECRET: separate keys per purpose (HKDF), so a leak of one
 * derived key says nothing about the others.
 *
 * The field key has a keyring for rotation: key 1 is derived from APP_SECRET; further keys come from
 * their own secrets (`PII_FIELD_KEYS`), the first of which seals from then on. Every ciphertext names
 * its key by id, so data sealed under any key in the ring still opens.
 */
export type Keys = {
  otpPepper: Buffer;
  /** The key new data is sealed with, and its id. */
  fieldKey: Buffer;
  fieldKeyId: number;
  /** Every field key that can open data, by id (the current one included). */
  fieldKeys: ReadonlyMap<number, Buffer>;
  /** HMAC key for lookup hashes of personal data (passport, ИНН). */
  lookupKey: Buffer;
};

/** A field-encryption secret of the keyring: id 2–255 (1 is APP_SECRET's). */
export type FieldSecret = { id: number; secret: string };

const hkdf = (secret: string, info: string) => Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), info, 32));

export function deriveKeys(appSecret: string, fieldSecrets: readonly FieldSecret[] = []): Keys {
  const fieldKeys = new Map<number, Buffer>([[1, hkdf(appSecret, 'carcapital/field-key/v1')]]);
  for (const { id, secret } of fieldSecrets) {
    if (!Number.isInteger(id) || id < 2 || id > 255 || fieldKeys.has(id)) throw new Error(`field key id ${id}: must be 2–255 and unique`);
    fieldKeys.set(id, hkdf(secret, `carcapital/field-key/v${id}`));
  }
  const fieldKeyId = fieldSecrets[0]?.id ?? 1;
  return {
    otpPepper: hkdf(appSecret, 'carcapital/otp-pepper/v1'),
    fieldKey: fieldKeys.get(fieldKeyId)!,
    fieldKeyId,
    fieldKeys,
    lookupKey: hkdf(appSecret, 'carcapital/lookup-hash/v1'),
  };
}

/** The id of the field key a ciphertext was sealed with. */
export const sealedKeyId = (sealed: Uint8Array): number => sealed[1] ?? 0;

/** Seals with the current field key. */
export function sealWith(keys: Keys, plaintext: string, aad: string): Buffer {
  return seal(keys.fieldKey, keys.fieldKeyId, plaintext, aad);
}

/** Opens with whichever key of the ring sealed it; a key no longer in the ring is a clear error. */
export function openWith(keys: Keys, sealed: Uint8Array, aad: string): string {
  const id = sealedKeyId(sealed);
  const key = keys.fieldKeys.get(id);
  if (!key) throw new Error(`sealed with field key ${id}, which is not configured (PII_FIELD_KEYS)`);
  return open(key, Buffer.from(sealed), aad);
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
