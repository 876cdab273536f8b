import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { brokenValue, judge, unsupportedKeywords, validValue, withKey, type Schema } from './json-schema';

/** The fuzz's oracle: what the published schema says about a value, checked against zod itself. */

const toSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as Schema;

const Body = z.strictObject({
  phone: z.string().max(40),
  code: z.string().regex(/^\d{6}$/),
  amount: z.number().int().min(1).max(1_000),
  kinds: z.array(z.enum(['a', 'b'])).min(1).max(2),
  note: z.string().min(2).max(5).nullable().optional(),
  nested: z.strictObject({ id: z.uuid(), ratio: z.number().positive().max(1) }).optional(),
});
const schema = toSchema(Body);

describe('judge', () => {
  it('agrees with zod: an invalid verdict is always refused by the schema it was made from', () => {
    fc.assert(
      fc.property(fc.oneof(brokenValue(schema), validValue(schema)), (value) => {
        const verdict = judge(schema, value);
        const accepted = Body.safeParse(value).success;
        if (verdict === 'invalid') expect(accepted, JSON.stringify(value)?.slice(0, 200)).toBe(false);
      }),
      { numRuns: 500, seed: 42 },
    );
  });

  it('breaks most values brokenValue makes (the fuzz is not sending valid input by accident)', () => {
    const verdicts = fc.sample(brokenValue(schema), { numRuns: 300, seed: 7 }).map((value) => judge(schema, value));
    expect(verdicts.filter((v) => v === 'invalid').length).toBeGreaterThan(250);
  });

  it('reads the usual breaks', () => {
    const valid = { phone: '+79120000000', code: '123456', amount: 5, kinds: ['a'] };
    expect(judge(schema, valid)).toBe('valid');
    expect(judge(schema, { ...valid, amount: 5.5 })).toBe('invalid');
    expect(judge(schema, { ...valid, amount: 1_001 })).toBe('invalid');
    expect(judge(schema, { ...valid, code: '12345a' })).toBe('invalid');
    expect(judge(schema, { ...valid, kinds: [] })).toBe('invalid');
    expect(judge(schema, { ...valid, kinds: ['c'] })).toBe('invalid');
    expect(judge(schema, { ...valid, note: null })).toBe('valid');
    expect(judge(schema, { ...valid, nested: { id: 'not-a-uuid', ratio: 0.5 } })).toBe('invalid');
    expect(judge(schema, { ...valid, nested: { id: '00000000-0000-4000-8000-000000000000', ratio: 0 } })).toBe('invalid');
    expect(judge(schema, withKey(valid, '__proto__', { isAdmin: true }))).toBe('invalid');
    const { code: _code, ...missing } = valid;
    expect(judge(schema, missing)).toBe('invalid');
    expect(judge(schema, [valid])).toBe('invalid');
    // zod may trim or drop such a value before checking: never called invalid.
    expect(judge(schema, { ...valid, code: ' 123456 ' })).toBe('unsure');
  });

  it('reads query text as zod coerces it', () => {
    const days: Schema = { type: 'integer', minimum: 7, maximum: 30 };
    expect(judge(days, '10', { query: true })).toBe('valid');
    expect(judge(days, '31', { query: true })).toBe('invalid');
    expect(judge(days, 'abc', { query: true })).toBe('invalid');
    expect(judge(days, '0x10', { query: true })).toBe('unsure');
    expect(judge(days, '', { query: true })).toBe('unsure');
    expect(judge(days, ['10', '11'], { query: true })).toBe('invalid');
  });

  it('names what it cannot read', () => {
    expect(unsupportedKeywords(schema)).toEqual([]);
    expect(unsupportedKeywords({ type: 'object', properties: { a: { $ref: '#/x' } } })).toEqual(['$.a: keyword $ref']);
    expect(unsupportedKeywords({ type: ['string', 'null'] })).toEqual(['$: type ["string","null"]']);
  });
});
