import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobCorruptedError, createFileBlobStore, isBlobId, type BlobStore } from './blob-store';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cc-blobs-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const photo = (text = 'a photo of the VIN plate') => new Uint8Array(Buffer.from(text, 'utf8'));
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const pathIn = (dir: string, sha256: string) => join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
const mode = (path: string) => statSync(path).mode & 0o777;
const flipBit = (bytes: Buffer, at: number, bit: number) => {
  bytes[at] = bytes[at]! ^ bit;
};

describe('file blob store', () => {
  it('stores bytes under their SHA-256 and gives them back', async () => {
    const store = createFileBlobStore(root);
    const bytes = photo();
    const put = await store.put(bytes);
    expect(put).toEqual({ sha256: sha256Hex(bytes), size: bytes.length });
    expect(await store.get(put.sha256)).toEqual(Buffer.from(bytes));
    expect(await store.has(put.sha256)).toBe(true);
  });

  it('names files by the SHA-256 that node:crypto computes, under <aa>/<bb>/, with private modes', async () => {
    const store = createFileBlobStore(root);
    const bytes = new Uint8Array(randomBytes(4096));
    const { sha256 } = await store.put(bytes);
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const path = pathIn(root, sha256);
    expect(readFileSync(path)).toEqual(Buffer.from(bytes));
    expect(mode(path)).toBe(0o600);
    expect(mode(join(root, sha256.slice(0, 2)))).toBe(0o700);
    expect(mode(join(root, sha256.slice(0, 2), sha256.slice(2, 4)))).toBe(0o700);
  });

  it('writes nothing new when the same bytes are put again, and leaves no temporary files', async () => {
    const store = createFileBlobStore(root);
    const first = await store.put(photo());
    const path = pathIn(root, first.sha256);
    const before = statSync(path);
    const again = await store.put(photo());
    expect(again).toEqual(first);
    const after = statSync(path);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(readdirSync(join(root, first.sha256.slice(0, 2), first.sha256.slice(2, 4)))).toEqual([first.sha256]);
  });

  it('keeps different contents apart, including an empty one', async () => {
    const store = createFileBlobStore(root);
    const a = await store.put(photo('front'));
    const b = await store.put(photo('back'));
    const empty = await store.put(new Uint8Array());
    expect(new Set([a.sha256, b.sha256, empty.sha256]).size).toBe(3);
    expect(Buffer.from((await store.get(a.sha256))!).toString()).toBe('front');
    expect(Buffer.from((await store.get(b.sha256))!).toString()).toBe('back');
    expect(await store.get(empty.sha256)).toHaveLength(0);
  });

  it('gives null and false for a blob it does not have', async () => {
    const store = createFileBlobStore(root);
    const missing = sha256Hex(photo('never stored'));
    expect(await store.get(missing)).toBeNull();
    expect(await store.has(missing)).toBe(false);
  });

  it('refuses to return bytes that no longer match their hash', async () => {
    const store = createFileBlobStore(root);
    const { sha256 } = await store.put(photo());
    const path = pathIn(root, sha256);
    const tampered = readFileSync(path);
    flipBit(tampered, 3, 0x01);
    writeFileSync(path, tampered);
    await expect(store.get(sha256)).rejects.toThrow(BlobCorruptedError);
    await expect(store.get(sha256)).rejects.toThrow(`blob ${sha256} is corrupted`);
  });

  it('detects another blob copied over a file', async () => {
    const store = createFileBlobStore(root);
    const a = await store.put(photo('odometer'));
    const b = await store.put(photo('ПТС page 1'));
    writeFileSync(pathIn(root, a.sha256), readFileSync(pathIn(root, b.sha256)));
    await expect(store.get(a.sha256)).rejects.toThrow(BlobCorruptedError);
  });

  it('replaces a file cut short when the same bytes are put again', async () => {
    const store = createFileBlobStore(root);
    const bytes = photo();
    const { sha256 } = await store.put(bytes);
    writeFileSync(pathIn(root, sha256), Buffer.from(bytes).subarray(0, 5));
    await expect(store.get(sha256)).rejects.toThrow(BlobCorruptedError);
    await store.put(bytes);
    expect(await store.get(sha256)).toEqual(Buffer.from(bytes));
  });

  it('deletes a blob once', async () => {
    const store = createFileBlobStore(root);
    const { sha256 } = await store.put(photo());
    expect(await store.delete(sha256)).toBe(true);
    expect(existsSync(pathIn(root, sha256))).toBe(false);
    expect(await store.get(sha256)).toBeNull();
    expect(await store.has(sha256)).toBe(false);
    expect(await store.delete(sha256)).toBe(false);
  });

  const good = sha256Hex(photo());
  const badIds: [string, unknown][] = [
    ['a parent path', '../../../../etc/passwd'],
    ['a parent path of id length', `../${good.slice(3)}`],
    ['an absolute path', `/${good.slice(1)}`],
    ['a path inside', `${good.slice(0, 2)}/${good.slice(3)}`],
    ['upper-case hex', good.toUpperCase()],
    ['63 digits', good.slice(1)],
    ['65 digits', `${good}0`],
    ['a trailing newline', `${good}\n`],
    ['a NUL byte', `${good.slice(1)}\0`],
    ['non-hex letters', 'g'.repeat(64)],
    ['an empty string', ''],
    ['a number', 42],
    ['undefined', undefined],
  ];

  it.each(badIds)('refuses %s as a blob id in get, has and delete', async (_name, id) => {
    const store = createFileBlobStore(root);
    const sentinel = join(root, 'sentinel');
    writeFileSync(sentinel, 'keep');
    await expect(store.get(id as string)).rejects.toThrow(TypeError);
    await expect(store.has(id as string)).rejects.toThrow(TypeError);
    await expect(store.delete(id as string)).rejects.toThrow(TypeError);
    expect(readFileSync(sentinel, 'utf8')).toBe('keep');
    expect(isBlobId(id)).toBe(false);
  });

  it('refuses content that is not bytes', async () => {
    const store = createFileBlobStore(root);
    await expect(store.put('text' as unknown as Uint8Array)).rejects.toThrow(TypeError);
  });

  it('creates a missing root directory', async () => {
    const store = createFileBlobStore(join(root, 'blobs', 'photos'));
    const { sha256 } = await store.put(photo());
    expect(mode(join(root, 'blobs'))).toBe(0o700);
    expect(await store.get(sha256)).toEqual(Buffer.from(photo()));
  });
});

describe('file blob store with encryption at rest', () => {
  const key = { id: 1, key: new Uint8Array(randomBytes(32)) };
  const encrypted = (options = key): BlobStore => createFileBlobStore(root, { encryptionKey: options });

  it('round-trips, names the file by the plaintext hash and keeps no plaintext on disk', async () => {
    const store = encrypted();
    const bytes = photo('Паспорт транспортного средства 77 УА 123456');
    const { sha256, size } = await store.put(bytes);
    expect(sha256).toBe(sha256Hex(bytes));
    expect(size).toBe(bytes.length);
    const onDisk = readFileSync(pathIn(root, sha256));
    expect(onDisk.includes(Buffer.from(bytes))).toBe(false);
    expect(onDisk.length).toBe(bytes.length + 30);
    expect(mode(pathIn(root, sha256))).toBe(0o600);
    expect(await store.get(sha256)).toEqual(Buffer.from(bytes));
  });

  it('is idempotent: putting the same bytes again keeps the first file', async () => {
    const store = encrypted();
    const { sha256 } = await store.put(photo());
    const before = readFileSync(pathIn(root, sha256));
    await store.put(photo());
    expect(readFileSync(pathIn(root, sha256))).toEqual(before);
  });

  it('detects a flipped byte and a file moved under another name (the name is the AAD)', async () => {
    const store = encrypted();
    const a = await store.put(photo('left side'));
    const b = await store.put(photo('right side'));
    const pathA = pathIn(root, a.sha256);
    const tampered = readFileSync(pathA);
    flipBit(tampered, tampered.length - 1, 0x80);
    writeFileSync(pathA, tampered);
    await expect(store.get(a.sha256)).rejects.toThrow(BlobCorruptedError);
    writeFileSync(pathA, readFileSync(pathIn(root, b.sha256)));
    await expect(store.get(a.sha256)).rejects.toThrow(BlobCorruptedError);
  });

  it('fails clearly with another key, and never hands ciphertext to a store without one', async () => {
    const { sha256 } = await encrypted().put(photo());
    await expect(encrypted({ id: 1, key: new Uint8Array(randomBytes(32)) }).get(sha256)).rejects.toThrow(BlobCorruptedError);
    await expect(encrypted({ id: 2, key: key.key }).get(sha256)).rejects.toThrow('sealed with blob key 1, but this store has key 2');
    await expect(createFileBlobStore(root).get(sha256)).rejects.toThrow(BlobCorruptedError);
  });

  it('refuses a key of the wrong size or id', () => {
    expect(() => encrypted({ id: 1, key: new Uint8Array(16) })).toThrow(RangeError);
    expect(() => encrypted({ id: 0, key: key.key })).toThrow(RangeError);
    expect(() => encrypted({ id: 256, key: key.key })).toThrow(RangeError);
  });

  it('writes only inside its root', async () => {
    const inner = join(root, 'store');
    mkdirSync(inner);
    await createFileBlobStore(inner, { encryptionKey: key }).put(photo());
    expect(readdirSync(root)).toEqual(['store']);
  });
});
