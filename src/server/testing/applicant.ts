import { expect } from 'vitest';
import { personalInnWithCheckDigits } from '../../core/questionnaire';
import { REQUIRED_PHOTO_KINDS } from '../modules/vehicles/vehicle-step';
import { VEHICLE_PERSONAS } from '../providers/vehicle/sandbox';
import { lastCodeFor, login, nextPhone, runJobs, TEST_ORIGIN, type TestSystem } from './test-system';

export const CLEAN_INN = personalInnWithCheckDigits('7712345678');

/** A complete, valid questionnaire for a clean adult (born 1990, passport issued 2010). */
export function questionnaire(overrides: { passportNumber?: string; inn?: string; monthlyIncome?: number } = {}) {
  return {
    lastName: 'Иванова',
    firstName: 'Мария',
    middleName: 'Петровна',
    birthDate: '1990-05-17',
    birthPlace: 'г. Тверь',
    passport: {
      series: '4510',
      number: overrides.passportNumber ?? '654321',
      issuedAt: '2010-06-01',
      issuer: 'ОВД района Арбат г. Москвы',
      divisionCode: '770-001',
    },
    registrationAddress: 'г. Москва, ул. Арбат, д. 1, кв. 2',
    actualAddress: 'г. Москва, ул. Арбат, д. 1, кв. 2',
    inn: overrides.inn ?? CLEAN_INN,
    email: 'maria@example.ru',
    employment: { type: 'employed', employer: 'ООО «Ромашка»', monthlyIncome: overrides.monthlyIncome ?? 80_000, incomeSource: 'зарплата' },
  };
}

/** The API as a logged-in browser would call it (same origin, JSON, the session cookie). */
export function customerClient(sys: TestSystem, cookie: string) {
  const send = (method: 'POST' | 'PATCH' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = {}) =>
    sys.app.inject({
      method,
      url,
      headers: { origin: TEST_ORIGIN, cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  return {
    cookie,
    post: (url: string, body?: unknown) => send('POST', url, body),
    put: (url: string, body: unknown) => send('PUT', url, body),
    /** Raw bytes, as the browser uploads a photo (application/octet-stream unless told otherwise). */
    upload: (url: string, bytes: Buffer, contentType: string | null = 'application/octet-stream') =>
      sys.app.inject({
        method: 'POST',
        url,
        headers: { origin: TEST_ORIGIN, cookie, ...(contentType ? { 'content-type': contentType } : {}) },
        payload: bytes,
      }),
    get: (url: string) => sys.get(url, { cookie }),
    create: (body: unknown = { product: 'pdl', amount: 10_000, term: 30 }) => send('POST', '/api/applications', body),
    patch: (id: string, body: unknown) => send('PATCH', `/api/applications/${id}`, body),
    consents: (id: string, kinds: string[] = ['personal_data', 'credit_history', 'simple_signature']) =>
      send('POST', `/api/applications/${id}/consents`, { kinds }),
    submit: (id: string) => send('POST', `/api/applications/${id}/submit`),
    /** Starts a repayment; `key` is the Idempotency-Key (omitted when null). */
    pay: (loanId: string, body: unknown, key: string | null) => send('POST', `/api/loans/${loanId}/payments`, body, key === null ? {} : { 'idempotency-key': key }),
  };
}

/** A clean car of the sandbox (VEHICLE_PERSONAS.clean), as a borrower types it. */
export const TEST_VEHICLE = {
  vin: VEHICLE_PERSONAS.clean.vin,
  make: 'LADA',
  model: 'Vesta',
  year: 2020,
  mileageKm: 60_000,
  plate: 'a123bc77',
  ptsNumber: '77 УХ 123456',
  stsNumber: '9900 654321',
};

/** Bytes a JPEG starts with, then something distinct per photo. */
export const jpegBytes = (label: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from(`JFIF-${label}`)]);

/** The vehicle step of a car application: the car's data and one photo of every required kind. */
export async function completeVehicleStep(api: ReturnType<typeof customerClient>, applicationId: string, vehicle: object = TEST_VEHICLE) {
  const saved = await api.put(`/api/applications/${applicationId}/vehicle`, vehicle);
  expect(saved.statusCode, saved.body).toBe(200);
  for (const kind of REQUIRED_PHOTO_KINDS) {
    const uploaded = await api.upload(`/api/applications/${applicationId}/vehicle/photos?kind=${kind}`, jpegBytes(kind));
    expect(uploaded.statusCode, uploaded.body).toBe(201);
  }
}

/** Logs in a new customer and takes an application all the way to a decision (a car application with its vehicle step). */
export async function decidedApplication(
  sys: TestSystem,
  loan = { product: 'pdl', amount: 10_000, term: 30 },
  overrides: Parameters<typeof questionnaire>[0] = {},
  vehicle: object = TEST_VEHICLE,
) {
  const phone = nextPhone();
  const api = customerClient(sys, await login(sys, phone));
  const created = await api.create(loan);
  expect(created.statusCode).toBe(201);
  const id = created.json().id as string;
  expect((await api.patch(id, questionnaire(overrides))).statusCode).toBe(200);
  expect((await api.consents(id)).statusCode).toBe(200);
  if (created.json().vehicle !== null) await completeVehicleStep(api, id, vehicle);
  const submitted = await api.submit(id);
  expect(submitted.statusCode, submitted.body).toBe(202);
  await runJobs(sys);
  return { api, id, phone, application: (await api.get(`/api/applications/${id}`)).json() };
}

/** An approved application signed with cash payout and paid out: an active loan. */
export async function activeLoan(sys: TestSystem, loan = { product: 'pdl', amount: 10_000, term: 30 }) {
  const decided = await decidedApplication(sys, loan);
  expect(decided.application.status).toBe('approved');
  const { api, id, phone } = decided;
  expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'cash' })).statusCode).toBe(200);
  sys.clock.advance(61_000); // the per-phone gap between SMS codes
  expect((await api.post(`/api/applications/${id}/sign/otp`)).statusCode).toBe(200);
  const signed = await api.post(`/api/applications/${id}/sign`, { code: await lastCodeFor(sys, phone) });
  expect(signed.statusCode, signed.body).toBe(200);
  const loanId = signed.json().loanId as string;
  await runJobs(sys);
  expect((await api.get(`/api/loans/${loanId}`)).json().status).toBe('active');
  return { api, phone, applicationId: id, loanId };
}
