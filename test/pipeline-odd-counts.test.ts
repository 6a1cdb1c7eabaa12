import { describe, expect, it } from 'vitest';
import type { CountsMutation } from './arbitraries/response-mutation.js';
import { jobFolder, reviews, simRun } from './support/pipeline-harness.js';
import { applyResponseMutations } from './support/response-taps.js';
import { alarms, expectInvariants } from './support/run-checks.js';

/*
 * An ended batch whose request_counts cannot be read as counts (found by
 * test/api-fuzz.property.test.ts): the counts are the API's word, not the pipeline's, so an odd
 * one is alarmed on as counts that disagree, and every row is still gated by its own line.
 */

/** A run of 40 reviews whose first batch (the canary's) reports `counts` once it has ended. */
async function runWithCounts(counts: CountsMutation[]) {
  const rows = reviews(40);
  const { dir, job } = jobFolder(rows);
  const run = await simRun(dir, { seed: 1 });
  const applied = applyResponseMutations(run, { results: [], counts });
  const summary = await run.start(job);
  expect(applied.counts).toBeGreaterThan(0);
  return { rows, job, run, summary };
}

describe('an ended batch with request_counts that are not counts', () => {
  it.each([
    ['null', { batch: 0, field: null, value: { set: null } }],
    ['missing', { batch: 0, field: null, value: { set: '(missing)' } }],
    ['a string', { batch: 0, field: null, value: { set: 'many' } }],
  ] as const)('with request_counts %s is alarmed on, and the run goes on', async (_, counts) => {
    const { rows, job, run, summary } = await runWithCounts([counts as CountsMutation]);
    const disagree = alarms(run, 'counts_disagree').filter((e) => e.detail.submission_id === 's0001');
    expect(disagree).toHaveLength(1);
    expect(disagree[0]!.detail.counted).toBeNull();
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });

  it.each([
    ['a word', 'withheld'],
    ['a fraction', 1.5],
    ['too large for a count', 1e20],
    ['an object', {}],
  ] as const)('with a succeeded count that is %s is alarmed on, and the run goes on', async (_, value) => {
    const { rows, job, run, summary } = await runWithCounts([
      { batch: 0, field: 'succeeded', value: { set: value } },
    ]);
    const disagree = alarms(run, 'counts_disagree').filter((e) => e.detail.submission_id === 's0001');
    expect(disagree).toHaveLength(1);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });

  it('with a negative count is alarmed on', async () => {
    const { rows, job, run, summary } = await runWithCounts([
      { batch: 0, field: 'errored', value: { set: -5 } },
    ]);
    const disagree = alarms(run, 'counts_disagree').filter((e) => e.detail.submission_id === 's0001');
    expect(disagree).toHaveLength(1);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });
});
