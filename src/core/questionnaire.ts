import { addMonths, isBusinessDate, type BusinessDate } from './dates';

/**
 * The loan questionnaire: its fields and the rules each must meet. Pure and shared: the browser
 * checks as the borrower types, the server repeats every check. Messages are Russian, keyed by the
 * field's path (`passport.series`), as the API reports them.
 */

export const EMPLOYMENT_TYPES = ['employed', 'self_employed', 'pensioner', 'student', 'unemployed'] as const;
export type EmploymentType = (typeof EMPLOYMENT_TYPES)[number];

export type Passport = {
  series: string;
  number: string;
  issuedAt: BusinessDate;
  issuer: string;
  divisionCode: string;
};

export type Employment = {
  type: EmploymentType;
  employer?: string;
  monthlyIncome: number;
  incomeSource?: string;
};

export type Questionnaire = {
  lastName: string;
  firstName: string;
  middleName?: string;
  birthDate: BusinessDate;
  birthPlace: string;
  passport: Passport;
  registrationAddress: string;
  actualAddress: string;
  inn: string;
  email: string;
  employment: Employment;
};

/** Fields that must be present before submitting (middleName, employer, incomeSource are optional). */
export const REQUIRED_FIELDS = [
  'lastName',
  'firstName',
  'birthDate',
  'birthPlace',
  'passport.series',
  'passport.number',
  'passport.issuedAt',
  'passport.issuer',
  'passport.divisionCode',
  'registrationAddress',
  'actualAddress',
  'inn',
  'email',
  'employment.type',
  'employment.monthlyIncome',
] as const;

export const MIN_AGE = 18;
export const MAX_AGE = 75;
export const PASSPORT_MIN_AGE = 14;

export type FieldErrors = Record<string, string>;

const NAME_RE = /^[А-ЯЁа-яё][А-ЯЁа-яё' -]{0,59}$/;

/** Whole years between two dates (a birthday on 29 February counts on 28 February). */
export function ageOn(birthDate: BusinessDate, date: BusinessDate): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** 12-digit ИНН of a person, with both check digits (ФНС algorithm). */
export function isValidPersonalInn(inn: string): boolean {
  if (!/^\d{12}$/.test(inn)) return false;
  const d = inn.split('').map(Number);
  const check = (weights: number[]) => (weights.reduce((sum, w, i) => sum + w * d[i]!, 0) % 11) % 10;
  return check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[10] && check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[11];
}

/** Appends the two check digits to ten digits: for tests and sandbox personas. */
export function personalInnWithCheckDigits(first10: string): string {
  const d = first10.split('').map(Number);
  const n11 = ([7, 2, 4, 10, 3, 5, 9, 4, 6, 8].reduce((s, w, i) => s + w * d[i]!, 0) % 11) % 10;
  d.push(n11);
  const n12 = ([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8].reduce((s, w, i) => s + w * d[i]!, 0) % 11) % 10;
  return `${first10}${n11}${n12}`;
}

export function isValidEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(email);
}

export type PartialQuestionnaire = Partial<Omit<Questionnaire, 'passport' | 'employment'>> & {
  passport?: Partial<Passport>;
  employment?: Partial<Employment>;
};

/**
 * Checks whatever fields are present (a draft is saved field by field). `today` is the application
 * date in Moscow, for the age and date rules.
 */
export function validateQuestionnaire(q: PartialQuestionnaire, today: BusinessDate): FieldErrors {
  const errors: FieldErrors = {};
  // An empty string clears a draft's field; whether it is required is checked at submit.
  const text = (path: string, value: string | undefined, max: number, _label: string) => {
    if (value === undefined || value === '') return;
    if (value.trim().length === 0) errors[path] = 'Поле не может состоять из одних пробелов.';
    else if (value.length > max) errors[path] = `Не длиннее ${max} символов.`;
  };
  const name = (path: string, value: string | undefined, label: string) => {
    if (value === undefined || value === '') return;
    if (!NAME_RE.test(value.trim())) errors[path] = `${label}: только русские буквы, дефис, апостроф и пробел.`;
  };
  name('lastName', q.lastName, 'Фамилия');
  name('firstName', q.firstName, 'Имя');
  name('middleName', q.middleName, 'Отчество');

  if (q.birthDate !== undefined) {
    if (!isBusinessDate(q.birthDate)) errors.birthDate = 'Дата рождения — в формате ДД.ММ.ГГГГ.';
    else {
      const age = ageOn(q.birthDate, today);
      if (age < MIN_AGE) errors.birthDate = `Займ можно получить с ${MIN_AGE} лет.`;
      else if (age > MAX_AGE) errors.birthDate = `Займ можно получить до ${MAX_AGE} лет включительно.`;
    }
  }
  text('birthPlace', q.birthPlace, 200, 'Место рождения');

  const p = q.passport;
  if (p) {
    if (p.series !== undefined && !/^\d{4}$/.test(p.series)) errors['passport.series'] = 'Серия паспорта — 4 цифры.';
    if (p.number !== undefined && !/^\d{6}$/.test(p.number)) errors['passport.number'] = 'Номер паспорта — 6 цифр.';
    if (p.issuedAt !== undefined) {
      if (!isBusinessDate(p.issuedAt)) errors['passport.issuedAt'] = 'Дата выдачи — в формате ДД.ММ.ГГГГ.';
      else if (p.issuedAt > today) errors['passport.issuedAt'] = 'Дата выдачи не может быть в будущем.';
      else if (q.birthDate !== undefined && isBusinessDate(q.birthDate) && p.issuedAt < addMonths(q.birthDate, PASSPORT_MIN_AGE * 12)) {
        errors['passport.issuedAt'] = 'Паспорт выдают с 14 лет: проверьте дату выдачи и дату рождения.';
      }
    }
    text('passport.issuer', p.issuer, 300, 'Кем выдан');
    if (p.divisionCode !== undefined && !/^\d{3}-\d{3}$/.test(p.divisionCode)) {
      errors['passport.divisionCode'] = 'Код подразделения — в формате 000-000.';
    }
  }
  text('registrationAddress', q.registrationAddress, 300, 'Адрес регистрации');
  text('actualAddress', q.actualAddress, 300, 'Адрес проживания');
  if (q.inn !== undefined && !isValidPersonalInn(q.inn)) errors.inn = 'ИНН — 12 цифр; проверьте номер: контрольные цифры не сходятся.';
  if (q.email !== undefined && !isValidEmail(q.email)) errors.email = 'Проверьте адрес электронной почты.';

  const e = q.employment;
  if (e) {
    if (e.type !== undefined && !EMPLOYMENT_TYPES.includes(e.type)) errors['employment.type'] = 'Выберите вид занятости.';
    text('employment.employer', e.employer, 200, 'Работодатель');
    if (e.monthlyIncome !== undefined && (!Number.isSafeInteger(e.monthlyIncome) || e.monthlyIncome <= 0 || e.monthlyIncome > 100_000_000)) {
      errors['employment.monthlyIncome'] = 'Доход — целое число рублей больше нуля.';
    }
    text('employment.incomeSource', e.incomeSource, 200, 'Источник дохода');
  }
  return errors;
}

/** Paths of required fields that are still empty (the employer is required of the employed). */
export function missingFields(q: PartialQuestionnaire): string[] {
  const required: string[] = [...REQUIRED_FIELDS];
  if (q.employment?.type === 'employed') required.push('employment.employer');
  return required.filter((path) => {
    const [head, tail] = path.split('.') as [keyof PartialQuestionnaire, string | undefined];
    const value = tail ? (q[head] as Record<string, unknown> | undefined)?.[tail] : q[head];
    return value === undefined || value === '' || value === null;
  });
}
