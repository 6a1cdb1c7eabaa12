import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, listPage } from './list-page.js';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `b${n - i}` }));
const ids = (list: readonly { id: string }[]) => list.map((item) => item.id);
const limitArb = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: LIST_LIMIT_MAX }));
/** A list of 0..60 items, a limit, and a cursor position, often right at a page boundary. */
const caseArb = fc.record({ length: fc.nat(60), limit: limitArb }).chain(({ length, limit }) =>
  fc.record({
    length: fc.constant(length),
    limit: fc.constant(limit),
    at: fc.oneof(
      fc.nat(60),
      fc.constantFrom(limit - 1, limit, limit + 1, length - limit, length - 1).map(Math.abs),
    ),
  }),
);
const RUNS = { numRuns: 300 };

/** Pages the way the SDK does: same direction cursor from the page end, until has_more is false. */
function walk(
  list: readonly { id: string }[],
  limit: number,
  direction: 'after_id' | 'before_id',
  from: string,
) {
  const seen: string[] = [];
  let cursor = from;
  for (let pages = 0; pages <= list.length + 1; pages++) {
    const page = listPage(list, { limit: String(limit), [direction]: cursor });
    seen.push(...ids(page.data));
    if (!page.has_more) return { seen, pages: pages + 1 };
    cursor = (direction === 'after_id' ? page.last_id : page.first_id)!;
  }
  throw new Error('paging did not stop');
}

describe('listPage', () => {
  it('answers each query with a contiguous slice of the newest-first list and consistent ends', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.constantFrom('none', 'after_id', 'before_id'),
        ({ length, limit, at }, mode) => {
          const list = items(length);
          const cursor = list[at]?.id;
          fc.pre(mode === 'none' || cursor !== undefined);
          const page = listPage(
            list,
            mode === 'none' ? { limit: String(limit) } : { limit: String(limit), [mode]: cursor },
          );
          const start = mode === 'none' ? 0 : mode === 'after_id' ? at + 1 : Math.max(0, at - limit);
          const end = mode === 'before_id' ? at : Math.min(length, start + limit);
          expect(ids(page.data)).toEqual(ids(list.slice(start, end)));
          expect(page.data.length).toBeLessThanOrEqual(limit);
          expect(page.first_id).toBe(page.data[0]?.id ?? null);
          expect(page.last_id).toBe(page.data.at(-1)?.id ?? null);
          expect(page.has_more).toBe(mode === 'before_id' ? start > 0 : end < length);
        },
      ),
      RUNS,
    );
  });

  it('visits every item exactly once, in order, walking after_id from the first page', () => {
    fc.assert(
      fc.property(caseArb, ({ length, limit }) => {
        const list = items(length);
        const first = listPage(list, { limit: String(limit) });
        const rest = first.has_more ? walk(list, limit, 'after_id', first.last_id!) : { seen: [], pages: 0 };
        expect([...ids(first.data), ...rest.seen]).toEqual(ids(list));
        expect(1 + rest.pages).toBe(Math.max(1, Math.ceil(length / limit)));
      }),
      RUNS,
    );
  });

  it('visits every newer item once, walking before_id from any item', () => {
    fc.assert(
      fc.property(caseArb, ({ length, limit, at }) => {
        const list = items(length);
        fc.pre(at < length);
        const { seen } = walk(list, limit, 'before_id', list[at]!.id);
        expect([...seen].sort()).toEqual(ids(list.slice(0, at)).sort());
        expect(new Set(seen).size).toBe(seen.length);
      }),
      RUNS,
    );
  });

  it('returns an empty page with null ends for an empty list, and past either end', () => {
    const empty = { data: [], has_more: false, first_id: null, last_id: null };
    expect(listPage([], {})).toEqual(empty);
    const list = items(3);
    expect(listPage(list, { after_id: list[2]!.id })).toEqual(empty);
    expect(listPage(list, { before_id: list[0]!.id })).toEqual(empty);
  });

  it('returns an empty page, not the first one, for a cursor naming no item', () => {
    const empty = { data: [], has_more: false, first_id: null, last_id: null };
    expect(listPage(items(30), { after_id: 'msgbatch_01gone' })).toEqual(empty);
    expect(listPage(items(30), { before_id: 'msgbatch_01gone' })).toEqual(empty);
  });

  it(`defaults to ${LIST_LIMIT_DEFAULT} items when limit is absent, null or empty`, () => {
    const list = items(45);
    for (const limit of [undefined, null, '']) {
      const page = listPage(list, { limit });
      expect(ids(page.data)).toEqual(ids(list.slice(0, LIST_LIMIT_DEFAULT)));
      expect(page.has_more).toBe(true);
    }
  });

  it.each([
    ['0', 'limit: Input should be greater than or equal to 1'],
    ['-3', 'limit: Input should be greater than or equal to 1'],
    [String(LIST_LIMIT_MAX + 1), `limit: Input should be less than or equal to ${LIST_LIMIT_MAX}`],
    ['abc', 'limit: Input should be a valid integer, unable to parse string as an integer'],
    ['2.5', 'limit: Input should be a valid integer, unable to parse string as an integer'],
  ])('refuses limit=%s with a 400 and the message %j', (limit, message) => {
    let error: unknown;
    try {
      listPage(items(3), { limit });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ type: 'invalid_request_error', status: 400, message });
  });

  it('accepts both limit bounds', () => {
    const list = items(LIST_LIMIT_MAX + 5);
    expect(listPage(list, { limit: '1' }).data).toHaveLength(1);
    expect(listPage(list, { limit: String(LIST_LIMIT_MAX) }).data).toHaveLength(LIST_LIMIT_MAX);
  });

  it('refuses after_id and before_id together', () => {
    const list = items(5);
    expect(() => listPage(list, { after_id: list[1]!.id, before_id: list[3]!.id })).toThrow(
      'Only one of before_id or after_id may be given.',
    );
  });
});
