import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSystem, TEST_ORIGIN, type TestSystem } from '../testing/test-system';
import { dropTestDatabases } from '../testing/test-database';
import { idCoverage, jsonBodySchema, NOT_OWNERSHIP, operationsOf, paramResource, queryParameters, type OpenApi, type Operation } from './coverage';
import { changedTables, snapshot } from './db-snapshot';
import { customerWithResources, PNG, VEHICLE, type Resources } from './fixtures';
import { responseProblem } from './fuzz-cases';
import { validValue } from './json-schema';

/**
 * Two customers (SECURITY.md WEB-6, scenario 4), each owning an application behind an active
 * loan, a paid repayment, a support request with a file and a second session. For every
 * operation in the OpenAPI description whose path names one of a customer's things (by
 * OWNED_RESOURCES in coverage.ts, so a new route under /api/loans/{id}/… is in here the day it is
 * added), customer B calls it with A's real id and a valid request: 404 with the house body, no
 * data of A's in it, and not a row of anyone but B changed. Then A makes the same call: anything
 * but 404, which proves the id was real. Operations whose parameter names nothing owned
 * (NOT_OWNERSHIP) are called by B as well: they may answer, but change none of A's rows. Staff
 * routes with ids refuse both customers (401) with A's real ids; which staff role may call what
 * is staff-route-matrix.api.test.ts's job.
 */

let system: TestSystem;
let docs: OpenApi;
let a: Resources;
let b: Resources;

beforeAll(async () => {
  system = await createTestSystem();
  docs = (await system.get('/api/docs')).json() as OpenApi;
  a = await customerWithResources(system);
  b = await customerWithResources(system);
}, 120_000);

afterAll(async () => {
  await system?.close();
  await dropTestDatabases();
});

/**
 * A request the route accepts as far as its schema goes, so B's call reaches the ownership check
 * and not a 400. Operations not listed here get a value generated from their schema; when that is
 * not enough (a refinement refuses it), the test says so and the operation belongs here.
 */
const VALID_INPUT: Record<string, { body?: unknown; query?: Record<string, string> }> = {
  'PATCH /api/applications/{id}': { body: { lastName: 'Петрова' } },
  'POST /api/applications/{id}/consents': { body: { kinds: ['personal_data'] } },
  'POST /api/applications/{id}/payout-method': { body: { type: 'cash' } },
  'POST /api/applications/{id}/payout-method/card/confirm': { body: { amount: '1,00' } },
  'POST /api/applications/{id}/sign': { body: { code: '123456' } },
  'POST /api/loans/{id}/payments': { body: { amountKopecks: 100 } },
  'GET /api/loans/{id}/prolongation': { query: { days: '7' } },
  'POST /api/loans/{id}/prolongation': { body: { days: 7, code: '123456' } },
  'POST /api/loans/{id}/prolongation/otp': { body: { days: 7 } },
  'POST /api/loans/{id}/bonus': { body: { points: 1 } },
  'POST /api/support/tickets/{id}/messages': { body: { body: 'Здравствуйте, это не мой вопрос.' } },
  'PUT /api/applications/{id}/vehicle': { body: VEHICLE },
  // A ПТС page adds a photo (up to the cap); another kind would replace the fixture's own photo.
  'POST /api/applications/{id}/vehicle/photos': { query: { kind: 'pts_page' } },
};

function request(operation: Operation, owner: Resources, caller: Resources): Promise<LightMyRequestResponse> {
  let url = operation.path;
  for (const name of operation.pathParams) {
    const resource = paramResource(operation, name);
    url = url.replace(`{${name}}`, resource ? owner[resource] : name === 'kind' ? 'marketing' : 'v1');
  }
  const given = VALID_INPUT[operation.key];
  const query: Record<string, string> = { ...(given?.query ?? {}) };
  for (const parameter of queryParameters(operation)) {
    if (parameter.required && query[parameter.name] === undefined) query[parameter.name] = String(fc.sample(validValue(parameter.schema), { seed: 1, numRuns: 1 })[0]);
  }
  const takesBytes = operation.spec.requestBody?.content['application/octet-stream'] !== undefined;
  // An upload names the message too: the owner's message of the owner's request.
  if (takesBytes && operation.path.startsWith('/api/support/')) query.messageId = owner.messageId;
  if (Object.keys(query).length) url += `?${new URLSearchParams(query).toString()}`;
  const schema = jsonBodySchema(operation);
  const body = given?.body ?? (schema ? fc.sample(validValue(schema), { seed: 1, numRuns: 1 })[0] : undefined);
  const headers: Record<string, string> = { origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin', cookie: caller.cookie };
  if (operation.method !== 'GET') headers['idempotency-key'] = crypto.randomUUID();
  if (takesBytes) {
    headers['content-type'] = 'application/octet-stream';
    headers['x-file-name'] = 'receipt.png';
  } else if (body !== undefined) headers['content-type'] = 'application/json';
  return system.app.inject({
    method: operation.method as 'GET',
    url,
    headers,
    ...(takesBytes ? { payload: PNG } : body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

const snapshotExceptB = () => snapshot(system.database.db, { exceptCustomer: b.customerId });

describe('two customers: every route that names a customer’s thing (WEB-6)', () => {
  it('B gets 404 for each of A’s ids, with nothing changed; A’s own call finds it', async () => {
    const swept = operationsOf(docs).filter((operation) => idCoverage(operation) === 'swept');
    expect(swept.length).toBeGreaterThanOrEqual(25);
    const failures: string[] = [];
    for (const operation of swept) {
      const before = await snapshotExceptB();
      const foreign = await request(operation, a, b);
      const changed = changedTables(before, await snapshotExceptB());
      const problem = responseProblem(foreign, 'unsure');
      if (foreign.statusCode !== 404 || problem) {
        failures.push(`${operation.key} as B with A's id: ${foreign.statusCode} ${foreign.body.slice(0, 200)}${problem ? ` (${problem})` : ''}` +
          (foreign.statusCode === 400 ? ' — give it a valid request in VALID_INPUT' : ''));
      } else if (foreign.json().error.code !== 'not_found') {
        failures.push(`${operation.key} as B: 404 with code ${foreign.json().error.code}`);
      }
      for (const id of Object.values(a)) {
        if (foreign.body.includes(id)) failures.push(`${operation.key} as B: the reply carries A's ${id}`);
      }
      if (changed.length) failures.push(`${operation.key} as B changed ${changed.join(', ')}`);

      const own = await request(operation, a, a);
      if (own.statusCode === 404 || own.statusCode >= 500) failures.push(`${operation.key} as A (control): ${own.statusCode} ${own.body.slice(0, 200)}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('operations whose parameter names nothing owned (NOT_OWNERSHIP) change none of A’s rows when B calls them', async () => {
    const listed = operationsOf(docs).filter((operation) => idCoverage(operation) === 'not-ownership');
    expect(listed.map((operation) => operation.key).sort()).toEqual(Object.keys(NOT_OWNERSHIP).sort());
    for (const operation of listed) {
      const before = await snapshotExceptB();
      const response = await request(operation, a, b);
      expect(response.statusCode, `${operation.key}: ${response.body}`).toBeLessThan(500);
      expect(changedTables(before, await snapshotExceptB()), operation.key).toEqual([]);
    }
  });

  it('staff routes with ids refuse customers (401) with real ids, and change nothing', async () => {
    const staffWithIds = operationsOf(docs).filter((operation) => idCoverage(operation) === 'staff');
    expect(staffWithIds.length).toBeGreaterThanOrEqual(10);
    const realId: Record<string, string> = { id: a.applicationId, customerId: a.customerId, loanId: a.loanId, photoId: a.vehiclePhotoId, code: 'pdl' };
    const failures: string[] = [];
    for (const operation of staffWithIds) {
      let url = operation.path;
      for (const name of operation.pathParams) {
        const id = /customers|retention/.test(operation.path) ? a.customerId : /tickets/.test(operation.path) ? a.ticketId : realId[name]!;
        url = url.replace(`{${name}}`, id);
      }
      for (const caller of [a, b]) {
        const before = await snapshot(system.database.db, { exceptCustomer: caller.customerId });
        const response = await system.app.inject({
          method: operation.method as 'GET',
          url,
          headers: { origin: TEST_ORIGIN, 'sec-fetch-site': 'same-origin', cookie: caller.cookie, ...(operation.method === 'GET' ? {} : { 'content-type': 'application/json' }) },
          ...(operation.method === 'GET' ? {} : { payload: '{}' }),
        });
        if (response.statusCode !== 401) failures.push(`${operation.key} as a customer: ${response.statusCode}`);
        const changed = changedTables(before, await snapshot(system.database.db, { exceptCustomer: caller.customerId }));
        if (changed.length) failures.push(`${operation.key} as a customer changed ${changed.join(', ')}`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });
});
