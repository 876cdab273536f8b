/**
 * File uploads: one file as the raw body (`application/octet-stream`), with upload progress.
 * Support messages send theirs one by one with the name in `X-File-Name`, as
 * `POST …/attachments?messageId=` expects (docs/backoffice.md «Support»); the photos of a pledged
 * car are downscaled in the browser first (`downscalePhoto`). The checks here only spare a
 * pointless upload; the server decides by the file's bytes.
 */
import { ApiError, NETWORK_ERROR_MESSAGE, toApiError } from './api';

/** 5 MiB, as the server counts. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_FILES_PER_MESSAGE = 3;
/** What the file picker offers (HEIC by extension: some browsers give it no type). */
export const FILE_ACCEPT = 'image/jpeg,image/png,image/heic,image/heif,image/webp,application/pdf,.jpg,.jpeg,.png,.heic,.heif,.webp,.pdf';

const ALLOWED_EXTENSIONS = /\.(jpe?g|png|heic|heif|webp|pdf)$/i;

/** Why this file would be refused, or null. */
export const fileProblem = (file: { name: string; size: number }): string | null => {
  if (file.size === 0) return `Файл «${file.name}» пустой.`;
  if (file.size > MAX_FILE_BYTES) return `Файл «${file.name}» больше 5 МБ.`;
  if (!ALLOWED_EXTENSIONS.test(file.name)) return `Файл «${file.name}» не подойдёт: нужны фото или скан в JPEG, PNG, HEIC, WebP или PDF.`;
  return null;
};

/** 1536 → «1,5 КБ». */
export const formatFileSize = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} Б`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'КБ'] : [bytes / (1024 * 1024), 'МБ'];
  return `${value.toLocaleString('ru-RU', { maximumFractionDigits: 1 })} ${unit}`;
};

export type UploadedFile = { id: string; messageId: string; name: string; mimeType: string; size: number };

export type SendOptions = {
  /** Headers besides `Accept` and `Content-Type: application/octet-stream`. */
  headers?: Record<string, string>;
  /** The share of the body sent so far, 0–1 (only when the browser knows the total). */
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
};

/**
 * Sends `body` as the raw request body (`application/octet-stream`) to `url` and reads the JSON
 * reply; an error reply becomes an `ApiError`, as for `request` in api.ts. XMLHttpRequest rather
 * than fetch: only it reports upload progress, which a slow mobile connection needs to show.
 * Same origin, so the browser sends the session cookie and the `Origin` the server checks.
 */
export const sendFile = <T>(url: string, body: Blob, { headers = {}, onProgress, signal }: SendOptions = {}): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ApiError(0, 'aborted', NETWORK_ERROR_MESSAGE));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (onProgress) {
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(Math.min(1, event.loaded / event.total));
      };
      xhr.upload.onload = () => onProgress(1);
    }
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    xhr.onerror = () => {
      done();
      reject(new ApiError(0, 'network', NETWORK_ERROR_MESSAGE));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      done();
      reject(new ApiError(0, 'aborted', NETWORK_ERROR_MESSAGE));
    };
    xhr.onload = () => {
      done();
      let parsed: unknown;
      try {
        parsed = xhr.responseText === '' ? undefined : JSON.parse(xhr.responseText);
      } catch {
        parsed = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(parsed as T);
      else reject(toApiError(xhr.status, parsed, xhr.getResponseHeader('Retry-After')));
    };
    xhr.send(body);
  });

/** One file to `url` (…/attachments?messageId=…); an error reply becomes an `ApiError`. */
export const uploadFile = (url: string, file: File): Promise<UploadedFile> =>
  sendFile<UploadedFile>(url, file, { headers: { 'X-File-Name': encodeURIComponent(file.name) } });

/** Uploads each file in turn; the names that failed, with the reason. */
export const uploadAll = async (
  urlFor: () => string,
  files: readonly File[],
  onProgress: (done: number) => void,
): Promise<{ name: string; message: string }[]> => {
  const failed: { name: string; message: string }[] = [];
  for (const [index, file] of files.entries()) {
    try {
      await uploadFile(urlFor(), file);
    } catch (error) {
      failed.push({ name: file.name, message: error instanceof ApiError ? error.message : NETWORK_ERROR_MESSAGE });
    }
    onProgress(index + 1);
  }
  return failed;
};

/** Photos are downscaled so their longest side is about this many pixels. */
export const PHOTO_MAX_SIDE = 1600;
/** JPEG quality of a downscaled photo: documents stay readable at a fraction of the size. */
export const PHOTO_JPEG_QUALITY = 0.85;
/** A photo already within PHOTO_MAX_SIDE but larger than this is re-encoded all the same. */
export const PHOTO_REENCODE_ABOVE_BYTES = 1024 * 1024;

/**
 * The size to draw a `width`×`height` photo at, so that its longest side is at most `maxSide`
 * (aspect kept, whole pixels, never 0); the same size when it already fits.
 */
export const scaledSize = (width: number, height: number, maxSide = PHOTO_MAX_SIDE): { width: number; height: number } => {
  const longest = Math.max(width, height);
  if (!(longest > maxSide)) return { width, height };
  const ratio = maxSide / longest;
  return { width: Math.max(1, Math.round(width * ratio)), height: Math.max(1, Math.round(height * ratio)) };
};

/** Whether a photo of this size should be re-encoded before upload: too many pixels, or too many bytes. */
export const needsDownscale = (photo: { width: number; height: number; bytes: number }, maxSide = PHOTO_MAX_SIDE): boolean =>
  Math.max(photo.width, photo.height) > maxSide || photo.bytes > PHOTO_REENCODE_ABOVE_BYTES;

/**
 * A phone camera's 8 MB photo as a ≈ 1600 px JPEG of a few hundred KB, so a cheap phone on a slow
 * connection does not send megabytes. Decoding, drawing or encoding can fail (a HEIC photo the
 * browser cannot decode, no canvas, not enough memory): then the original is sent, and the server
 * judges it. The original is also kept when it is already small, or when re-encoding does not make
 * it smaller.
 */
export const downscalePhoto = async (file: Blob, maxSide = PHOTO_MAX_SIDE, quality = PHOTO_JPEG_QUALITY): Promise<Blob> => {
  let bitmap: ImageBitmap | undefined;
  try {
    // Decoded off the DOM (no <img> with a blob: address, which the CSP does not allow), upright by EXIF.
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    if (!needsDownscale({ width: bitmap.width, height: bitmap.height, bytes: file.size }, maxSide)) return file;
    const size = scaledSize(bitmap.width, bitmap.height, maxSide);
    const canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
    const context = canvas.getContext('2d');
    if (!context) return file;
    // JPEG has no transparency: a white ground instead of black for a PNG with an alpha channel.
    context.fillStyle = '#fff';
    context.fillRect(0, 0, size.width, size.height);
    context.drawImage(bitmap, 0, 0, size.width, size.height);
    const jpeg = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    return jpeg && jpeg.size > 0 && jpeg.size < file.size ? jpeg : file;
  } catch {
    return file;
  } finally {
    bitmap?.close();
  }
};
