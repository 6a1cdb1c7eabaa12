import { describe, expect, it } from 'vitest';
import { NOT_FOUND_POLLS_MAX, pollsMax } from '../src/pipeline/run/poll.js';
import type { PollProgress } from '../src/pipeline/run/progress.js';
import { startRun } from '../src/pipeline/run/run-job.js';
import { notFoundAfterCreate } from '../src/sim/faults/http-fault.js';
import { holdBatchesProcessing, notFoundOnRetrieves, refuseRetrieves } from './support/fetch-taps.js';
import { jobFolder, reviews, type SimRun, simRun } from './support/pipeline-harness.js';
import { alarms, expectInvariants, kinds } from './support/run-checks.js';

/*
 * Polling a batch that reads can miss for a while just after its create (a replica that has not
 * seen it yet answers 404), end to end in the simulated world.
 */

const notFoundEvents = (run: SimRun) => run.entries.filter((e) => e.kind === 'batch_not_found_yet');

describe('polling a batch just created', () => {
  it('waits out 404s on retrieve just after create, then fetches and promotes as usual', async () => {
    const rows = reviews(60);
    const { dir, job } = jobFolder(rows, { poll_interval_seconds: 20 });
    const httpFaults = [notFoundAfterCreate({ rate: 1, attemptsMax: 2, windowMs: 60_000 })];
    const run = await simRun(dir, { seed: 1, httpFaults });
    const summary = await run.start(job);

    const fired = run.sim.world.groundTruth().httpFaults.filter((f) => f.name === 'not_found_after_create');
    const batches = await run.db.all<{ batch_id: string }>('SELECT batch_id FROM submissions');
    expect(fired.map((f) => f.route)).toEqual(Array(2 * batches.length).fill('retrieve'));
    const waited = notFoundEvents(run).map((e) => [e.detail.batch_id, e.detail.polls]);
    expect(waited.sort()).toEqual(
      batches
        .flatMap((b) => [
          [b.batch_id, 1],
          [b.batch_id, 2],
        ])
        .sort(),
    );
    expect(summary.status).toBe('promoted');
    expect(kinds(run)).not.toContain('coverage_gap');
    // Each batch's end is in the log, with the API's counts: the UI and the reports read them.
    const ended = run.entries.filter((e) => e.kind === 'batch_ended');
    expect(ended.map((e) => [e.step, e.phase, e.detail.batch_id])).toEqual(
      batches.map((b) => ['poll', 'event', b.batch_id]),
    );
    for (const e of ended)
      expect(e.detail).toMatchObject({ submission_id: expect.any(String), counts: { processing: 0 } });
    expect(notFoundEvents(run).every((e) => e.step === 'poll' && e.phase === 'event')).toBe(true);
    // Each round here is one batch: once it is gated the run goes on at once, with no poll
    // interval slept after the last batch ended.
    const gated = run.entries.flatMap((e, i) => (e.kind === 'batch_gated' ? [i] : []));
    expect(gated).toHaveLength(batches.length);
    for (const i of gated) expect(run.entries[i + 1]!.at, run.entries[i + 1]!.kind).toBe(run.entries[i]!.at);
    await expectInvariants(run, summary.runId, job, rows);
  });

  it(`fails the run with the 404 once a batch is still missing after ${NOT_FOUND_POLLS_MAX} polls in a row`, async () => {
    const { dir, job } = jobFolder(reviews(60));
    const httpFaults = [notFoundAfterCreate({ rate: 1, attemptsMax: 1_000, windowMs: 1e12 })];
    const run = await simRun(dir, { seed: 1, httpFaults });
    const running = run.start(job);

    await expect(running).rejects.toMatchObject({ code: 'batch_not_found', exitCode: 1 });
    const { batch_id: batchId } = (await run.db.one<{ batch_id: string }>(
      'SELECT batch_id FROM submissions',
    ))!;
    await expect(running).rejects.toThrow(`Failed to poll batch ${batchId}: the API answered 404`);
    await expect(running).rejects.toMatchObject({
      hint: 'Check the batch in the console (it may have been deleted), then `batchguard resume <run>` or `batchguard halt <run>`.',
    });
    expect(alarms(run, 'batch_not_found').map((e) => [e.step, e.detail.polls])).toEqual([
      ['poll', NOT_FOUND_POLLS_MAX],
    ]);
    const fired = run.sim.world.groundTruth().httpFaults.filter((f) => f.name === 'not_found_after_create');
    expect(fired).toHaveLength(NOT_FOUND_POLLS_MAX);
    const polls = Array.from({ length: NOT_FOUND_POLLS_MAX - 1 }, (_, i) => i + 1);
    expect(notFoundEvents(run).map((e) => e.detail.polls)).toEqual(polls);
  });

  it(`counts only 404s in a row: ${NOT_FOUND_POLLS_MAX - 1} of them, an answer, ${NOT_FOUND_POLLS_MAX - 1} more, and the run goes on`, async () => {
    const rows = reviews(60);
    const { dir, job } = jobFolder(rows, { poll_interval_seconds: 20 });
    const run = await simRun(dir, { seed: 1 });
    const streak = NOT_FOUND_POLLS_MAX - 1;
    const refused = notFoundOnRetrieves(run, (n) => n <= 2 * streak + 1 && n !== streak + 1);
    const summary = await run.start(job);

    expect(refused()).toBe(2 * streak);
    const polls = Array.from({ length: streak }, (_, i) => i + 1);
    expect(notFoundEvents(run).map((e) => e.detail.polls)).toEqual([...polls, ...polls]);
    expect(alarms(run, 'batch_not_found')).toEqual([]);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });

  it('gives up on a batch that never ends after its polls, naming it, and a resume once it has ended promotes', async () => {
    const rows = reviews(60);
    const { dir, job } = jobFolder(rows, { poll_interval_seconds: 3600 });
    const run = await simRun(dir, { seed: 1 });
    let holding = true;
    const held = holdBatchesProcessing(run, () => holding);
    const started = run.sim.clock.now();
    const running = run.start(job);

    await expect(running).rejects.toMatchObject({ code: 'poll_timeout', exitCode: 1 });
    const batches = await run.db.all<{ batch_id: string; status: string }>(
      'SELECT batch_id, status FROM submissions',
    );
    expect(batches).toEqual([{ batch_id: expect.any(String), status: 'submitted' }]);
    const sweeps = pollsMax(3600);
    expect(sweeps).toBe(26 + 10); // the 24 h window and its canceling tail, an hour apart, and ten more
    await expect(running).rejects.toThrow(
      `Failed to see batches end: ${batches[0]!.batch_id} still processing after ${sweeps} polls.`,
    );
    await expect(running).rejects.toMatchObject({
      hint: 'Check the batches in the console, then `batchguard resume <run>`.',
    });
    // One retrieve a sweep, an hour apart: the API's 24 h window and its tail had all passed.
    expect(held()).toBe(sweeps);
    expect(run.sim.clock.now() - started).toBeGreaterThanOrEqual(sweeps * 3600 * 1000);

    holding = false;
    const { run_id: runId } = (await run.db.one<{ run_id: string }>('SELECT run_id FROM runs'))!;
    const summary = await run.resume(runId);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });

  it('fails the run at once on a retrieve the API refuses for good, which is no 404 to wait out', async () => {
    const { dir, job } = jobFolder(reviews(60));
    const run = await simRun(dir, { seed: 1 });
    const refused = refuseRetrieves(run, 401, 'authentication_error');
    const running = run.start(job);

    await expect(running).rejects.toMatchObject({ status: 401 });
    expect(refused()).toBe(1);
    expect(notFoundEvents(run)).toEqual([]);
    expect(alarms(run, 'batch_not_found')).toEqual([]);
  });
});

describe('progress while batches process', () => {
  it('tells each poll’s counts, moving from none to all ended, the spend bound growing to what was billed, and writes none of it', async () => {
    const rows = reviews(200);
    const { dir, job } = jobFolder(rows, { poll_interval_seconds: 20 });
    const watched = await simRun(dir, { seed: 3 });
    const progress: PollProgress[] = [];
    const summary = await startRun({
      db: watched.db,
      env: watched.env,
      job,
      mode: 'simulation',
      seed: 3,
      onEntry: (e) => watched.entries.push(e),
      onProgress: (p) => progress.push(structuredClone(p)),
    });
    expect(summary.status).toBe('promoted');
    const submissions = await watched.db.all<{ submission_id: string; request_count: number }>(
      'SELECT submission_id, request_count FROM submissions ORDER BY submission_id',
    );
    // Every batch shows up, with its size, and its last poll shows it ended, all its requests with it.
    for (const s of submissions) {
      const seen = progress.flatMap((p) => p.batches.filter((b) => b.submissionId === s.submission_id));
      expect(seen.length, s.submission_id).toBeGreaterThan(0);
      expect(seen.every((b) => b.requests === s.request_count)).toBe(true);
      expect(seen.at(-1)).toMatchObject({ done: true, ended: s.request_count });
      // Counts never go backwards.
      const ended = seen.map((b) => b.ended);
      expect(ended).toEqual([...ended].sort((a, b) => a - b));
    }
    // The main batch was seen part-way: the simulated counts move while it processes, as live ones do.
    expect(progress.some((p) => p.batches.some((b) => b.ended > 0 && b.ended < b.requests))).toBe(true);
    const spent = progress.map((p) => p.spentMaxUsd);
    expect(spent).toEqual([...spent].sort((a, b) => a - b));
    expect(spent.at(-1)).toBeGreaterThan(0);
    expect(progress.every((p) => p.ceilingUsd === job.costCeilingUsd && p.spentMaxUsd <= p.ceilingUsd)).toBe(
      true,
    );
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(['canary', 'main']));

    // Watching a run changes none of its records: the same seed unwatched logs the same entries.
    const unwatched = await simRun(jobFolder(rows, { poll_interval_seconds: 20 }).dir, { seed: 3 });
    await unwatched.start(job);
    const strip = (es: typeof watched.entries) =>
      es.map(({ seq, kind, step, detail }) => ({ seq, kind, step, detail }));
    expect(strip(unwatched.entries)).toEqual(strip(watched.entries));
  });
});
