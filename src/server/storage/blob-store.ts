import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Files kept outside the database rows (issue 10: the photos of a pledged car — four sides,
 * odometer, VIN plate, ПТС pages), addressed by the SHA-256 of their content. A row stores only the
 * hash (and the sniffed type and size); the bytes live at `<root>/<aa>/<bb>/<sha256 hex>`.
 *
 * PERSONAL DATA: these photos show number plates, VINs and the owner's name and address from the
 * ПТС. The root directory must be on encrypted storage inside the RF (PD-1), readable only by the
 * service user, and backed up together with the database and on the same schedule: a row whose blob
 * is missing from the restored backup is a lost pledge document. `encryptionKey` adds encryption at
 * rest on top (AES-256-GCM, the same layout as `seal` in ../crypto.ts); with it a copied directory
 * or backup is unreadable without the key, which must therefore be kept outside this directory.
 *
 * - `put` is idempotent: the same bytes are the same name, and a file already there is kept.
 *   A new file is written atomically (a temporary file in the same directory, fsync, rename, fsync
 *   of the directory), so a crash leaves either the whole file or none under the final name.
 * - `get` hashes what it read and throws `BlobCorruptedError` rather than return other bytes.
 * - Every id argument must be 64 lowercase hex digits; anything else (`../`, `/`, upper case, a
 *   shorter id) is refused before any path is built.
 * - `delete` removes one file. Identical uploads share one file (possibly across customers and
 *   loans), so the caller deletes only when no row refers to the hash any more; deleting under a
 *   retention hold (PD-8) is the caller's check too. Unlinking does not wipe the disk blocks:
 *   destruction relies on the storage encryption (or `encryptionKey`) and on backup expiry.
 */
export type BlobStore = {
  put(bytes: Uint8Array): Promise<{ sha256: string; size: number }>;
  get(sha256: string): Promise<Uint8Array | null>;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<boolean>;
};

/** A 32-byte AES-256 key and the id (1–255) written into each file, for a later rotation. */
export type BlobEncryptionKey = { id: number; key: Uint8Array };

export type FileBlobStoreOptions = {
  /** Encrypt files at rest. The file name and the AAD stay the SHA-256 of the plaintext. */
  encryptionKey?: BlobEncryptionKey;
};

/** What `get` throws when a stored file does not hold the bytes its name promises. */
export class BlobCorruptedError extends Error {
  override readonly name = 'BlobCorruptedError';
  constructor(
    readonly sha256: string,
    detail: string,
  ) {
    super(`blob ${sha256} is corrupted: ${detail}`);
  }
}

const BLOB_ID = /^[0-9a-f]{64}$/;

/** Whether `value` is a blob id: a SHA-256 in 64 lowercase hex digits. */
export const isBlobId = (value: unknown): value is string => typeof value === 'string' && BLOB_ID.test(value);

/** The SHA-256 of `bytes` as a blob id. */
export const blobId = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

// Encrypted layout, as in ../crypto.ts: version(1) ‖ keyId(1) ‖ nonce(12) ‖ tag(16) ‖ ciphertext.
const SEALED_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 2 + NONCE_BYTES + TAG_BYTES;

export function createFileBlobStore(rootDir: string, options: FileBlobStoreOptions = {}): BlobStore {
  const encryption = options.encryptionKey;
  if (encryption) {
    if (!Number.isInteger(encryption.id) || encryption.id < 1 || encryption.id > 255) throw new RangeError('blob encryption key id must be 1–255');
    if (encryption.key.length !== 32) throw new RangeError('blob encryption key must be 32 bytes (AES-256)');
  }

  const root = resolve(rootDir);
  const pathOf = (sha256: string): string => {
    if (!isBlobId(sha256)) throw new TypeError('blob id must be a SHA-256 in 64 lowercase hex digits');
    return join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };

  const encode = (sha256: string, bytes: Uint8Array): Uint8Array => {
    if (!encryption) return bytes;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', encryption.key, nonce);
    cipher.setAAD(Buffer.from(sha256, 'ascii'));
    const data = Buffer.concat([cipher.update(bytes), cipher.final()]);
    return Buffer.concat([Buffer.from([SEALED_VERSION, encryption.id]), nonce, cipher.getAuthTag(), data]);
  };

  const decode = (sha256: string, stored: Buffer): Buffer => {
    if (!encryption) return stored;
    if (stored.length < HEADER_BYTES || stored[0] !== SEALED_VERSION) throw new BlobCorruptedError(sha256, 'not an encrypted blob file');
    if (stored[1] !== encryption.id) throw new Error(`blob ${sha256} is sealed with blob key ${stored[1]}, but this store has key ${encryption.id}`);
    const decipher = createDecipheriv('aes-256-gcm', encryption.key, stored.subarray(2, 2 + NONCE_BYTES));
    decipher.setAAD(Buffer.from(sha256, 'ascii'));
    decipher.setAuthTag(stored.subarray(2 + NONCE_BYTES, HEADER_BYTES));
    try {
      return Buffer.concat([decipher.update(stored.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw new BlobCorruptedError(sha256, 'it does not decrypt (damaged, renamed, or sealed with another key of the same id)');
    }
  };

  /** The size of the file that holds `size` bytes of content. */
  const storedSize = (size: number) => (encryption ? HEADER_BYTES + size : size);

  return {
    async put(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('blob content must be a Uint8Array');
      const sha256 = blobId(bytes);
      const path = pathOf(sha256);
      // Already stored: write nothing. A file of the wrong length (cut short by a disk fault) is
      // replaced; same-length damage is left for `get` to detect, so that a store started with the
      // wrong key cannot overwrite good files.
      const existing = await fileSize(path);
      if (existing === storedSize(bytes.length)) return { sha256, size: bytes.length };

      const dir = dirname(path);
      const firstCreated = await mkdir(dir, { recursive: true, mode: DIR_MODE });
      const temp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
      const handle = await open(temp, 'wx', FILE_MODE);
      try {
        await handle.writeFile(encode(sha256, bytes));
        await handle.sync();
      } catch (error) {
        await handle.close().catch(() => undefined);
        await unlink(temp).catch(() => undefined);
        throw error;
      }
      await handle.close();
      try {
        await rename(temp, path);
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        throw error;
      }
      // The rename, and any directories just made, survive a power cut only once their parent
      // directories are synced.
      await syncDir(dir);
      if (firstCreated !== undefined) {
        for (let parent = dirname(dir); ; parent = dirname(parent)) {
          await syncDir(parent);
          if (parent === dirname(firstCreated) || parent === dirname(parent)) break;
        }
      }
      return { sha256, size: bytes.length };
    },

    async get(sha256) {
      const path = pathOf(sha256);
      let stored: Buffer;
      try {
        stored = await readFile(path);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
      const bytes = decode(sha256, stored);
      const actual = blobId(bytes);
      if (actual !== sha256) throw new BlobCorruptedError(sha256, `its content hashes to ${actual}`);
      return bytes;
    },

    async has(sha256) {
      return (await fileSize(pathOf(sha256))) !== null;
    },

    async delete(sha256) {
      const path = pathOf(sha256);
      try {
        await unlink(path);
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
      // Empty <aa>/<bb> directories stay: removing them would race with a concurrent `put`.
      await syncDir(dirname(path));
      return true;
    },
  };
}

const isNotFound = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';

/** The size of a regular file at `path`, or null when there is none. */
async function fileSize(path: string): Promise<number | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
