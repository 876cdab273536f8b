import { describe, expect, it } from 'vitest';
import { addDays } from '../../../core/dates';
import { PERSONAS } from '../../providers/sandbox-personas';
import { CLEAN_INN, decidedApplication } from '../../testing/applicant';
import { loginStaff } from '../../testing/staff';
import { useTestSystem } from '../../testing/test-system';

const system = useTestSystem();

/** An instalment loan for a customer with no credit history: the robot hands it to a person. */
const INSTALMENT = { product: 'installment', amount: 50_000, term: 24 };

async function referred() {
  const applied = await decidedApplication(system, INSTALMENT, { passportNumber: PERSONAS.thinFile.passportNumber });
  expect(applied.application.status).toBe('manual_review');
  return applied;
}

/** What reached the customer: the application page, the last SMS, the decision's history entry. */
async function outcome(applied: Awaited<ReturnType<typeof decidedApplication>>) {
  await system.jobs.drain();
  const [sms] = await system.sandboxSms!.list({ phone: applied.phone, limit: 1 });
  const operation = await system.database.db
    .selectFrom('operations')
    .select(['type', 'title', 'amount_kopecks', 'status'])
    .where('ref', '=', applied.id)
    .where('type', '=', 'decision')
    .execute();
  return { page: (await applied.api.get(`/api/applications/${applied.id}`)).json(), sms: sms?.text, operation };
}

const auditRows = (action: string) =>
  system.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();

describe('the manual review queue and an application’s detail', () => {
  it('lists applications in manual review, the longest-waiting first, with the robot’s reasons', async () => {
    const first = await referred();
    system.clock.advance(60_000);
    const second = await referred();
    await decidedApplication(system); // approved by the robot: not in the queue
    const underwriter = await loginStaff(system, ['underwriter']);
    const queue = await underwriter.get('/api/staff/applications');
    expect(queue.statusCode).toBe(200);
    expect(queue.json().items.map((i: { id: string }) => i.id)).toEqual([first.id, second.id]);
    expect(queue.json().items[0]).toMatchObject({ productCode: 'installment', amountRubles: 50_000, term: 24, reasons: ['thin_file'] });
  });

  it('shows every check, ПДН, income, the masked applicant and the product’s maximum; nothing in clear', async () => {
    const { id } = await referred();
    const underwriter = await loginStaff(system, ['underwriter']);
    const response = await underwriter.get(`/api/staff/applications/${id}`);
    expect(response.statusCode).toBe(200);
    const detail = response.json();
    expect(detail).toMatchObject({
      id,
      status: 'manual_review',
      reasons: ['thin_file'],
      monthlyIncomeRubles: 80_000,
      maxAmountRubles: 100_000,
      minAmountRubles: 30_000,
      applicant: { fullName: 'Иванова Мария Петровна', birthDate: '1990-05-17', passport: '45** ***005' },
    });
    expect(detail.applicant.phone).toMatch(/^\+7\*{6}\d{4}$/);
    expect(detail.pdnPercent).toBeGreaterThan(0);
    expect(detail.checks.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['passport', 'self_ban', 'pdn', 'thin_file']));
    expect(detail.checks.find((c: { name: string }) => c.name === 'thin_file')).toMatchObject({ outcome: 'refer' });
    const text = response.body;
    expect(text).not.toContain('000005');
    expect(text).not.toContain(CLEAN_INN);
    expect(text).not.toContain('maria@example.ru');
  });

  it('shows an application in any status; an unknown id is 404', async () => {
    const { id } = await decidedApplication(system);
    const admin = await loginStaff(system, ['admin']);
    expect((await admin.get(`/api/staff/applications/${id}`)).json()).toMatchObject({ status: 'approved', offerAmountRubles: 10_000, decidedBy: null });
    expect((await admin.get('/api/staff/applications/6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11')).statusCode).toBe(404);
    expect((await admin.get('/api/staff/applications/not-an-id')).statusCode).toBe(404);
    const decision = await admin.post('/api/staff/applications/6f1c1f4e-8a57-4d0b-9a0e-3c3c8f0f7a11/decision', { decision: 'decline', comment: 'Нет такой заявки' });
    expect(decision.statusCode).toBe(404);
  });

  it('is closed to other roles (403) and to anyone without a staff session (401)', async () => {
    const { id, api } = await referred();
    const support = await loginStaff(system, ['support']);
    const collections = await loginStaff(system, ['collections']);
    expect((await support.get('/api/staff/applications')).statusCode).toBe(403);
    expect((await collections.get(`/api/staff/applications/${id}`)).statusCode).toBe(403);
    const refused = await collections.post(`/api/staff/applications/${id}/decision`, { decision: 'decline', comment: 'Не моя роль' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('forbidden');
    expect((await system.get('/api/staff/applications')).statusCode).toBe(401);
    // A customer's session opens no staff route.
    expect((await api.get('/api/staff/applications')).statusCode).toBe(401);
    expect((await api.get(`/api/applications/${id}`)).json().status).toBe('manual_review');
  });
});

describe('an underwriter’s decision reaches the customer exactly as the robot’s', () => {
  it('approval: the offer on the customer’s page, the same SMS and history entry as a robot approval, decided_by and one audit record', async () => {
    const robot = await decidedApplication(system, INSTALMENT);
    expect(robot.application.status).toBe('approved');
    const robotOutcome = await outcome(robot);

    const applied = await referred();
    const underwriter = await loginStaff(system, ['underwriter']);
    const response = await underwriter.post(`/api/staff/applications/${applied.id}/decision`, {
      decision: 'approve',
      amountRubles: 45_000,
      comment: '  Доход подтверждён справкой, стаж 5 лет.  ',
    });
    expect(response.statusCode, response.body).toBe(200);
    const reply = response.json();
    expect(reply).toMatchObject({ id: applied.id, status: 'approved', offer: { product: 'installment', amount: 45_000, term: 24 }, reapplyAfter: null });
    expect(reply.offer.quote.amountKopecks).toBe(4_500_000);
    expect(reply.questionnaire).toEqual({});

    const manual = await outcome(applied);
    expect(manual.page).toMatchObject({ status: 'approved', offer: { product: 'installment', amount: 45_000, term: 24 } });
    expect(manual.page.offer.quote).not.toBeNull();
    expect(Object.keys(manual.page).sort()).toEqual(Object.keys(robotOutcome.page).sort());
    expect(manual.page.pdnWarningRequired).toBe(false);
    expect(manual.sms).toBe(robotOutcome.sms);
    expect(manual.operation).toEqual([{ ...robotOutcome.operation[0], amount_kopecks: 4_500_000 }]);
    expect(manual.operation[0]).toMatchObject({ title: 'Заявка одобрена', status: 'approved' });

    const row = await system.database.db.selectFrom('applications').selectAll().where('id', '=', applied.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ decided_by: underwriter.id, offer_amount_rubles: 45_000, offer_term: 24 });
    expect(Number(row.pdn_percent)).toBeGreaterThan(0);
    const audit = await auditRows('application.decided');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_type: 'staff',
      actor_id: underwriter.id,
      entity_type: 'application',
      entity_id: applied.id,
      reason: 'Доход подтверждён справкой, стаж 5 лет.',
    });
    expect(audit[0]!.details).toMatchObject({ decision: 'approve', amountRubles: 45_000, term: 24 });

    // The customer can go on exactly as after a robot approval: choose a payout method.
    expect((await applied.api.post(`/api/applications/${applied.id}/payout-method`, { type: 'cash' })).statusCode).toBe(200);
    // The detail now names the underwriter and keeps the robot's reasons.
    const detail = (await underwriter.get(`/api/staff/applications/${applied.id}`)).json();
    expect(detail).toMatchObject({ status: 'approved', reasons: ['thin_file'], decidedBy: { id: underwriter.id } });
    expect(detail.checks.at(-1)).toMatchObject({ name: 'underwriter', outcome: 'pass' });
  });

  it('the requested amount itself can be approved', async () => {
    const applied = await referred();
    const admin = await loginStaff(system, ['admin']);
    const response = await admin.post(`/api/staff/applications/${applied.id}/decision`, { decision: 'approve', amountRubles: 50_000, comment: 'Одобряю полностью' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().offer.amount).toBe(50_000);
  });

  it('decline: declined with the robot’s reapply date, the same SMS and history entry as a robot decline', async () => {
    const robot = await decidedApplication(system, undefined, { passportNumber: PERSONAS.bankruptcy.passportNumber });
    expect(robot.application.status).toBe('declined');
    const robotOutcome = await outcome(robot);

    const applied = await referred();
    const underwriter = await loginStaff(system, ['underwriter']);
    const response = await underwriter.post(`/api/staff/applications/${applied.id}/decision`, { decision: 'decline', comment: 'Доход не подтверждён.' });
    expect(response.statusCode, response.body).toBe(200);
    const today = system.clock.now().toISOString().slice(0, 10);
    expect(response.json()).toMatchObject({ status: 'declined', offer: null, reapplyAfter: addDays(today, 7) });
    const manual = await outcome(applied);
    expect(manual.page).toMatchObject({ status: 'declined', reapplyAfter: addDays(today, 7) });
    expect(manual.page.reapplyAfter).toBe(robotOutcome.page.reapplyAfter);
    expect(manual.sms).toBe(robotOutcome.sms);
    expect(manual.operation).toEqual(robotOutcome.operation);
    const audit = await auditRows('application.decided');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_id: underwriter.id, reason: 'Доход не подтверждён.' });
    // Like any decline, it blocks a new application until the reapply date.
    const again = await applied.api.create(INSTALMENT);
    expect(again.statusCode).toBe(409);
  });

  it('wrong amounts and bodies → 400 with Russian field messages; nothing changes', async () => {
    const applied = await referred();
    const underwriter = await loginStaff(system, ['underwriter']);
    const decide = (body: unknown) => underwriter.post(`/api/staff/applications/${applied.id}/decision`, body);
    const cases: [unknown, string, RegExp][] = [
      [{ decision: 'approve', amountRubles: 60_000, comment: 'Больше запрошенного' }, 'amountRubles', /Не больше запрошенной суммы/],
      [{ decision: 'approve', amountRubles: 10_000, comment: 'Меньше минимума' }, 'amountRubles', /Сумма по продукту — от 30\s000/],
      [{ decision: 'approve', amountRubles: 45_500, comment: 'Не по шагу' }, 'amountRubles', /с шагом/],
      [{ decision: 'approve', amountRubles: 45_000.5, comment: 'Копейки' }, 'amountRubles', /целое число рублей/],
      [{ decision: 'approve', amountRubles: '45000', comment: 'Строка' }, 'amountRubles', /целое число рублей/],
      [{ decision: 'approve', comment: 'Без суммы' }, 'amountRubles', /Укажите сумму/],
      [{ decision: 'approve', amountRubles: 45_000 }, 'comment', /Заполните/],
      [{ decision: 'decline', comment: ' ' }, 'comment', /комментарий/],
      [{ decision: 'maybe', comment: 'Не знаю' }, 'decision', /Выберите решение/],
      [{ decision: 'decline', comment: 'Лишнее поле', amountRubles: 1 }, 'amountRubles', /не поддерживается/],
    ];
    for (const [body, field, message] of cases) {
      const response = await decide(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.fields?.[field], `${JSON.stringify(body)} → ${response.body}`).toMatch(message);
    }
    expect((await applied.api.get(`/api/applications/${applied.id}`)).json().status).toBe('manual_review');
    expect(await auditRows('application.decided')).toEqual([]);
  });

  it('only an application in manual review can be decided (409); a second decision changes nothing', async () => {
    const applied = await referred();
    const robotApproved = await decidedApplication(system);
    const underwriter = await loginStaff(system, ['underwriter']);
    const first = await underwriter.post(`/api/staff/applications/${applied.id}/decision`, { decision: 'decline', comment: 'Отказ по анкете' });
    expect(first.statusCode).toBe(200);
    const second = await underwriter.post(`/api/staff/applications/${applied.id}/decision`, { decision: 'approve', amountRubles: 40_000, comment: 'Передумал' });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('conflict');
    const robot = await underwriter.post(`/api/staff/applications/${robotApproved.id}/decision`, { decision: 'decline', comment: 'Уже решено роботом' });
    expect(robot.statusCode).toBe(409);
    expect((await applied.api.get(`/api/applications/${applied.id}`)).json().status).toBe('declined');
    expect(await auditRows('application.decided')).toHaveLength(1);
  });
});
