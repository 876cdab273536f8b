import fc from 'fast-check';
import { ERROR_STATUS, type ErrorCode } from '../errors';
import { jsonBodySchema, queryParameters, type Operation } from './coverage';
import { brokenLeaf, brokenValue, DEEP_NESTING, HOSTILE_KEYS, judge, NEAR_MISSES, validValue, type Verdict } from './json-schema';

/**
 * Requests for the schema fuzz, built from one operation of the OpenAPI description: its JSON body
 * schema, its query parameters, its path parameters and its media type. Each request carries the
 * verdict on what it sends (`judge`): 'invalid' ones must never be accepted.
 */

export type FuzzCase = {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  verdict: Verdict;
  /** What was broken, for the report. */
  note: string;
  /** A field of a well-formed JSON body or query was broken: a 400 must say which, in Russian. */
  fieldsExpected?: boolean;
};

export type CaseContext = {
  /** A real value for a path parameter (an id the session's owner has), so requests get past "not found". */
  pathValue: (operation: Operation, name: string) => string;
};

const worst = (verdicts: Verdict[]): Verdict => (verdicts.includes('invalid') ? 'invalid' : verdicts.includes('unsure') ? 'unsure' : 'valid');

/**
 * Percent-encodes the UTF-8 bytes of a text (a lone surrogate becomes U+FFFD, as on the wire).
 * encodeURIComponent would throw on a lone surrogate.
 */
export function encodeBytes(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** What the server reads back from a text sent as UTF-8. */
const asReceived = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

/** Any value as query text: strings as they are, other scalars printed, the rest as JSON. */
function queryText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

type QueryPairs = Array<[string, string]>;

/** The query as the server's parser hands it to the schema: repeated keys become arrays. */
function receivedQuery(pairs: QueryPairs): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [key, raw] of pairs) {
    const value = asReceived(raw);
    const name = asReceived(key);
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function judgeQuery(operation: Operation, pairs: QueryPairs): Verdict {
  const parameters = queryParameters(operation);
  const query = receivedQuery(pairs);
  const verdicts: Verdict[] = [];
  for (const parameter of parameters) {
    const value = query[parameter.name];
    if (value === undefined) verdicts.push(parameter.required ? 'invalid' : 'valid');
    else verdicts.push(judge(parameter.schema, value, { query: true }));
  }
  for (const key of Object.keys(query)) {
    if (!parameters.some((p) => p.name === key)) verdicts.push(operation.spec['x-strict-query'] ? 'invalid' : 'unsure');
  }
  return worst(verdicts);
}

function validQuery(operation: Operation): fc.Arbitrary<QueryPairs> {
  const parameters = queryParameters(operation);
  if (parameters.length === 0) return fc.constant([]);
  return fc.tuple(
    ...parameters.map((parameter) =>
      fc.tuple(validValue(parameter.schema), parameter.required ? fc.constant(true) : fc.boolean()).map(([value, present]): QueryPairs =>
        // A valid value that is not a scalar (or null) has no query form: leave the parameter out.
        present && value !== null && typeof value !== 'object' ? [[parameter.name, queryText(value)]] : [],
      ),
    ),
  ).map((parts) => parts.flat());
}

/** One parameter broken, a required one left out, an unknown or hostile one added, or one repeated. */
function brokenQuery(operation: Operation): fc.Arbitrary<{ pairs: QueryPairs; note: string }> {
  const parameters = queryParameters(operation);
  const options: fc.Arbitrary<{ pairs: QueryPairs; note: string }>[] = [
    fc
      .tuple(validQuery(operation), fc.oneof(fc.constantFrom(...HOSTILE_KEYS, 'a[b]', 'x.y', ''), fc.string({ minLength: 1, maxLength: 10 })), fc.constantFrom('1', 'true', '', 'ж'))
      .filter(([, key]) => !parameters.some((p) => p.name === key))
      .map(([pairs, key, value]) => ({ pairs: [...pairs, [key, value]], note: `unknown query parameter ${key}` })),
  ];
  if (parameters.length) {
    const byName = (name: string) => parameters.find((p) => p.name === name)!;
    options.push(
      fc
        .tuple(validQuery(operation), fc.constantFrom(...parameters.map((p) => p.name)))
        .chain(([pairs, name]) =>
          fc.oneof(brokenLeaf(byName(name).schema), brokenValue(byName(name).schema)).map((broken) => ({
            pairs: [...pairs.filter(([key]) => key !== name), [name, queryText(broken)] as [string, string]],
            note: `query ${name} broken`,
          })),
        ),
      fc
        .tuple(validQuery(operation), fc.constantFrom(...parameters.map((p) => p.name)), fc.constantFrom('1', 'x', ''))
        .map(([pairs, name, extra]) => ({ pairs: [...pairs, [name, extra], [name, extra]], note: `query ${name} repeated` })),
    );
    const required = parameters.filter((p) => p.required).map((p) => p.name);
    if (required.length) {
      options.push(
        fc
          .tuple(validQuery(operation), fc.constantFrom(...required))
          .map(([pairs, name]) => ({ pairs: pairs.filter(([key]) => key !== name), note: `query ${name} missing` })),
      );
    }
  }
  return fc.oneof(...options);
}

/** Path values that name nothing: malformed ids, look-alikes, random uuids, other scripts, traversal. */
export const junkPathValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NEAR_MISSES, 'x'.repeat(150), '%', '%zz', 'null', 'undefined', '0', '-1', '00000000-0000-4000-8000-000000000000'),
  fc.uuid(),
  fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).map((text) => `~${text}`),
);

/** Request bodies that are not well-formed JSON, or are but in ways parsers trip over. */
const RAW_BODIES = [
  '{"a":',
  '{',
  ' ',
  'nul',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '\uFEFF{}',
  '1e999',
  '"\\ud800"',
  '{"a":1,"a":2}',
  `${'['.repeat(30_000)}${']'.repeat(30_000)}`,
  '['.repeat(30_000),
  JSON.stringify(DEEP_NESTING),
];

function parseOrNull(text: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return null;
  }
}

const requestFor = (
  operation: Operation,
  path: Record<string, string>,
  pairs: QueryPairs,
  body: { type: string | null; payload: string | Buffer } | null,
  extraHeaders: Record<string, string> = {},
): Omit<FuzzCase, 'verdict' | 'note' | 'fieldsExpected'> => {
  let url = operation.path;
  for (const [name, value] of Object.entries(path)) url = url.replace(`{${name}}`, encodeBytes(value));
  if (pairs.length) url += `?${pairs.map(([key, value]) => `${encodeBytes(key)}=${encodeBytes(value)}`).join('&')}`;
  const headers: Record<string, string> = { ...extraHeaders };
  if (body?.type) headers['content-type'] = body.type;
  // Money POSTs need an Idempotency-Key (not in the description: a header contract of its own).
  if (operation.method !== 'GET') headers['idempotency-key'] = crypto.randomUUID();
  return { method: operation.method, url, headers, ...(body ? { payload: body.payload } : {}) };
};

/**
 * The requests for one operation: broken bodies, broken queries, path values that name nothing,
 * malformed or oversized JSON, wrong media types, and (for every operation, body or not) valid
 * input with junk around it.
 */
export function fuzzCases(operation: Operation, context: CaseContext): fc.Arbitrary<FuzzCase> {
  const realPath = Object.fromEntries(operation.pathParams.map((name) => [name, context.pathValue(operation, name)]));
  const bodySchema = jsonBodySchema(operation);
  const takesBytes = operation.spec.requestBody?.content['application/octet-stream'] !== undefined;
  const json = (value: unknown) => ({ type: 'application/json', payload: JSON.stringify(value) });
  const validBody: fc.Arbitrary<{ type: string | null; payload: string | Buffer } | null> = bodySchema
    ? validValue(bodySchema).map(json)
    : takesBytes
      ? fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ type: 'application/octet-stream', payload: Buffer.from(bytes) }))
      : fc.constant(null);
  const strategies: Array<{ weight: number; arbitrary: fc.Arbitrary<FuzzCase> }> = [];
  const add = (weight: number, arbitrary: fc.Arbitrary<FuzzCase>) => strategies.push({ weight, arbitrary });

  if (bodySchema) {
    add(
      6,
      fc.tuple(validQuery(operation), brokenValue(bodySchema)).map(([pairs, value]) => {
        const payload = JSON.stringify(value);
        return {
          ...requestFor(operation, realPath, pairs, { type: 'application/json', payload }),
          verdict: worst([judge(bodySchema, JSON.parse(payload)), judgeQuery(operation, pairs)]),
          note: 'body broken',
          // A `__proto__` key is refused whole by the JSON parser (secure-json-parse), not per field.
          fieldsExpected: !/"(__proto__|constructor)"/.test(payload),
        };
      }),
    );
    add(
      2,
      fc.tuple(validQuery(operation), fc.constantFrom(...RAW_BODIES)).map(([pairs, payload]) => {
        const parsed = parseOrNull(payload);
        // '1e999' parses to Infinity, which no JSON schema admits; a BOM is the parser's call.
        const verdict: Verdict = payload.startsWith('\uFEFF') ? 'unsure' : parsed ? judge(bodySchema, parsed.value) : 'invalid';
        return { ...requestFor(operation, realPath, pairs, { type: 'application/json', payload }), verdict: worst([verdict, judgeQuery(operation, pairs)]), note: 'malformed JSON' };
      }),
    );
    add(
      1,
      fc
        .tuple(validQuery(operation), validValue(bodySchema), fc.constantFrom<string | null>('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', null))
        .map(([pairs, value, type]) => ({
          ...requestFor(operation, realPath, pairs, { type, payload: JSON.stringify(value) }),
          verdict: 'invalid',
          note: `JSON sent as ${type ?? 'no content type'}`,
        })),
    );
    add(
      1,
      fc.tuple(validQuery(operation), validValue(bodySchema)).map(([pairs, value]) => ({
        ...requestFor(operation, realPath, pairs, {
          type: 'application/json',
          payload: JSON.stringify(value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value, padding: 'Ж'.repeat(50_000) } : ['Ж'.repeat(50_000)]),
        }),
        verdict: 'invalid',
        note: 'oversized JSON body (~100 KB)',
      })),
    );
  }
  if (takesBytes) {
    add(
      4,
      fc
        .tuple(
          fc.oneof(validQuery(operation).map((pairs) => ({ pairs, note: '' })), brokenQuery(operation)),
          fc.oneof(
            fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
            fc.constantFrom(
              Buffer.alloc(0),
              Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
              Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(16)]),
              Buffer.from('%PDF-'),
            ),
          ),
          fc.oneof(fc.constantFrom('scan.png', '', '%', '%E0%A4%A', '..%2F..%2Fetc%2Fpasswd', '%00.png', 'x'.repeat(5_000)), fc.string({ maxLength: 60 }).map(encodeBytes)),
          fc.constantFrom<string | null>('application/octet-stream', 'application/octet-stream', 'image/png', 'application/json', 'text/plain', null),
        )
        .map(([query, bytes, fileName, type]) => ({
          ...requestFor(operation, realPath, query.pairs, { type, payload: bytes }, { 'x-file-name': fileName }),
          // The bytes are opaque to the schema: only the query and the media type are judged here.
          verdict: worst([judgeQuery(operation, query.pairs), type === 'application/octet-stream' || type === null ? 'unsure' : 'invalid']),
          note: `file upload ${query.note}`.trim(),
        })),
    );
  }
  if (queryParameters(operation).length || operation.spec['x-strict-query']) {
    add(
      4,
      fc.tuple(brokenQuery(operation), validBody).map(([query, body]) => ({
        ...requestFor(operation, realPath, query.pairs, body),
        verdict: worst([judgeQuery(operation, query.pairs), body && bodySchema ? judge(bodySchema, JSON.parse(String(body.payload))) : 'unsure']),
        note: query.note,
        fieldsExpected: true,
      })),
    );
  }
  if (operation.pathParams.length) {
    add(
      3,
      fc.tuple(fc.constantFrom(...operation.pathParams), junkPathValue, validQuery(operation), validBody).map(([name, junk, pairs, body]) => ({
        ...requestFor(operation, { ...realPath, [name]: junk }, pairs, body),
        // The value names nothing that exists: nothing may be done with it.
        verdict: 'invalid',
        note: `path {${name}} names nothing`,
      })),
    );
  }
  // Valid input with junk around it: a body on a route that takes none, unknown query parameters.
  add(
    2,
    fc
      .tuple(
        validQuery(operation),
        validBody,
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<unknown>({ __proto__: null, isAdmin: true }, JSON.parse('{"__proto__":{"isAdmin":true}}'))),
        fc.boolean(),
      )
      .map(([pairs, body, junk, extraQuery]) => {
        const allPairs: QueryPairs = extraQuery ? [...pairs, ['utm_source', 'фузз']] : pairs;
        const sent = body ?? (operation.method === 'GET' ? null : json(junk));
        return {
          ...requestFor(operation, realPath, allPairs, sent),
          verdict: worst([
            judgeQuery(operation, allPairs),
            bodySchema && body ? judge(bodySchema, JSON.parse(String(body.payload))) : 'unsure',
            // A route that takes no body ignores one: the house rule for JSON is the schema's.
            'unsure',
          ]),
          note: body ? 'valid input' : 'junk body on a route that takes none',
        };
      }),
  );
  return fc.oneof(...strategies);
}

const RUSSIAN = /[а-яё]/i;

/**
 * What is wrong with a response to a fuzz case, or null: a 5xx; an accepted invalid input; an error
 * without the house body (`{ error: { code, message, fields? }, requestId }`, a known code whose
 * status is the one sent, Russian text, Russian per-field messages).
 */
export function responseProblem(
  response: { statusCode: number; body: string; headers: Record<string, unknown> },
  verdict: Verdict,
  fieldsExpected = false,
): string | null {
  const status = response.statusCode;
  if (status >= 500) return `server error ${status}`;
  if (verdict === 'invalid' && status < 400) return `accepted an input that breaks the schema (${status})`;
  if (status < 400) return null;
  let body: { error?: { code?: unknown; message?: unknown; fields?: unknown }; requestId?: unknown };
  try {
    body = JSON.parse(response.body) as typeof body;
  } catch {
    return `error ${status} without a JSON body`;
  }
  const code = body.error?.code;
  if (typeof code !== 'string' || !Object.hasOwn(ERROR_STATUS, code)) return `error ${status} with an unknown code ${String(code)}`;
  if (ERROR_STATUS[code as ErrorCode] !== status) return `code ${code} sent with status ${status}`;
  if (typeof body.error?.message !== 'string' || !RUSSIAN.test(body.error.message)) return `error ${status} without a Russian message`;
  if (typeof body.requestId !== 'string' || body.requestId === '') return `error ${status} without a request id`;
  const fields = body.error.fields;
  if (fieldsExpected && verdict === 'invalid' && code === 'validation_failed' && (typeof fields !== 'object' || fields === null || Object.keys(fields).length === 0)) {
    return 'a 400 for a broken field without per-field messages';
  }
  if (fields !== undefined) {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return 'error fields are not an object';
    for (const [field, message] of Object.entries(fields)) {
      if (typeof message !== 'string' || !RUSSIAN.test(message)) return `field ${field} without a Russian message`;
    }
  }
  return null;
}
