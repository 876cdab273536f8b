/**
 * Files in support threads, for both the cabinet and the back office: a picker that keeps up to 3
 * files for the next message (checked for size and kind before sending), and the list of a
 * message's files as download links.
 */
import { useRef, useState } from 'preact/hooks';
import { FILE_ACCEPT, fileProblem, formatFileSize, MAX_FILES_PER_MESSAGE } from '../lib/upload';
import './attachments.css';

export type AttachmentLink = { id: string; name: string; mimeType?: string; size?: number };

export const attachmentUrl = (id: string) => `/api/support/attachments/${encodeURIComponent(id)}`;

export const AttachmentList = ({ files }: { files?: AttachmentLink[] | undefined }) =>
  files && files.length > 0 ? (
    <ul class="attachment-list" aria-label="Файлы">
      {files.map((file) => (
        <li key={file.id}>
          <a href={attachmentUrl(file.id)} download={file.name} class="attachment-link">
            <span aria-hidden="true">📎 </span>
            {file.name}
          </a>
          {file.size !== undefined && <span class="muted small"> · {formatFileSize(file.size)}</span>}
        </li>
      ))}
    </ul>
  ) : null;

type PickerProps = {
  id: string;
  files: File[];
  onChange: (files: File[]) => void;
  disabled?: boolean;
};

/** «Прикрепить файлы»: the chosen files with «Убрать», at most 3, each checked before it is kept. */
export const FilePicker = ({ id, files, onChange, disabled = false }: PickerProps) => {
  const input = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const full = files.length >= MAX_FILES_PER_MESSAGE;

  const add = (chosen: FileList | null) => {
    if (!chosen) return;
    const next = [...files];
    const problems: string[] = [];
    for (const file of Array.from(chosen)) {
      const why = fileProblem(file);
      if (why) problems.push(why);
      else if (next.length >= MAX_FILES_PER_MESSAGE) problems.push(`К одному сообщению — не больше ${MAX_FILES_PER_MESSAGE} файлов.`);
      else next.push(file);
    }
    setProblem(problems.length > 0 ? [...new Set(problems)].join(' ') : null);
    onChange(next);
    if (input.current) input.current.value = '';
  };

  return (
    <div class="field file-picker">
      <label for={id} class={full || disabled ? 'btn btn-secondary btn-small is-disabled' : 'btn btn-secondary btn-small'}>
        Прикрепить файлы
      </label>
      <input
        ref={input}
        id={id}
        class="sr-only file-input"
        type="file"
        multiple
        accept={FILE_ACCEPT}
        disabled={disabled || full}
        aria-describedby={`${id}-hint${problem ? ` ${id}-error` : ''}`}
        onChange={(event) => add(event.currentTarget.files)}
      />
      <p id={`${id}-hint`} class="hint">
        Фото или скан: JPEG, PNG, HEIC, WebP или PDF, до 5 МБ каждый, не больше {MAX_FILES_PER_MESSAGE} файлов.
      </p>
      {problem && (
        <p id={`${id}-error`} class="field-error" role="alert">
          {problem}
        </p>
      )}
      {files.length > 0 && (
        <ul class="picked-files" aria-label="Выбранные файлы">
          {files.map((file, index) => (
            <li key={`${file.name}-${index}`}>
              <span class="picked-name">{file.name}</span> <span class="muted small">{formatFileSize(file.size)}</span>
              <button
                type="button"
                class="btn btn-link btn-small"
                disabled={disabled}
                onClick={() => onChange(files.filter((_, i) => i !== index))}
              >
                Убрать<span class="sr-only"> файл {file.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
};
