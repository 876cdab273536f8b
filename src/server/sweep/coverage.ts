import { unsupportedKeywords, type Schema } from './json-schema';
import type { Resources } from './fixtures';

/**
 * What the security sweep covers, read from the OpenAPI description the app serves (/api/docs is
 * built from the same route specs the app registers). Two duties per operation:
 * - the schema fuzz must be able to build requests for it (known media types, a schema dialect the
 *   fuzzer reads);
 * - an operation that names something by a path parameter must be in the two-customer (IDOR)
 *   sweep, or be a staff route (customers are refused there: staff-route-matrix.api.test.ts walks
 *   the roles), or be listed below as not naming anything a customer owns, with the reason.
 * `uncoveredOperations` lists what misses either duty; the coverage test fails on any, so a new
 * route cannot land without the sweep reaching it.
 */

export type Parameter = { name: string; in: string; required?: boolean; schema?: unknown };

export type OpenApiOperation = {
  security?: Record<string, unknown>[];
  'x-staff-roles'?: string[];
  'x-strict-query'?: boolean;
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  parameters?: Parameter[];
};

export type OpenApi = { paths: Record<string, Record<string, OpenApiOperation>> };

export type Who = 'public' | 'customer' | 'staff';

export type Operation = {
  /** `METHOD /path/{param}` as in the description. */
  key: string;
  method: string;
  path: string;
  who: Who;
  spec: OpenApiOperation;
  pathParams: string[];
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

export function operationsOf(docs: OpenApi): Operation[] {
  const operations: Operation[] = [];
  for (const [path, byMethod] of Object.entries(docs.paths)) {
    for (const [method, spec] of Object.entries(byMethod)) {
      if (!METHODS.has(method)) continue;
      const who: Who = spec['x-staff-roles'] ? 'staff' : spec.security?.some((s) => 'sessionCookie' in s) ? 'customer' : 'public';
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        who,
        spec,
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!),
      });
    }
  }
  return operations;
}

/** Request body media types the fuzz builds requests for. */
export const FUZZED_MEDIA_TYPES = ['application/json', 'application/octet-stream'] as const;

/** Why the fuzz cannot build requests for an operation; empty when it can. */
export function fuzzProblems(operation: Operation): string[] {
  const problems: string[] = [];
  const content = operation.spec.requestBody?.content ?? {};
  for (const [media, { schema }] of Object.entries(content)) {
    if (!(FUZZED_MEDIA_TYPES as readonly string[]).includes(media)) problems.push(`request body ${media} is not fuzzed`);
    else if (media === 'application/json') problems.push(...unsupportedKeywords(schema).map((p) => `body ${p}`));
  }
  for (const parameter of operation.spec.parameters ?? []) {
    if (parameter.in !== 'path' && parameter.in !== 'query') problems.push(`${parameter.in} parameter ${parameter.name} is not fuzzed`);
    else problems.push(...unsupportedKeywords(parameter.schema ?? {}).map((p) => `${parameter.in} ${parameter.name} ${p}`));
  }
  for (const name of operation.pathParams) {
    if (!operation.spec.parameters?.some((p) => p.in === 'path' && p.name === name)) problems.push(`path parameter {${name}} is not declared`);
  }
  return problems;
}

/**
 * Which of a customer's resources a path names: the path up to and including the parameter. A route
 * under one of these (`/api/loans/{id}/anything`) joins the two-customer sweep by itself; a route
 * naming a new kind of thing must be added here (and to the fixtures) first.
 */
export const OWNED_RESOURCES: Record<string, keyof Resources> = {
  '/api/applications/{id}': 'applicationId',
  '/api/loans/{id}': 'loanId',
  '/api/payments/{id}': 'paymentId',
  '/api/support/tickets/{id}': 'ticketId',
  '/api/support/attachments/{id}': 'attachmentId',
  '/api/sessions/{id}': 'otherSessionId',
  '/api/applications/{id}/vehicle/photos/{photoId}': 'vehiclePhotoId',
};

/**
 * Parts of an owned resource's tree where its parameter must name a narrower kind of it for the
 * owner's own (control) call to find anything: only a car application has a vehicle, so the
 * sweeps aim the vehicle routes at the owner's car application.
 */
export const NARROWER_RESOURCES: Record<string, keyof Resources> = {
  '/api/applications/{id}/vehicle': 'carApplicationId',
};

/** Operations whose path parameter names nothing a customer owns, each with the reason. */
export const NOT_OWNERSHIP: Record<string, string> = {
  'GET /api/consents/documents/{version}':
    'a published version of a consent text, the same for everyone and public by design (353-ФЗ: the customer may read what was agreed to)',
  'POST /api/consents/{kind}/withdraw':
    'names a kind of consent (marketing), not a row: the service acts on the caller’s own consents only (customer id from the session)',
  'POST /api/consents/{kind}/give':
    'names a kind of consent (marketing), not a row: the service acts on the caller’s own consents only (customer id from the session)',
};

export type IdCoverage = 'no-id' | 'swept' | 'staff' | 'not-ownership' | 'uncovered';

/** The owned resource one path parameter names (OWNED_RESOURCES, narrowed by NARROWER_RESOURCES), or null. */
export function paramResource(operation: Operation, name: string): keyof Resources | null {
  const prefix = operation.path.slice(0, operation.path.indexOf(`{${name}}`) + name.length + 2);
  for (const [subtree, resource] of Object.entries(NARROWER_RESOURCES)) {
    if (subtree.startsWith(prefix) && (operation.path === subtree || operation.path.startsWith(`${subtree}/`))) return resource;
  }
  return OWNED_RESOURCES[prefix] ?? null;
}

/** The owned resource each path parameter names, or null when one of them names nothing known. */
export function ownedResources(operation: Operation): Array<keyof Resources> | null {
  const resources: Array<keyof Resources> = [];
  for (const name of operation.pathParams) {
    const resource = paramResource(operation, name);
    if (!resource) return null;
    resources.push(resource);
  }
  return resources;
}

export function idCoverage(operation: Operation): IdCoverage {
  if (operation.pathParams.length === 0) return 'no-id';
  if (operation.who === 'staff') return 'staff';
  if (Object.hasOwn(NOT_OWNERSHIP, operation.key)) return 'not-ownership';
  return ownedResources(operation) ? 'swept' : 'uncovered';
}

/**
 * Routes the app serves outside the description, each with the reason. The fuzz sends them junk too
 * (never a 5xx), but they are not schema routes: a new route must either be a route spec (and so in
 * /api/docs) or be listed here.
 */
export const OUTSIDE_OPENAPI: Record<string, string> = {
  'GET /api/docs': 'the OpenAPI description itself',
  'POST /api/webhooks/acquiring/{provider}':
    'the acquirer’s notification: no session, authenticated by a signature over the raw bytes (PAY-5); forged, replayed and shuffled ones are payments tests',
  'GET /metrics': 'Prometheus text for the scraper, behind Authorization: Bearer METRICS_TOKEN (404 when unset, 401 when wrong)',
  'GET /sandbox/acquirer/page.css': 'the sandbox acquirer’s page style (outside production only)',
  'GET /sandbox/acquirer/payments/{id}': 'the sandbox acquirer’s payment page, an HTML stand-in for the acquirer’s own site (outside production only)',
  'POST /sandbox/acquirer/payments/{id}': 'the form of that page (urlencoded, as a bank page posts)',
  'GET /sandbox/acquirer/cards/{id}': 'the sandbox card page for payouts, an HTML stand-in for the acquirer’s own site (outside production only)',
  'POST /sandbox/acquirer/cards/{id}': 'the form of that page (urlencoded, as a bank page posts)',
};

/**
 * The routes Fastify serves, as `METHOD /path/{param}`, read from `app.printRoutes({ commonPrefix:
 * false })` (a tree: each line adds a segment to its parent's path). HEAD is Fastify's echo of GET.
 */
export function servedRoutes(printed: string): string[] {
  const keys: string[] = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = [...match[1]!].length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of (match[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) keys.push(`${method} ${path}`);
  }
  return keys;
}

/**
 * Every operation the sweep does not reach, with the reason; empty when everything is covered.
 * With `served` (see servedRoutes), also every route the app serves that is neither described nor
 * listed in OUTSIDE_OPENAPI.
 */
export function uncoveredOperations(docs: OpenApi, served: string[] = []): string[] {
  const uncovered: string[] = [];
  const described = new Set(operationsOf(docs).map((operation) => operation.key));
  for (const key of served) {
    if (!described.has(key) && !Object.hasOwn(OUTSIDE_OPENAPI, key)) uncovered.push(`${key}: served, but neither in /api/docs nor in OUTSIDE_OPENAPI`);
  }
  for (const operation of operationsOf(docs)) {
    for (const problem of fuzzProblems(operation)) uncovered.push(`${operation.key}: fuzz: ${problem}`);
    if (idCoverage(operation) === 'uncovered') {
      uncovered.push(`${operation.key}: names something by id, but is neither in OWNED_RESOURCES (two-customer sweep) nor in NOT_OWNERSHIP`);
    }
  }
  return uncovered;
}

/** The JSON body schema of an operation, if it takes JSON. */
export function jsonBodySchema(operation: Operation): Schema | null {
  return (operation.spec.requestBody?.content['application/json']?.schema as Schema | undefined) ?? null;
}

export function queryParameters(operation: Operation): Array<Parameter & { schema: Schema }> {
  return (operation.spec.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ ...p, schema: (p.schema ?? {}) as Schema }));
}
