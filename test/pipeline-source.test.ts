import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import type { Job } from '../src/pipeline/job/job.js';
import { parseJob } from '../src/pipeline/job/load-job.js';
import { fenceTag, renderRequest } from '../src/pipeline/prompt/render-request.js';
import { loadRows } from '../src/pipeline/run/load-rows.js';
import type { RunContext } from '../src/pipeline/run/run-context.js';
import { rowsPerChunk } from '../src/pipeline/run/run-phase.js';
import { CSV_LINE_BYTES_MAX } from '../src/pipeline/run/source-reader.js';
import { FAULT_FAMILIES } from '../src/sim/faults/fault-catalog.js';
import { BATCH_BYTES_MAX } from '../src/sim/world/validate-create.js';
import { countCalls } from './support/fetch-taps.js';
import { csvOf, GOLDEN, HAIKU, jobFolder, reviews, simRun, TEMPLATE } from './support/pipeline-harness.js';
import { alarms, count, expectInvariants, sinkRows } from './support/run-checks.js';

/*
 * Reading the job's source, end to end in the simulated world: each format the job file takes,
 * and one oversized row, a row to price like any other and refuse over the ceiling, up to the
 * longest record the reader takes.
 */

/** 60 reviews, the 7th of them `chars` characters long. */
const withLongRow = (chars: number) =>
  reviews(60, (i, t) => (i === 7 ? 'x'.repeat(chars) : `Order ${i}: ${t}`));

describe('a source with one very long row', () => {
  it('prices a 700,000-character CSV row and refuses to launch when it pushes the cost over the ceiling', async () => {
    // About 175,000 tokens: within the context window (a longer row is quarantined, never priced).
    const ceilingUsd = 0.3;
    const rest = jobFolder(reviews(60), { cost_ceiling_usd: 0.000001 });
    const restUsd = (await (await simRun(rest.dir)).start(rest.job)).breakdown!.worstCaseUsd;
    expect(restUsd).toBeLessThan(ceilingUsd); // without the long row the job would launch

    const { dir, job } = jobFolder(withLongRow(700_000), { cost_ceiling_usd: ceilingUsd });
    const run = await simRun(dir);
    const calls = countCalls(run);
    const summary = await run.start(job);

    expect(summary.breakdown!.inputTokens).toBeGreaterThan(700_000 / 4);
    expect(summary.breakdown!.worstCaseUsd).toBeGreaterThan(ceilingUsd);
    expect(summary.status).toBe('refused');
    expect(alarms(run, 'launch_refused')).toHaveLength(1);
    expect(calls()).toBe(0);
    expect(await count(run.db, 'SELECT count(*) FROM submissions')).toBe(0);
  });

  it('refuses a CSV row longer than CSV_LINE_BYTES_MAX with UsageError bad_source, before any call', async () => {
    const { dir, job } = jobFolder(withLongRow(CSV_LINE_BYTES_MAX + 1_000));
    const run = await simRun(dir);
    const calls = countCalls(run);
    const running = run.start(job);

    await expect(running).rejects.toThrow(UsageError);
    await expect(running).rejects.toMatchObject({ code: 'bad_source', exitCode: 2 });
    await expect(running).rejects.toThrow(/^Failed to read source \S*reviews\.csv: /);
    await expect(running).rejects.toThrow('a row is longer than 8 MB, the most batchguard reads');
    // One line, and none of the row's text: DuckDB's own message quotes the whole row.
    await expect(running).rejects.toSatisfy(
      (error: Error) => !error.message.includes('\n') && error.message.length < 400,
    );
    expect(calls()).toBe(0);
    expect(await count(run.db, 'SELECT count(*) FROM runs')).toBe(0);
  });

  it('sizes batches in bytes: as many of its widest rows as a batch takes stay under 256 MB', async () => {
    // 21,000 CJK characters are 63,000 bytes, and the template shows the text twice.
    const rows = reviews(30, (i, t) => (i === 7 ? '日本語'.repeat(7_000) : `Order ${i}: ${t}`));
    const { dir, job } = jobFolder(rows, { template: `${TEMPLATE}\nOnce more: {{ text }}` });
    const run = await simRun(dir);
    const ctx = { db: run.db, job, runId: 'run-1', fence: fenceTag('run-1') } as RunContext;
    await loadRows(ctx);
    const perChunk = await rowsPerChunk(ctx);

    const row = await run.db.one<{ row_json: string }>(
      "SELECT row_json FROM source_rows WHERE row_key = 'rev-0007'",
    );
    const rendered = renderRequest(job.template, JSON.parse(row!.row_json), {
      model: HAIKU,
      maxTokens: 200,
      fence: ctx.fence,
    });
    if ('unfenceable' in rendered) throw new Error('unfenceable');
    const requestBytes = Buffer.byteLength(
      JSON.stringify({ custom_id: 'r_rev-0007_1', params: rendered.params }),
    );
    expect(requestBytes).toBeGreaterThan(2 * 63_000);
    expect(perChunk * (requestBytes + 1)).toBeLessThanOrEqual(BATCH_BYTES_MAX);
    expect(perChunk * requestBytes).toBeGreaterThan(BATCH_BYTES_MAX / 2); // and not needlessly small
  });
});

describe('a source in each format', () => {
  /** The job's rows run from `reviews.csv` (written by jobFolder), or from the same rows as `file`. */
  async function promotedFrom(file: string | null, write: (dir: string) => Promise<void> = async () => {}) {
    const rows = reviews(40);
    const folder = jobFolder(rows);
    await write(folder.dir);
    const yaml = readFileSync(join(folder.dir, 'job.yaml'), 'utf8');
    expect(yaml).toContain('source: reviews.csv');
    const job =
      file === null
        ? folder.job
        : parseJob(yaml.replace('source: reviews.csv', `source: ${file}`), join(folder.dir, 'job.yaml'));
    expect(job.source.format).toBe(file === null ? 'csv' : file.split('.')[1]);
    const run = await simRun(folder.dir, { seed: 3 });
    const summary = await run.start(job);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
    return (await sinkRows(run.db)).map(({ key, value, custom_id }) => ({ key, value, custom_id }));
  }

  /** Copy the folder's reviews.csv to `file` with DuckDB (a real Parquet or JSON writer). */
  const copyTo = (file: string, format: string) => async (dir: string) => {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT * FROM read_csv('${join(dir, 'reviews.csv')}', header = true, all_varchar = true))
       TO '${join(dir, file)}' (FORMAT ${format})`,
    );
    db.closeSync();
  };

  let fromCsv: Awaited<ReturnType<typeof promotedFrom>>;
  beforeAll(async () => {
    fromCsv = await promotedFrom(null);
    expect(fromCsv).toHaveLength(40);
  });

  it.each([
    ['reviews.jsonl', 'json'],
    ['reviews.parquet', 'parquet'],
  ])('runs %s to the very sink the same rows as CSV give', async (file, format) => {
    expect(await promotedFrom(file, copyTo(file, format))).toEqual(fromCsv);
  });

  it('fills a placeholder naming a column with a space in it, {{ Review Text }}, to the very sink', async () => {
    const rows = reviews(40);
    const csv = csvOf(rows).replace('id,sku,text\n', 'id,sku,Review Text\n');
    const golden = GOLDEN.map(({ text, ...g }) => JSON.stringify({ ...g, 'Review Text': text })).join('\n');
    const { dir, job } = jobFolder(
      rows,
      { template: TEMPLATE.replace('{{text}}', '{{ Review Text }}') },
      { 'reviews.csv': csv, 'golden.jsonl': golden },
    );
    const run = await simRun(dir, { seed: 3 });
    const summary = await run.start(job);
    expect(summary.status).toBe('promoted');
    const sink = (await sinkRows(run.db)).map(({ key, value, custom_id }) => ({ key, value, custom_id }));
    expect(sink).toEqual(fromCsv);
  });

  it('keeps a JSONL row as written: a line appended mid-run with a new field and a float marks no other row edited', async () => {
    const rows = reviews(40);
    const line = (r: object) => `${JSON.stringify({ ...r, stars: 4 })}\n`;
    const file = rows.map(line).join('');
    const { dir, job } = jobFolder(rows, { source: 'reviews.jsonl' }, { 'reviews.jsonl': file });
    const run = await simRun(dir, { seed: 3 });
    // Once the main batch is out: one line appended (a field no other line has, a float where the
    // others have integers), and one row really edited.
    const edited = rows.find((r) => r.id === 'rev-0031')!;
    let changed = false;
    run.env.crashPoint = (point) => {
      if (point !== 'main:after-submit-wave' || changed) return;
      changed = true;
      const appended = { id: 'rev-9999', sku: 'SKU-0', text: 'New.', stars: 4.5, verified: true };
      const now = file.replace(line(edited), line({ ...edited, text: `${edited.text} (edited)` }));
      writeFileSync(join(dir, 'reviews.jsonl'), now + line(appended));
    };
    const summary = await run.start(job);

    expect(changed).toBe(true);
    const stale = await run.db.all<{ row_key: string }>(
      "SELECT row_key FROM dispositions WHERE reason = 'stale_source'",
    );
    expect(stale).toEqual([{ row_key: 'rev-0031' }]);
    expect(summary.status).toBe('promoted');
    const sink = (await sinkRows(run.db)).map(({ key, value, custom_id }) => ({ key, value, custom_id }));
    expect(sink).toEqual(fromCsv.filter((r) => r.key !== 'rev-0031'));
  });

  it('gates each answer once when an edit the pinned CSV dialect cannot read sends the stale check to a fresh sniff', async () => {
    // A CSV with no quote in it is sniffed with none; mid-run, one row's text gains a quoted
    // comma, which that dialect cannot read (run-source.test.ts), so the gate reads the source
    // a second time, sniffing afresh. Lines left out of the results make "missing" outcomes,
    // which the gate writes before it reads the source: those too must be written once.
    const rows = reviews(60, (i) => `Order ${i} arrived on time and works well`);
    const plain = (r: (typeof rows)[number]) => `${r.id},${r.sku},${r.text}`;
    const file = `id,sku,text\n${rows.map(plain).join('\n')}\n`;
    const { dir, job } = jobFolder(rows, {}, { 'reviews.csv': file });
    const drop = FAULT_FAMILIES.silent_partial_drop;
    const run = await simRun(dir, {
      seed: 3,
      faults: [drop.build(drop.params.parse({ missing_rate: 0.2 }))],
    });
    const edited = rows[40]!;
    let changed = false;
    run.env.crashPoint = (point) => {
      if (point !== 'main:after-submit-wave' || changed) return;
      changed = true;
      writeFileSync(
        join(dir, 'reviews.csv'),
        file.replace(plain(edited), `${edited.id},${edited.sku},"${edited.text}, edited"`),
      );
    };
    const summary = await run.start(job);

    expect(changed).toBe(true);
    const twice = await run.db.all(
      'SELECT submission_id, custom_id, count(*)::INTEGER AS n FROM outcomes GROUP BY ALL HAVING count(*) > 1',
    );
    expect(twice).toEqual([]);
    expect(await count(run.db, "SELECT count(*) FROM outcomes WHERE reason = 'missing'")).toBeGreaterThan(0);
    const stale = await run.db.all<{ row_key: string }>(
      "SELECT row_key FROM dispositions WHERE reason = 'stale_source'",
    );
    expect(stale).toEqual([{ row_key: edited.id }]);
    await expectInvariants(run, summary.runId, job, rows);
  });

  it("checks a JSONL row's evidence against its nested values as the model saw them, and promotes", async () => {
    const rows = reviews(40);
    const nested = (r: { id: string; sku: string; text: string }) => ({
      id: r.id,
      sku: r.sku,
      review: { stars: 3, body: [r.text] },
    });
    const jsonl = rows.map((r) => JSON.stringify(nested(r))).join('\n');
    const golden = GOLDEN.map(({ expected, ...g }) => JSON.stringify({ ...nested(g), expected })).join('\n');
    const { dir, job } = jobFolder(
      rows,
      { source: 'reviews.jsonl', template: TEMPLATE.replace('{{text}}', '{{review}}') },
      { 'reviews.jsonl': jsonl, 'golden.jsonl': golden },
    );
    const run = await simRun(dir, { seed: 3 });
    const summary = await run.start(job);
    const offTask = await count(run.db, "SELECT count(*) FROM outcomes WHERE reason = 'off_task'");
    expect(offTask).toBe(0);
    expect(summary.status).toBe('promoted');
    expect(await count(run.db, 'SELECT count(*) FROM record')).toBe(rows.length);
  });
});

describe('keys and golden lines that cannot be planned', () => {
  /** Start the job in `folder`: it must be refused with `code` and `message` before any call, keeping no run. */
  async function expectRefused(folder: { dir: string; job: Job }, code: string, message: string) {
    const run = await simRun(folder.dir);
    const calls = countCalls(run);
    const running = run.start(folder.job);
    await expect(running).rejects.toThrow(UsageError);
    await expect(running).rejects.toMatchObject({ code, exitCode: 2 });
    await expect(running).rejects.toThrow(message);
    expect(calls()).toBe(0);
    expect(await count(run.db, 'SELECT count(*) FROM runs')).toBe(0);
    expect(await count(run.db, 'SELECT count(*) FROM source_rows')).toBe(0);
    return run;
  }

  it('refuses source rows with an empty key, counting them', async () => {
    const rows = reviews(10).map((r, i) => (i === 2 || i === 5 ? { ...r, id: '' } : r));
    await expectRefused(jobFolder(rows), 'bad_keys', 'must be unique and non-empty; found an empty key ×2');
  });

  it.each([
    [
      'a line that is not JSON',
      '{"id": "g-1", "text": "Great.", "expected": {"label": "positive"}}\n{"id": "g-2",',
      'line 2 is not JSON',
    ],
    [
      'a line without the key',
      '{"text": "Great.", "expected": {"label": "positive"}}',
      'line 1 needs "id" and an "expected" object',
    ],
    [
      'a line without expected',
      '{"id": "g-1", "text": "Great."}',
      'line 1 needs "id" and an "expected" object',
    ],
    [
      'an expected that is not an object',
      '{"id": "g-1", "text": "Great.", "expected": "positive"}',
      'line 1 needs',
    ],
  ])('refuses a golden file with %s, naming the line', async (_, golden, message) => {
    await expectRefused(jobFolder(reviews(10), {}, { 'golden.jsonl': golden }), 'bad_golden', message);
  });

  const goldenLines = GOLDEN.map((g) => JSON.stringify(g));
  it.each([
    [
      'a source key of the form golden rows take',
      reviews(30).map((r, i) => (i === 4 ? { ...r, id: 'golden:g-2' } : r)),
      goldenLines,
      'golden:g-2',
    ],
    ['a golden key given twice', reviews(30), [...goldenLines, goldenLines[0]!], 'golden:g-1'],
  ])('refuses %s, naming the key, before any call', async (_, rows, golden, key) => {
    const folder = jobFolder(rows, {}, { 'golden.jsonl': golden.join('\n') });
    await expectRefused(folder, 'bad_keys', `row key "${key}" names two rows`);
  });

  it('refuses a key and placeholders the source has no column for, naming each once and the columns it has', async () => {
    const template = `${TEMPLATE}\n{{review_text}} {{ review_text }} {{stars}}`;
    await expectRefused(
      jobFolder(reviews(10), { key: 'review_id', template }),
      'missing_column',
      'the source has no column "review_id", "review_text", "stars" (it has id, sku, text).',
    );
  });

  it("refuses a source DuckDB cannot read with the first line of DuckDB's reason, at most 300 characters", async () => {
    // A Parquet file that is not one (text files that are not text are told apart before DuckDB
    // reads them: test/pipeline-odd-sources.test.ts).
    const bytes = jobFolder(reviews(10), { source: 'reviews.parquet' }, { 'reviews.parquet': 'not Parquet' });
    await expectRefused(bytes, 'bad_source', 'reviews.parquet: Invalid Input Error: ');
    // A file gone by the time the run reads it, under a long path: DuckDB's message quotes the
    // path, and the reason is cut at 300 characters.
    const folder = join(mkdtempSync(join(tmpdir(), 'batchguard-long-')), 'a'.repeat(200), 'b'.repeat(150));
    mkdirSync(folder, { recursive: true });
    const source = join(folder, 'reviews.csv');
    writeFileSync(source, csvOf(reviews(10)));
    const gone = jobFolder(reviews(10), { source });
    rmSync(source);
    const run = await expectRefused(gone, 'bad_source', `Failed to read source ${source}: `);
    const error = (await run.start(gone.job).catch((e: unknown) => e)) as UsageError;
    const reason = error.message.slice(error.message.indexOf(': ') + 2);
    expect(reason).toMatch(/^IO Error: /);
    expect(reason).toHaveLength(301);
    expect(reason.endsWith('…')).toBe(true);
  });

  it("refuses max_tokens above what a job's model can write, naming both, before any call", async () => {
    const folder = jobFolder(reviews(10), { max_tokens: 100_000 });
    await expectRefused(
      folder,
      'max_tokens_too_large',
      'max_tokens 100000 is above the 64000 that claude-haiku-4-5 can write',
    );
  });

  it('leaves no golden row behind, even once the refused run has been collected', async () => {
    // The lines before the bad one were once left in an open appender, which wrote them into
    // source_rows when the garbage collector destroyed it: rows of a run that was never kept.
    const golden = '{"id": "g-1", "text": "Great.", "expected": {"label": "positive"}}\n{"id": "g-2",';
    const run = await expectRefused(
      jobFolder(reviews(10), {}, { 'golden.jsonl': golden }),
      'bad_golden',
      'line 2',
    );
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await count(run.db, 'SELECT count(*) FROM source_rows')).toBe(0);
  });
});
