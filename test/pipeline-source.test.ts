import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { CSV_LINE_BYTES_MAX } from '../src/pipeline/run/source-reader.js';
import { countCalls } from './support/fetch-taps.js';
import { jobFolder, reviews, simRun } from './support/pipeline-harness.js';
import { alarms, count } from './support/run-checks.js';

/*
 * Reading the job's source, end to end in the simulated world: one oversized row is a row to
 * price like any other, and refuse over the ceiling, up to the longest record the reader takes.
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
