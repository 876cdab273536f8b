import { describe, expect, it } from 'vitest';
import { checkPhoto, DEFAULT_PHOTO_MAX_BYTES, detectImageType, PHOTO_EMPTY_MESSAGE, PHOTO_TYPE_REFUSED_MESSAGE, photoTooLargeMessage } from './image-type';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part)))));

// The first bytes of real files (what cameras, phones and encoders write).
const JPEG_JFIF = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
const JPEG_EXIF = bytes([0xff, 0xd8, 0xff, 0xe1, 0x2f, 0xfe], 'Exif', [0x00, 0x00], 'MM', [0x00, 0x2a]);
const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d], 'IHDR', [0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x08, 0x06]);
const WEBP_LOSSY = bytes('RIFF', [0x24, 0x00, 0x00, 0x00], 'WEBPVP8 ', [0x18, 0x00, 0x00, 0x00]);
const WEBP_EXTENDED = bytes('RIFF', [0x4a, 0x01, 0x00, 0x00], 'WEBPVP8X', [0x0a, 0x00, 0x00, 0x00]);
const HEIC_IPHONE = bytes([0x00, 0x00, 0x00, 0x24], 'ftypheic', [0x00, 0x00, 0x00, 0x00], 'mif1MiHEmiafMiHBheic');
const HEIF_MIF1 = bytes([0x00, 0x00, 0x00, 0x18], 'ftypmif1', [0x00, 0x00, 0x00, 0x00], 'mif1heic');
const HEIC_SEQUENCE = bytes([0x00, 0x00, 0x00, 0x18], 'ftyphevc', [0x00, 0x00, 0x00, 0x00], 'msf1hevc');

describe('detecting the type of a photo', () => {
  it.each([
    ['JPEG (JFIF)', JPEG_JFIF, 'image/jpeg'],
    ['JPEG (Exif, from a phone)', JPEG_EXIF, 'image/jpeg'],
    ['PNG', PNG, 'image/png'],
    ['WebP (lossy)', WEBP_LOSSY, 'image/webp'],
    ['WebP (extended)', WEBP_EXTENDED, 'image/webp'],
    ['HEIC from an iPhone', HEIC_IPHONE, 'image/heic'],
    ['HEIF with the mif1 brand', HEIF_MIF1, 'image/heic'],
    ['an HEVC image sequence', HEIC_SEQUENCE, 'image/heic'],
  ])('%s', (_name, data, type) => {
    expect(detectImageType(data)).toBe(type);
  });

  it.each([
    ['a PDF', bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')],
    ['a GIF', bytes('GIF89a', [0x01, 0x00, 0x01, 0x00])],
    ['plain text', new Uint8Array(Buffer.from('Фото машины: VIN XTA210990Y2766389', 'utf8'))],
    ['HTML', bytes('<!DOCTYPE html><script>')],
    ['SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg">')],
    ['AVIF (mif1 only as a compatible brand)', bytes([0x00, 0x00, 0x00, 0x1c], 'ftypavif', [0x00, 0x00, 0x00, 0x00], 'avifmif1miaf')],
    ['an MP4 video', bytes([0x00, 0x00, 0x00, 0x18], 'ftypisom', [0x00, 0x00, 0x02, 0x00])],
    ['a QuickTime video', bytes([0x00, 0x00, 0x00, 0x14], 'ftypqt  ')],
    ['RIFF that is not WebP (WAV)', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ')],
    ['a ZIP', bytes('PK', [3, 4])],
    ['a cut-off PNG signature', bytes([0x89, 0x50, 0x4e, 0x47])],
    ['a cut-off ftyp box', bytes([0x00, 0x00, 0x00, 0x18], 'ftyphe')],
    ['a JPEG signature not at the start', bytes([0x00, 0xff, 0xd8, 0xff])],
    ['nothing', new Uint8Array()],
  ])('refuses %s', (_name, data) => {
    expect(detectImageType(data)).toBeNull();
  });
});

describe('checking an uploaded photo', () => {
  it('accepts a photo and names its type', () => {
    expect(checkPhoto(HEIC_IPHONE)).toEqual({ ok: true, type: 'image/heic' });
    expect(checkPhoto(JPEG_EXIF, { maxBytes: 1024 })).toEqual({ ok: true, type: 'image/jpeg' });
  });

  it('refuses other types in Russian', () => {
    expect(checkPhoto(bytes('%PDF-1.4\n'))).toEqual({ ok: false, error: 'Загрузите фото в формате JPEG, PNG, WebP или HEIC.' });
    expect(checkPhoto(bytes('GIF87a'))).toEqual({ ok: false, error: PHOTO_TYPE_REFUSED_MESSAGE });
  });

  it('refuses an empty file', () => {
    expect(checkPhoto(new Uint8Array())).toEqual({ ok: false, error: PHOTO_EMPTY_MESSAGE });
  });

  it('allows exactly 10 MiB by default and refuses one byte more', () => {
    expect(DEFAULT_PHOTO_MAX_BYTES).toBe(10 * 1024 * 1024);
    const atLimit = new Uint8Array(DEFAULT_PHOTO_MAX_BYTES);
    atLimit.set(JPEG_JFIF);
    expect(checkPhoto(atLimit)).toEqual({ ok: true, type: 'image/jpeg' });
    const over = new Uint8Array(DEFAULT_PHOTO_MAX_BYTES + 1);
    over.set(JPEG_JFIF);
    expect(checkPhoto(over)).toEqual({ ok: false, error: 'Файл больше 10 МБ.' });
  });

  it('checks the size against the given limit, before the type', () => {
    const photo = new Uint8Array(6 * 1024 * 1024);
    photo.set(PNG);
    expect(checkPhoto(photo, { maxBytes: 5 * 1024 * 1024 })).toEqual({ ok: false, error: 'Файл больше 5 МБ.' });
    expect(checkPhoto(new Uint8Array(2048).fill(0x41), { maxBytes: 1024 })).toEqual({ ok: false, error: 'Файл больше 1 КБ.' });
  });

  it('states the limit rounded down, with a Russian decimal comma', () => {
    expect(photoTooLargeMessage(1.5 * 1024 * 1024)).toBe('Файл больше 1,5 МБ.');
    expect(photoTooLargeMessage(10 * 1024 * 1024 - 1)).toBe('Файл больше 9,9 МБ.');
    expect(photoTooLargeMessage(512 * 1024)).toBe('Файл больше 512 КБ.');
  });

  it('refuses a limit that is not a positive whole number of bytes', () => {
    expect(() => checkPhoto(PNG, { maxBytes: 0 })).toThrow(RangeError);
    expect(() => checkPhoto(PNG, { maxBytes: 1.5 })).toThrow(RangeError);
    expect(() => checkPhoto(PNG, { maxBytes: Number.NaN })).toThrow(RangeError);
  });
});
