/**
 * Whether uploaded bytes are a photo, decided from the bytes alone (magic numbers): the file name
 * and the type the browser declared are the sender's claims and are never trusted. The same
 * approach as support attachments (../modules/support/attachments.ts), without PDF: a pledged car
 * is photographed (four sides, odometer, VIN plate, ПТС pages). A stored photo is always served
 * back with this type and `X-Content-Type-Options: nosniff`.
 */

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic';

/** 10 MiB: the largest photo by default (exactly this many bytes is allowed). */
export const DEFAULT_PHOTO_MAX_BYTES = 10 * 1024 * 1024;

export const PHOTO_TYPE_REFUSED_MESSAGE = 'Загрузите фото в формате JPEG, PNG, WebP или HEIC.';
export const PHOTO_EMPTY_MESSAGE = 'Файл пустой. Загрузите фото ещё раз.';

const MIB = 1024 * 1024;
const KIB = 1024;
const sizeFormat = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 1 });
/** Rounded down, so that «больше N» stays true of every refused file. */
const floorTenths = (value: number) => Math.floor(value * 10) / 10;

/** «Файл больше 10 МБ.» for a limit of `maxBytes` (МБ = MiB, as in the support messages). */
export function photoTooLargeMessage(maxBytes: number): string {
  const size = maxBytes >= MIB ? `${sizeFormat.format(floorTenths(maxBytes / MIB))} МБ` : `${sizeFormat.format(floorTenths(maxBytes / KIB))} КБ`;
  return `Файл больше ${size}.`;
}

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const FTYP = ascii('ftyp');

/**
 * HEIF major brands of HEIC photos: the support set (heic, heix, heim, heis, mif1, msf1) plus the
 * HEVC image-sequence brands hevc and hevx. AVIF (`avif`, `avis`) and video (`isom`, `qt  `…) in the
 * same container are something else and are refused. Only the major brand counts: an AVIF lists
 * `mif1` among its compatible brands.
 */
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

/** The photo type the bytes are, or null for anything else. */
export function detectImageType(bytes: Uint8Array): PhotoType | null {
  // JPEG: the SOI marker and the first segment's marker.
  if (startsWith(bytes, JPEG)) return 'image/jpeg';
  if (startsWith(bytes, PNG)) return 'image/png';
  // WebP: a RIFF container whose form type is WEBP.
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'image/webp';
  // ISO BMFF: a box size, then `ftyp` and the major brand.
  if (startsWith(bytes, FTYP, 4) && bytes.length >= 12) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (HEIC_BRANDS.has(brand)) return 'image/heic';
  }
  return null;
}

export type PhotoCheck = { ok: true; type: PhotoType } | { ok: false; error: string };

/** An uploaded photo: not empty, at most `maxBytes` (default 10 MiB), JPEG/PNG/WebP/HEIC by its bytes. */
export function checkPhoto(bytes: Uint8Array, { maxBytes = DEFAULT_PHOTO_MAX_BYTES }: { maxBytes?: number } = {}): PhotoCheck {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  if (bytes.length === 0) return { ok: false, error: PHOTO_EMPTY_MESSAGE };
  if (bytes.length > maxBytes) return { ok: false, error: photoTooLargeMessage(maxBytes) };
  const type = detectImageType(bytes);
  if (!type) return { ok: false, error: PHOTO_TYPE_REFUSED_MESSAGE };
  return { ok: true, type };
}
