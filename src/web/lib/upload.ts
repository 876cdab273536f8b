/**
 * Files for support messages: sent one by one as the raw body (`application/octet-stream`, the name
 * in `X-File-Name`), as `POST …/attachments?messageId=` expects (docs/backoffice.md «Support»). The
 * checks here only spare a pointless upload; the server decides by the file's bytes.
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

/** One file to `url` (…/attachments?messageId=…); an error reply becomes an `ApiError`. */
export const uploadFile = async (url: string, file: File): Promise<UploadedFile> => {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/octet-stream', 'X-File-Name': encodeURIComponent(file.name) },
      body: file,
    });
  } catch {
    throw new ApiError(0, 'network', NETWORK_ERROR_MESSAGE);
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) throw toApiError(response.status, parsed, response.headers.get('Retry-After'));
  return parsed as UploadedFile;
};

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
