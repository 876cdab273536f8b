/**
 * The photo tiles of the vehicle step: one per required kind, each a real file input (its label is
 * the button) with the kind's hint, the thumbnail(s) once uploaded, a named progress bar while the
 * photo is shrunk and sent, and the server's message with «Повторить» when it failed.
 */
import type { VehiclePhoto } from '../../lib/api';
import { MAX_PTS_PAGES, type PhotoTile } from '../../lib/vehicle-form';

/** One photo on its way: shrinking it, sending it (0–1), the server storing it; or failed, with what to send again. */
export type Upload =
  | { phase: 'preparing' }
  | { phase: 'uploading'; sent: number }
  | { phase: 'processing' }
  | { phase: 'failed'; message: string; body: Blob | null };


type PhotoTileProps = {
  tile: PhotoTile;
  photos: VehiclePhoto[];
  /** The server counts this kind as uploaded (a thumbnail may not be known: photos sent before the data). */
  isDone: boolean;
  upload: Upload | undefined;
  onFile: (file: File) => void;
  onRetry: (body: Blob) => void;
};

/** One required photo: its name and hint, the thumbnail(s), the progress or the failure, the file input. */
export const PhotoTileView = ({ tile, photos, isDone, upload, onFile, onRetry }: PhotoTileProps) => {
  const { kind, label, hint } = tile;
  const inputId = `vehicle-photo-${kind}`;
  const isPages = kind === 'pts_page';
  const busy = upload !== undefined && upload.phase !== 'failed';
  const isFull = isPages && photos.length >= MAX_PTS_PAGES;
  const state = busy ? 'uploading' : upload?.phase === 'failed' ? 'failed' : isDone ? 'done' : 'empty';
  const action = isPages ? (isDone ? 'Добавить страницу' : 'Выбрать фото') : isDone ? 'Переснять' : 'Снять фото';
  const describedBy = [`${inputId}-hint`, upload?.phase === 'failed' ? `${inputId}-error` : ''].filter(Boolean).join(' ');

  return (
    <li class={isPages ? 'photo-tile photo-tile-wide' : 'photo-tile'} data-kind={kind} data-state={state}>
      <p class="photo-title">
        {label}
        {isDone && (
          <span class="photo-done">
            {' '}
            ✓<span class="sr-only"> загружено</span>
          </span>
        )}
      </p>
      {photos.length > 0 ? (
        <div class="photo-thumbs">
          {photos.map((photo, index) => (
            <img
              key={photo.id}
              class="photo-thumb"
              src={photo.url}
              alt={isPages ? `Страница ПТС ${index + 1}` : `${label}: загруженное фото`}
              width={160}
              height={120}
              decoding="async"
            />
          ))}
        </div>
      ) : (
        <div class="photo-placeholder">{isDone ? 'Фото загружено' : <CameraIcon />}</div>
      )}
      <p class="hint" id={`${inputId}-hint`}>
        {hint}
        {isFull && ` Загружено ${MAX_PTS_PAGES} страниц — больше нельзя.`}
      </p>
      {busy && <UploadProgress upload={upload} label={label} />}
      {upload?.phase === 'failed' && (
        <div class="photo-failed">
          <p class="field-error" id={`${inputId}-error`}>
            {upload.message}
          </p>
          {upload.body && (
            <button type="button" class="btn btn-secondary btn-small" onClick={() => onRetry(upload.body!)}>
              Повторить<span class="sr-only"> загрузку: {label}</span>
            </button>
          )}
        </div>
      )}
      <input
        id={inputId}
        class="sr-only photo-input"
        type="file"
        accept="image/*"
        capture={isPages ? undefined : 'environment'}
        disabled={busy || isFull}
        aria-describedby={describedBy}
        onChange={(event) => {
          const input = event.currentTarget;
          const file = input.files?.[0];
          // Cleared, so choosing the same photo again (a retry by hand) fires another change.
          input.value = '';
          if (file) onFile(file);
        }}
      />
      <label for={inputId} class={busy || isFull ? 'btn btn-secondary btn-small photo-pick is-disabled' : 'btn btn-secondary btn-small photo-pick'}>
        <span class="sr-only">{label}: </span>
        {action}
      </label>
    </li>
  );
};

/** A camera outline for an empty tile (drawn, not an emoji: cheap phones may lack the glyph). */
const CameraIcon = () => (
  <svg class="photo-icon" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" focusable="false">
    <path
      d="M4 7h3l2-3h6l2 3h3a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1z"
      fill="none"
      stroke="currentColor"
      stroke-width="1.6"
      stroke-linejoin="round"
    />
    <circle cx="12" cy="13" r="4" fill="none" stroke="currentColor" stroke-width="1.6" />
  </svg>
);

/** The progress of one upload: a bar with a name, and the step in words. */
const UploadProgress = ({ upload, label }: { upload: Exclude<Upload, { phase: 'failed' }>; label: string }) => {
  const percent = upload.phase === 'uploading' ? Math.round(upload.sent * 100) : upload.phase === 'processing' ? 100 : null;
  const text = upload.phase === 'preparing' ? 'Готовим фото…' : upload.phase === 'uploading' ? `Загружаем… ${percent} %` : 'Сохраняем…';
  return (
    <div class="photo-progress">
      {percent === null ? (
        <progress class="photo-progress-bar" aria-label={`Загрузка фото: ${label}`} />
      ) : (
        <progress class="photo-progress-bar" max={100} value={percent} aria-label={`Загрузка фото: ${label}`} />
      )}
      <p class="small muted" aria-hidden="true">
        {text}
      </p>
    </div>
  );
};

