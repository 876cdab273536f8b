import { describe, expect, it } from 'vitest';
import { formatDueDate } from './tickets';
import { fileProblem, formatFileSize, MAX_FILE_BYTES, needsDownscale, scaledSize } from './upload';

describe('files chosen for a support message', () => {
  it('passes photos and scans up to 5 MiB; says why anything else would be refused', () => {
    expect(fileProblem({ name: 'чек.JPG', size: 1000 })).toBeNull();
    expect(fileProblem({ name: 'IMG_0001.heic', size: MAX_FILE_BYTES })).toBeNull();
    expect(fileProblem({ name: 'scan.pdf', size: MAX_FILE_BYTES + 1 })).toBe('Файл «scan.pdf» больше 5 МБ.');
    expect(fileProblem({ name: 'empty.png', size: 0 })).toBe('Файл «empty.png» пустой.');
    expect(fileProblem({ name: 'setup.exe', size: 10 })).toMatch(/JPEG, PNG, HEIC, WebP или PDF/);
    expect(fileProblem({ name: 'image.svg', size: 10 })).toMatch(/не подойдёт/);
  });

  it('sizes in Russian units', () => {
    expect(formatFileSize(512)).toBe('512 Б');
    expect(formatFileSize(1536)).toBe('1,5 КБ');
    expect(formatFileSize(5 * 1024 * 1024)).toBe('5 МБ');
  });
});

describe('the answer due date', () => {
  it('is day and month this year, with the year otherwise', () => {
    const now = new Date('2026-11-25T09:00:00Z');
    expect(formatDueDate('2026-12-16', now)).toBe('16 декабря');
    expect(formatDueDate('2027-01-26', now)).toBe('26 января 2027 г.');
    expect(formatDueDate('nonsense', now)).toBe('nonsense');
  });
});

describe('photos before upload', () => {
  it('are drawn with the longest side at most 1600 px, the aspect kept', () => {
    expect(scaledSize(4000, 3000)).toEqual({ width: 1600, height: 1200 });
    expect(scaledSize(3000, 4000)).toEqual({ width: 1200, height: 1600 });
    expect(scaledSize(1600, 900)).toEqual({ width: 1600, height: 900 });
    expect(scaledSize(8000, 3)).toEqual({ width: 1600, height: 1 });
  });

  it('are re-encoded when they have too many pixels or too many bytes', () => {
    expect(needsDownscale({ width: 4000, height: 3000, bytes: 500_000 })).toBe(true);
    expect(needsDownscale({ width: 1200, height: 900, bytes: 3 * 1024 * 1024 })).toBe(true);
    expect(needsDownscale({ width: 1200, height: 900, bytes: 300_000 })).toBe(false);
  });
});
