import { describe, expect, it } from 'vitest';
import { REQUIRED_FIELDS, missingFields, personalInnWithCheckDigits } from '../../core/questionnaire';
import type { ConsentDocument, GrantedConsent } from './api';
import {
  FIELD_PATHS,
  REQUIRED_MESSAGE,
  CAR_STEPS,
  STEPS,
  buildPatch,
  isStepId,
  questionnaireStepCount,
  stepIndex,
  stepsFor,
  checkFields,
  emptyValues,
  firstIncompleteStep,
  initialSameAddress,
  initialStep,
  isStepComplete,
  missingConsents,
  stepOfPath,
  toFormValues,
  toQuestionnaire,
  type FormValues,
} from './questionnaire-form';

const TODAY = '2026-11-26';
const CLEAN_INN = personalInnWithCheckDigits('7712345678');

const filled = (): FormValues => ({
  ...emptyValues(),
  lastName: 'Иванова',
  firstName: 'Мария',
  middleName: 'Петровна',
  birthDate: '17.05.1990',
  birthPlace: 'г. Тверь',
  'passport.series': '4510',
  'passport.number': '654321',
  'passport.issuedAt': '01.06.2010',
  'passport.issuer': 'ОВД района Арбат г. Москвы',
  'passport.divisionCode': '770-001',
  registrationAddress: 'г. Москва, ул. Арбат, д. 1, кв. 2',
  actualAddress: 'г. Москва, ул. Арбат, д. 1, кв. 2',
  inn: CLEAN_INN,
  email: 'maria@example.ru',
  'employment.type': 'employed',
  'employment.employer': 'ООО «Ромашка»',
  'employment.monthlyIncome': '80 000',
  'employment.incomeSource': 'зарплата',
});

describe('the steps', () => {
  it('add the vehicle step between the loan and the consents for a car in pledge', () => {
    expect(stepsFor(false)).toBe(STEPS);
    expect(stepsFor(true).map((step) => step.id)).toEqual(['person', 'passport', 'address', 'contacts', 'employment', 'loan', 'vehicle', 'consents', 'review']);
    expect(questionnaireStepCount(STEPS)).toBe(6);
    expect(questionnaireStepCount(CAR_STEPS)).toBe(7);
    expect(stepIndex('consents', CAR_STEPS)).toBe(7);
    expect(isStepId('vehicle')).toBe(false);
    expect(isStepId('vehicle', CAR_STEPS)).toBe(true);
    expect(stepOfPath('vehicle')).toBe('vehicle');
    expect(stepOfPath('vehicle.photos.front')).toBe('vehicle');
  });

  it('cover every questionnaire field exactly once', () => {
    const fields = STEPS.flatMap((step) => step.fields);
    expect([...fields].sort()).toEqual([...FIELD_PATHS].sort());
  });

  it('cover every required field of the core', () => {
    for (const path of REQUIRED_FIELDS) expect(stepOfPath(path), path).not.toBeNull();
  });

  it('map the server field paths to their steps', () => {
    expect(stepOfPath('passport.series')).toBe('passport');
    expect(stepOfPath('employment.employer')).toBe('employment');
    expect(stepOfPath('amount')).toBe('loan');
    expect(stepOfPath('consents.credit_history')).toBe('consents');
    expect(stepOfPath('unknown')).toBeNull();
  });
});

describe('form text ↔ API values', () => {
  it('converts dates, the income and trims codes', () => {
    const q = toQuestionnaire({ ...filled(), email: ' maria@example.ru ' });
    expect(q).toMatchObject({
      birthDate: '1990-05-17',
      passport: { issuedAt: '2010-06-01', series: '4510', divisionCode: '770-001' },
      email: 'maria@example.ru',
      employment: { type: 'employed', monthlyIncome: 80_000 },
    });
  });

  it('leaves out empty fields', () => {
    expect(toQuestionnaire({ ...emptyValues(), lastName: 'Иванова', 'passport.series': '4510' })).toEqual({
      lastName: 'Иванова',
      passport: { series: '4510' },
    });
  });

  it('round-trips the server questionnaire', () => {
    const values = filled();
    expect(toFormValues(toQuestionnaire(values))).toEqual(values);
    expect(toFormValues({})).toEqual(emptyValues());
  });

  it('a complete form has nothing missing by the core rule', () => {
    expect(missingFields(toQuestionnaire(filled()))).toEqual([]);
  });
});

describe('checking fields with the core rules', () => {
  it('says nothing about a valid form', () => {
    expect(checkFields(filled(), TODAY, FIELD_PATHS, { requireFilled: true })).toEqual({});
  });

  it('uses the core messages (the server says the same)', () => {
    const values = { ...filled(), inn: '771234567890', 'passport.series': '451', birthDate: '17.05.19' };
    expect(checkFields(values, TODAY, ['inn', 'passport.series', 'birthDate'], { requireFilled: false })).toEqual({
      inn: 'ИНН — 12 цифр; проверьте номер: контрольные цифры не сходятся.',
      'passport.series': 'Серия паспорта — 4 цифры.',
      birthDate: 'Дата рождения — в формате ДД.ММ.ГГГГ.',
    });
  });

  it('checks the issue date against the birth date', () => {
    const values = { ...filled(), 'passport.issuedAt': '16.05.2004' };
    expect(checkFields(values, TODAY, ['passport.issuedAt'], { requireFilled: false })['passport.issuedAt']).toMatch(/с 14 лет/);
  });

  it('flags an empty required field only when asked to (on «Далее»)', () => {
    const values = { ...filled(), lastName: '', middleName: '' };
    expect(checkFields(values, TODAY, ['lastName', 'middleName'], { requireFilled: false })).toEqual({});
    expect(checkFields(values, TODAY, ['lastName', 'middleName'], { requireFilled: true })).toEqual({ lastName: REQUIRED_MESSAGE });
  });

  it('asks for the employer only of the employed', () => {
    const values = { ...filled(), 'employment.employer': '' };
    expect(checkFields(values, TODAY, ['employment.employer'], { requireFilled: true })).toEqual({ 'employment.employer': REQUIRED_MESSAGE });
    expect(checkFields({ ...values, 'employment.type': 'pensioner' }, TODAY, ['employment.employer'], { requireFilled: true })).toEqual({});
  });

  it('refuses an income that is not a whole number', () => {
    const values = { ...filled(), 'employment.monthlyIncome': '80 000,50' };
    expect(checkFields(values, TODAY, ['employment.monthlyIncome'], { requireFilled: true })).toEqual({
      'employment.monthlyIncome': 'Доход — целое число рублей больше нуля.',
    });
  });
});

describe('the autosave patch', () => {
  it('sends only the valid, filled fields asked for', () => {
    const values = { ...emptyValues(), lastName: 'Иванова', inn: '7712', 'passport.series': '4510', birthDate: '17.05.1990' };
    const { patch, sent } = buildPatch(values, TODAY, ['lastName', 'inn', 'passport.series', 'birthDate', 'firstName']);
    expect(patch).toEqual({ lastName: 'Иванова', passport: { series: '4510' }, birthDate: '1990-05-17' });
    expect(sent).toEqual(['lastName', 'passport.series', 'birthDate']);
  });

  it('clears a middle name with an empty string', () => {
    const { patch, sent } = buildPatch({ ...filled(), middleName: '' }, TODAY, ['middleName']);
    expect(patch).toEqual({ middleName: '' });
    expect(sent).toEqual(['middleName']);
  });

  it('sends the income as a number of rubles', () => {
    expect(buildPatch(filled(), TODAY, ['employment.monthlyIncome']).patch).toEqual({ employment: { monthlyIncome: 80_000 } });
  });
});

describe('where a draft continues', () => {
  const docs: ConsentDocument[] = [
    { kind: 'personal_data', title: 'ПД', required: true, version: 'a', text: '' },
    { kind: 'credit_history', title: 'КИ', required: true, version: 'b', text: '' },
    { kind: 'marketing', title: 'Реклама', required: false, version: 'c', text: '' },
  ];
  const grant = (kind: GrantedConsent['kind'], current = true): GrantedConsent => ({ kind, version: 'x', grantedAt: '2026-11-26T10:00:00Z', current });

  it('knows which required consents are missing (an outdated version counts as missing)', () => {
    expect(missingConsents(docs, [])).toEqual(['personal_data', 'credit_history']);
    expect(missingConsents(docs, [grant('personal_data'), grant('credit_history', false)])).toEqual(['credit_history']);
    expect(missingConsents(docs, [grant('personal_data'), grant('credit_history')])).toEqual([]);
  });

  it('is the first step with a required field missing', () => {
    expect(firstIncompleteStep(missingFields({}), ['personal_data'])).toBe('person');
    const q = toQuestionnaire({ ...filled(), 'passport.number': '', inn: '' });
    expect(firstIncompleteStep(missingFields(q), [])).toBe('passport');
    expect(isStepComplete(STEPS[0]!, missingFields(q))).toBe(true);
    expect(isStepComplete(STEPS[1]!, missingFields(q))).toBe(false);
  });

  it('is the consents, then the review, once the questionnaire is complete', () => {
    expect(firstIncompleteStep([], ['personal_data'])).toBe('consents');
    expect(firstIncompleteStep([], [])).toBe('review');
  });

  it('with a car in pledge: the vehicle step after the loan while it is not done, then the consents', () => {
    const vehicle = { complete: false, missing: ['photos.front'] };
    expect(firstIncompleteStep([], ['personal_data'], vehicle)).toBe('vehicle');
    expect(firstIncompleteStep(missingFields({}), [], vehicle)).toBe('person');
    expect(firstIncompleteStep([], ['personal_data'], { complete: true, missing: [] })).toBe('consents');
    expect(firstIncompleteStep([], [], null)).toBe('review');
    expect(initialStep('vehicle', 'review', CAR_STEPS)).toBe('vehicle');
    expect(initialStep('consents', 'vehicle', CAR_STEPS)).toBe('vehicle');
    expect(initialStep('vehicle', 'review')).toBe('review');
  });

  it('honours a step in the address only up to the first incomplete one', () => {
    expect(initialStep('person', 'address')).toBe('person');
    expect(initialStep('address', 'address')).toBe('address');
    expect(initialStep('review', 'address')).toBe('address');
    expect(initialStep('nonsense', 'contacts')).toBe('contacts');
    expect(initialStep(null, 'person')).toBe('person');
  });

  it('ticks «совпадает с адресом регистрации» for a fresh draft or equal addresses', () => {
    expect(initialSameAddress(emptyValues())).toBe(true);
    expect(initialSameAddress(filled())).toBe(true);
    expect(initialSameAddress({ ...filled(), actualAddress: 'г. Тверь' })).toBe(false);
    expect(initialSameAddress({ ...filled(), actualAddress: '' })).toBe(false);
  });
});
