import { describe, expect, it } from 'vitest';
import { useTestSystem } from '../testing/test-system';
import { idCoverage, NOT_OWNERSHIP, operationsOf, OUTSIDE_OPENAPI, OWNED_RESOURCES, servedRoutes, uncoveredOperations, type OpenApi, type OpenApiOperation } from './coverage';

/**
 * Must-show 3 of issue 9: the fuzz (fuzz.api.test.ts) and the two-customer sweep
 * (idor.api.test.ts) cover every operation of the OpenAPI description the app serves, and a route
 * added without coverage fails here.
 */

const system = useTestSystem();

const docsOf = async () => (await system.get('/api/docs')).json() as OpenApi;
const printed = () => system.app.printRoutes({ commonPrefix: false });

const withOperation = (docs: OpenApi, path: string, method: string, operation: OpenApiOperation): OpenApi => ({
  ...docs,
  paths: { ...docs.paths, [path]: { ...(docs.paths[path] ?? {}), [method]: operation } },
});

const customer = { security: [{ sessionCookie: [] }] };
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

describe('security sweep coverage', () => {
  it('every operation in /api/docs is fuzzed, and every one that names something by id is swept, staff-only or listed', async () => {
    const docs = await docsOf();
    expect(operationsOf(docs).length).toBeGreaterThanOrEqual(90);
    expect(uncoveredOperations(docs, servedRoutes(printed()))).toEqual([]);
  });

  it('reads every served route, and each described operation is one of them', async () => {
    const served = servedRoutes(printed());
    expect(served).toContain('GET /api/loans/{id}/contract.pdf');
    expect(served).toContain('POST /api/staff/payouts/{loanId}/retry');
    expect(served).not.toContain('HEAD /api/me');
    for (const operation of operationsOf(await docsOf())) expect(served, operation.key).toContain(operation.key);
  });

  it('has no stale entries: each listed operation and each owned path exists', async () => {
    const operations = operationsOf(await docsOf());
    const served = servedRoutes(printed());
    for (const key of Object.keys(NOT_OWNERSHIP)) expect(operations.map((o) => o.key), key).toContain(key);
    for (const prefix of Object.keys(OWNED_RESOURCES)) expect(operations.some((o) => o.path.startsWith(prefix)), prefix).toBe(true);
    for (const key of Object.keys(OUTSIDE_OPENAPI)) {
      expect(served, key).toContain(key);
      expect(operations.map((o) => o.key), `${key} is described now: drop it from OUTSIDE_OPENAPI`).not.toContain(key);
    }
  });

  it('fails for a route served outside the description (registered with app.get, not as a route spec)', async () => {
    const served = servedRoutes(`${printed()}\n└── /api/export/everything (GET, HEAD)`);
    expect(uncoveredOperations(await docsOf(), served)).toEqual(['GET /api/export/everything: served, but neither in /api/docs nor in OUTSIDE_OPENAPI']);
  });

  it('fails for a new customer route naming a new kind of thing by id', async () => {
    const docs = withOperation(await docsOf(), '/api/cards/{id}', 'delete', { ...customer, parameters: [idParam('id')] });
    expect(uncoveredOperations(docs)).toEqual([
      'DELETE /api/cards/{id}: names something by id, but is neither in OWNED_RESOURCES (two-customer sweep) nor in NOT_OWNERSHIP',
    ]);
  });

  it('fails for a public route with an id, and for a second id under a swept one', async () => {
    let docs = withOperation(await docsOf(), '/api/receipts/{token}', 'get', { parameters: [idParam('token')] });
    docs = withOperation(docs, '/api/loans/{id}/documents/{documentId}', 'get', { ...customer, parameters: [idParam('id'), idParam('documentId')] });
    expect(uncoveredOperations(docs)).toHaveLength(2);
  });

  it('sweeps a new route under a known resource by itself, and leaves staff routes to the role matrix', async () => {
    let docs = withOperation(await docsOf(), '/api/loans/{id}/schedule.pdf', 'get', { ...customer, parameters: [idParam('id')] });
    docs = withOperation(docs, '/api/staff/cards/{id}', 'get', { security: [{ staffSessionCookie: [] }], 'x-staff-roles': ['admin'], parameters: [idParam('id')] });
    expect(uncoveredOperations(docs)).toEqual([]);
    const byKey = new Map(operationsOf(docs).map((operation) => [operation.key, operation]));
    expect(idCoverage(byKey.get('GET /api/loans/{id}/schedule.pdf')!)).toBe('swept');
    expect(idCoverage(byKey.get('GET /api/staff/cards/{id}')!)).toBe('staff');
  });

  it('fails for a route the fuzz cannot build requests for: another media type, an unread schema keyword, an undeclared path parameter', async () => {
    let docs = withOperation(await docsOf(), '/api/scans', 'post', {
      ...customer,
      requestBody: { content: { 'multipart/form-data': { schema: { type: 'object' } } } },
    });
    docs = withOperation(docs, '/api/notes', 'post', {
      ...customer,
      requestBody: { content: { 'application/json': { schema: { type: 'object', patternProperties: { '^x': { type: 'string' } } } } } },
    });
    docs = withOperation(docs, '/api/support/tickets/{id}/close', 'post', customer);
    expect(uncoveredOperations(docs)).toEqual([
      'POST /api/scans: fuzz: request body multipart/form-data is not fuzzed',
      'POST /api/notes: fuzz: body $: keyword patternProperties',
      'POST /api/support/tickets/{id}/close: fuzz: path parameter {id} is not declared',
    ]);
  });
});
