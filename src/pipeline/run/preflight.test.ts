import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryDuckDb } from '../../../test/support/memory-duckdb.js';
import { fenceTag, renderRequest } from '../prompt/render-request.js';
import { estimateInputTokens, inputTokensSql } from './preflight.js';
import type { RunContext } from './run-context.js';

/*
 * The preflight and the spend guard price every row in SQL, without rendering it; submit renders
 * it and the API (the simulated model too) bills what was sent. The two counts must agree, or the
 * cost ceiling is checked against a number smaller than the bill. A property over templates and
 * rows of any text, run in a real (in-memory) DuckDB.
 */

const duckdb = memoryDuckDb();

/** The SQL estimate for one row, given its `row_json` (source_rows holds JSON objects: DuckDB's to_json, or a JSONL line as written). */
async function sqlEstimate(template: string, fence: string | null, rowJson: string): Promise<number> {
  const ctx = { job: { template }, fence } as unknown as RunContext;
  const reader = await duckdb().runAndReadAll(
    `SELECT ${inputTokensSql(ctx)}::INTEGER AS n FROM (SELECT ? AS row_json)`,
    [rowJson],
  );
  return Number(reader.getRowObjectsJS()[0]!.n);
}

/** The estimate of the prompt submit actually sends for that row. */
function sentEstimate(template: string, fence: string | null, rowJson: string): number {
  const rendered = renderRequest(template, JSON.parse(rowJson), { model: 'm', maxTokens: 1, fence });
  if ('unfenceable' in rendered) throw new Error('unfenceable');
  return estimateInputTokens(rendered.params.messages[0].content);
}

/** Column names as sources have them, one with a space (a CSV header). */
const COLUMNS = ['text', 'sku', 'Review Text'];
/** Text of every kind: ASCII, any BMP character, and astral ones (emoji are two UTF-16 units). */
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
/**
 * A row's values as JSON sources give them. Numbers stay below 1e21: past it JavaScript writes
 * `1e+21` where DuckDB writes `1e21`, one character (a quarter of a token) apart, left alone.
 */
const number = fc.oneof(fc.integer(), fc.double({ min: -1e20, max: 1e20, noNaN: true }));
const value = fc.oneof(
  text,
  number,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(text, number), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(text, number), { maxKeys: 3 }),
);
const row = fc.dictionary(fc.constantFrom(...COLUMNS), value);
/** A template: text between placeholders, some written `{{ name }}`, some naming a missing column. */
const template = fc
  .array(
    fc.tuple(
      fc.string({ maxLength: 12 }).map((s) => s.replace(/[{}]/g, '')),
      fc.constantFrom(...COLUMNS, 'missing'),
      fc.boolean(),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((parts) =>
    parts.map(([before, column, spaced]) => `${before}{{${spaced ? ` ${column} ` : column}}}`).join(''),
  );

describe('inputTokensSql', () => {
  it('gives every row the estimate of the prompt submit renders for it, fenced or not', async () => {
    await fc.assert(
      fc.asyncProperty(template, row, fc.boolean(), async (t, r, fenced) => {
        const fence = fenced ? fenceTag('run-1') : null;
        const rowJson = JSON.stringify(r);
        expect(await sqlEstimate(t, fence, rowJson)).toBe(sentEstimate(t, fence, rowJson));
      }),
      { numRuns: 500 },
    );
  });

  it('counts a character outside the BMP (an emoji) as the API does, two UTF-16 units', async () => {
    const rowJson = JSON.stringify({ text: '😀'.repeat(40) });
    expect(sentEstimate('{{text}}', null, rowJson)).toBe(Math.ceil(80 / 4) + 7);
    expect(await sqlEstimate('{{text}}', null, rowJson)).toBe(Math.ceil(80 / 4) + 7);
  });
});
