import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../../../core/clock';
import { customerClient } from '../../testing/applicant';
import { loginStaff } from '../../testing/staff';
import { login, nextPhone, TEST_ORIGIN, useTestSystem } from '../../testing/test-system';
import { MAX_ATTACHMENT_BYTES } from './attachments';

const system = useTestSystem();

type Customer = ReturnType<typeof customerClient> & { phone: string; id: string };

async function newCustomer(): Promise<Customer> {
  const phone = nextPhone();
  const client = customerClient(system, await login(system, phone));
  const me = (await client.get('/api/me')).json() as { id: string };
  return { ...client, phone, id: me.id };
}

type Thread = { id: string; status: string; messages: { id: string; author: string; attachments: { id: string; name: string; mimeType: string; size: number }[] }[] };

async function openTicket(customer: Customer): Promise<Thread> {
  const response = await customer.post('/api/support/tickets', { category: 'payment', subject: 'Платёж', message: 'Вот чек об оплате.' });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as Thread;
}

// The smallest heads of each format: the type is decided by these bytes alone.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-image-data')]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF-photo')]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n');
const HEIC = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.from([0, 0, 0, 0]), Buffer.from('mif1heic')]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.from([0x90, 0, 3, 0]), Buffer.from('This program cannot be run in DOS mode')]);
const HTML = Buffer.from('<!doctype html><html><script>fetch("/api/me")</script></html>');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
const XML_SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>');

const sameOrigin = { origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin' };

function upload(
  cookie: string,
  path: string,
  messageId: string,
  bytes: Buffer,
  name: string,
  headers: Record<string, string> = {},
) {
  return system.app.inject({
    method: 'POST',
    url: `${path}/attachments?messageId=${messageId}`,
    headers: { cookie, ...sameOrigin, 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(name), ...headers },
    payload: bytes,
  });
}

const customerUpload = (customer: { cookie: string }, ticket: { id: string }, messageId: string, bytes: Buffer, name: string, headers?: Record<string, string>) =>
  upload(customer.cookie, `/api/support/tickets/${ticket.id}`, messageId, bytes, name, headers);

const download = (cookie: string | null, id: string) =>
  system.app.inject({ method: 'GET', url: `/api/support/attachments/${id}`, headers: cookie ? { cookie } : {} });

const storedFiles = () => system.database.db.selectFrom('support_attachments').select(['id', 'file_name', 'mime_type', 'size_bytes']).execute();

describe('support attachments: the type comes from the bytes', () => {
  it('stores JPEG, PNG, PDF, HEIC and WebP with the sniffed type; a PNG called .pdf is a PNG; shown in the thread', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const messageId = ticket.messages[0]!.id;

    const renamed = await customerUpload(customer, ticket, messageId, PNG, 'scan.pdf', { 'content-type': 'application/octet-stream' });
    expect(renamed.statusCode, renamed.body).toBe(201);
    expect(renamed.json()).toEqual({ id: expect.any(String), messageId, name: 'scan.png', mimeType: 'image/png', size: PNG.length });
    const photo = await customerUpload(customer, ticket, messageId, JPEG, 'Чек об оплате 25.11.jpeg');
    expect(photo.json()).toMatchObject({ name: 'Чек об оплате 25.11.jpg', mimeType: 'image/jpeg' });
    const statement = await customerUpload(customer, ticket, messageId, PDF, '../../etc/Выписка.png');
    expect(statement.json()).toMatchObject({ name: 'Выписка.pdf', mimeType: 'application/pdf' });

    const second = (await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'И ещё фото с телефона.' })).json() as Thread;
    const secondId = second.messages[1]!.id;
    expect((await customerUpload(customer, ticket, secondId, HEIC, 'IMG_0001.HEIC')).json()).toMatchObject({ name: 'IMG_0001.heic', mimeType: 'image/heic' });
    expect((await customerUpload(customer, ticket, secondId, WEBP, '')).json()).toMatchObject({ name: 'файл.webp', mimeType: 'image/webp' });

    const thread = (await customer.get(`/api/support/tickets/${ticket.id}`)).json() as Thread;
    expect(thread.messages[0]!.attachments.map((a) => [a.name, a.mimeType])).toEqual([
      ['scan.png', 'image/png'],
      ['Чек об оплате 25.11.jpg', 'image/jpeg'],
      ['Выписка.pdf', 'application/pdf'],
    ]);
    expect(thread.messages[1]!.attachments.map((a) => a.mimeType)).toEqual(['image/heic', 'image/webp']);
    expect((await storedFiles()).find((f) => f.id === renamed.json().id)).toMatchObject({ file_name: 'scan.png', mime_type: 'image/png' });
  });

  it('refuses a program, HTML and SVG whatever they are called (400, Russian), and an empty file', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const messageId = ticket.messages[0]!.id;
    for (const [bytes, name] of [
      [EXE, 'photo.jpg'],
      [EXE, 'setup.exe'],
      [HTML, 'passport.png'],
      [SVG, 'passport.png'],
      [XML_SVG, 'image.svg'],
      [Buffer.from('просто текст'), 'scan.pdf'],
    ] as const) {
      const response = await customerUpload(customer, ticket, messageId, bytes, name, { 'content-type': 'application/octet-stream' });
      expect(response.statusCode, name).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'validation_failed', message: 'Можно прикрепить только фото или скан: JPEG, PNG, HEIC, WebP или PDF.' });
    }
    const empty = await customerUpload(customer, ticket, messageId, Buffer.alloc(0), 'empty.png');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toMatch(/пустой/);
    expect(await storedFiles()).toEqual([]);
  });

  it('exactly 5 MiB is taken; one byte more is 413 with a Russian message; JSON or a form is not a file (415)', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const messageId = ticket.messages[0]!.id;
    const exact = Buffer.concat([PNG, Buffer.alloc(MAX_ATTACHMENT_BYTES - PNG.length, 7)]);
    expect(exact.length).toBe(5 * 1024 * 1024);
    const taken = await customerUpload(customer, ticket, messageId, exact, 'big.png');
    expect(taken.statusCode, taken.body.slice(0, 200)).toBe(201);
    expect(taken.json().size).toBe(MAX_ATTACHMENT_BYTES);

    const over = await customerUpload(customer, ticket, messageId, Buffer.concat([exact, Buffer.from([0])]), 'bigger.png');
    expect(over.statusCode).toBe(413);
    expect(over.json().error).toMatchObject({ code: 'payload_too_large', message: expect.stringMatching(/больше 5 МБ/) });

    const asJson = await system.app.inject({
      method: 'POST',
      url: `/api/support/tickets/${ticket.id}/attachments?messageId=${messageId}`,
      headers: { cookie: customer.cookie, ...sameOrigin, 'content-type': 'application/json' },
      payload: JSON.stringify({ file: PNG.toString('base64') }),
    });
    expect(asJson.statusCode).toBe(415);
    const asForm = await customerUpload(customer, ticket, messageId, PNG, 'a.png', { 'content-type': 'multipart/form-data; boundary=x' });
    expect(asForm.statusCode).toBe(415);
    expect(asForm.json().error.message).toMatch(/application\/octet-stream/);
    // The rest of the API still takes only 64 KB of JSON, and no raw bytes.
    const elsewhere = await system.app.inject({
      method: 'POST',
      url: `/api/support/tickets/${ticket.id}/messages`,
      headers: { cookie: customer.cookie, ...sameOrigin, 'content-type': 'application/octet-stream' },
      payload: PNG,
    });
    expect(elsewhere.statusCode).toBe(415);

    const stored = await storedFiles();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.size_bytes).toBe(MAX_ATTACHMENT_BYTES);
    const file = await download(customer.cookie, taken.json().id);
    expect(file.rawPayload.equals(exact)).toBe(true);
  });

  it('at most 3 files a message (409); the next message takes 3 more', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const messageId = ticket.messages[0]!.id;
    for (let i = 1; i <= 3; i += 1) expect((await customerUpload(customer, ticket, messageId, PNG, `${i}.png`)).statusCode).toBe(201);
    const fourth = await customerUpload(customer, ticket, messageId, PNG, '4.png');
    expect(fourth.statusCode).toBe(409);
    expect(fourth.json().error.message).toBe('К одному сообщению можно прикрепить не больше 3 файлов.');
    const next = (await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Ещё файлы' })).json() as Thread;
    expect((await customerUpload(customer, ticket, next.messages[1]!.id, PNG, '4.png')).statusCode).toBe(201);
    expect(await storedFiles()).toHaveLength(4);
  });

  it('only to one’s own fresh message in an open request', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const messageId = ticket.messages[0]!.id;
    const agent = await loginStaff(system, ['support']);
    const reply = (await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Пришлите, пожалуйста, чек.' })).json() as Thread;
    const staffMessageId = reply.messages[1]!.id;

    // Not the staff's message, not a message of another request, not a made-up one.
    const other = await openTicket(customer);
    for (const target of [staffMessageId, other.messages[0]!.id, crypto.randomUUID()]) {
      const response = await customerUpload(customer, ticket, target, PNG, 'a.png');
      expect(response.statusCode).toBe(404);
    }
    const noMessage = await system.app.inject({
      method: 'POST',
      url: `/api/support/tickets/${ticket.id}/attachments`,
      headers: { cookie: customer.cookie, ...sameOrigin, 'content-type': 'application/octet-stream' },
      payload: PNG,
    });
    expect(noMessage.statusCode).toBe(400);
    expect(noMessage.json().error.fields).toEqual({ messageId: 'Заполните это поле.' });

    // 10 minutes after the message, it takes no more files.
    system.clock.advance(11 * MINUTE_MS);
    const late = await customerUpload(customer, ticket, messageId, PNG, 'late.png');
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toMatch(/новое сообщение/);

    const fresh = (await customer.post(`/api/support/tickets/${ticket.id}/messages`, { body: 'Вот чек.' })).json() as Thread;
    expect(fresh.status).toBe('in_progress');
    const freshId = fresh.messages.at(-1)!.id;
    expect((await agent.patch(`/api/staff/tickets/${ticket.id}`, { status: 'closed' })).statusCode).toBe(200);
    const closed = await customerUpload(customer, ticket, freshId, PNG, 'closed.png');
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.message).toMatch(/закрыто/);
    expect(await storedFiles()).toEqual([]);
  });

  it('refuses a cross-site upload (CSRF) and one without a session, before taking the body', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const messageId = ticket.messages[0]!.id;
    const crossSite = await customerUpload(customer, ticket, messageId, PNG, 'a.png', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().error.code).toBe('origin_forbidden');
    // No session: 401 even for a body over the limit (the session is checked first).
    const anonymous = await upload('', `/api/support/tickets/${ticket.id}`, messageId, Buffer.alloc(MAX_ATTACHMENT_BYTES + 10), 'a.png');
    expect(anonymous.statusCode).toBe(401);
    expect(await storedFiles()).toEqual([]);
  });
});

describe('support attachments: who may upload and download', () => {
  it('another customer cannot attach to or download from a request (404); staff with support read it (audited), other roles 403, nobody 401', async () => {
    const owner = await newCustomer();
    const ticket = await openTicket(owner);
    const messageId = ticket.messages[0]!.id;
    const stored = await customerUpload(owner, ticket, messageId, PNG, 'Паспорт.png');
    expect(stored.statusCode).toBe(201);
    const fileId = stored.json().id as string;

    const stranger = await newCustomer();
    const foreign = await customerUpload(stranger, ticket, messageId, PNG, 'mine.png');
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('not_found');
    expect((await download(stranger.cookie, fileId)).statusCode).toBe(404);
    expect((await download(stranger.cookie, crypto.randomUUID())).statusCode).toBe(404);
    expect((await download(null, fileId)).statusCode).toBe(401);

    const own = await download(owner.cookie, fileId);
    expect(own.statusCode).toBe(200);
    expect(own.headers['content-type']).toBe('image/png');
    expect(own.headers['content-disposition']).toBe(`attachment; filename="_______.png"; filename*=UTF-8''${encodeURIComponent('Паспорт.png')}`);
    expect(own.headers['x-content-type-options']).toBe('nosniff');
    expect(own.headers['cache-control']).toBe('no-store');
    expect(own.rawPayload.equals(PNG)).toBe(true);

    const agent = await loginStaff(system, ['support']);
    const staffRead = await download(agent.cookie, fileId);
    expect(staffRead.statusCode).toBe(200);
    expect(staffRead.rawPayload.equals(PNG)).toBe(true);
    const audit = await system.database.db.selectFrom('audit_log').select(['actor_id', 'entity_id', 'details']).where('action', '=', 'ticket.attachment_downloaded').execute();
    expect(audit).toEqual([{ actor_id: agent.id, entity_id: ticket.id, details: { attachmentId: fileId } }]);
    const admin = await loginStaff(system, ['admin']);
    expect((await download(admin.cookie, fileId)).statusCode).toBe(200);
    for (const role of ['underwriter', 'collections'] as const) {
      const other = await loginStaff(system, [role]);
      const response = await download(other.cookie, fileId);
      expect(response.statusCode, role).toBe(403);
    }
    // The staff thread lists the file.
    const detail = (await agent.get(`/api/staff/tickets/${ticket.id}`)).json() as Thread;
    expect(detail.messages[0]!.attachments).toEqual([{ id: fileId, name: 'Паспорт.png', mimeType: 'image/png', size: PNG.length }]);
  });

  it('staff attach files to their own reply (audited); the customer downloads them; never to a colleague’s or the customer’s message', async () => {
    const customer = await newCustomer();
    const ticket = await openTicket(customer);
    const agent = await loginStaff(system, ['support']);
    const colleague = await loginStaff(system, ['admin']);
    const replied = (await agent.post(`/api/staff/tickets/${ticket.id}/replies`, { body: 'Справка во вложении.' })).json() as Thread;
    const replyId = replied.messages[1]!.id;
    const staffPath = `/api/staff/tickets/${ticket.id}`;

    const added = await upload(agent.cookie, staffPath, replyId, PDF, 'Справка.pdf');
    expect(added.statusCode, added.body).toBe(201);
    expect((await upload(colleague.cookie, staffPath, replyId, PDF, 'x.pdf')).statusCode).toBe(404);
    expect((await upload(agent.cookie, staffPath, ticket.messages[0]!.id, PDF, 'x.pdf')).statusCode).toBe(404);
    expect((await upload(agent.cookie, staffPath, replyId, HTML, 'x.pdf')).statusCode).toBe(400);
    const underwriter = await loginStaff(system, ['underwriter']);
    expect((await upload(underwriter.cookie, staffPath, replyId, PDF, 'x.pdf')).statusCode).toBe(403);
    // A customer session opens nothing under /api/staff.
    expect((await upload(customer.cookie, staffPath, replyId, PDF, 'x.pdf')).statusCode).toBe(401);

    const seen = (await customer.get(`/api/support/tickets/${ticket.id}`)).json() as Thread;
    expect(seen.messages[1]!.attachments).toEqual([{ id: added.json().id, name: 'Справка.pdf', mimeType: 'application/pdf', size: PDF.length }]);
    const file = await download(customer.cookie, added.json().id);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    const audit = await system.database.db.selectFrom('audit_log').select(['actor_id', 'details']).where('action', '=', 'ticket.attachment_added').execute();
    expect(audit).toEqual([{ actor_id: agent.id, details: expect.objectContaining({ attachmentId: added.json().id, mimeType: 'application/pdf' }) }]);
  });
});
