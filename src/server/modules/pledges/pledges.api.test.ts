import { describe, expect, it } from 'vitest';
import { moscowDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import { releaseDeadline } from '../../../core/vehicle';
import { PLEDGE_NOTICE_NUMBER_RE } from '../../providers/vehicle/port';
import { sandboxValueKopecks, VEHICLE_PERSONAS } from '../../providers/vehicle/sandbox';
import { customerClient, decidedApplication, TEST_VEHICLE } from '../../testing/applicant';
import { lastCodeFor, login, runJobs, useTestSystem } from '../../testing/test-system';
import { releaseDueLoans } from '../loans/loans.service';

/**
 * Issue 10 end to end through the HTTP API and the jobs: a car application is scored with the
 * vehicle checks (declined when the car is pledged or restricted, capped at 70 % of the valuation),
 * its contract carries the pledge agreement, signing files the pledge notice, repaying it files the
 * release within the deadline; a refusal before the payout cancels or releases it.
 */

const system = useTestSystem();
const CAR = { product: 'car', amount: 300_000, term: 12 };
const HOUR_MS = 3_600_000;

type Api = ReturnType<typeof customerClient>;

/** A car application with the vehicle of this persona (the clean car unless said), decided. */
const carApplication = (vin: string = VEHICLE_PERSONAS.clean.vin) => decidedApplication(system, CAR, {}, { ...TEST_VEHICLE, vin });

async function checksOf(applicationId: string) {
  return system.database.db
    .selectFrom('scoring_checks')
    .select(['check_name as name', 'outcome', 'details'])
    .where('application_id', '=', applicationId)
    .orderBy('id')
    .execute();
}

/** Signs an approved application (cash payout) and returns the loan id; the pledge job has not run yet. */
async function sign(api: Api, phone: string, applicationId: string): Promise<string> {
  expect((await api.post(`/api/applications/${applicationId}/payout-method`, { type: 'sbp', bankId: '100000000111' })).statusCode).toBe(200);
  system.clock.advance(61_000);
  expect((await api.post(`/api/applications/${applicationId}/sign/otp`)).statusCode).toBe(200);
  const signed = await api.post(`/api/applications/${applicationId}/sign`, { code: await lastCodeFor(system, phone) });
  expect(signed.statusCode, signed.body).toBe(200);
  return signed.json().loanId as string;
}

const pledgeRow = (loanId: string) => system.database.db.selectFrom('loan_pledges').selectAll().where('loan_id', '=', loanId).executeTakeFirstOrThrow();

describe('scoring a car application', () => {
  it('approves at most 70 % of the valuation, on the product grid, and keeps the valuation and the checks', async () => {
    const { application, id } = await carApplication();
    const valuation = sandboxValueKopecks(TEST_VEHICLE.year, TEST_VEHICLE.mileageKm);
    expect(valuation).toBe(400_000_00);
    expect(application.status).toBe('approved');
    expect(application.offer.amount).toBe(280_000); // asked 300 000, 70 % of 400 000
    expect(application.collateral).toEqual({ valuationKopecks: valuation, sharePercent: 70 });
    const checks = await checksOf(id);
    expect(checks.filter((c) => c.name.startsWith('vehicle_') || ['car_rules', 'collateral_limit'].includes(c.name))).toEqual([
      { name: 'vehicle_pledges', outcome: 'pass', details: { pledged: false, notices: [] } },
      { name: 'vehicle_restrictions', outcome: 'pass', details: { wanted: false, restrictions: [] } },
      { name: 'car_rules', outcome: 'pass', details: {} },
      { name: 'vehicle_valuation', outcome: 'pass', details: expect.objectContaining({ valueKopecks: valuation, source: 'valuation-sandbox' }) },
      {
        name: 'collateral_limit',
        outcome: 'pass',
        details: { valuationKopecks: valuation, sharePercent: 70, requestedRubles: 300_000, capRubles: 280_000, approvedRubles: 280_000 },
      },
    ]);
    const vehicle = await system.database.db.selectFrom('application_vehicles').selectAll().where('application_id', '=', id).executeTakeFirstOrThrow();
    expect(vehicle).toMatchObject({ valuation_kopecks: valuation, valuation_source: 'valuation-sandbox', valuation_share_percent: 70 });
  });

  it('approves the amount asked when it is below the cap', async () => {
    const decided = await decidedApplication(system, { ...CAR, amount: 150_000 });
    expect(decided.application.offer.amount).toBe(150_000);
  });

  it.each([
    ['pledged', 'vehicle_pledges'],
    ['wanted', 'vehicle_restrictions'],
    ['arrested', 'vehicle_restrictions'],
    ['registrationBan', 'vehicle_restrictions'],
  ] as const)('declines a car that is %s (%s fails), with no valuation asked', async (persona, failing) => {
    const { application, id } = await carApplication(VEHICLE_PERSONAS[persona].vin);
    expect(application.status).toBe('declined');
    expect(application.offer).toBeNull();
    const checks = await checksOf(id);
    expect(checks.find((c) => c.name === failing)?.outcome).toBe('fail');
    expect(checks.find((c) => c.name === 'car_rules')?.outcome).toBe('fail');
    expect(checks.some((c) => c.name === 'vehicle_valuation')).toBe(false);
    // The borrower is told no reasons (353-ФЗ ст. 7 ч. 5), only when to try again.
    expect(JSON.stringify(application)).not.toMatch(/залог|розыск|арест/i);
  });

  it('declines a car too old at the end of the loan', async () => {
    const { application, id } = await decidedApplication(system, CAR, {}, { ...TEST_VEHICLE, year: 2006 });
    expect(application.status).toBe('declined');
    const rules = (await checksOf(id)).find((c) => c.name === 'car_rules')!;
    expect(rules.outcome).toBe('fail');
    expect(JSON.stringify(rules.details)).toContain('не больше 20 лет');
  });

  it('sends a car the valuation service cannot value to a person', async () => {
    const { application, id } = await carApplication(VEHICLE_PERSONAS.valuationUnavailable.vin);
    expect(application.status).toBe('manual_review');
    expect((await checksOf(id)).find((c) => c.name === 'vehicle_valuation')?.outcome).toBe('refer');
  });

  it('retries when the vehicle checks fail, and never reads a failure as a pass', async () => {
    system.sandboxVehicles.control.failure = 'error';
    try {
      const { application, id } = await carApplication();
      // Out of retries: a person decides, with the failures on record.
      expect(application.status).toBe('manual_review');
      expect((await checksOf(id)).filter((c) => c.name === 'providers').length).toBeGreaterThan(1);
    } finally {
      system.sandboxVehicles.control.failure = 'none';
    }
  });
});

describe('the pledge of a signed car loan', () => {
  it('the contract carries the pledge agreement with the car and its agreed value', async () => {
    const { api, id } = await carApplication();
    expect((await api.post(`/api/applications/${id}/payout-method`, { type: 'sbp', bankId: '100000000111' })).statusCode).toBe(200);
    const contract = (await api.get(`/api/applications/${id}/contract`)).json();
    expect(contract.text).toContain('ДОГОВОР ЗАЛОГА ТРАНСПОРТНОГО СРЕДСТВА');
    expect(contract.text).toContain(`VIN ${TEST_VEHICLE.vin}`);
    expect(contract.text).toContain(`Оценка предмета залога по соглашению сторон: ${formatRubles(400_000_00)}.`);
    expect(contract.text).toContain('не позднее 3 рабочих дней');
  });

  it('signing files one notice; the cabinet shows it; repaying files the release within 3 working days', async () => {
    const { api, id, phone } = await carApplication();
    const loanId = await sign(api, phone, id);
    expect(await pledgeRow(loanId)).toMatchObject({ status: 'registering', notice_number: null });
    expect((await api.get(`/api/loans/${loanId}`)).json().pledge).toMatchObject({ status: 'registering', noticeNumber: null, release: null });

    await runJobs(system);
    const registered = await pledgeRow(loanId);
    expect(registered).toMatchObject({ status: 'registered', register_attempts: 1, last_error: null });
    expect(registered.notice_number).toMatch(PLEDGE_NOTICE_NUMBER_RE);
    const view = (await api.get(`/api/loans/${loanId}`)).json();
    expect(view.pledge).toEqual({
      status: 'registered',
      vehicle: { make: 'LADA', model: 'Vesta', year: 2020, plate: 'А123ВС77' },
      noticeNumber: registered.notice_number,
      registeredAt: registered.registered_at!.toISOString(),
      release: null,
    });
    // What anyone searching the registry by VIN now finds: our notice, once.
    expect(await system.sandboxVehicles.registry.activeNotices(TEST_VEHICLE.vin)).toEqual([
      expect.objectContaining({ number: registered.notice_number, pledgee: 'ООО МКК «КарКапитал»' }),
    ]);
    // A second run (a redelivered job, the cron sweep) files nothing more.
    await system.pledges.advance(loanId);
    await system.pledges.sweep();
    expect((await system.sandboxVehicles.registry.notices()).filter((n) => n.vin === TEST_VEHICLE.vin)).toHaveLength(1);

    // Cooling-off (48 h above 200 000 ₽), the payout, then the whole debt paid.
    system.clock.advance(49 * HOUR_MS);
    await releaseDueLoans({ db: system.database.db, clock: system.clock, jobs: system.jobs });
    await runJobs(system);
    const payer = customerClient(system, await login(system, phone));
    const active = (await payer.get(`/api/loans/${loanId}`)).json();
    expect(active.status).toBe('active');
    const started = await payer.pay(loanId, { amountKopecks: active.debt.totalKopecks }, crypto.randomUUID());
    expect(started.statusCode, started.body).toBe(201);
    await confirmPayment(started.json().confirmationUrl);
    const repaidOn = moscowDate(system.clock.now());

    const released = await pledgeRow(loanId);
    expect(released).toMatchObject({ status: 'released', ended_on: repaidOn, release_due_on: releaseDeadline(repaidOn), release_attempts: 1 });
    expect(released.release_number).toMatch(PLEDGE_NOTICE_NUMBER_RE);
    const closed = (await payer.get(`/api/loans/${loanId}`)).json();
    expect(closed.status).toBe('closed');
    expect(closed.pledge.release).toEqual({
      endedOn: repaidOn,
      dueOn: releaseDeadline(repaidOn),
      progress: 'filed_on_time',
      workingDaysLeft: 0,
      releaseNumber: released.release_number,
      releasedAt: released.released_at!.toISOString(),
    });
    expect(await system.sandboxVehicles.registry.activeNotices(TEST_VEHICLE.vin)).toEqual([]);
    const history = (await payer.get('/api/history?type=pledge')).json();
    expect(history.items.map((item: { title: string }) => item.title)).toEqual([
      `Залог автомобиля снят, уведомление об исключении № ${released.release_number}`,
      `Залог автомобиля зарегистрирован, уведомление № ${registered.notice_number}`,
    ]);
  });

  it('a registry outage leaves the pledge to register, with the error on record, until it answers', async () => {
    const { api, id, phone } = await carApplication();
    system.sandboxVehicles.control.failure = 'error';
    let loanId: string;
    try {
      loanId = await sign(api, phone, id);
      await runJobs(system, 3);
      const waiting = await pledgeRow(loanId);
      expect(waiting.status).toBe('registering');
      expect(waiting.register_attempts).toBeGreaterThan(0);
      expect(waiting.last_error).toContain('HTTP 503');
    } finally {
      system.sandboxVehicles.control.failure = 'none';
    }
    await system.pledges.sweep();
    expect(await pledgeRow(loanId)).toMatchObject({ status: 'registered', last_error: null });
  });

  it('a lost answer is retried with the same key: one notice, the number the registry gave', async () => {
    const { api, id, phone } = await carApplication();
    system.sandboxVehicles.control.failure = 'malformed';
    let loanId: string;
    try {
      loanId = await sign(api, phone, id);
      await runJobs(system, 2);
      expect((await pledgeRow(loanId)).status).toBe('registering');
    } finally {
      system.sandboxVehicles.control.failure = 'none';
    }
    await system.pledges.advance(loanId);
    const row = await pledgeRow(loanId);
    const filed = (await system.sandboxVehicles.registry.notices()).filter((n) => n.contractNumber.endsWith(id.slice(0, 8).toUpperCase()));
    expect(filed).toHaveLength(1);
    expect(row.notice_number).toBe(filed[0]!.noticeNumber);
  });

  it('a refusal before anything was filed cancels the pledge; after filing, it is released', async () => {
    const first = await carApplication();
    const early = await sign(first.api, first.phone, first.id);
    expect((await first.api.post(`/api/loans/${early}/refuse`)).statusCode).toBe(200);
    await runJobs(system);
    expect(await pledgeRow(early)).toMatchObject({ status: 'cancelled', register_attempts: 0, notice_number: null });
    expect((await first.api.get(`/api/loans/${early}`)).json().pledge.status).toBe('cancelled');

    const second = await carApplication();
    const late = await sign(second.api, second.phone, second.id);
    await runJobs(system);
    expect((await pledgeRow(late)).status).toBe('registered');
    expect((await second.api.post(`/api/loans/${late}/refuse`)).statusCode).toBe(200);
    await runJobs(system);
    const today = moscowDate(system.clock.now());
    expect(await pledgeRow(late)).toMatchObject({ status: 'released', ended_on: today, release_due_on: releaseDeadline(today) });
  });

  it('a loan without a car has no pledge', async () => {
    const { application } = await decidedApplication(system);
    expect(application.collateral).toBeNull();
  });
});

/** The borrower pays on the sandbox acquirer's page; its notification reaches the webhook. */
async function confirmPayment(confirmationUrl: string) {
  const path = new URL(confirmationUrl).pathname;
  const done = await system.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'outcome=succeeded' });
  expect(done.statusCode).toBe(200);
  await runJobs(system);
}
