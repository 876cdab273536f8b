import { validateVin } from './vin';

/**
 * What a customer types about the pledged car: the registration plate, the numbers of the ПТС (or
 * ЭПТС) and the СТС, year, mileage, make and model. Each check returns the value to store
 * (normalised) or a Russian message for the form. Pure: runs in the browser too.
 */

export type FieldCheck<T> = { ok: true; value: T } | { ok: false; error: string };

/** Whitespace (NBSP included) and the dashes people paste. */
const SEPARATORS = /[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]/g;

/**
 * Latin capitals that look like the Cyrillic ones plates and documents use, as a customer on a
 * Latin keyboard types them: they are the same letters on the plate.
 */
const LATIN_LOOKALIKES: Readonly<Record<string, string>> = {
  A: 'А',
  B: 'В',
  E: 'Е',
  K: 'К',
  M: 'М',
  H: 'Н',
  O: 'О',
  P: 'Р',
  C: 'С',
  T: 'Т',
  Y: 'У',
  X: 'Х',
};

/** Separators dropped, upper case, Latin look-alikes made Cyrillic. */
function normalizeDocumentText(input: string): string {
  let out = '';
  for (const char of input.replace(SEPARATORS, '').toUpperCase()) out += LATIN_LOOKALIKES[char] ?? char;
  return out;
}

/** The twelve letters Russian plates use (those that look the same in Latin; ГОСТ Р 50577). */
export const PLATE_LETTERS = 'АВЕКМНОРСТУХ';

const PLATE = /^([АВЕКМНОРСТУХ])(\d{3})([АВЕКМНОРСТУХ]{2})(\d{2,3})$/;

/** ' a 123 bc 77 ' → 'А123ВС77'. */
export function normalizePlate(input: string): string {
  return normalizeDocumentText(input).replace(/RUS$/, '');
}

/**
 * A standard plate of a private car (type 1): a letter, three digits, two letters, the region code
 * of two or three digits — «А123ВС77», «М001ММ199». Latin look-alikes are accepted and stored
 * Cyrillic, so the same plate is always the same text.
 */
export function validatePlate(input: string): FieldCheck<string> {
  const plate = normalizePlate(input);
  if (plate === '') return { ok: false, error: 'Введите госномер.' };
  const match = PLATE.exec(plate);
  if (!match) {
    return {
      ok: false,
      error: 'Госномер — в формате А123ВС77: буква, три цифры, две буквы и код региона из 2–3 цифр. Буквы — только А, В, Е, К, М, Н, О, Р, С, Т, У, Х.',
    };
  }
  if (match[2] === '000') return { ok: false, error: 'Номера 000 не бывает: проверьте цифры госномера.' };
  if (/^0+$/.test(match[4]!)) return { ok: false, error: 'Код региона не может состоять из нулей: проверьте госномер.' };
  return { ok: true, value: plate };
}

const PAPER_PTS = /^\d{2}[А-ЯЁ]{2}\d{6}$/;
const ELECTRONIC_PTS = /^\d{15}$/;

/**
 * The ПТС number: a paper passport's series (2 digits, 2 Cyrillic letters) and number (6 digits),
 * «77 УХ 123456» → '77УХ123456', or the 15 digits of an electronic one (ЭПТС, since 2020).
 */
export function validatePtsNumber(input: string): FieldCheck<string> {
  const value = normalizeDocumentText(input);
  if (value === '') return { ok: false, error: 'Введите номер ПТС.' };
  if (PAPER_PTS.test(value) || ELECTRONIC_PTS.test(value)) return { ok: true, value };
  return { ok: false, error: 'Номер ПТС — 2 цифры, 2 буквы и 6 цифр (например, 77 УХ 123456) или 15 цифр номера ЭПТС.' };
}

const STS = /^\d{2}(?:[А-ЯЁ]{2}|\d{2})\d{6}$/;

/** The СТС number: a series of 2 digits and 2 letters (or, on newer ones, 4 digits) and 6 digits. */
export function validateStsNumber(input: string): FieldCheck<string> {
  const value = normalizeDocumentText(input);
  if (value === '') return { ok: false, error: 'Введите номер СТС.' };
  if (STS.test(value)) return { ok: true, value };
  return { ok: false, error: 'Номер СТС — серия из 4 знаков (2 цифры и 2 буквы или 4 цифры) и 6 цифр, например 99 ХХ 123456 или 9900 123456.' };
}

/** '77УХ123456' → '******3456': what a reply shows of a document number. */
export function maskDocumentNumber(value: string): string {
  const chars = [...value];
  return `${'*'.repeat(Math.max(0, chars.length - 4))}${chars.slice(-4).join('')}`;
}

export const MIN_VEHICLE_YEAR = 1980;
export const MAX_MILEAGE_KM = 2_000_000;
const NAME_MAX = 60;

export type VehicleInput = {
  vin: string;
  make: string;
  model: string;
  year: number;
  mileageKm: number;
  plate: string;
  ptsNumber: string;
  stsNumber: string;
};

const formatter = new Intl.NumberFormat('ru-RU');

function checkName(value: string, what: 'марку' | 'модель'): FieldCheck<string> {
  const text = value.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (text === '') return { ok: false, error: `Укажите ${what} автомобиля.` };
  if ([...text].length > NAME_MAX) return { ok: false, error: `Не длиннее ${NAME_MAX} символов.` };
  // Letters of any script, digits, spaces and the punctuation model names use (Mercedes-Benz, CX-5, 3/4).
  if (!/^[\p{L}\p{N}][\p{L}\p{N} .,'’/+&()-]*$/u.test(text)) return { ok: false, error: 'Только буквы, цифры, пробелы и знаки - . / +' };
  return { ok: true, value: text };
}

/**
 * Every field of the vehicle step; `currentYear` is the Moscow year of the injected clock (a car
 * of next year's model year is refused until then). Per-field messages, or the values to store.
 */
export function validateVehicle(input: VehicleInput, currentYear: number): { ok: true; value: VehicleInput } | { ok: false; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  const value = { ...input };
  const vin = validateVin(input.vin);
  if (vin.ok) value.vin = vin.vin;
  else fields.vin = vin.error;
  for (const [field, what] of [
    ['make', 'марку'],
    ['model', 'модель'],
  ] as const) {
    const checked = checkName(input[field], what);
    if (checked.ok) value[field] = checked.value;
    else fields[field] = checked.error;
  }
  if (!Number.isInteger(input.year) || input.year < MIN_VEHICLE_YEAR || input.year > currentYear) {
    fields.year = `Год выпуска — от ${MIN_VEHICLE_YEAR} до ${currentYear}.`;
  }
  if (!Number.isInteger(input.mileageKm) || input.mileageKm < 0 || input.mileageKm > MAX_MILEAGE_KM) {
    fields.mileageKm = `Пробег — целое число километров от 0 до ${formatter.format(MAX_MILEAGE_KM)}.`;
  }
  const checks = [
    ['plate', validatePlate(input.plate)],
    ['ptsNumber', validatePtsNumber(input.ptsNumber)],
    ['stsNumber', validateStsNumber(input.stsNumber)],
  ] as const;
  for (const [field, checked] of checks) {
    if (checked.ok) value[field] = checked.value;
    else fields[field] = checked.error;
  }
  return Object.keys(fields).length ? { ok: false, fields } : { ok: true, value };
}
