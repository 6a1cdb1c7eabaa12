import { describe, expect, it } from 'vitest';
import { jobFolder, reviews, type SimRun, simRun } from './support/pipeline-harness.js';
import { alarms, expectInvariants, kinds } from './support/run-checks.js';

/*
 * A batch can take 24 hours, and the network between here and the API can go away in that time.
 * A run rides out an outage with backoff for as long as the job's outage_wait_minutes allows,
 * then stops with exit 1 and the resume command; an API that never answered at launch stops the
 * run at once, before anything is sent.
 */

/**
 * Cut the run off from the API (every call fails as a dropped connection would) from the moment
 * `from` says so, for `forMs` of the run's virtual time (forever when omitted).
 */
function outage(run: SimRun, from: (request: Request) => boolean, forMs = Number.POSITIVE_INFINITY) {
  const inner = run.env.fetch;
  const state = { startedMs: null as number | null, refused: 0 };
  run.env.fetch = async (input, init) => {
    const request = new Request(input, init);
    state.startedMs ??= from(request) ? run.sim.clock.now() : null;
    if (state.startedMs !== null && run.sim.clock.now() - state.startedMs < forMs) {
      state.refused++;
      throw new TypeError('fetch failed');
    }
    return inner(request);
  };
  return state;
}

const isRetrieve = (request: Request) =>
  request.method === 'GET' && /^\/v1\/messages\/batches\/[^/]+$/.test(new URL(request.url).pathname);
const batchCount = (run: SimRun) => run.sim.world.list({ limit: '1000' }).data.length;

describe('an outage of the API', () => {
  it('is ridden out while polling: the run waits with backoff, then goes on and promotes', async () => {
    const rows = reviews(60);
    const { dir, job } = jobFolder(rows, { outage_wait_minutes: 60 });
    const run = await simRun(dir, { seed: 1 });
    const cut = outage(run, isRetrieve, 40 * 60_000);

    const summary = await run.start(job);

    expect(cut.refused).toBeGreaterThan(5); // more than the ordinary retries
    expect(summary.status).toBe('promoted');
    expect(alarms(run, 'api_unreachable')).toHaveLength(1);
    expect(kinds(run)).toContain('api_reachable');
    const back = run.entries.find((e) => e.kind === 'api_reachable')!;
    expect(back.detail.down_ms).toBeGreaterThanOrEqual(40 * 60_000);
    expect(back.detail.down_ms).toBeLessThan(42 * 60_000); // backoff is capped at a minute
    await expectInvariants(run, summary.runId, job, rows);
  });

  it('stops the run past outage_wait_minutes with exit 1 and the resume command; resume then finishes it, billing nothing twice', async () => {
    const rows = reviews(60);
    const { dir, job } = jobFolder(rows, { outage_wait_minutes: 10 });
    const run = await simRun(dir, { seed: 1 });
    outage(run, isRetrieve);
    const startedMs = run.sim.clock.now();

    const error = await run.start(job).catch((e: unknown) => e);

    const { run_id: runId } = (await run.db.one<{ run_id: string }>('SELECT run_id FROM runs'))!;
    expect(error).toMatchObject({ code: 'api_unreachable', exitCode: 1 });
    expect((error as Error).message).toMatch(/has not answered for 10 min/);
    expect((error as { hint: string }).hint).toContain(`batchguard resume ${runId}`);
    const waitedMs = run.sim.clock.now() - startedMs;
    expect(waitedMs).toBeGreaterThanOrEqual(10 * 60_000);
    expect(waitedMs).toBeLessThan(12 * 60_000);
    expect(await run.db.one('SELECT state, status FROM runs')).toEqual({
      state: 'canary',
      status: 'running',
    });
    const made = batchCount(run);

    run.env.fetch = run.sim.fetch; // the API is back
    const summary = await run.resume(runId);
    expect(summary.status).toBe('promoted');
    const submissions = await run.db.all<{ batch_id: string }>('SELECT batch_id FROM submissions');
    expect(batchCount(run)).toBe(submissions.length);
    expect(made).toBeGreaterThan(0);
    await expectInvariants(run, summary.runId, job, rows);
  });

  it('at launch stops the run at once with exit 1: nothing sent, nothing billed, no run kept', async () => {
    const { dir, job } = jobFolder(reviews(60));
    const run = await simRun(dir, { seed: 1 });
    outage(run, () => true);
    const startedMs = run.sim.clock.now();

    await expect(run.start(job)).rejects.toMatchObject({ code: 'api_unreachable', exitCode: 1 });

    expect(run.sim.clock.now() - startedMs).toBeLessThan(60_000); // the ordinary retries only
    expect(batchCount(run)).toBe(0);
    expect(await run.db.all('SELECT run_id FROM runs')).toEqual([]);
    expect(await run.db.all('SELECT * FROM source_rows')).toEqual([]);
  });
});

describe('an API that refuses the key at launch', () => {
  it('is bad input: exit 2 naming the key, nothing sent, no run kept', async () => {
    const { dir, job } = jobFolder(reviews(20));
    const run = await simRun(dir, { seed: 1, apiKey: 'the-right-key' }); // the run sends sim-key

    const error = await run.start(job).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'api_refused', exitCode: 2 });
    expect((error as { hint: string }).hint).toContain('ANTHROPIC_API_KEY');
    expect(batchCount(run)).toBe(0);
    expect(await run.db.all('SELECT run_id FROM runs')).toEqual([]);
  });
});
