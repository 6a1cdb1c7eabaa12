import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryDuckDb } from '../../../test/support/memory-duckdb.js';
import { customIdFor, customIdSql, goldenRowKey } from './custom-ids.js';

/*
 * Invariant 3 (mapping) rests on the custom_id: one per (row, attempt, golden or not), never
 * reused, always one the API accepts. A pure function, so its property runs a thousand cases in
 * milliseconds.
 */

/** What the API accepts as a custom_id (reference/batches-api.md). */
const API_CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** Keys of every kind: in the API's alphabet around the 47-character limit, any text, any Unicode. */
const key = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,49}$/),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
);
const attempt = fc.integer({ min: 1, max: 9_999_999 });
const tag = fc.stringMatching(/^[0-9a-f]{6}$/);
const id = fc.tuple(key, attempt, fc.boolean(), tag);

describe('customIdFor', () => {
  const duckdb = memoryDuckDb();

  it('always gives an id the API accepts', () => {
    fc.assert(
      fc.property(id, ([k, n, golden, t]) => {
        expect(customIdFor(k, n, golden, t)).toMatch(API_CUSTOM_ID);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives distinct ids to distinct (key, attempt, golden, run tag), the same id to the same', () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        const same = a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
        expect(customIdFor(...a) === customIdFor(...b)).toBe(same);
      }),
      { numRuns: 1000 },
    );
    // Near misses fast-check rarely draws: a key that ends like an attempt, keys either side of a
    // golden prefix, the same key readable and hashed.
    const ids = [
      customIdFor('a_1', 2, false, 'abcdef'),
      customIdFor('a', 12, false, 'abcdef'),
      customIdFor('a_12', 1, false, 'abcdef'),
      customIdFor('h_a', 1, false, 'abcdef'),
      customIdFor('a', 1, true, 'abcdef'),
      customIdFor('g_a', 1, false, 'abcdef'),
      customIdFor('a', 1, false, 'abcdef'),
      customIdFor('a', 1, false, 'abcde0'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps a short key in the API alphabet readable, and hashes any other', () => {
    expect(customIdFor('rev-0001', 1, false, '0a1b2c')).toBe('r_rev-0001_1_0a1b2c');
    expect(customIdFor('g-5', 2, true, '0a1b2c')).toBe('g_g-5_2_0a1b2c');
    const longest = 'k'.repeat(47);
    expect(customIdFor(longest, 1, false, '0a1b2c')).toBe(`r_${longest}_1_0a1b2c`);
    expect(customIdFor(`${longest}k`, 1, false, '0a1b2c')).toMatch(/^rh_[0-9a-f]{40}_1_0a1b2c$/);
    expect(customIdFor('a b', 3, true, '0a1b2c')).toMatch(/^gh_[0-9a-f]{40}_3_0a1b2c$/);
    expect(customIdFor('', 1, false, '0a1b2c')).toMatch(/^rh_[0-9a-f]{40}_1_0a1b2c$/);
  });

  it('refuses a run tag that is not six hex digits', () => {
    expect(() => customIdFor('a', 1, false, 'run-1')).toThrow(/six hex digits/);
    expect(() => customIdSql('k', '1', 'false', "x' OR '")).toThrow(/six hex digits/);
  });

  it('gives in SQL the ids it gives in TypeScript, for keys of every kind', async () => {
    // Keys as DuckDB holds them: text of any Unicode, but well formed (a lone surrogate cannot be).
    const sqlKey = fc
      .oneof(key, fc.string({ unit: 'grapheme', maxLength: 60 }))
      .filter((k) => Buffer.from(k, 'utf8').toString('utf8') === k);
    const edges = ['', 'k'.repeat(47), 'k'.repeat(48), 'abc\n', 'a b', 'é', 'a\u0000b', "it's", '😀'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(sqlKey, attempt, fc.boolean(), tag), { minLength: 1, maxLength: 40 }),
        async (ids) => {
          const all = [...edges.map((k, i) => [k, i + 1, i % 2 === 0, '0a1b2c'] as const), ...ids];
          for (const [k, n, golden, t] of all) {
            const reader = await duckdb().runAndReadAll(`SELECT ${customIdSql('$1', '$2', '$3', t)} AS id`, [
              k,
              n,
              golden,
            ]);
            expect(reader.getRowObjectsJS()[0]?.id).toBe(customIdFor(k, n, golden, t));
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it('puts golden rows under their own keys', () => {
    expect(goldenRowKey('g-1')).toBe('golden:g-1');
  });
});
