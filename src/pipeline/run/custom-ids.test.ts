import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { customIdFor, goldenRowKey } from './custom-ids.js';

/*
 * Invariant 3 (mapping) rests on the custom_id: one per (row, attempt, golden or not), never
 * reused, always one the API accepts. A pure function, so its property runs a thousand cases in
 * milliseconds.
 */

/** What the API accepts as a custom_id (reference/batches-api.md). */
const API_CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** Keys of every kind: in the API's alphabet around the 54-character limit, any text, any Unicode. */
const key = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,56}$/),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
);
const attempt = fc.integer({ min: 1, max: 99 });
const id = fc.tuple(key, attempt, fc.boolean());

describe('customIdFor', () => {
  it('always gives an id the API accepts', () => {
    fc.assert(
      fc.property(id, ([k, n, golden]) => {
        expect(customIdFor(k, n, golden)).toMatch(API_CUSTOM_ID);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives distinct ids to distinct (key, attempt, golden), the same id to the same', () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        const same = a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
        expect(customIdFor(...a) === customIdFor(...b)).toBe(same);
      }),
      { numRuns: 1000 },
    );
    // Near misses fast-check rarely draws: a key that ends like an attempt, keys either side of a
    // golden prefix, the same key readable and hashed.
    const ids = [
      customIdFor('a_1', 2, false),
      customIdFor('a', 12, false),
      customIdFor('a_12', 1, false),
      customIdFor('h_a', 1, false),
      customIdFor('a', 1, true),
      customIdFor('g_a', 1, false),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps a short key in the API alphabet readable, and hashes any other', () => {
    expect(customIdFor('rev-0001', 1, false)).toBe('r_rev-0001_1');
    expect(customIdFor('g-5', 2, true)).toBe('g_g-5_2');
    const longest = 'k'.repeat(54);
    expect(customIdFor(longest, 1, false)).toBe(`r_${longest}_1`);
    expect(customIdFor(`${longest}k`, 1, false)).toMatch(/^rh_[0-9a-f]{40}_1$/);
    expect(customIdFor('a b', 3, true)).toMatch(/^gh_[0-9a-f]{40}_3$/);
    expect(customIdFor('', 1, false)).toMatch(/^rh_[0-9a-f]{40}_1$/);
  });

  it('puts golden rows under their own keys', () => {
    expect(goldenRowKey('g-1')).toBe('golden:g-1');
  });
});
