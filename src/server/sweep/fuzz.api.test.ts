import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../modules/staff/staff.service';
import { loginStaff, type StaffClient } from '../testing/staff';
import { createTestSystem, login, TEST_ORIGIN, type TestSystem } from '../testing/test-system';
import { dropTestDatabases } from '../testing/test-database';
import { fuzzProblems, OUTSIDE_OPENAPI, operationsOf, paramResource, servedRoutes, type OpenApi, type Operation, type Who } from './coverage';
import { customerWithResources, type Resources } from './fixtures';
import { encodeBytes, fuzzCases, junkPathValue, responseProblem, type FuzzCase } from './fuzz-cases';
import { SANDBOX_ACQUIRER } from '../providers/acquiring/sandbox';

/**
 * The schema fuzz (SECURITY.md WEB-7, WEB-9, WEB-12): every operation of the OpenAPI description,
 * with requests derived from its own schemas, most of them broken. Sent with the session the
 * operation needs (a customer's for customer routes, a staff member with every role for staff
 * routes, none — or, for half the cases, both — for public ones), so validation is reached rather
 * than a 401. Never a 5xx; never a 2xx for an input the schema refuses; every error in the house
 * shape with Russian text. Ids in paths are real ones the session's owner has, so a request gets
 * past "not found" into the code behind.
 *
 * Bounded: CASES per operation, seeds fixed per operation (SWEEP_SEED changes them all; SWEEP_OP
 * narrows the run to the operations whose key contains it). A failure prints the operation, the
 * seed and the fast-check path, the request and the response; SWEEP_OP='<the key>' with
 * SWEEP_PATH='<the path>' replays just the shrunk case.
 */

const CASES = 25;
const BASE_SEED = Number(process.env.SWEEP_SEED ?? 20_261_126);
const ONLY = process.env.SWEEP_OP;
/** SWEEP_STATS=1 prints, per operation, the statuses its cases got by verdict: is validation reached? */
const STATS = process.env.SWEEP_STATS === '1';

/** A stable seed per operation: adding a route does not change the cases of the others. */
function seedOf(key: string): number {
  let hash = BASE_SEED | 0;
  for (const char of key) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

let system: TestSystem;
let docs: OpenApi;
let owner: Resources;
let staff: StaffClient;
let otherStaffId: string;
let customerCookie: string;
let consentVersion: string;
const fuzzed = new Set<string>();
const prototypeKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  system = await createTestSystem();
  docs = (await system.get('/api/docs')).json() as OpenApi;
  owner = await customerWithResources(system);
  customerCookie = owner.cookie;
  staff = await loginStaff(system, [...STAFF_ROLES]);
  otherStaffId = (await loginStaff(system, ['support'])).id;
  const documents = (await system.get('/api/consent-documents')).json() as unknown;
  consentVersion = /"version":"([^"]+)"/.exec(JSON.stringify(documents))?.[1] ?? 'v1';
}, 120_000);

afterAll(async () => {
  await system?.close();
  await dropTestDatabases();
});

/** A real value for each path parameter: the fuzzing customer's own ids, staff-side ids of the same data. */
function pathValue(operation: Operation, name: string): string {
  const prefix = operation.path.slice(0, operation.path.indexOf(`{${name}}`) + name.length + 2);
  const owned = paramResource(operation, name);
  if (owned) return owner[owned];
  const staffSide: Record<string, string> = {
    '/api/staff/users/{id}': otherStaffId,
    '/api/staff/applications/{id}': owner.applicationId,
    '/api/staff/customers/{id}': owner.customerId,
    '/api/staff/retention/{customerId}': owner.customerId,
    '/api/staff/payouts/{loanId}': owner.loanId,
    '/api/staff/tickets/{id}': owner.ticketId,
    '/api/staff/vehicle-photos/{photoId}': owner.vehiclePhotoId,
    '/api/staff/products/{code}': 'pdl',
    '/api/consents/{kind}': 'marketing',
    '/api/consents/documents/{version}': consentVersion,
  };
  return staffSide[prefix] ?? crypto.randomUUID();
}

/** Test-net addresses, one per case: per-IP limits on the login routes never block the sessions' own relogins. */
let address = 0;
const nextAddress = () => {
  address += 1;
  return `198.18.${(address >> 8) & 255}.${address & 255}`;
};

async function send(fuzzCase: FuzzCase, cookies: string[]): Promise<LightMyRequestResponse> {
  return system.app.inject({
    method: fuzzCase.method as 'GET',
    url: fuzzCase.url,
    headers: { origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin', ...fuzzCase.headers, ...(cookies.length ? { cookie: cookies.join('; ') } : {}) },
    remoteAddress: nextAddress(),
    ...(fuzzCase.payload !== undefined ? { payload: fuzzCase.payload } : {}),
  });
}

const short = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

/** Some operations end the session they are sent with (logout, account deletion): log in again. */
async function keepSessionsAlive() {
  if ((await system.get('/api/me', { cookie: customerCookie })).statusCode !== 200) {
    system.clock.advance(61_000); // the per-phone gap between SMS codes
    customerCookie = await login(system, owner.phone);
  }
  if ((await system.get('/api/staff/me', { cookie: staff.cookie })).statusCode !== 200) {
    staff = await loginStaff(system, [...STAFF_ROLES]);
  }
}

function cookiesFor(who: Who, asVisitor: boolean): string[] {
  if (who === 'customer') return [customerCookie];
  if (who === 'staff') return [staff.cookie];
  return asVisitor ? [customerCookie, staff.cookie] : [];
}

async function fuzzOperation(operation: Operation): Promise<string | null> {
  const problems = fuzzProblems(operation);
  if (problems.length) return `${operation.key}: cannot be fuzzed: ${problems.join('; ')}`;
  const seed = seedOf(operation.key);
  const seen: string[] = [];
  const result = await fc.check(
    fc.asyncProperty(fuzzCases(operation, { pathValue }), fc.boolean(), async (fuzzCase, asVisitor) => {
      const response = await send(fuzzCase, cookiesFor(operation.who, asVisitor));
      if (STATS) seen.push(`${fuzzCase.verdict[0]}${response.statusCode}`);
      const problem = responseProblem(response, fuzzCase.verdict, fuzzCase.fieldsExpected);
      if (problem) {
        throw new Error(
          `${problem} [${fuzzCase.note}; verdict ${fuzzCase.verdict}]\n    ${fuzzCase.method} ${short(fuzzCase.url, 200)}\n    ` +
            `content-type: ${fuzzCase.headers['content-type'] ?? '-'} body: ${short(String(fuzzCase.payload ?? ''), 200)}\n    → ${response.statusCode} ${short(response.body)}`,
        );
      }
    }),
    { numRuns: CASES, seed, ...(process.env.SWEEP_PATH ? { path: process.env.SWEEP_PATH } : {}) },
  );
  fuzzed.add(operation.key);
  if (STATS) {
    const counts = new Map<string, number>();
    for (const outcome of seen) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    console.log(`${operation.key.padEnd(60)} ${[...counts].sort().map(([outcome, n]) => `${outcome}×${n}`).join(' ')}`);
  }
  await keepSessionsAlive();
  if (!result.failed) return null;
  const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
  return `${operation.key} (seed ${seed}, path "${result.counterexamplePath}"): ${error}`;
}

async function fuzzAll(who: Who) {
  const operations = operationsOf(docs).filter((operation) => operation.who === who && (!ONLY || operation.key.includes(ONLY)));
  const failures: string[] = [];
  for (const operation of operations) {
    const failure = await fuzzOperation(operation);
    if (failure) failures.push(failure);
  }
  expect(failures, failures.join('\n\n')).toEqual([]);
}

describe('schema fuzz of every route in the OpenAPI description', () => {
  it('public routes (anonymous, or with both sessions)', () => fuzzAll('public'), 120_000);
  it('customer routes, with the customer’s session', () => fuzzAll('customer'), 120_000);
  it('staff routes, with a staff session holding every role', () => fuzzAll('staff'), 120_000);

  it('routes outside the description (webhook, metrics, sandbox pages) take junk without a 5xx, and give nothing unauthenticated', async () => {
    const outside = servedRoutes(system.app.printRoutes({ commonPrefix: false })).filter((key) => Object.hasOwn(OUTSIDE_OPENAPI, key));
    expect(outside.length).toBeGreaterThanOrEqual(3);
    const failures: string[] = [];
    for (const key of outside.filter((k) => !ONLY || k.includes(ONLY))) {
      const [method, path] = key.split(' ') as [string, string];
      const seed = seedOf(key);
      const result = await fc.check(
        fc.asyncProperty(
          fc.oneof(fc.constant(SANDBOX_ACQUIRER), fc.uuid(), junkPathValue),
          fc.oneof(
            fc.constant(undefined),
            fc.constantFrom('{}', '{"event":"payment.succeeded","object":{"id":"x","status":"succeeded"}}', 'outcome=succeeded', 'pan=4111111111111111&expiry=12%2F30&cvc=123&holder=X', '{"a":'),
            fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
          ),
          fc.constantFrom<string | null>('application/json', 'application/x-www-form-urlencoded', 'application/octet-stream', 'text/plain', null),
          fc.oneof(fc.constant(undefined), fc.constantFrom('Bearer ', 'Bearer null', 'Basic YTpi'), fc.string({ maxLength: 40 }).map((text) => `Bearer ${text}`)),
          fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
          async (parameter, body, type, authorization, signature) => {
            const url = path.replace(/\{\w+\}/g, encodeBytes(parameter));
            const sendsBody = method !== 'GET' && body !== undefined;
            const headers: Record<string, string> = { origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin' };
            if (sendsBody && type) headers['content-type'] = type;
            if (authorization !== undefined) headers.authorization = authorization;
            if (signature !== undefined) headers['x-sandbox-signature'] = signature;
            const response = await system.app.inject({ method: method as 'GET', url, headers, remoteAddress: nextAddress(), ...(sendsBody ? { payload: body } : {}) });
            const problem =
              response.statusCode >= 500
                ? `server error ${response.statusCode}`
                : (path === '/metrics' || path.startsWith('/api/webhooks/')) && response.statusCode < 300
                  ? `answered ${response.statusCode} without the right credentials`
                  : null;
            if (problem) throw new Error(`${problem}\n    ${method} ${short(url, 200)} ${short(String(body ?? ''), 200)}\n    → ${response.statusCode} ${short(response.body)}`);
          },
        ),
        { numRuns: CASES, seed },
      );
      if (result.failed) failures.push(`${key} (seed ${seed}, path "${result.counterexamplePath}"): ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`);
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 60_000);

  it('fuzzed every operation, and nothing reached Object.prototype', () => {
    const all = operationsOf(docs).filter((operation) => !ONLY || operation.key.includes(ONLY));
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((operation) => !fuzzed.has(operation.key)).map((operation) => operation.key)).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeysBefore);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
