import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { deriveKeys } from '../../crypto';
import { openField } from '../../pii';
import { rekeyPersonalData } from '../../pii-rekey';
import { PHOTO_TYPE_REFUSED_MESSAGE } from '../../storage/image-type';
import { customerClient, jpegBytes, questionnaire, TEST_VEHICLE } from '../../testing/applicant';
import { login, nextPhone, TEST_ORIGIN, testConfig, useTestSystem } from '../../testing/test-system';
import { MAX_PTS_PAGES, REQUIRED_PHOTO_KINDS } from './vehicle-step';
import { MAX_VEHICLE_PHOTO_BYTES } from './vehicles.service';

/** The vehicle step of a car application (issue 10): data, photos, ownership, submit. */

const system = useTestSystem();

const CAR_LOAN = { product: 'car', amount: 300_000, term: 24 };
const VEHICLE = TEST_VEHICLE;
const jpeg = jpegBytes;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

type Api = ReturnType<typeof customerClient>;

async function newCustomer(): Promise<Api> {
  return customerClient(system, await login(system, nextPhone()));
}

async function draft(api: Api, loan: unknown = CAR_LOAN): Promise<string> {
  const created = await api.create(loan);
  expect(created.statusCode, created.body).toBe(201);
  return created.json().id as string;
}

const putVehicle = (api: Api, id: string, body: unknown) =>
  system.app.inject({
    method: 'PUT',
    url: `/api/applications/${id}/vehicle`,
    headers: { origin: TEST_ORIGIN, cookie: api.cookie, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });

const upload = (api: Api | null, id: string, kind: string, bytes: Buffer, contentType: string | null = 'application/octet-stream') =>
  system.app.inject({
    method: 'POST',
    url: `/api/applications/${id}/vehicle/photos?kind=${encodeURIComponent(kind)}`,
    headers: { origin: TEST_ORIGIN, ...(api ? { cookie: api.cookie } : {}), ...(contentType ? { 'content-type': contentType } : {}) },
    payload: bytes,
  });

async function uploadAll(api: Api, id: string) {
  for (const kind of REQUIRED_PHOTO_KINDS) {
    const reply = await upload(api, id, kind, jpeg(kind));
    expect(reply.statusCode, reply.body).toBe(201);
  }
}

describe('PUT /api/applications/:id/vehicle', () => {
  it('saves the car of a car draft: VIN, plate and documents normalised, ПТС and СТС masked and sealed', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    const saved = await putVehicle(api, id, VEHICLE);
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({
      applicationId: id,
      vin: 'XTAGFK330LY000001',
      make: 'LADA',
      model: 'Vesta',
      year: 2020,
      mileageKm: 60_000,
      plate: 'А123ВС77',
      ptsNumber: '******3456',
      stsNumber: '******4321',
      photos: [],
      complete: false,
    });
    expect(saved.json().missing).toEqual(REQUIRED_PHOTO_KINDS.map((kind) => `photos.${kind}`));

    const row = await system.database.db.selectFrom('application_vehicles').selectAll().where('application_id', '=', id).executeTakeFirstOrThrow();
    expect(row.vin).toBe('XTAGFK330LY000001');
    expect(Buffer.from(row.pts_number_ct).toString('latin1')).not.toContain('123456');
    expect(Buffer.from(row.sts_number_ct).toString('latin1')).not.toContain('654321');

    // Saved again: every field replaced, still one row.
    const again = await putVehicle(api, id, { ...VEHICLE, mileageKm: 61_000, plate: 'М001ММ199' });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ mileageKm: 61_000, plate: 'М001ММ199' });
    const count = await system.database.db.selectFrom('application_vehicles').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);

    const read = await api.get(`/api/applications/${id}/vehicle`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ mileageKm: 61_000, ptsNumber: '******3456' });
  });

  it('refuses a wrong VIN with validateVin’s Russian message', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    const cases: [string, string][] = [
      ['XTAGFK330LY00000', 'VIN состоит из 17 символов, а введено: 16.'],
      ['XTAGFK330LY0000I', 'VIN не содержит букв I, O и Q: вместо них, скорее всего, цифры 1 и 0.'],
      ['1M8GDM9A0KP042788', 'В VIN ошибка: не сходится контрольный символ (9-й). Сверьте VIN с ПТС или СТС.'],
      ['', 'Введите VIN.'],
    ];
    for (const [vin, message] of cases) {
      const reply = await putVehicle(api, id, { ...VEHICLE, vin });
      expect(reply.statusCode, vin).toBe(400);
      expect(reply.json().error.fields).toEqual({ vin: message });
    }
    // A VIN typed in Cyrillic look-alikes is the same VIN.
    const cyrillic = await putVehicle(api, id, { ...VEHICLE, vin: 'хтаgfk330lу000001' });
    expect(cyrillic.statusCode, cyrillic.body).toBe(200);
    expect(cyrillic.json().vin).toBe('XTAGFK330LY000001');
  });

  it('refuses a wrong plate, ПТС, СТС, year, mileage, make and model, one Russian message per field', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    const reply = await putVehicle(api, id, {
      ...VEHICLE,
      plate: 'Б123ВС77',
      ptsNumber: '77 УХ 12345',
      stsNumber: '99Х123456',
      year: 2027,
      mileageKm: 2_000_001,
      make: ' ',
      model: '<script>',
    });
    expect(reply.statusCode).toBe(400);
    const fields = reply.json().error.fields as Record<string, string>;
    expect(Object.keys(fields).sort()).toEqual(['make', 'mileageKm', 'model', 'plate', 'ptsNumber', 'stsNumber', 'year']);
    expect(fields.year).toBe('Год выпуска — от 1980 до 2026.');
    expect(fields.plate).toMatch(/^Госномер — в формате А123ВС77/);
    for (const message of Object.values(fields)) expect(message).toMatch(/[а-яё]/i);
    expect(await api.get(`/api/applications/${id}/vehicle`).then((r) => r.statusCode)).toBe(404);

    // Wrong types and unknown keys are the schema's 400s, per field too.
    const typed = await putVehicle(api, id, { ...VEHICLE, year: '2020', mileageKm: 1.5, owner: 'x' });
    expect(typed.statusCode).toBe(400);
    expect(Object.keys(typed.json().error.fields).sort()).toEqual(['mileageKm', 'owner', 'year']);
    // Accepted: an ЭПТС and an СТС with a 4-digit series; the year bound follows the clock.
    const electronic = await putVehicle(api, id, { ...VEHICLE, ptsNumber: '164301000012345', year: 2026 });
    expect(electronic.statusCode, electronic.body).toBe(200);
    expect(electronic.json().ptsNumber).toBe('***********2345');
  });

  it('is 409 for a product without a car pledge, and for an application already sent', async () => {
    const api = await newCustomer();
    const pdl = await draft(api, { product: 'pdl', amount: 10_000, term: 30 });
    const refused = await putVehicle(api, pdl, VEHICLE);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toBe('Данные автомобиля нужны только для займа под залог авто.');
    expect((await upload(api, pdl, 'front', jpeg('x'))).statusCode).toBe(409);
    expect((await api.get(`/api/applications/${pdl}`)).json().vehicle).toBeNull();

    // The same draft switched to the car product takes the vehicle.
    expect((await api.patch(pdl, { product: 'car', amount: 300_000, term: 24 })).statusCode).toBe(200);
    expect((await putVehicle(api, pdl, VEHICLE)).statusCode).toBe(200);
  });
});

describe('photos', () => {
  it('round-trips a JPEG: the same bytes, its SHA-256 stored and on disk, served with safe headers', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    const bytes = jpeg('front');
    const uploaded = await upload(api, id, 'front', bytes);
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const photo = uploaded.json() as { id: string; url: string; kind: string; contentType: string; sizeBytes: number };
    expect(photo).toMatchObject({ kind: 'front', contentType: 'image/jpeg', sizeBytes: bytes.length, url: `/api/applications/${id}/vehicle/photos/${photo.id}` });

    const row = await system.database.db.selectFrom('application_vehicle_photos').selectAll().where('id', '=', photo.id).executeTakeFirstOrThrow();
    expect(row.sha256).toBe(sha256(bytes));
    expect(existsSync(join(system.config.dataDir, 'blobs', row.sha256.slice(0, 2), row.sha256.slice(2, 4), row.sha256))).toBe(true);

    const served = await api.get(photo.url);
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(bytes)).toBe(true);
    expect(served.headers['content-type']).toBe('image/jpeg');
    expect(served.headers['cache-control']).toBe('no-store');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.headers['content-disposition']).toBe('inline');
  });

  it('refuses what is not a photo (PDF, text, empty) by its bytes, whatever it is called', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    for (const bytes of [Buffer.from('%PDF-1.7\n1 0 obj'), Buffer.from('просто текст'), Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')]) {
      const reply = await upload(api, id, 'front', bytes);
      expect(reply.statusCode).toBe(400);
      expect(reply.json().error.message).toBe(PHOTO_TYPE_REFUSED_MESSAGE);
    }
    const empty = await upload(api, id, 'front', Buffer.alloc(0));
    expect(empty.statusCode).toBeGreaterThanOrEqual(400);
    expect(empty.statusCode).toBeLessThan(500);
    // Only raw bytes: a photo sent as image/jpeg or JSON is another media type.
    expect((await upload(api, id, 'front', jpeg('a'), 'image/jpeg')).statusCode).toBe(415);
    expect((await upload(api, id, 'front', jpeg('a'), null)).statusCode).toBe(415);
    expect((await upload(api, id, 'hood', jpeg('a'))).statusCode).toBe(400);
    expect(await system.database.db.selectFrom('application_vehicle_photos').selectAll().execute()).toEqual([]);
  });

  it('takes a photo of exactly 5 MiB and refuses one byte more (413), as WEB-9 says', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    const largest = Buffer.alloc(MAX_VEHICLE_PHOTO_BYTES, 0x20);
    jpeg('big').copy(largest);
    expect((await upload(api, id, 'odometer', largest)).statusCode).toBe(201);
    const tooLarge = Buffer.concat([largest, Buffer.from([0x20])]);
    const refused = await upload(api, id, 'odometer', tooLarge);
    expect(refused.statusCode).toBe(413);
    expect(refused.json().error.message).toBe('Файл больше 5 МБ.');
  });

  it('asks for a session before it reads the body', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    expect((await upload(null, id, 'front', jpeg('x'))).statusCode).toBe(401);
  });

  it('replaces the photo of a kind; adds ПТС pages up to the cap', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    const first = (await upload(api, id, 'left', jpeg('left-1'))).json() as { id: string; url: string };
    const second = await upload(api, id, 'left', jpeg('left-2'));
    expect(second.statusCode).toBe(201);
    const replaced = second.json() as { id: string; url: string };
    expect(replaced.id).not.toBe(first.id);
    expect((await api.get(first.url)).statusCode).toBe(404);
    expect((await api.get(replaced.url)).rawPayload.equals(jpeg('left-2'))).toBe(true);

    for (let page = 1; page <= MAX_PTS_PAGES; page += 1) expect((await upload(api, id, 'pts_page', jpeg(`pts-${page}`))).statusCode).toBe(201);
    const over = await upload(api, id, 'pts_page', jpeg('pts-extra'));
    expect(over.statusCode).toBe(409);
    expect(over.json().error.message).toBe(`Можно загрузить не больше ${MAX_PTS_PAGES} страниц ПТС.`);

    expect((await putVehicle(api, id, VEHICLE)).statusCode).toBe(200);
    const photos = (await api.get(`/api/applications/${id}/vehicle`)).json().photos as { kind: string; id: string }[];
    expect(photos.map((p) => p.kind)).toEqual(['left', ...Array<string>(MAX_PTS_PAGES).fill('pts_page')]);
    expect(photos[0]!.id).toBe(replaced.id);
  });
});

describe('another customer (WEB-6)', () => {
  it('gets 404 on every vehicle route of someone else’s application, and changes nothing', async () => {
    const owner = await newCustomer();
    const id = await draft(owner);
    expect((await putVehicle(owner, id, VEHICLE)).statusCode).toBe(200);
    const photo = (await upload(owner, id, 'front', jpeg('front'))).json() as { id: string; url: string };

    const stranger = await newCustomer();
    const own = await draft(stranger);
    const replies = [
      await putVehicle(stranger, id, { ...VEHICLE, mileageKm: 1 }),
      await stranger.get(`/api/applications/${id}/vehicle`),
      await upload(stranger, id, 'back', jpeg('back')),
      await stranger.get(photo.url),
      // Their own application with the owner's photo id: still not found.
      await stranger.get(`/api/applications/${own}/vehicle/photos/${photo.id}`),
    ];
    for (const reply of replies) {
      expect(reply.statusCode, reply.body).toBe(404);
      expect(reply.json().error.code).toBe('not_found');
      expect(reply.body).not.toContain('XTAGFK330LY000001');
    }
    expect((await owner.get(`/api/applications/${id}/vehicle`)).json()).toMatchObject({ mileageKm: 60_000, photos: [{ id: photo.id }] });
    expect(await system.database.db.selectFrom('application_vehicle_photos').select('id').execute()).toHaveLength(1);
  });
});

describe('submit of a car application', () => {
  it('is refused until the vehicle and every required photo are there, then sent; after that the vehicle is frozen', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    expect((await api.patch(id, questionnaire())).statusCode).toBe(200);
    expect((await api.consents(id)).statusCode).toBe(200);
    expect((await api.get(`/api/applications/${id}`)).json().vehicle).toEqual({
      complete: false,
      missing: ['vehicle', ...REQUIRED_PHOTO_KINDS.map((kind) => `photos.${kind}`)],
    });

    const bare = await api.submit(id);
    expect(bare.statusCode).toBe(409);
    expect(bare.json().error.message).toBe(
      'Заявку пока нельзя отправить. Не хватает: данные автомобиля; фото (автомобиль спереди, автомобиль сзади, автомобиль слева, автомобиль справа, одометр с пробегом, табличка с VIN, страница ПТС).',
    );
    expect(Object.keys(bare.json().error.fields)).toEqual(['vehicle', ...REQUIRED_PHOTO_KINDS.map((kind) => `vehicle.photos.${kind}`)]);

    expect((await putVehicle(api, id, VEHICLE)).statusCode).toBe(200);
    for (const kind of REQUIRED_PHOTO_KINDS.filter((k) => k !== 'pts_page')) expect((await upload(api, id, kind, jpeg(kind))).statusCode).toBe(201);
    const noPts = await api.submit(id);
    expect(noPts.statusCode).toBe(409);
    expect(noPts.json().error.fields).toEqual({ 'vehicle.photos.pts_page': 'Загрузите фото: страница ПТС.' });
    expect((await api.get(`/api/applications/${id}`)).json().vehicle).toEqual({ complete: false, missing: ['photos.pts_page'] });

    expect((await upload(api, id, 'pts_page', jpeg('pts'))).statusCode).toBe(201);
    expect((await api.get(`/api/applications/${id}`)).json().vehicle).toEqual({ complete: true, missing: [] });
    const sent = await api.submit(id);
    expect(sent.statusCode, sent.body).toBe(202);
    expect(sent.json()).toMatchObject({ status: 'scoring', vehicle: { complete: true, missing: [] } });

    const frozen = await putVehicle(api, id, VEHICLE);
    expect(frozen.statusCode).toBe(409);
    expect(frozen.json().error.message).toBe('Заявка уже отправлена: изменить данные автомобиля нельзя.');
    expect((await upload(api, id, 'front', jpeg('late'))).statusCode).toBe(409);
    // Still readable by its owner.
    const read = await api.get(`/api/applications/${id}/vehicle`);
    expect(read.statusCode).toBe(200);
    expect(read.json().complete).toBe(true);
  });

  it('lists questionnaire gaps and vehicle gaps together', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    await uploadAll(api, id);
    const refused = await api.submit(id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/^Анкета заполнена не полностью: проверьте отмеченные поля\. Не хватает: данные автомобиля\.$/);
    expect(refused.json().error.fields).toMatchObject({ vehicle: expect.stringMatching(/^Заполните данные автомобиля/), lastName: 'Заполните это поле.' });
  });

  it('a product without a car pledge submits without any vehicle', async () => {
    const api = await newCustomer();
    const id = await draft(api, { product: 'pdl', amount: 10_000, term: 30 });
    expect((await api.patch(id, questionnaire())).statusCode).toBe(200);
    expect((await api.consents(id)).statusCode).toBe(200);
    expect((await api.submit(id)).statusCode).toBe(202);
  });
});

describe('data export', () => {
  it('includes the car with the document numbers in clear and the photos listed', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    expect((await putVehicle(api, id, VEHICLE)).statusCode).toBe(200);
    expect((await upload(api, id, 'front', jpeg('front'))).statusCode).toBe(201);
    const reply = await api.get('/api/account/data-export');
    expect(reply.statusCode).toBe(200);
    const application = (reply.json() as { applications: { id: string; vehicle: unknown }[] }).applications.find((a) => a.id === id);
    expect(application?.vehicle).toMatchObject({
      vin: 'XTAGFK330LY000001',
      plate: 'А123ВС77',
      ptsNumber: '77УХ123456',
      stsNumber: '9900654321',
      photos: [{ kind: 'front', contentType: 'image/jpeg', sha256: sha256(jpeg('front')) }],
    });
  });
});

describe('key rotation (pii:rekey)', () => {
  it('re-seals the ПТС and СТС numbers under the new key, still readable', async () => {
    const api = await newCustomer();
    const id = await draft(api);
    expect((await putVehicle(api, id, VEHICLE)).statusCode).toBe(200);
    const config = testConfig({ APP_SECRET: system.config.appSecret!, PII_FIELD_KEYS: `2:${'n'.repeat(12)}${'e'.repeat(12)}${'w'.repeat(12)}` });
    const keys = deriveKeys(config.appSecret!, config.fieldSecrets);
    const report = await rekeyPersonalData(system.database.db, keys);
    const vehicleColumns = report.columns.filter((column) => column.table === 'application_vehicles');
    expect(vehicleColumns).toEqual([
      { table: 'application_vehicles', column: 'pts_number_ct', rekeyed: 1, changed: 0, failed: [] },
      { table: 'application_vehicles', column: 'sts_number_ct', rekeyed: 1, changed: 0, failed: [] },
    ]);
    const { rows } = await sql<{ pts: number; sts: number }>`
      SELECT get_byte(pts_number_ct, 1) AS pts, get_byte(sts_number_ct, 1) AS sts FROM application_vehicles WHERE application_id = ${id}
    `.execute(system.database.db);
    expect(rows[0]).toEqual({ pts: 2, sts: 2 });
    const row = await system.database.db.selectFrom('application_vehicles').selectAll().where('application_id', '=', id).executeTakeFirstOrThrow();
    expect(openField(keys, { table: 'application_vehicles', column: 'pts_number_ct', rowId: id }, row.pts_number_ct)).toBe('77УХ123456');
    expect(openField(keys, { table: 'application_vehicles', column: 'sts_number_ct', rowId: id }, row.sts_number_ct)).toBe('9900654321');
  });
});
