import { describe, expect, it } from 'vitest';
import { formatDueDate } from './tickets';
import { fileProblem, formatFileSize, MAX_FILE_BYTES } from './upload';

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
