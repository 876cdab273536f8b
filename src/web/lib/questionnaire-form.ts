/**
 * The questionnaire as a form: its steps, the text each field holds while typed, and the way
 * between that text and the API (`PATCH /api/applications/:id`). Pure functions, no DOM
 * (unit-tested in questionnaire-form.test.ts). Every rule and message comes from the shared core
 * (`validateQuestionnaire`), so the browser says what the server would.
 */
import {
  EMPLOYMENT_TYPES,
  REQUIRED_FIELDS,
  type EmploymentType,
  type PartialQuestionnaire,
  validateQuestionnaire,
} from '../../core/questionnaire';
import type { ApplicationPatch, ConsentDocument, ConsentKind, GrantedConsent, VehicleStep } from './api';
import { parseWholeNumber } from './loan-choice';
import { formatInputNumber } from './loan-format';
import { isoToRuDate, ruDateToIso } from './masks';

export const FIELD_PATHS = [
  'lastName',
  'firstName',
  'middleName',
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
  'employment.employer',
  'employment.monthlyIncome',
  'employment.incomeSource',
] as const;

export type FieldPath = (typeof FIELD_PATHS)[number];

/** Every field as the text in its input (dates as `ДД.ММ.ГГГГ`, the income as `80 000`). */
export type FormValues = Record<FieldPath, string>;

export const emptyValues = (): FormValues =>
  Object.fromEntries(FIELD_PATHS.map((path) => [path, ''])) as FormValues;

export type StepId = 'person' | 'passport' | 'address' | 'contacts' | 'employment' | 'loan' | 'vehicle' | 'consents' | 'review';

export type Step = {
  id: StepId;
  /** The step's heading. */
  title: string;
  /** Its name in the progress bar and the review. */
  short: string;
  fields: readonly FieldPath[];
};

/** The steps of an unsecured loan's application (a car-secured one adds VEHICLE_STEP: `stepsFor`). */
export const STEPS: readonly Step[] = [
  { id: 'person', title: 'ФИО, дата и место рождения', short: 'Личные данные', fields: ['lastName', 'firstName', 'middleName', 'birthDate', 'birthPlace'] },
  {
    id: 'passport',
    title: 'Паспорт',
    short: 'Паспорт',
    fields: ['passport.series', 'passport.number', 'passport.issuedAt', 'passport.issuer', 'passport.divisionCode'],
  },
  { id: 'address', title: 'Адреса', short: 'Адреса', fields: ['registrationAddress', 'actualAddress'] },
  { id: 'contacts', title: 'ИНН и электронная почта', short: 'ИНН и почта', fields: ['inn', 'email'] },
  {
    id: 'employment',
    title: 'Работа и доход',
    short: 'Работа и доход',
    fields: ['employment.type', 'employment.employer', 'employment.monthlyIncome', 'employment.incomeSource'],
  },
  { id: 'loan', title: 'Сумма и срок займа', short: 'Заём', fields: [] },
  { id: 'consents', title: 'Согласия', short: 'Согласия', fields: [] },
  { id: 'review', title: 'Проверьте заявку', short: 'Проверка', fields: [] },
];

/** A loan secured by a car: the car's data and photos, after the loan is chosen (the product decides it). */
export const VEHICLE_STEP: Step = { id: 'vehicle', title: 'Автомобиль в залог', short: 'Автомобиль', fields: [] };

/** With a car in pledge: the questionnaire, the loan, the car, then the consents and the review. */
export const CAR_STEPS: readonly Step[] = [...STEPS.slice(0, -2), VEHICLE_STEP, ...STEPS.slice(-2)];

/** The steps of an application for this product: with the vehicle step when it is secured by a car. */
export const stepsFor = (securedByCar: boolean): readonly Step[] => (securedByCar ? CAR_STEPS : STEPS);

/** The questionnaire proper: «Шаг N из 6» counts these; consents and review come after. */
export const QUESTIONNAIRE_STEP_COUNT = 6;

/** «Шаг N из …»: every step but the consents and the review (7 with the car). */
export const questionnaireStepCount = (steps: readonly Step[]): number => steps.length - 2;

export const stepIndex = (id: StepId, steps: readonly Step[] = STEPS): number => steps.findIndex((step) => step.id === id);

export const isStepId = (value: string | null, steps: readonly Step[] = STEPS): value is StepId => steps.some((step) => step.id === value);

export const EMPLOYMENT_LABELS: Record<EmploymentType, string> = {
  employed: 'Работаю по найму',
  self_employed: 'Самозанятый или ИП',
  pensioner: 'Пенсионер',
  student: 'Студент',
  unemployed: 'Не работаю',
};

export const isEmploymentType = (value: string): value is EmploymentType => (EMPLOYMENT_TYPES as readonly string[]).includes(value);

/** Whether the field must be filled before submitting (the employer only for the employed). */
export const isRequired = (path: FieldPath, values: FormValues): boolean =>
  (REQUIRED_FIELDS as readonly string[]).includes(path) || (path === 'employment.employer' && values['employment.type'] === 'employed');

/** Whether the field is shown: the employer only for the employed. */
export const isShown = (path: FieldPath, values: FormValues): boolean =>
  path !== 'employment.employer' || values['employment.type'] === 'employed';

/** The step a server field path belongs to (`passport.series` → passport, `amount` → loan, `consents.x` → consents). */
export const stepOfPath = (path: string): StepId | null => {
  if (path === 'product' || path === 'amount' || path === 'term' || path === 'date') return 'loan';
  if (path.startsWith('consents.')) return 'consents';
  if (path === 'vehicle' || path.startsWith('vehicle.')) return 'vehicle';
  const step = STEPS.find((s) => (s.fields as readonly string[]).includes(path));
  return step ? step.id : null;
};

const DATE_FIELDS: readonly FieldPath[] = ['birthDate', 'passport.issuedAt'];
const TRIMMED_FIELDS: readonly FieldPath[] = ['passport.series', 'passport.number', 'passport.divisionCode', 'inn', 'email'];

/** One field's text as the API value: dates to ISO, the income to a number, codes and email trimmed. */
const apiValue = (path: FieldPath, text: string): string | number => {
  if (DATE_FIELDS.includes(path)) return ruDateToIso(text) ?? text.trim();
  if (path === 'employment.monthlyIncome') return parseWholeNumber(text) ?? Number.NaN;
  if (TRIMMED_FIELDS.includes(path)) return text.trim();
  return text;
};

const setPath = (target: Record<string, unknown>, path: FieldPath, value: unknown) => {
  const [head, tail] = path.split('.') as [string, string | undefined];
  if (tail === undefined) {
    target[head] = value;
    return;
  }
  const nested = (target[head] ??= {}) as Record<string, unknown>;
  nested[tail] = value;
};

/** The filled fields among `paths` as a questionnaire (what the core rules and the API take). */
export const toQuestionnaire = (values: FormValues, paths: readonly FieldPath[] = FIELD_PATHS): PartialQuestionnaire => {
  const q: Record<string, unknown> = {};
  for (const path of paths) {
    const text = values[path];
    if (text.trim() === '') continue;
    setPath(q, path, apiValue(path, text));
  }
  return q as PartialQuestionnaire;
};

/** The server's questionnaire as the form's text. */
export const toFormValues = (q: PartialQuestionnaire): FormValues => {
  const values = emptyValues();
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  values.lastName = text(q.lastName);
  values.firstName = text(q.firstName);
  values.middleName = text(q.middleName);
  values.birthDate = isoToRuDate(q.birthDate);
  values.birthPlace = text(q.birthPlace);
  values['passport.series'] = text(q.passport?.series);
  values['passport.number'] = text(q.passport?.number);
  values['passport.issuedAt'] = isoToRuDate(q.passport?.issuedAt);
  values['passport.issuer'] = text(q.passport?.issuer);
  values['passport.divisionCode'] = text(q.passport?.divisionCode);
  values.registrationAddress = text(q.registrationAddress);
  values.actualAddress = text(q.actualAddress);
  values.inn = text(q.inn);
  values.email = text(q.email);
  values['employment.type'] = text(q.employment?.type);
  values['employment.employer'] = text(q.employment?.employer);
  const income = q.employment?.monthlyIncome;
  values['employment.monthlyIncome'] = typeof income === 'number' && Number.isSafeInteger(income) ? formatInputNumber(income) : '';
  values['employment.incomeSource'] = text(q.employment?.incomeSource);
  return values;
};

/** What the server says about a required field left empty at submit: the same words here. */
export const REQUIRED_MESSAGE = 'Заполните это поле.';

/**
 * The message for each of `paths`, by the core rules, checked against the whole form (so the issue
 * date is checked against the birth date). An empty field is an error only when `requireFilled`
 * (on «Далее»): nobody wants «Заполните это поле» for a field they have not reached yet.
 */
export const checkFields = (
  values: FormValues,
  today: string,
  paths: readonly FieldPath[],
  { requireFilled }: { requireFilled: boolean },
): Partial<Record<FieldPath, string>> => {
  const all = validateQuestionnaire(toQuestionnaire(values), today);
  const errors: Partial<Record<FieldPath, string>> = {};
  for (const path of paths) {
    if (!isShown(path, values)) continue;
    if (values[path].trim() === '') {
      if (requireFilled && isRequired(path, values)) errors[path] = REQUIRED_MESSAGE;
      continue;
    }
    const message = all[path];
    if (message) errors[path] = message;
  }
  return errors;
};

/**
 * The body of an autosave: those of `paths` that are filled and pass the core rules, so one field
 * being typed cannot hold back the others. A cleared middle name is sent as '' (the server clears
 * it); other fields cannot be cleared on the server, so an emptied one is simply not sent.
 */
export const buildPatch = (values: FormValues, today: string, paths: readonly FieldPath[]): { patch: ApplicationPatch; sent: FieldPath[] } => {
  const errors = checkFields(values, today, paths, { requireFilled: false });
  const sendable = paths.filter((path) => !errors[path] && (values[path].trim() !== '' || path === 'middleName'));
  const patch: Record<string, unknown> = {};
  for (const path of sendable) setPath(patch, path, values[path].trim() === '' ? '' : apiValue(path, values[path]));
  return { patch: patch as ApplicationPatch, sent: sendable };
};

/** Whether every required field of a step is filled, by the server's list of missing paths. */
export const isStepComplete = (step: Step, missing: readonly string[]): boolean =>
  step.fields.every((path) => !missing.includes(path));

/** Required consents whose current version is not granted yet. */
export const missingConsents = (documents: readonly ConsentDocument[], granted: readonly GrantedConsent[]): ConsentKind[] =>
  documents.filter((doc) => doc.required && !granted.some((g) => g.kind === doc.kind && g.current)).map((doc) => doc.kind);

/**
 * Where a reopened draft continues: the first questionnaire step with a required field missing,
 * else (a car-secured loan) the vehicle step while it is not done, else the consents while a
 * required one is not given, else the review.
 */
export const firstIncompleteStep = (
  missing: readonly string[],
  consentsMissing: readonly ConsentKind[],
  vehicle: VehicleStep | null | undefined = null,
): StepId => {
  const step = STEPS.slice(0, QUESTIONNAIRE_STEP_COUNT).find((s) => !isStepComplete(s, missing));
  if (step) return step.id;
  if (vehicle && !vehicle.complete) return 'vehicle';
  return consentsMissing.length > 0 ? 'consents' : 'review';
};

/**
 * The step to open: the one asked for (from the address) when it is not past the first incomplete
 * one, else the first incomplete one, so a reload continues where the borrower stopped.
 */
export const initialStep = (requested: string | null, firstIncomplete: StepId, steps: readonly Step[] = STEPS): StepId =>
  isStepId(requested, steps) && stepIndex(requested, steps) <= stepIndex(firstIncomplete, steps) ? requested : firstIncomplete;

/** Each field's name, for the review and for the list of problems after a refused submit. */
export const FIELD_LABELS: Record<FieldPath, string> = {
  lastName: 'Фамилия',
  firstName: 'Имя',
  middleName: 'Отчество',
  birthDate: 'Дата рождения',
  birthPlace: 'Место рождения',
  'passport.series': 'Серия паспорта',
  'passport.number': 'Номер паспорта',
  'passport.issuedAt': 'Дата выдачи',
  'passport.issuer': 'Кем выдан',
  'passport.divisionCode': 'Код подразделения',
  registrationAddress: 'Адрес регистрации',
  actualAddress: 'Адрес проживания',
  inn: 'ИНН',
  email: 'Электронная почта',
  'employment.type': 'Занятость',
  'employment.employer': 'Место работы',
  'employment.monthlyIncome': 'Доход в месяц',
  'employment.incomeSource': 'Источник дохода',
};

/** Whether the actual address box starts ticked: a fresh draft, or the two addresses the same. */
export const initialSameAddress = (values: FormValues): boolean =>
  values.actualAddress === '' ? values.registrationAddress === '' : values.actualAddress === values.registrationAddress;
