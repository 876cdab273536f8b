import { describe, expect, it } from 'vitest';
import { attachmentDisposition, cleanFileName, decodeFileNameHeader, sniffAttachmentType } from './attachments';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part)))));

describe('sniffing the type of an attachment', () => {
  it.each([
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xdb], 'data'), 'image/jpeg'],
    ['PNG', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'IHDR'), 'image/png'],
    ['PDF', bytes('%PDF-1.4\n'), 'application/pdf'],
    ['WebP', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8L'), 'image/webp'],
    ['HEIC', bytes([0, 0, 0, 0x1c], 'ftypheic', [0, 0, 0, 0]), 'image/heic'],
    ['HEIF (mif1)', bytes([0, 0, 0, 0x1c], 'ftypmif1', [0, 0, 0, 0]), 'image/heic'],
  ])('%s', (_name, data, mime) => {
    expect(sniffAttachmentType(data)).toBe(mime);
  });

  it.each([
    ['a Windows program', bytes('MZ', [0x90, 0]), null],
    ['an ELF program', bytes([0x7f], 'ELF'), null],
    ['HTML', bytes('<!DOCTYPE html><script>'), null],
    ['SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg">'), null],
    ['XML', bytes('<?xml version="1.0"?>'), null],
    ['a PDF header not at the start', bytes(' %PDF-1.4'), null],
    ['a ZIP (docx)', bytes('PK', [3, 4]), null],
    ['GIF', bytes('GIF89a'), null],
    ['an MP4 video', bytes([0, 0, 0, 0x18], 'ftypisom'), null],
    ['AVIF', bytes([0, 0, 0, 0x1c], 'ftypavif'), null],
    ['RIFF that is not WebP (WAV)', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '), null],
    ['a cut-off PNG signature', bytes([0x89, 0x50, 0x4e, 0x47]), null],
    ['nothing', new Uint8Array(), null],
  ])('refuses %s', (_name, data, mime) => {
    expect(sniffAttachmentType(data)).toBe(mime);
  });
});

describe('the stored file name', () => {
  it.each([
    ['scan.pdf', 'image/png', 'scan.png'],
    ['Паспорт, стр. 2.JPG', 'image/jpeg', 'Паспорт, стр. 2.jpg'],
    ['C:\\Users\\Иван\\Desktop\\чек.png', 'image/png', 'чек.png'],
    ['../../etc/passwd', 'application/pdf', 'passwd.pdf'],
    ['a"b<c>d|e?.pdf', 'application/pdf', 'abcde.pdf'],
    ['evil\u202egnp.exe', 'image/png', 'evilgnp.png'],
    ['line\nbreak.png', 'image/png', 'linebreak.png'],
    ['.htaccess', 'image/png', 'файл.png'],
    ['', 'image/webp', 'файл.webp'],
    [null, 'image/heic', 'файл.heic'],
    ['photo', 'image/jpeg', 'photo.jpg'],
  ] as const)('%j as %s → %s', (raw, mime, expected) => {
    expect(cleanFileName(raw, mime)).toBe(expected);
  });

  it('keeps at most 100 characters before the extension', () => {
    const name = cleanFileName(`${'я'.repeat(300)}.png`, 'image/png');
    expect([...name]).toHaveLength(104);
    expect(name.endsWith('.png')).toBe(true);
  });

  it('is offered as a download with an ASCII fallback and the UTF-8 name', () => {
    expect(attachmentDisposition('Чек (1).pdf')).toBe(`attachment; filename="___ (1).pdf"; filename*=UTF-8''%D0%A7%D0%B5%D0%BA%20%281%29.pdf`);
    expect(attachmentDisposition('a"b\\c%.png')).toBe(`attachment; filename="a_b_c_.png"; filename*=UTF-8''a%22b%5Cc%25.png`);
  });

  it('reads the percent-encoded name header, or takes it as is when it is not encoded', () => {
    expect(decodeFileNameHeader(encodeURIComponent('Выписка.pdf'))).toBe('Выписка.pdf');
    expect(decodeFileNameHeader('100%.pdf')).toBe('100%.pdf');
    expect(decodeFileNameHeader(undefined)).toBeNull();
  });
});
