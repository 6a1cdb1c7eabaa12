import { describe, expect, it } from 'vitest';
import { haltRun } from '../src/pipeline/run/halt.js';
import { jobFolder, reviews, simRun, startCrashingAt } from './support/pipeline-harness.js';

/*
 * `halt` on a run that died while a create was under way: the run never recorded a batch id for
 * that submission, so the halt cannot cancel a batch it does not know; it names the submission
 * (in the result and the log) so the operator can look for it, rather than say nothing.
 */

describe('halt of a run that died while creating a batch', () => {
  it('names the submission whose batch may exist, and cancels the batches it knows', async () => {
    const { dir, job } = jobFolder(reviews(40));
    const run = await simRun(dir);
    const runId = await startCrashingAt(run, job, 'submit:before-create');
    const entries: { kind: string; detail: Record<string, unknown> }[] = [];

    const result = await haltRun(run.db, runId, run.sim.clock, {
      cancel: async () => {},
      onEntry: (e) => entries.push(e),
    });

    expect(result).toMatchObject({
      previousStatus: 'running',
      inFlight: [],
      canceled: [],
      uncertain: ['s0001'],
    });
    expect(entries.at(-1)).toMatchObject({
      kind: 'halted_by_operator',
      detail: { create_uncertain: ['s0001'] },
    });
    expect(await run.db.one('SELECT state, status FROM runs')).toEqual({ state: 'done', status: 'halted' });
  });

  it('names none for a run that had finished', async () => {
    const { dir, job } = jobFolder(reviews(30));
    const run = await simRun(dir);
    const { runId } = await run.start(job);
    const result = await haltRun(run.db, runId, run.sim.clock);
    expect(result.uncertain).toEqual([]);
  });
});
