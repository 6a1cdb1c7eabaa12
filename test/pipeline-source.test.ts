import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { parseJob } from '../src/pipeline/job/load-job.js';
import { CSV_LINE_BYTES_MAX } from '../src/pipeline/run/source-reader.js';
import { countCalls } from './support/fetch-taps.js';
import { jobFolder, reviews, simRun } from './support/pipeline-harness.js';
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
  it('prices a 3,000,000-character CSV row and refuses to launch when it pushes the cost over the ceiling', async () => {
    const ceilingUsd = 1;
    const rest = jobFolder(reviews(60), { cost_ceiling_usd: 0.000001 });
    const restUsd = (await (await simRun(rest.dir)).start(rest.job)).breakdown!.worstCaseUsd;
    expect(restUsd).toBeLessThan(ceilingUsd); // without the long row the job would launch

    const { dir, job } = jobFolder(withLongRow(3_000_000), { cost_ceiling_usd: ceilingUsd });
    const run = await simRun(dir);
    const calls = countCalls(run);
    const summary = await run.start(job);

    expect(summary.breakdown!.inputTokens).toBeGreaterThan(3_000_000 / 4);
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
});
