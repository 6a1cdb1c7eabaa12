import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
import { COMPILED_SCHEMAS_MAX, compileOutputSchema } from './compile-schema.js';

const labelSchema = (labels: string[]) => ({
  type: 'object',
  required: ['label'],
  properties: { label: { enum: labels } },
});

describe('compileOutputSchema', () => {
  it('compiles a schema once and gives the same validator for the same text', () => {
    const first = compileOutputSchema(labelSchema(['yes', 'no']));
    // Another object with the same text: the same validator.
    expect(compileOutputSchema(labelSchema(['yes', 'no']))).toBe(first);
    const other = compileOutputSchema(labelSchema(['up', 'down']));
    expect(other).not.toBe(first);
    expect([first({ label: 'yes' }), other({ label: 'yes' })]).toEqual([true, false]);
  });

  it("sets a shared validator's errors for each call alone", () => {
    const validate = compileOutputSchema(labelSchema(['yes', 'no']));
    expect(validate({ label: 'maybe' })).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toEqual(['enum']);
    expect(validate({ label: 'no' })).toBe(true);
    expect(validate.errors).toBeNull();
  });

  it('reads draft-07 when $schema names it, and 2020-12 otherwise', () => {
    // `prefixItems` is a 2020-12 keyword: unknown to draft-07, whose strict mode refuses it.
    const tuple = { type: 'array', prefixItems: [{ type: 'string' }] };
    expect(compileOutputSchema(tuple)(['a'])).toBe(true);
    expect(() =>
      compileOutputSchema({ $schema: 'http://json-schema.org/draft-07/schema#', ...tuple }),
    ).toThrow(/prefixItems/);
  });

  it('refuses a schema that does not compile every time, keeping none of it', () => {
    const typo = { type: 'object', properties: { n: { type: 'number', maximun: 5 } } };
    for (let i = 0; i < 2; i++) {
      const error = (() => {
        try {
          compileOutputSchema(typo);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(UsageError);
      expect(error).toMatchObject({
        code: 'bad_schema',
        message: expect.stringMatching(/^Failed to compile the job's output schema: .*maximun/),
        hint: expect.stringContaining('Fix `schema` in the job file'),
      });
    }
  });

  it('takes a keyword without its type, and a format without checking it, as teams write them', () => {
    // Strict types would refuse `minimum` without `type: number`; checked formats would refuse
    // every `format`, with no format plugin among the dependencies.
    const validate = compileOutputSchema({
      type: 'object',
      properties: { stars: { minimum: 1 }, contact: { type: 'string', format: 'email' } },
    });
    expect([validate({ stars: 3, contact: 'not an address' }), validate({ stars: 0 })]).toEqual([
      true,
      false,
    ]);
  });

  it(`keeps the last ${COMPILED_SCHEMAS_MAX} schemas, compiling an older one afresh`, () => {
    const schemas = Array.from({ length: COMPILED_SCHEMAS_MAX + 1 }, (_, i) => labelSchema([`bounded-${i}`]));
    const kept = schemas.slice(0, COMPILED_SCHEMAS_MAX).map((s) => compileOutputSchema(s));
    // As many as the bound: every one is still kept.
    expect(schemas.slice(0, COMPILED_SCHEMAS_MAX).map((s) => compileOutputSchema(s))).toEqual(kept);
    // One more passes the bound: the oldest goes, the others stay.
    compileOutputSchema(schemas[COMPILED_SCHEMAS_MAX]!);
    expect(compileOutputSchema(schemas[1]!)).toBe(kept[1]);
    const again = compileOutputSchema(schemas[0]!);
    expect(again).not.toBe(kept[0]);
    // Compiled again, a new validator that behaves as the old one did.
    expect([again({ label: 'bounded-0' }), again({ label: 'bounded-1' })]).toEqual([true, false]);
  });
});
