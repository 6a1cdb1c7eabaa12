import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { findModel } from '../src/core/price-table.js';
import type { Job } from '../src/pipeline/job/job.js';
import { countCalls, recordCreatedIds } from './support/fetch-taps.js';
import { csvOf, GOLDEN, HAIKU, jobFolder, type Review, reviews, simRun } from './support/pipeline-harness.js';
import { count, dispositionsByKey, expectCoverage, sinkRows } from './support/run-checks.js';

/*
 * Rows that cannot be sent as the job means them: a template column the row does not fill, or a
 * prompt over the model's context window. Each is quarantined at plan, before launch, with its
 * reason; it is never sent, never billed, never in the canary or the worst case, and it still
 * gets its one disposition. A golden line that cannot fill the template is refused instead.
 */

const WINDOW = findModel(HAIKU)!.contextWindowTokens;

/** A JSONL job folder whose lines are `lines` (objects, written one per line). */
function jsonlFolder(lines: readonly object[], overrides: Record<string, unknown> = {}, files = {}) {
  const jsonl = lines.map((line) => JSON.stringify(line)).join('\n');
  return jsonlTextFolder(jsonl, overrides, files);
}

function jsonlTextFolder(jsonl: string, overrides: Record<string, unknown> = {}, files = {}) {
  return jobFolder(0, { source: 'reviews.jsonl', ...overrides }, { 'reviews.jsonl': jsonl, ...files });
}

/** Start the job in `folder` and stop it once planned, before anything is sent: its run, with what it sent. */
async function planned(folder: { dir: string; job: Job }) {
  const run = await simRun(folder.dir, { seed: 3 });
  const sent = recordCreatedIds(run);
  run.env.crashPoint = (point) => {
    if (point === 'state:canary') throw new Error('planned');
  };
  await expect(run.start(folder.job)).rejects.toThrow('planned');
  expect(sent).toEqual([]);
  return run;
}

/** The run's dispositions, as `key: disposition reason`, for the keys given. */
async function dispositionsOf(run: Awaited<ReturnType<typeof simRun>>, keys: readonly string[]) {
  const all = await dispositionsByKey(run.db);
  return keys.map((key) => `${key}: ${all.get(key)?.disposition} ${all.get(key)?.reason}`);
}

describe('a row that cannot fill its template', () => {
  it('quarantines a JSONL row without the column, or with null in it, as missing_field; never sends it', async () => {
    const rows = reviews(40);
    const lines = rows.map((r, i): object =>
      i === 3 ? { id: r.id, sku: r.sku } : i === 4 ? { ...r, text: null } : r,
    );
    const { dir, job } = jsonlFolder(lines);
    const run = await simRun(dir, { seed: 3 });
    const sent = recordCreatedIds(run);
    const summary = await run.start(job);

    expect(summary.status).toBe('promoted');
    expect(await dispositionsOf(run, ['rev-0004', 'rev-0005'])).toEqual([
      'rev-0004: quarantined missing_field',
      'rev-0005: quarantined missing_field',
    ]);
    const detail = await run.db.all<{ detail: string; submission_id: string; kind: string }>(
      "SELECT detail, submission_id, kind FROM outcomes WHERE reason = 'missing_field' ORDER BY row_key",
    );
    expect(detail).toEqual([
      { detail: 'the row has no "text"', submission_id: 'unsent', kind: 'invalid' },
      { detail: 'the row has null in "text"', submission_id: 'unsent', kind: 'invalid' },
    ]);
    // Never sent, in the canary or after it, by the primary or the escalation model.
    expect(sent.filter((id) => /rev-000[45]/.test(id))).toEqual([]);
    expect(
      await count(run.db, "SELECT count(*) FROM requests WHERE row_key IN ('rev-0004', 'rev-0005')"),
    ).toBe(0);
    expect((await sinkRows(run.db)).map((r) => r.key)).not.toContain('rev-0004');
    await expectCoverage(
      run.db,
      summary.runId,
      rows.map((r) => r.id),
    );
    expect(summary.counts).toMatchObject({ source: 40, quarantined: 2, promoted: 38 });
  });

  it('leaves the rows it cannot send out of the canary slice and out of the worst case', async () => {
    const lines = reviews(40).map((r, i): object => (i < 10 ? { id: r.id, sku: r.sku } : r));
    const run = await planned(jsonlFolder(lines));
    const preflight = run.entries.find((e) => e.kind === 'cost_within_ceiling')!.detail;
    expect(preflight.rows).toBe(30 + GOLDEN.length);
    expect(run.entries.find((e) => e.kind === 'rows_unsendable')!.detail).toEqual({
      missing_field: 10,
      prompt_too_long: 0,
    });
    const unsentInCanary = await count(
      run.db,
      "SELECT count(*) FROM source_rows WHERE in_canary AND row_key IN (SELECT row_key FROM outcomes WHERE reason = 'missing_field')",
    );
    expect(unsentInCanary).toBe(0);
    expect(await count(run.db, 'SELECT count(*) FROM source_rows WHERE in_canary')).toBe(20);
  });

  it('sends a CSV empty cell as the empty text it is (CSV has no null), and a JSONL empty string too', async () => {
    const rows = reviews(30).map((r, i) => (i === 5 ? { ...r, text: '' } : r));
    const csv = csvOf(rows).replace('rev-0006,SKU-6,""', 'rev-0006,SKU-6,');
    expect(csv).toContain('rev-0006,SKU-6,\n');
    for (const folder of [jobFolder(rows, {}, { 'reviews.csv': csv }), jsonlFolder(rows)]) {
      const run = await planned(folder);
      expect(await count(run.db, 'SELECT count(*) FROM outcomes')).toBe(0);
      expect(await count(run.db, "SELECT count(*) FROM source_rows WHERE row_key = 'rev-0006'")).toBe(1);
    }
  });

  it('quarantines a Parquet row with a null in a template column', async () => {
    const rows = reviews(30);
    const folder = jobFolder(rows, { source: 'reviews.parquet' }, { 'reviews.parquet': '' });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT id, sku, CASE WHEN id = 'rev-0002' THEN NULL ELSE text END AS text
             FROM read_csv('${join(folder.dir, 'reviews.csv')}', header = true, all_varchar = true))
       TO '${join(folder.dir, 'reviews.parquet')}' (FORMAT parquet)`,
    );
    db.closeSync();
    const run = await planned(folder);
    const outcomes = await run.db.all<{ row_key: string; reason: string }>(
      'SELECT row_key, reason FROM outcomes',
    );
    expect(outcomes).toEqual([{ row_key: 'rev-0002', reason: 'missing_field' }]);
  });
});

describe('a prompt over the context window', () => {
  /** 40 reviews, the 8th `chars` characters long. */
  const longRow = (chars: number): Review[] =>
    reviews(40).map((r, i) => (i === 7 ? { ...r, text: 'x'.repeat(chars) } : r));

  it('is quarantined as prompt_too_long before launch, with its estimate and the window, and left out of the worst case', async () => {
    const chars = 4 * WINDOW; // about WINDOW tokens of text, and the template's on top
    const { dir, job } = jobFolder(longRow(chars), { cost_ceiling_usd: 0.1 });
    const run = await simRun(dir, { seed: 3 });
    const sent = recordCreatedIds(run);
    const summary = await run.start(job);

    // Priced in, the row alone would cost $0.10 (Haiku) + $0.30 (Sonnet) at batch prices.
    expect(summary.status).toBe('promoted');
    expect(summary.breakdown!.inputTokens).toBeLessThan(WINDOW / 10);
    expect(await dispositionsOf(run, ['rev-0008'])).toEqual(['rev-0008: quarantined prompt_too_long']);
    const outcome = await run.db.one<{ detail: string }>(
      "SELECT detail FROM outcomes WHERE reason = 'prompt_too_long'",
    );
    expect(outcome!.detail).toMatch(
      new RegExp(
        `^about \\d+ input tokens \\+ max_tokens 200 > the ${WINDOW}-token context window of ${HAIKU}$`,
      ),
    );
    expect(sent.filter((id) => id.includes('rev-0008'))).toEqual([]);
  });

  it('counts max_tokens in: a prompt that fits alone but not with max_tokens is quarantined too', async () => {
    const template = '{{text}}';
    // The prompt is ceil(chars / 4) + 7 tokens: with max_tokens 200, WINDOW exactly, then 100 over.
    const folder = (chars: number) =>
      jobFolder(longRow(chars), { template, fence: false, cost_ceiling_usd: 100 });
    const quarantined = async (chars: number) =>
      count(
        (await planned(folder(chars))).db,
        "SELECT count(*) FROM outcomes WHERE reason = 'prompt_too_long'",
      );
    expect(await quarantined(4 * (WINDOW - 207))).toBe(0);
    expect(await quarantined(4 * (WINDOW - 107))).toBe(1);
  });

  it('plans a JSONL source with ten rows just inside the window (7.6 MB of text) within DuckDB’s memory cap', async () => {
    // Each read of a value used to parse the row's whole JSON again: ten such rows ran DuckDB
    // out of its memory at plan (a crash, not a refusal). Priced, they are far over this ceiling.
    const chars = 4 * (WINDOW - 10_000);
    const lines = reviews(40).map((r, i) => (i < 10 ? { ...r, text: 'y'.repeat(chars) } : r));
    const template = 'Classify the review of {{sku}} ({{id}}). labels: positive, negative\n{{text}}\n{{sku}}';
    const { dir, job } = jsonlFolder(lines, { template, cost_ceiling_usd: 1 });
    const run = await simRun(dir, { seed: 3 });
    const summary = await run.start(job);

    expect(summary.status).toBe('refused');
    expect(summary.breakdown!.inputTokens).toBeGreaterThan(10 * (WINDOW - 10_000));
    expect(await count(run.db, "SELECT count(*) FROM outcomes WHERE reason = 'prompt_too_long'")).toBe(0);
  });
});

describe('a golden line that cannot fill the template', () => {
  it.each([
    ['without the column', { id: 'g-9', sku: 'SKU-9', expected: { label: 'positive' } }, 'has no "text"'],
    [
      'with null in it',
      { id: 'g-9', sku: 'SKU-9', text: null, expected: { label: 'positive' } },
      'has null in "text"',
    ],
  ])('is refused at load %s, naming the file, the line and the column', async (_, line, problem) => {
    const golden = [...GOLDEN, line].map((g) => JSON.stringify(g)).join('\n');
    const folder = jobFolder(reviews(20), {}, { 'golden.jsonl': golden });
    const run = await simRun(folder.dir);
    const calls = countCalls(run);
    const running = run.start(folder.job);
    await expect(running).rejects.toThrow(UsageError);
    await expect(running).rejects.toMatchObject({ code: 'bad_golden', exitCode: 2 });
    await expect(running).rejects.toThrow(
      `Failed to read golden file ${join(folder.dir, 'golden.jsonl')}: line 5 ${problem}, a column the template uses.`,
    );
    expect(calls()).toBe(0);
    for (const table of ['runs', 'source_rows', 'outcomes', 'run_log'])
      expect(await count(run.db, `SELECT count(*) FROM ${table}`), table).toBe(0);
  });

  it('is refused when its prompt is over the context window, naming the line', async () => {
    const long = { ...GOLDEN[0]!, id: 'g-9', text: 'x'.repeat(4 * WINDOW) };
    const golden = [...GOLDEN, long].map((g) => JSON.stringify(g)).join('\n');
    const folder = jobFolder(reviews(20), {}, { 'golden.jsonl': golden });
    const running = (await simRun(folder.dir)).start(folder.job);
    await expect(running).rejects.toMatchObject({ code: 'bad_golden', exitCode: 2 });
    await expect(running).rejects.toThrow(
      /line 5 makes a prompt of about \d+ input tokens, which with max_tokens 200 is over the 200000-token context window of claude-haiku-4-5\./,
    );
  });

  it('is refused when it is not an object (a line of JSON null), naming the line', async () => {
    const golden = [...GOLDEN.map((g) => JSON.stringify(g)), 'null'].join('\n');
    const folder = jobFolder(reviews(20), {}, { 'golden.jsonl': golden });
    const running = (await simRun(folder.dir)).start(folder.job);
    await expect(running).rejects.toMatchObject({ code: 'bad_golden', exitCode: 2 });
    await expect(running).rejects.toThrow('line 5 is JSON null, not an object.');
  });
});
