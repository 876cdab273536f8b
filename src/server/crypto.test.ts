import { describe, expect, it } from 'vitest';
import { deriveKeys, openWith, sealedKeyId, sealWith } from './crypto';

const APP_SECRET = 'app-secret-'.padEnd(40, 'a');
const SECOND = 'second-field-secret-'.padEnd(40, 'b');
const THIRD = 'third-field-secret-'.padEnd(40, 'c');
const AAD = 'applications.passport_ct:row-1';

describe('the field-encryption keyring (rotation)', () => {
  it('without PII_FIELD_KEYS seals and opens with key 1, derived from APP_SECRET', () => {
    const keys = deriveKeys(APP_SECRET);
    const sealed = sealWith(keys, '4510 123456', AAD);
    expect(sealedKeyId(sealed)).toBe(1);
    expect(openWith(keys, sealed, AAD)).toBe('4510 123456');
    // The same secret derives the same key on the next start.
    expect(openWith(deriveKeys(APP_SECRET), sealed, AAD)).toBe('4510 123456');
  });

  it('after rotation new data is sealed with the new key and data sealed before still opens', () => {
    const before = sealWith(deriveKeys(APP_SECRET), 'старое', AAD);
    const rotated = deriveKeys(APP_SECRET, [{ id: 2, secret: SECOND }]);
    const after = sealWith(rotated, 'новое', AAD);
    expect(sealedKeyId(after)).toBe(2);
    expect(openWith(rotated, before, AAD)).toBe('старое');
    expect(openWith(rotated, after, AAD)).toBe('новое');
    // A later rotation keeps every key of the ring readable.
    const again = deriveKeys(APP_SECRET, [{ id: 3, secret: THIRD }, { id: 2, secret: SECOND }]);
    expect(sealedKeyId(sealWith(again, 'x', AAD))).toBe(3);
    expect([openWith(again, before, AAD), openWith(again, after, AAD)]).toEqual(['старое', 'новое']);
    // The lookup hashes and the OTP pepper stay on APP_SECRET: duplicate detection keeps working.
    expect(again.lookupKey.equals(deriveKeys(APP_SECRET).lookupKey)).toBe(true);
  });

  it('data sealed with a key that left the ring fails with a clear error, and a relabelled key id does not open', () => {
    const rotated = deriveKeys(APP_SECRET, [{ id: 2, secret: SECOND }]);
    const sealed = sealWith(rotated, 'секрет', AAD);
    expect(() => openWith(deriveKeys(APP_SECRET), sealed, AAD)).toThrow(/field key 2.*not configured/);
    // Claiming another key id sends it to the wrong key: the GCM tag fails, nothing is returned.
    const relabelled = Buffer.from(sealed);
    relabelled[1] = 1;
    expect(() => openWith(rotated, relabelled, AAD)).toThrow();
    // A different secret under the same id is a different key.
    expect(() => openWith(deriveKeys(APP_SECRET, [{ id: 2, secret: THIRD }]), sealed, AAD)).toThrow();
  });

  it('refuses key ids outside 2–255 and duplicates', () => {
    expect(() => deriveKeys(APP_SECRET, [{ id: 1, secret: SECOND }])).toThrow(/2–255/);
    expect(() => deriveKeys(APP_SECRET, [{ id: 256, secret: SECOND }])).toThrow(/2–255/);
    expect(() => deriveKeys(APP_SECRET, [{ id: 2, secret: SECOND }, { id: 2, secret: THIRD }])).toThrow(/unique/);
  });
});
