import type { SupportAttachmentMime } from '../../db/schema';

/**
 * What may be attached to a support message, decided from the bytes alone: the file's name and the
 * type the browser declared are the sender's claims and are never trusted. Only formats people use
 * for photos and scans pass (JPEG, PNG, PDF, WebP, HEIC from iPhones); HTML, SVG, scripts and
 * programs do not, whatever they are called. A file is then always served back with this type,
 * `X-Content-Type-Options: nosniff` and as a download, so even a polyglot is not rendered as a page.
 */

/** 5 MiB: the largest file (exactly this many bytes is allowed). */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** At most this many files per message. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 3;
/** A message takes files only this long after it was written (the files follow it at once), and only from its author. */
export const ATTACH_WINDOW_MS = 10 * 60 * 1000;

export const ATTACHMENT_TYPES: Record<SupportAttachmentMime, { extension: string; label: string }> = {
  'image/jpeg': { extension: 'jpg', label: 'JPEG' },
  'image/png': { extension: 'png', label: 'PNG' },
  'application/pdf': { extension: 'pdf', label: 'PDF' },
  'image/webp': { extension: 'webp', label: 'WebP' },
  'image/heic': { extension: 'heic', label: 'HEIC' },
};

export const TYPE_REFUSED_MESSAGE = 'Можно прикрепить только фото или скан: JPEG, PNG, HEIC, WebP или PDF.';
export const TOO_LARGE_MESSAGE = 'Файл больше 5 МБ. Уменьшите фото или сохраните скан с меньшим качеством.';

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** HEIF brands of HEIC images (an AVIF or a video in the same container is something else). */
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1']);

/** The type the bytes are, or null for anything not allowed. */
export function sniffAttachmentType(bytes: Uint8Array): SupportAttachmentMime | null {
  // JPEG: SOI marker and the first segment's marker.
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  // PDF: the header at the very start (readers accept it later in the file; we do not).
  if (startsWith(bytes, ascii('%PDF-'))) return 'application/pdf';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  // ISO BMFF: a box size, then `ftyp` and the major brand.
  if (startsWith(bytes, ascii('ftyp'), 4) && bytes.length >= 12) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (HEIC_BRANDS.has(brand)) return 'image/heic';
  }
  return null;
}

/** Characters never kept in a file name: controls, path and quoting characters, bidi overrides. */
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME = /[\u0000-\u001f\u007f"*/:<>?\\|\u202a-\u202e\u2066-\u2069]/g;
const NAME_MAX = 100;

/**
 * The sender's file name made safe to store and to offer back: the last path part, unsafe
 * characters dropped, at most 100 characters, and the extension of the sniffed type (a PNG called
 * «scan.pdf» is kept as «scan.png»). Without a usable name: «файл.<ext>».
 */
export function cleanFileName(raw: string | null | undefined, mime: SupportAttachmentMime): string {
  const extension = ATTACHMENT_TYPES[mime].extension;
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  let name = base.normalize('NFC').replace(UNSAFE_NAME, '').replace(/\s+/g, ' ').trim();
  // The claimed extension goes: the sniffed type decides it.
  name = name.replace(/\.[^.]{1,10}$/, '').replace(/^\.+/, '').replace(/[. ]+$/, '');
  const chars = [...name];
  if (chars.length > NAME_MAX) name = chars.slice(0, NAME_MAX).join('').trim();
  return `${name || 'файл'}.${extension}`;
}

/**
 * `Content-Disposition: attachment` with an ASCII fallback name and the real one in RFC 5987
 * encoding, so every browser saves the file (never shows it inline) under a sensible name.
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** The file name header the upload sends: `X-File-Name: <encodeURIComponent(name)>`. */
export function decodeFileNameHeader(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  try {
    return decodeURIComponent(text).slice(0, 1000);
  } catch {
    return text.slice(0, 1000);
  }
}
