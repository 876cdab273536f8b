import fc from 'fast-check';

/**
 * The JSON Schema subset that zod writes into our OpenAPI description (target openapi-3.0), read two
 * ways for the security sweep: `judge` says whether a value obeys a schema, and the arbitraries
 * build values that obey it (`validValue`) or, mostly, break it (`brokenValue`). The sweep sends the
 * broken ones and holds the app to the verdict: an input the published schema refuses must never
 * be accepted.
 *
 * A verdict is three-valued on purpose. zod runs some steps before its checks that JSON Schema
 * cannot show (an empty optional query parameter counts as absent, text is trimmed before it is
 * measured, query strings are coerced to numbers): where such a step could make a value pass, the
 * verdict is 'unsure' and the sweep asserts only that the server does not fail. Every other break
 * is 'invalid'.
 */

export type Schema = {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  nullable?: boolean;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
  description?: string;
};

/** Keywords the judge and the arbitraries understand. Anything else makes a route unfuzzable. */
const KNOWN_KEYWORDS = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'enum', 'const',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'format',
  'nullable', 'oneOf', 'anyOf', 'allOf', 'default', 'description', 'title', 'examples',
]);
const KNOWN_TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

/** Why a schema cannot be fuzzed (keywords or forms this module does not read); empty when it can. */
export function unsupportedKeywords(schema: unknown, at = '$'): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [`${at}: not a schema object`];
  const problems: string[] = [];
  const s = schema as Record<string, unknown>;
  for (const key of Object.keys(s)) if (!KNOWN_KEYWORDS.has(key)) problems.push(`${at}: keyword ${key}`);
  if (s.type !== undefined && !(typeof s.type === 'string' && KNOWN_TYPES.has(s.type))) problems.push(`${at}: type ${JSON.stringify(s.type)}`);
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') problems.push(`${at}: additionalProperties as a schema`);
  if (s.pattern !== undefined) {
    try {
      new RegExp(String(s.pattern));
    } catch {
      problems.push(`${at}: pattern ${String(s.pattern)}`);
    }
  }
  for (const [name, child] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {})) problems.push(...unsupportedKeywords(child, `${at}.${name}`));
  if (s.items !== undefined) problems.push(...unsupportedKeywords(s.items, `${at}[]`));
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = s[key];
    if (branches === undefined) continue;
    if (!Array.isArray(branches)) problems.push(`${at}: ${key} is not a list`);
    else branches.forEach((branch, index) => problems.push(...unsupportedKeywords(branch, `${at}.${key}[${index}]`)));
  }
  return problems;
}

export type Verdict = 'valid' | 'invalid' | 'unsure';

export type JudgeOptions = {
  /** Values came from a query string: numbers and booleans arrive as text, '' means absent. */
  query?: boolean;
};

const worst = (verdicts: Verdict[]): Verdict => (verdicts.includes('invalid') ? 'invalid' : verdicts.includes('unsure') ? 'unsure' : 'valid');

/** Characters as JSON Schema counts them (code points) and as zod counts them (UTF-16 units). */
const lengths = (text: string) => ({ points: [...text].length, units: text.length });

/** A string zod may reshape (trim, treat as absent) before its checks run. */
const reshapeable = (text: string) => text === '' || text.trim() !== text;

function judgeString(schema: Schema, value: string, options: JudgeOptions): Verdict {
  const broken: boolean[] = [];
  const { points, units } = lengths(value);
  if (schema.maxLength !== undefined) broken.push(points > schema.maxLength && units > schema.maxLength);
  if (schema.minLength !== undefined) broken.push(points < schema.minLength && units < schema.minLength);
  if (schema.pattern !== undefined) broken.push(!new RegExp(schema.pattern).test(value));
  if (schema.format === 'uuid') broken.push(!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value));
  if (schema.format === 'date') broken.push(!/^\d{4}-\d{2}-\d{2}$/.test(value));
  if (schema.format === 'date-time') broken.push(Number.isNaN(Date.parse(value)));
  if (!broken.includes(true)) return 'valid';
  if (reshapeable(value) || (options.query && value === '')) return 'unsure';
  return 'invalid';
}

function judgeNumber(schema: Schema, value: number): Verdict {
  if (!Number.isFinite(value)) return 'invalid';
  if (schema.type === 'integer' && !Number.isInteger(value)) return 'invalid';
  const exclusiveMin = schema.exclusiveMinimum === true ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  const exclusiveMax = schema.exclusiveMaximum === true ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum : undefined;
  if (exclusiveMin !== undefined && !(value > exclusiveMin)) return 'invalid';
  if (exclusiveMax !== undefined && !(value < exclusiveMax)) return 'invalid';
  if (schema.minimum !== undefined && schema.exclusiveMinimum !== true && value < schema.minimum) return 'invalid';
  if (schema.maximum !== undefined && schema.exclusiveMaximum !== true && value > schema.maximum) return 'invalid';
  return 'valid';
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Whether `value` obeys `schema` (see the module comment for 'unsure'). */
export function judge(schema: Schema, value: unknown, options: JudgeOptions = {}): Verdict {
  if (options.query && value === '') return 'unsure';
  if (value === null && schema.nullable) return 'valid';
  const verdicts: Verdict[] = [];
  if (schema.allOf) verdicts.push(...schema.allOf.map((branch) => judge(branch, value, options)));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (!branches) continue;
    const results = branches.map((branch) => judge(branch, value, options));
    // A union takes the first branch that fits; zod does not insist on exactly one.
    verdicts.push(results.includes('valid') ? 'valid' : results.includes('unsure') ? 'unsure' : 'invalid');
  }
  if (schema.const !== undefined) verdicts.push(Object.is(schema.const, value) ? 'valid' : 'invalid');
  if (schema.enum) {
    if (schema.enum.some((member) => Object.is(member, value))) verdicts.push('valid');
    else verdicts.push(typeof value === 'string' && reshapeable(value) ? 'unsure' : 'invalid');
  }
  if (schema.type) verdicts.push(judgeTyped(schema, value, options));
  return worst(verdicts);
}

function judgeTyped(schema: Schema, value: unknown, options: JudgeOptions): Verdict {
  const actual = typeOf(value);
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? judgeString(schema, value, options) : 'invalid';
    case 'number':
    case 'integer': {
      if (typeof value === 'number') return judgeNumber(schema, value);
      if (options.query && typeof value === 'string') {
        // Query text coerced by zod (Number(text)): plain decimals are judged as numbers; anything
        // Number() reads some other way ('0x10', '1e1', ' 7') is left undecided.
        if (/^-?\d+(\.\d+)?$/.test(value)) return judgeNumber(schema, Number(value));
        return Number.isNaN(Number(value)) ? 'invalid' : 'unsure';
      }
      return 'invalid';
    }
    case 'boolean':
      if (typeof value === 'boolean') return 'valid';
      return options.query && typeof value === 'string' ? (value === 'true' || value === 'false' ? 'valid' : 'unsure') : 'invalid';
    case 'null':
      return value === null ? 'valid' : 'invalid';
    case 'array': {
      if (!Array.isArray(value)) return 'invalid';
      if (schema.minItems !== undefined && value.length < schema.minItems) return 'invalid';
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return 'invalid';
      return worst(schema.items ? value.map((item) => judge(schema.items!, item, options)) : []);
    }
    case 'object': {
      if (actual !== 'object') return 'invalid';
      const record = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      const verdicts: Verdict[] = [];
      for (const name of schema.required ?? []) if (!Object.hasOwn(record, name)) verdicts.push('invalid');
      for (const [name, child] of Object.entries(record)) {
        const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
        if (property) verdicts.push(judge(property, child, options));
        else if (schema.additionalProperties === false) verdicts.push('invalid');
      }
      return worst(verdicts);
    }
    default:
      return 'unsure';
  }
}

// ---- Arbitraries ----

const SAFE = Number.MAX_SAFE_INTEGER;

/** Values that obey `schema` (as far as JSON Schema can tell: zod's refinements may still refuse). */
export function validValue(schema: Schema): fc.Arbitrary<unknown> {
  const plain = validNonNull(schema);
  return schema.nullable ? fc.oneof({ arbitrary: plain, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }) : plain;
}

function validNonNull(schema: Schema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches?.length) return fc.oneof(...branches.map(validValue));
  if (schema.allOf?.length) return validValue(schema.allOf[0]!).filter((value) => judge(schema, value) === 'valid');
  switch (schema.type) {
    case 'string':
      return validString(schema);
    case 'integer': {
      const min = Math.max(schema.minimum ?? -1_000_000, -SAFE) + (schema.exclusiveMinimum === true ? 1 : 0);
      const max = Math.min(schema.maximum ?? 1_000_000, SAFE) - (schema.exclusiveMaximum === true ? 1 : 0);
      return fc.oneof(fc.integer({ min: Math.max(min, -1_000_000), max: Math.max(Math.min(max, 1_000_000), Math.max(min, -1_000_000)) }), fc.constantFrom(min, max));
    }
    case 'number': {
      const min = schema.minimum ?? -1_000_000;
      const max = schema.maximum ?? 1_000_000;
      return fc
        .oneof(fc.integer({ min: Math.ceil(min), max: Math.floor(max) }), fc.double({ min, max, noNaN: true, noDefaultInfinity: true }))
        .filter((value) => judgeNumber(schema, value) === 'valid');
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      return fc.array(schema.items ? validValue(schema.items) : fc.jsonValue({ maxDepth: 1 }), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 3, minLength + 3)),
      });
    }
    case 'object': {
      const properties = schema.properties ?? {};
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) record[name] = validValue(property);
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((name) => Object.hasOwn(properties, name)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validString(schema: Schema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? Math.max(minLength, 40);
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date') return fc.date({ min: new Date('1950-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  if (schema.format === 'date-time') return fc.date({ min: new Date('1950-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.pattern !== undefined) {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((text) => judgeString(schema, text, {}) === 'valid');
  }
  return fc.string({ minLength, maxLength: Math.min(maxLength, minLength + 30), unit: 'grapheme' }).filter((text) => judgeString(schema, text, {}) === 'valid');
}

/** Deeply nested arrays: a parser or validator that recurses without a limit falls over on these. */
export const DEEP_NESTING = (() => {
  let value: unknown = 'дно';
  for (let depth = 0; depth < 2_000; depth += 1) value = depth % 2 ? [value] : { a: value };
  return value;
})();

/** Keys an attacker adds hoping they reach Object.prototype or a model's hidden fields. */
export const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'isAdmin', 'role', 'roles', 'status', 'customerId', 'amountKopecks', 'id', '$where'];

/** An object with `key` as an own property, even `__proto__` (a literal would set the prototype). */
export function withKey(base: object, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...base };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

const OVERSIZED = 'Ж'.repeat(100_000);

/** Values of every JSON type and a few shapes: most are the wrong type for any given schema. */
export const WRONG_TYPES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53,
  -(2 ** 63),
  1e308,
  '',
  'x',
  'null',
  '0',
  'true',
  [],
  [null],
  ['x', 1],
  {},
  { a: 1 },
  { __type: 'Date', value: '2026-01-01' },
  DEEP_NESTING,
  OVERSIZED,
];

/** Strings that are wrong for most string formats we use: near-miss uuids, digits from other scripts, controls. */
export const NEAR_MISSES = [
  '------------------------------------',
  '00000000-0000-0000-0000-00000000000g',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  '{00000000-0000-4000-8000-000000000000}',
  '00000000-0000-4000-8000-000000000000x',
  '00000000000040008000000000000000',
  '١٢٣٤٥٦',
  '12345',
  '1234567',
  '12345a',
  '+7 (912) 345-67-8',
  '+1 202 555 0100',
  '89123456789123456789',
  'not-an-email@',
  '2026-02-30',
  '99999-99-99',
  '1e3',
  '-1',
  '0x10',
  'NaN',
  'Infinity',
  "'; DROP TABLE customers; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  'a\u0000b',
  '\ud800',
  '🙂'.repeat(50),
];

/** A value meant to break `schema`, chosen from shapes that break schemas of its kind. */
export function brokenLeaf(schema: Schema): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [fc.constantFrom(...WRONG_TYPES), fc.constantFrom(...NEAR_MISSES)];
  if (schema.type === 'string' || schema.enum) {
    if (schema.maxLength !== undefined) {
      const max = schema.maxLength;
      options.push(fc.constantFrom('я'.repeat(max + 1), 'x'.repeat(max + 1), '7'.repeat(max + 1), '9'.repeat(Math.min(max * 10 + 10, 60_000))));
      options.push(fc.string({ minLength: max + 1, maxLength: max + 20, unit: 'grapheme' }).map((text) => `#${text}#`));
    }
    if (schema.minLength !== undefined && schema.minLength > 1) options.push(fc.constant('ж'.repeat(schema.minLength - 1)));
    if (schema.pattern !== undefined) {
      const pattern = new RegExp(schema.pattern);
      options.push(fc.string({ maxLength: 30, unit: 'grapheme' }).map((text) => `#${text}`).filter((text) => !pattern.test(text)));
    }
    if (schema.enum) {
      const first = String(schema.enum[0]);
      options.push(fc.constantFrom(first.toUpperCase() === first ? first.toLowerCase() + 'x' : first.toUpperCase(), `${first}x`, `${first},${first}`, `${first}\u0000`));
    }
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    const edges: unknown[] = [-(2 ** 53) - 2, 2 ** 53 + 2, 1e21, -1e21, 0.5, -0.5, '5', '1e3'];
    if (schema.minimum !== undefined) edges.push(schema.minimum - 1, schema.minimum - 0.5);
    if (schema.exclusiveMinimum === true && schema.minimum !== undefined) edges.push(schema.minimum);
    if (schema.maximum !== undefined) edges.push(schema.maximum + 1, schema.maximum + 0.5);
    options.push(fc.constantFrom(...edges));
    if (schema.type === 'integer') options.push(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).filter((n) => !Number.isInteger(n)));
  }
  if (schema.type === 'boolean') options.push(fc.constantFrom('true', 'false', 1, 0, 'yes'));
  return fc.oneof(...options);
}

/**
 * Values that mostly break `schema`: wrong types at the top or anywhere inside, missing required
 * properties, unknown and hostile keys, too many or too few items, out-of-range numbers,
 * oversized, patterned and formatted strings that miss. `judge` decides afterwards whether each
 * one really is broken.
 */
export function brokenValue(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [brokenLeaf(schema)];
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches?.length && depth < 4) options.push(...branches.map((branch) => brokenValue(branch, depth + 1)));
  if (schema.type === 'object' && depth < 4) {
    const properties = Object.entries(schema.properties ?? {});
    const base = validValue(schema) as fc.Arbitrary<Record<string, unknown>>;
    const required = schema.required ?? [];
    if (required.length) {
      options.push(
        fc.tuple(base, fc.constantFrom(...required)).map(([value, name]) => {
          const copy = { ...value };
          delete copy[name];
          return copy;
        }),
      );
    }
    options.push(
      fc
        .tuple(base, fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ minLength: 1, maxLength: 12 })), fc.constantFrom<unknown>({ isAdmin: true }, 'admin', 1, null, { polluted: 'yes' }))
        .filter(([value, key]) => !Object.hasOwn(value, key) && !Object.hasOwn(schema.properties ?? {}, key))
        .map(([value, key, extra]) => withKey(value, key, extra)),
    );
    if (properties.length) {
      options.push(
        fc
          .tuple(base, fc.constantFrom(...properties))
          .chain(([value, [name, property]]) => brokenValue(property, depth + 1).map((broken) => withKey(value, name, broken))),
      );
    }
  }
  if (schema.type === 'array' && depth < 4) {
    const item = schema.items ?? {};
    const max = schema.maxItems;
    if (max !== undefined) options.push(fc.array(validValue(item), { minLength: max + 1, maxLength: max + 3 }));
    if ((schema.minItems ?? 0) > 0) options.push(fc.constant([]));
    options.push(fc.tuple(fc.array(validValue(item), { maxLength: 2 }), brokenValue(item, depth + 1)).map(([items, broken]) => [...items, broken]));
  }
  return fc.oneof(...options);
}
