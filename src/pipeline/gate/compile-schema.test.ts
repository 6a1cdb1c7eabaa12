import { describe, expect, it } from 'vitest';
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
      expect(() => compileOutputSchema(typo)).toThrow(/Failed to compile the job's output schema: .*maximun/);
    }
  });

  it(`keeps the last ${COMPILED_SCHEMAS_MAX} schemas, compiling an older one afresh`, () => {
    const schemas = Array.from({ length: COMPILED_SCHEMAS_MAX + 1 }, (_, i) => labelSchema([`bounded-${i}`]));
    const first = compileOutputSchema(schemas[0]!);
    const last = schemas
      .slice(1)
      .map((s) => compileOutputSchema(s))
      .at(-1);
    expect(compileOutputSchema(schemas.at(-1)!)).toBe(last);
    // The first was the oldest when the bound was passed: compiled again, a new validator that
    // behaves as the old one did.
    const again = compileOutputSchema(schemas[0]!);
    expect(again).not.toBe(first);
    expect([again({ label: 'bounded-0' }), again({ label: 'bounded-1' })]).toEqual([true, false]);
  });
});
