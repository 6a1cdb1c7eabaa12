import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
import { keyNameScore, pickColumns } from './pick-columns.js';
import type { ColumnProfile, SourceProfile } from './source-profile.js';

/** A column of `rows` rows: unique and full unless told, `avg` characters a row. */
const column = (
  name: string,
  rows: number,
  over: Partial<ColumnProfile> & { avg?: number } = {},
): ColumnProfile => ({
  name,
  type: 'VARCHAR',
  distinct: rows,
  empty: 0,
  chars: (over.avg ?? 10) * rows,
  ...over,
});

const profile = (rows: number, ...columns: ColumnProfile[]): SourceProfile => ({ rows, columns });

const refusal = (run: () => unknown): UsageError => {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
};

describe('pickColumns chooses the key', () => {
  it('prefers a column named id or key over other unique columns, even a shorter one', () => {
    const p = profile(
      100,
      column('sku', 100, { avg: 5 }),
      column('id', 100, { avg: 10 }),
      column('text', 100, { avg: 90 }),
    );
    expect(pickColumns(p, {}, 'x.csv')).toEqual({ key: 'id', text: ['text'] });
  });

  it('takes a name like review_id or ticketId next, and among unnamed columns the shortest values', () => {
    const named = profile(
      50,
      column('sku', 50, { avg: 5 }),
      column('ticketId', 50, { avg: 12 }),
      column('body', 50, { avg: 80 }),
    );
    expect(pickColumns(named, {}, 'x.csv').key).toBe('ticketId');
    const unnamed = profile(
      50,
      column('body', 50, { avg: 40 }),
      column('sku', 50, { avg: 8 }),
      column('code', 50, { avg: 8 }),
    );
    expect(pickColumns(unnamed, {}, 'x.csv')).toEqual({ key: 'sku', text: ['body'] });
  });

  it('never keys on repeated, empty, fractional or long-text columns, and says why for each', () => {
    const p = profile(
      10,
      column('id', 10, { distinct: 9 }),
      column('ref', 10, { empty: 2, distinct: 9 }),
      column('score', 10, { type: 'DOUBLE' }),
      column('comment', 10, { avg: 120 }),
    );
    const error = refusal(() => pickColumns(p, {}, 'reviews.csv'));
    expect(error.message).toBe(
      'Failed to pick the key column of reviews.csv: no column is unique and non-empty: "id" repeats values (9 distinct in 10 rows); "ref" is empty in 2 of 10 rows; "score" is of type DOUBLE, not text or a whole number; "comment" is unique, but its values run to 120 characters on average: text, not an identifier.',
    );
    expect(error.hint).toContain('--key');
  });

  it('takes an integer key from Parquet or JSONL, and refuses a source with no rows', () => {
    expect(pickColumns(profile(3, column('n', 3, { type: 'BIGINT' }), column('t', 3)), {}, 'x').key).toBe(
      'n',
    );
    expect(refusal(() => pickColumns(profile(0, column('id', 0)), {}, 'x.csv')).message).toContain(
      'it has no rows',
    );
  });

  it('--key overrides the choice but must name a unique, non-empty column of the source', () => {
    const p = profile(
      10,
      column('id', 10),
      column('sku', 10),
      column('note', 10, { empty: 3 }),
      column('text', 10, { avg: 50 }),
    );
    expect(pickColumns(p, { key: 'sku' }, 'x.csv').key).toBe('sku');
    expect(refusal(() => pickColumns(p, { key: 'note' }, 'x.csv')).message).toBe(
      'Failed to pick the key column of x.csv: "note" is empty in 3 of 10 rows.',
    );
    expect(refusal(() => pickColumns(p, { key: 'nope' }, 'x.csv')).message).toBe(
      'Failed to pick the columns of x.csv: it has no column "nope" (it has "id", "sku", "note", "text").',
    );
  });
});

describe('pickColumns chooses the text the template fills', () => {
  it('takes the text column with the longest values on average, never the key, the first on a tie', () => {
    const p = profile(
      20,
      column('id', 20, { avg: 200 }),
      column('title', 20, { avg: 30 }),
      column('rating', 20, { type: 'BIGINT', avg: 300 }),
      column('body', 20, { avg: 180 }),
      column('notes', 20, { avg: 180 }),
    );
    expect(pickColumns(p, {}, 'x.jsonl')).toEqual({ key: 'id', text: ['body'] });
  });

  it('--text names one or more columns, in order, and a text column is never picked as the key', () => {
    const p = profile(5, column('title', 5, { avg: 20 }), column('body', 5, { avg: 10 }), column('id', 5));
    expect(pickColumns(p, { text: ['body', 'title'] }, 'x.csv')).toEqual({
      key: 'id',
      text: ['body', 'title'],
    });
    const repeats = profile(
      5,
      column('title', 5, { avg: 20 }),
      column('body', 5, { avg: 10 }),
      column('id', 5, { distinct: 4 }),
    );
    expect(refusal(() => pickColumns(repeats, { text: ['title', 'body'] }, 'x.csv')).message).toBe(
      'Failed to pick the key column of x.csv: no column is unique and non-empty: "title" is the text the template fills; "body" is the text the template fills; "id" repeats values (4 distinct in 5 rows).',
    );
  });

  it('refuses a column name a {{placeholder}} cannot hold, and a source with nothing but its key', () => {
    const p = profile(5, column('id', 5), column('a{b}', 5, { avg: 50 }), column('n', 5, { type: 'BIGINT' }));
    expect(refusal(() => pickColumns(p, { text: ['a{b}'] }, 'x.csv')).message).toContain(
      'has a brace in its name',
    );
    expect(refusal(() => pickColumns(p, {}, 'x.csv')).message).toBe(
      'Failed to pick the text column of x.csv: no column besides the key "id" holds text a template can name (it has "id" VARCHAR, "a{b}" VARCHAR, "n" BIGINT).',
    );
  });
});

describe('keyNameScore', () => {
  it('scores names people give identifiers', () => {
    expect(['id', 'ID', 'key'].map(keyNameScore)).toEqual([2, 2, 2]);
    expect(['review_id', 'ticketId', 'orderID', 'uuid', 'sku-key', 'Row Id'].map(keyNameScore)).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);
    expect(['paid', 'valid', 'text', 'keyboard', 'idea'].map(keyNameScore)).toEqual([0, 0, 0, 0, 0]);
  });
});
