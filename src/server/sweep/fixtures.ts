import { expect } from 'vitest';
import { activeLoan, customerClient } from '../testing/applicant';
import { VEHICLE_PERSONAS } from '../providers/vehicle/sandbox';
import { login, runJobs, TEST_ORIGIN, type TestSystem } from '../testing/test-system';

/**
 * A customer who owns one of everything a customer route can name by id: the application behind an
 * active loan, the loan, a paid repayment, a support request with a message and a file, and a
 * second live session. The security sweep points routes at these ids: the fuzz to get past "not
 * found" into the code behind, the two-customer test to aim one customer at another's rows.
 */

export type Resources = {
  phone: string;
  customerId: string;
  cookie: string;
  applicationId: string;
  loanId: string;
  paymentId: string;
  ticketId: string;
  messageId: string;
  attachmentId: string;
  /** A second session of the same customer (not the one in `cookie`). */
  otherSessionId: string;
  /** A draft application for a loan secured by a car, with its vehicle saved and one photo. */
  carApplicationId: string;
  vehiclePhotoId: string;
};

/** A valid vehicle step (the sandbox's clean car). */
export const VEHICLE = {
  vin: VEHICLE_PERSONAS.clean.vin,
  make: 'LADA',
  model: 'Vesta',
  year: 2020,
  mileageKm: 60_000,
  plate: 'А123ВС77',
  ptsNumber: '77 УХ 123456',
  stsNumber: '9900 123456',
};

/** The smallest PNG head: support files are typed by their bytes, and this is enough for PNG. */
export const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-image-data')]);

export const SAME_ORIGIN = { origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin' } as const;

export async function customerWithResources(system: TestSystem): Promise<Resources> {
  const { api, phone, applicationId, loanId } = await activeLoan(system);
  const customerId = ((await api.get('/api/me')).json() as { id: string }).id;

  // A part repayment, paid on the sandbox acquirer's page: the loan stays active, a receipt exists.
  const started = await system.app.inject({
    method: 'POST',
    url: `/api/loans/${loanId}/payments`,
    headers: { ...SAME_ORIGIN, cookie: api.cookie, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    payload: JSON.stringify({ amountKopecks: 100_000 }),
  });
  expect(started.statusCode, started.body).toBe(201);
  const payment = started.json() as { paymentId: string; confirmationUrl: string };
  const page = new URL(payment.confirmationUrl).pathname;
  const paid = await system.app.inject({ method: 'POST', url: page, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'outcome=succeeded' });
  expect(paid.statusCode, paid.body).toBe(200);
  await runJobs(system);

  const ticket = await api.post('/api/support/tickets', { category: 'payment', subject: 'Платёж', message: 'Вот чек об оплате.' });
  expect(ticket.statusCode, ticket.body).toBe(201);
  const thread = ticket.json() as { id: string; messages: { id: string }[] };
  const messageId = thread.messages[0]!.id;
  const uploaded = await system.app.inject({
    method: 'POST',
    url: `/api/support/tickets/${thread.id}/attachments?messageId=${messageId}`,
    headers: { ...SAME_ORIGIN, cookie: api.cookie, 'content-type': 'application/octet-stream', 'x-file-name': 'check.png' },
    payload: PNG,
  });
  expect(uploaded.statusCode, uploaded.body).toBe(201);

  // A car-secured draft next to the repaid-in-part loan: its vehicle and one photo.
  const car = await api.create({ product: 'car', amount: 300_000, term: 24 });
  expect(car.statusCode, car.body).toBe(201);
  const carApplicationId = (car.json() as { id: string }).id;
  const vehicle = await system.app.inject({
    method: 'PUT',
    url: `/api/applications/${carApplicationId}/vehicle`,
    headers: { ...SAME_ORIGIN, cookie: api.cookie, 'content-type': 'application/json' },
    payload: JSON.stringify(VEHICLE),
  });
  expect(vehicle.statusCode, vehicle.body).toBe(200);
  const photo = await system.app.inject({
    method: 'POST',
    url: `/api/applications/${carApplicationId}/vehicle/photos?kind=front`,
    headers: { ...SAME_ORIGIN, cookie: api.cookie, 'content-type': 'application/octet-stream' },
    payload: PNG,
  });
  expect(photo.statusCode, photo.body).toBe(201);

  system.clock.advance(61_000); // the per-phone gap between SMS codes
  const secondCookie = await login(system, phone);
  const sessions = (await customerClient(system, secondCookie).get('/api/sessions')).json() as { items: { id: string; current: boolean }[] };
  const other = sessions.items.find((session) => session.current);
  expect(other).toBeDefined();

  return {
    phone,
    customerId,
    cookie: api.cookie,
    applicationId,
    loanId,
    paymentId: payment.paymentId,
    ticketId: thread.id,
    messageId,
    attachmentId: (uploaded.json() as { id: string }).id,
    otherSessionId: other!.id,
    carApplicationId,
    vehiclePhotoId: (photo.json() as { id: string }).id,
  };
}
