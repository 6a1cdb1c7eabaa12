import { type DuckDBValue, listValue } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryDuckDb } from '../../../test/support/memory-duckdb.js';
import { inlineParams } from './inline-params.js';

/*
 * A statement with its parameters written in must give what the same statement with them bound
 * gives: the same values, of the same DuckDB types, for any text (quotes, newlines, any Unicode)
 * and any number. And a placeholder character inside a string, a quoted name or a comment is
 * text, not a placeholder.
 */

const duckdb = memoryDuckDb();

/** Each value and its DuckDB type, as a row of text. */
async function typedRow(sql: string, params?: DuckDBValue[]): Promise<unknown[]> {
  const reader = await duckdb().runAndReadAll(sql, params);
  return reader.getRowsJson()[0]!;
}

const value: fc.Arbitrary<DuckDBValue> = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom("'", '"', '?', '$', '1', '-', '/', '*', '\n', '\\', 'a') }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
  fc.boolean(),
  fc.constant(null),
);

describe('inlineParams', () => {
  it('gives the values and types binding gives, for any text and number', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 6 }), async (values) => {
        // Positional placeholders, and numbered ones with each value's type beside it.
        const positional = `SELECT ${values.map(() => '?').join(', ')}`;
        const numbered = `SELECT ${values.map((_, i) => `$${i + 1}, typeof($${i + 1})`).join(', ')}`;
        for (const sql of [positional, numbered]) {
          const inlined = inlineParams(sql, values);
          // Only a whole number past BIGINT has no literal (binding overflows on it too).
          const beyond = values.some(
            (v) => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= 2 ** 63,
          );
          expect(inlined === undefined).toBe(beyond);
          if (beyond) continue;
          expect(await typedRow(inlined!)).toEqual(await typedRow(sql, values));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('leaves a ? or $1 inside a string, a quoted name or a comment as it is', async () => {
    const sql = `SELECT '?''$1' AS "a?""$1", ? AS b -- ? $1\n, /* ? */ 'x' AS c`;
    const inlined = inlineParams(sql, ["it's"]);
    expect(inlined).toBe(
      `SELECT '?''$1' AS "a?""$1", CAST('it''s' AS VARCHAR) AS b -- ? $1\n, /* ? */ 'x' AS c`,
    );
    expect(await typedRow(inlined!)).toEqual(["?'$1", "it's", 'x']);
  });

  it('writes a placeholder used twice twice', () => {
    expect(inlineParams('SELECT $1 = $1, $2', [7, true])).toBe(
      'SELECT CAST(7 AS INTEGER) = CAST(7 AS INTEGER), true',
    );
  });

  it('gives up, for binding, on a value with no literal or placeholders that do not fit', () => {
    expect(inlineParams('SELECT ?', ['a\0b'])).toBeUndefined();
    expect(inlineParams('SELECT ?', [listValue(['a'])])).toBeUndefined();
    expect(inlineParams('SELECT ?', [Number.NaN])).toBeUndefined();
    expect(inlineParams('SELECT ?', [2 ** 64])).toBeUndefined();
    expect(inlineParams('SELECT ?, ?', ['only one'])).toBeUndefined();
    expect(inlineParams('SELECT ?', ['one', 'too many'])).toBeUndefined();
    expect(inlineParams('SELECT $2', ['one'])).toBeUndefined();
    expect(inlineParams('SELECT $1, ?', ['one', 'two'])).toBeUndefined();
  });
});
