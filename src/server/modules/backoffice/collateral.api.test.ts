import type { Insertable } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { LoanPledgesTable } from '../../db/schema';
import { PERSONAS } from '../../providers/sandbox-personas';
import { activeLoan, completeVehicleStep, decidedApplication, jpegBytes, TEST_VEHICLE } from '../../testing/applicant';
import { loginStaff } from '../../testing/staff';
import { useTestSystem } from '../../testing/test-system';

/**
 * The back office side of car-secured loans (issue 10): the car in the customer card and the manual
 * review, the staff photo route, and the pledges whose release is under way or late. The pledge
 * job is not there yet: pledges are inserted as rows, each on a loan of its own customer (the
 * payday loan `activeLoan` makes) and the customer's car application — the views read only the
 * pledge row, the car and the loan's contract number.
 */

const system = useTestSystem();

const CAR = { product: 'car', amount: 300_000, term: 24 };
const PTS_CLEAR = '77УХ123456';
const STS_CLEAR = '9900654321';

const customerIdOf = async (phone: string) =>
  (await system.database.db.selectFrom('customers').select('id').where('phone', '=', phone).executeTakeFirstOrThrow()).id;

const auditRows = (action: string) => system.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();

/** A customer with an active (payday) loan and a car application with its car and every photo. */
async function borrowerWithCar(options: { photos?: boolean } = {}) {
  const { api, phone, loanId } = await activeLoan(system);
  const created = await api.create(CAR);
  expect(created.statusCode, created.body).toBe(201);
  const carApplicationId = created.json().id as string;
  if (options.photos ?? true) await completeVehicleStep(api, carApplicationId);
  else expect((await api.put(`/api/applications/${carApplicationId}/vehicle`, TEST_VEHICLE)).statusCode).toBe(200);
  return { api, phone, loanId, carApplicationId, customerId: await customerIdOf(phone) };
}

type PledgeFields = Omit<Insertable<LoanPledgesTable>, 'loan_id' | 'customer_id' | 'application_id' | 'vin' | 'created_at' | 'updated_at'>;

async function insertPledge(owner: { loanId: string; customerId: string; carApplicationId: string }, fields: PledgeFields) {
  const now = system.clock.now();
  await system.database.db
    .insertInto('loan_pledges')
    .values({ loan_id: owner.loanId, customer_id: owner.customerId, application_id: owner.carApplicationId, vin: TEST_VEHICLE.vin, created_at: now, updated_at: now, ...fields })
    .execute();
}

const releasing = (endedOn: string, releaseDueOn: string, extra: Partial<PledgeFields> = {}): PledgeFields => ({
  status: 'releasing',
  notice_number: `2026-001-${endedOn.replaceAll('-', '')}-01`,
  registered_at: new Date('2026-06-01T10:00:00Z'),
  ended_on: endedOn,
  release_due_on: releaseDueOn,
  ...extra,
});

describe('the car in the customer card', () => {
  it('shows the car, its valuation, the pledge with its deadline and the photos; ПТС and СТС masked', async () => {
    const owner = await borrowerWithCar();
    await system.database.db
      .updateTable('application_vehicles')
      .set({ valuation_kopecks: 45_000_000, valuation_source: 'sandbox', valued_at: new Date('2026-11-25T09:00:00Z'), valuation_share_percent: 60 })
      .where('application_id', '=', owner.carApplicationId)
      .execute();
    // Repaid on Tuesday 2026-11-17: the release was due on Friday the 20th; today is Wednesday the 25th.
    await insertPledge(owner, releasing('2026-11-17', '2026-11-20', { release_attempts: 2, last_error: 'registry timeout' }));
    const own = (await owner.api.get(`/api/applications/${owner.carApplicationId}/vehicle`)).json();

    const support = await loginStaff(system, ['support']);
    const response = await support.get(`/api/staff/customers/${owner.customerId}`);
    expect(response.statusCode, response.body).toBe(200);
    const [vehicle, ...others] = response.json().vehicles;
    expect(others).toEqual([]);
    expect(vehicle).toMatchObject({
      applicationId: owner.carApplicationId,
      vin: own.vin,
      make: 'LADA',
      model: 'Vesta',
      year: 2020,
      mileageKm: 60_000,
      plate: own.plate,
      ptsNumberMasked: '******3456',
      stsNumberMasked: '******4321',
      valuation: { valueKopecks: 45_000_000, source: 'sandbox', valuedAt: '2026-11-25T09:00:00.000Z', sharePercent: 60 },
      pledge: {
        loanId: owner.loanId,
        status: 'releasing',
        noticeNumber: '2026-001-20261117-01',
        endedOn: '2026-11-17',
        releaseDueOn: '2026-11-20',
        releaseNumber: null,
        releaseAttempts: 2,
        lastError: 'registry timeout',
        overdue: true,
        workingDaysLate: 3,
        daysLate: 5,
      },
    });
    expect(vehicle.photos.map((p: { kind: string }) => p.kind)).toEqual(['front', 'back', 'left', 'right', 'odometer', 'vin_plate', 'pts_page']);
    for (const photo of vehicle.photos) expect(photo.url).toBe(`/api/staff/vehicle-photos/${photo.id}`);
    for (const secret of [PTS_CLEAR, STS_CLEAR, '77 УХ 123456', 'sha256']) expect(response.body, secret).not.toContain(secret);
  });

  it('a customer without a car application has no vehicles; a deleted customer’s card shows none', async () => {
    const { phone } = await decidedApplication(system);
    const owner = await borrowerWithCar({ photos: false });
    const admin = await loginStaff(system, ['admin']);
    expect((await admin.get(`/api/staff/customers/${await customerIdOf(phone)}`)).json().vehicles).toEqual([]);
    expect((await admin.get(`/api/staff/customers/${owner.customerId}`)).json().vehicles).toEqual([
      expect.objectContaining({ applicationId: owner.carApplicationId, valuation: null, pledge: null, photos: [] }),
    ]);
    await system.database.db.updateTable('customers').set({ deleted_at: system.clock.now() }).where('id', '=', owner.customerId).execute();
    expect((await admin.get(`/api/staff/customers/${owner.customerId}`)).json()).toMatchObject({ vehicles: [], deleted: expect.any(Object) });
  });

  it('reveals the ПТС or СТС number with a reason, audited; another customer’s application is 404; other fields take no application', async () => {
    const owner = await borrowerWithCar({ photos: false });
    const stranger = await borrowerWithCar({ photos: false });
    const underwriter = await loginStaff(system, ['underwriter']);
    const reveal = (body: object) => underwriter.post(`/api/staff/customers/${owner.customerId}/reveal`, { reason: 'Сверяем ПТС с фотографией страницы', ...body });

    expect((await reveal({ field: 'pts' })).json()).toEqual({ field: 'pts', value: PTS_CLEAR });
    expect((await reveal({ field: 'sts', applicationId: owner.carApplicationId })).json()).toEqual({ field: 'sts', value: STS_CLEAR });
    const audit = await auditRows('customer.revealed');
    expect(audit.map((row) => row.details)).toEqual([
      { field: 'pts', applicationId: owner.carApplicationId, found: true },
      { field: 'sts', applicationId: owner.carApplicationId, found: true },
    ]);
    expect(audit.map((row) => row.reason)).toEqual(['Сверяем ПТС с фотографией страницы', 'Сверяем ПТС с фотографией страницы']);
    expect(JSON.stringify(audit)).not.toContain(PTS_CLEAR);

    expect((await reveal({ field: 'pts', applicationId: stranger.carApplicationId })).statusCode).toBe(404);
    const misplaced = await reveal({ field: 'inn', applicationId: owner.carApplicationId });
    expect(misplaced.statusCode).toBe(400);
    expect(misplaced.json().error.fields.applicationId).toMatch(/ПТС и СТС/);
    expect(await auditRows('customer.revealed')).toHaveLength(2);
  });
});

describe('the car in the manual review', () => {
  it('shows the car and its photos with the checks, for an application of the car product', async () => {
    const applied = await decidedApplication(system, CAR, { passportNumber: PERSONAS.thinFile.passportNumber });
    expect(applied.application.status).toBe('manual_review');
    const underwriter = await loginStaff(system, ['underwriter']);
    const response = await underwriter.get(`/api/staff/applications/${applied.id}`);
    expect(response.statusCode, response.body).toBe(200);
    const detail = response.json();
    expect(detail).toMatchObject({ productCode: 'car', status: 'manual_review' });
    expect(detail.vehicle).toMatchObject({ applicationId: applied.id, make: 'LADA', model: 'Vesta', ptsNumberMasked: '******3456', pledge: null });
    expect(detail.vehicle.photos).toHaveLength(7);
    expect(detail.checks.map((c: { name: string }) => c.name)).toContain('thin_file');
    expect(response.body).not.toContain(PTS_CLEAR);

    // The underwriter opens a photo from the review: the bytes the customer uploaded.
    const odometer = detail.vehicle.photos.find((p: { kind: string }) => p.kind === 'odometer');
    const photo = await underwriter.get(odometer.url);
    expect(photo.statusCode).toBe(200);
    expect(photo.rawPayload.equals(jpegBytes('odometer'))).toBe(true);
  });

  it('has no vehicle for other products', async () => {
    const { id } = await decidedApplication(system);
    const admin = await loginStaff(system, ['admin']);
    expect((await admin.get(`/api/staff/applications/${id}`)).json().vehicle).toBeNull();
  });
});

describe('GET /api/staff/vehicle-photos/:photoId', () => {
  it('serves the photo’s bytes with its type, no-store and nosniff, to each role that sees customer data; each look is audited', async () => {
    const owner = await borrowerWithCar();
    const own = (await owner.api.get(`/api/applications/${owner.carApplicationId}/vehicle`)).json() as { photos: { id: string; kind: string }[] };
    const front = own.photos.find((p) => p.kind === 'front')!;
    for (const role of ['support', 'underwriter', 'collections', 'admin'] as const) {
      const staff = await loginStaff(system, [role]);
      const response = await staff.get(`/api/staff/vehicle-photos/${front.id}`);
      expect(response.statusCode, role).toBe(200);
      expect(response.headers['content-type']).toBe('image/jpeg');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.rawPayload.equals(jpegBytes('front'))).toBe(true);
    }
    const audit = await auditRows('vehicle.photo_viewed');
    expect(audit).toHaveLength(4);
    expect(audit[0]).toMatchObject({
      actor_type: 'staff',
      entity_type: 'customer',
      entity_id: owner.customerId,
      details: { applicationId: owner.carApplicationId, photoId: front.id, kind: 'front' },
    });
    expect(audit[0]!.ip).toBeTruthy();
  });

  it('refuses staff without the role (403), customers — even the owner — and visitors (401); unknown and non-uuid ids are 404; nothing audited', async () => {
    const owner = await borrowerWithCar();
    const own = (await owner.api.get(`/api/applications/${owner.carApplicationId}/vehicle`)).json() as { photos: { id: string }[] };
    const url = `/api/staff/vehicle-photos/${own.photos[0]!.id}`;
    const compliance = await loginStaff(system, ['compliance']);
    expect((await compliance.get(url)).statusCode).toBe(403);
    expect((await owner.api.get(url)).statusCode).toBe(401);
    const other = (await decidedApplication(system)).api;
    expect((await other.get(url)).statusCode).toBe(401);
    expect((await system.get(url)).statusCode).toBe(401);
    const admin = await loginStaff(system, ['admin']);
    for (const id of ['6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11', owner.carApplicationId, 'not-a-photo', '..%2F..%2Fetc%2Fpasswd']) {
      const response = await admin.get(`/api/staff/vehicle-photos/${id}`);
      expect(response.statusCode, id).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    expect(await auditRows('vehicle.photo_viewed')).toEqual([]);
  });

  it('a deleted customer’s photos are for compliance only (403)', async () => {
    const owner = await borrowerWithCar();
    const own = (await owner.api.get(`/api/applications/${owner.carApplicationId}/vehicle`)).json() as { photos: { id: string }[] };
    await system.database.db.updateTable('customers').set({ deleted_at: system.clock.now() }).where('id', '=', owner.customerId).execute();
    const admin = await loginStaff(system, ['admin']);
    expect((await admin.get(`/api/staff/vehicle-photos/${own.photos[0]!.id}`)).statusCode).toBe(403);
    expect(await auditRows('vehicle.photo_viewed')).toEqual([]);
  });
});

describe('pledges being released', () => {
  /** Five pledges on 2026-11-25 (Wednesday), each of its own customer. */
  async function fivePledges() {
    const late = await borrowerWithCar({ photos: false });
    const lateOneDay = await borrowerWithCar({ photos: false });
    const dueToday = await borrowerWithCar({ photos: false });
    const inForce = await borrowerWithCar({ photos: false });
    const released = await borrowerWithCar({ photos: false });
    // Inserted out of order: the list orders them.
    await insertPledge(released, {
      ...releasing('2026-11-03', '2026-11-06'),
      status: 'released',
      release_number: '2026-002-000005-01',
      released_at: new Date('2026-11-05T10:00:00Z'),
    });
    await insertPledge(inForce, { status: 'registered', notice_number: '2026-001-000004-01', registered_at: new Date('2026-10-01T10:00:00Z'), register_attempts: 1 });
    await insertPledge(dueToday, releasing('2026-11-20', '2026-11-25'));
    await insertPledge(lateOneDay, releasing('2026-11-19', '2026-11-24'));
    await insertPledge(late, releasing('2026-11-17', '2026-11-20', { release_attempts: 3, last_error: 'registry timeout' }));
    return { late, lateOneDay, dueToday, inForce, released };
  }

  it('lists exactly the overdue releases, the most overdue first, with the customer, the car, the dates, the days late and the attempts', async () => {
    const pledges = await fivePledges();
    const collections = await loginStaff(system, ['collections']);
    const response = await collections.get('/api/staff/pledges?state=overdue');
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json();
    expect(page.date).toBe('2026-11-25');
    expect(page.nextBefore).toBeNull();
    expect(page.items.map((item: { loanId: string }) => item.loanId)).toEqual([pledges.late.loanId, pledges.lateOneDay.loanId]);
    expect(page.items[0]).toMatchObject({
      customerId: pledges.late.customerId,
      applicationId: pledges.late.carApplicationId,
      fullName: 'Иванова Мария Петровна',
      phoneMasked: expect.stringMatching(/^\+7\*{6}\d{4}$/),
      customerDeleted: false,
      vin: TEST_VEHICLE.vin,
      plate: expect.any(String),
      make: 'LADA',
      model: 'Vesta',
      status: 'releasing',
      endedOn: '2026-11-17',
      releaseDueOn: '2026-11-20',
      overdue: true,
      workingDaysLate: 3,
      daysLate: 5,
      releaseAttempts: 3,
      lastError: 'registry timeout',
    });
    expect(page.items[0].loanNumber).toMatch(/^CC-20261125-[0-9A-F]{8}$/);
    expect(page.items[1]).toMatchObject({ releaseDueOn: '2026-11-24', overdue: true, workingDaysLate: 1, daysLate: 1 });
  });

  it('releasing (the default) adds the releases still on time after the overdue ones; all lists every pledge, releases first', async () => {
    const pledges = await fivePledges();
    const admin = await loginStaff(system, ['admin']);
    const ids = async (query: string) => ((await admin.get(`/api/staff/pledges${query}`)).json().items as { loanId: string }[]).map((item) => item.loanId);
    const releasingOrder = [pledges.late.loanId, pledges.lateOneDay.loanId, pledges.dueToday.loanId];
    expect(await ids('')).toEqual(releasingOrder);
    expect(await ids('?state=releasing')).toEqual(releasingOrder);
    expect(await ids('?state=all')).toEqual([...releasingOrder, pledges.inForce.loanId, pledges.released.loanId]);
    const dueToday = (await admin.get('/api/staff/pledges')).json().items[2];
    expect(dueToday).toMatchObject({ releaseDueOn: '2026-11-25', overdue: false, workingDaysLate: 0, daysLate: 0 });

    // Pages: two at a time, each continuing where the last one ended.
    const seen: string[] = [];
    let before: string | null = null;
    for (let round = 0; round < 5; round += 1) {
      const query: string = `?state=all&limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`;
      const page = (await admin.get(`/api/staff/pledges${query}`)).json() as { items: { loanId: string }[]; nextBefore: string | null };
      seen.push(...page.items.map((item) => item.loanId));
      before = page.nextBefore;
      if (!before) break;
    }
    expect(seen).toEqual(await ids('?state=all'));

    for (const query of ['?state=late', '?before=garbage', '?limit=0', '?limit=201', '?other=1']) {
      const refused = await admin.get(`/api/staff/pledges${query}`);
      expect(refused.statusCode, query).toBe(400);
      expect(refused.json().error.code).toBe('validation_failed');
    }
  });

  it('shows a deleted customer’s pledge without their personal data: the release is still owed', async () => {
    const pledges = await fivePledges();
    await system.database.db.updateTable('customers').set({ deleted_at: system.clock.now() }).where('id', '=', pledges.late.customerId).execute();
    const admin = await loginStaff(system, ['admin']);
    const [first] = (await admin.get('/api/staff/pledges?state=overdue')).json().items;
    expect(first).toMatchObject({ loanId: pledges.late.loanId, customerDeleted: true, fullName: null, phoneMasked: '***', overdue: true });
  });

  it('is for collections and admin only; customers are refused', async () => {
    const { api } = await decidedApplication(system);
    for (const role of ['support', 'underwriter', 'compliance'] as const) {
      expect((await (await loginStaff(system, [role])).get('/api/staff/pledges')).statusCode, role).toBe(403);
    }
    expect((await api.get('/api/staff/pledges')).statusCode).toBe(401);
    expect((await system.get('/api/staff/pledges?state=overdue')).statusCode).toBe(401);
  });

  it('the dashboard counts the releases under way and those overdue', async () => {
    await fivePledges();
    const support = await loginStaff(system, ['support']);
    expect((await support.get('/api/staff/dashboard')).json().pledgeReleases).toEqual({ releasing: 3, overdue: 2 });
  });
});

describe('an underwriter approving a car loan', () => {
  it('keeps to the share of the valuation; with no valuation from the service, asks for one and keeps it for the contract', async () => {
    const { id, application } = await decidedApplication(system, { product: 'car', amount: 300_000, term: 12 }, {}, { ...TEST_VEHICLE, vin: 'XTAGFK330LY000006' });
    expect(application.status).toBe('manual_review');
    const underwriter = await loginStaff(system, ['underwriter']);
    const decide = (body: object) => underwriter.post(`/api/staff/applications/${id}/decision`, { decision: 'approve', comment: 'Проверил фото и документы', ...body });

    const without = await decide({ amountRubles: 280_000 });
    expect(without.statusCode).toBe(400);
    expect(without.json().error.fields.valuationRubles).toContain('укажите оценку');
    const above = await decide({ amountRubles: 300_000, valuationRubles: 400_000 });
    expect(above.statusCode).toBe(400);
    expect(above.json().error.fields.amountRubles).toContain('не больше 280');
    expect((await decide({ amountRubles: 280_000, valuationRubles: 0 })).statusCode).toBe(400);

    const approved = await decide({ amountRubles: 280_000, valuationRubles: 400_000 });
    expect(approved.statusCode, approved.body).toBe(200);
    const vehicle = await system.database.db.selectFrom('application_vehicles').selectAll().where('application_id', '=', id).executeTakeFirstOrThrow();
    expect(vehicle).toMatchObject({ valuation_kopecks: 400_000_00, valuation_share_percent: 70, valuation_source: expect.stringMatching(/^underwriter:/) });
  });

  it('a car the scoring valued cannot be approved above its cap', async () => {
    // Referred for another reason (no credit history: an instalment loan goes to a person).
    const { id, application } = await decidedApplication(system, { product: 'car', amount: 300_000, term: 12 }, { passportNumber: PERSONAS.thinFile.passportNumber });
    expect(application.status).toBe('manual_review');
    const underwriter = await loginStaff(system, ['underwriter']);
    const above = await underwriter.post(`/api/staff/applications/${id}/decision`, { decision: 'approve', amountRubles: 290_000, comment: 'Клиент надёжный' });
    expect(above.statusCode).toBe(400);
    // An underwriter's own figure does not replace the one the scoring used.
    const overridden = await underwriter.post(`/api/staff/applications/${id}/decision`, { decision: 'approve', amountRubles: 290_000, valuationRubles: 1_000_000, comment: 'Клиент надёжный' });
    expect(overridden.statusCode).toBe(400);
    expect((await underwriter.post(`/api/staff/applications/${id}/decision`, { decision: 'approve', amountRubles: 280_000, comment: 'Клиент надёжный' })).statusCode).toBe(200);
  });
});
