import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchguardError, UsageError } from '../src/core/errors.js';
import { OutOfMemoryError, RunDb } from '../src/pipeline/db/run-db.js';
import { sinkTableSql } from '../src/pipeline/db/schema.js';
import type { Job } from '../src/pipeline/job/job.js';
import { rollbackRun } from '../src/pipeline/run/rollback.js';
import { InjectedCrash } from '../src/pipeline/run/run-context.js';
import { startRun } from '../src/pipeline/run/run-job.js';
import { readRunLog } from '../src/pipeline/run/run-log.js';
import {
  csvOf,
  HAIKU,
  INJECTION,
  jobFolder,
  keysOf,
  reviews,
  type SimRun,
  SONNET,
  simRun,
} from './support/pipeline-harness.js';
import {
  atStep,
  count,
  dispositionsByKey,
  expectInvariants,
  type SinkRow,
  sinkRows,
  spentUsd,
} from './support/run-checks.js';

/*
 * The pipeline's recovery controls, end to end in the simulated world: requeue and dead-letter
 * after expiry, resume after a crash at each step, stale-source detection between submit and
 * fetch, and rollback from before-images. Each test checks that the fault fired, that the
 * control caught it, and that the invariants held.
 */

describe('requeue and dead-letter', () => {
  it('requeues expired rows once more and dead-letters those that expire again, losing none', async () => {
    // At 0.02 requests a minute about 28 of a batch start inside its 24 h window; the rest expire.
    const rows = reviews(60);
    const { dir, job } = jobFolder(rows, {
      canary: { enabled: false },
      attempts: 2,
      poll_interval_seconds: 600,
    });
    const run = await simRun(dir, { seed: 1, processing: { throughputPerMinute: 0.02 } });
    const summary = await run.start(job);

    const submissions = await run.db.all<{ batch_id: string; request_count: number }>(
      'SELECT batch_id, request_count FROM submissions ORDER BY submission_id',
    );
    const billed = new Map(run.sim.world.groundTruth().billing.map((b) => [b.batchId, b.succeededRows]));
    expect(submissions.length).toBe(2);
    for (const s of submissions) expect(billed.get(s.batch_id)).toBeLessThan(s.request_count);
    const tries = await run.db.all<{
      row_key: string;
      n: number;
      subs: number;
      disposition: string;
      reason: string | null;
    }>(
      `SELECT q.row_key, count(*)::INTEGER AS n, count(DISTINCT q.submission_id)::INTEGER AS subs,
              any_value(d.disposition) AS disposition, any_value(d.reason) AS reason
       FROM requests q JOIN dispositions d USING (run_id, row_key) GROUP BY q.row_key`,
    );
    const dead = tries.filter((t) => t.disposition === 'dead_lettered');
    expect(dead.length).toBeGreaterThan(0);
    expect(dead.every((t) => t.reason === 'expired' && t.n === 2 && t.subs === 2)).toBe(true);
    const requeuedAndFinished = tries.filter((t) => t.n === 2 && t.disposition === 'promoted');
    expect(requeuedAndFinished.length).toBeGreaterThan(0);
    expect(tries.every((t) => t.n <= 2)).toBe(true);
    expect(summary.metrics!.coverage).toBe(1);
    await expectInvariants(run, summary.runId, job, rows);
  });
});

describe('crash and resume', () => {
  // Some rows carry an injection the primary sometimes obeys, so the run has an escalation batch.
  const rows = reviews(60, (i, t) => (i % 3 === 0 ? `Order ${i}: ${t} ${INJECTION}` : `Order ${i}: ${t}`));
  const fields = { thresholds: { validity_min: 0.5 }, golden: { path: 'golden.jsonl', min_score: 0.5 } };
  let clean: { sink: SinkRow[]; dispositions: unknown[]; spentUsd: number };

  beforeAll(async () => {
    const { dir, job } = jobFolder(rows, fields);
    const run = await simRun(dir, { seed: 2 });
    expect((await run.start(job)).status).toBe('promoted');
    clean = {
      sink: await sinkRows(run.db),
      dispositions: await dispositions(run.db),
      spentUsd: spentUsd(run),
    };
    const models = await run.db.all<{ model: string }>(
      'SELECT model FROM submissions ORDER BY submission_id',
    );
    expect(models.map((m) => m.model)).toEqual([HAIKU, HAIKU, SONNET]); // canary, main, escalation
  });

  /** Crash at the `nth` time the run reaches `point`, resume, and compare with the clean run. */
  async function crashAndResume(point: string, nth: number): Promise<SimRun> {
    const { dir, job } = jobFolder(rows, fields);
    const run = await simRun(dir, { seed: 2 });
    run.env.crashPoint = crashAt(point, nth);
    expect(await crashOf(run.start(job))).toEqual({ crashed: true, point });

    const { run_id: runId } = (await run.db.one<{ run_id: string }>('SELECT run_id FROM runs'))!;
    expect(await sinkRows(run.db)).toEqual([]);
    run.env.crashPoint = undefined;
    const summary = await run.resume(runId);

    expect(run.entries.some((e) => e.kind === 'run_resumed')).toBe(true);
    expect(summary.status).toBe('promoted');
    expect(await sinkRows(run.db)).toEqual(clean.sink);
    expect(await dispositions(run.db)).toEqual(clean.dispositions);
    expect(spentUsd(run)).toBeLessThanOrEqual(clean.spentUsd + 1e-12);
    await expectInvariants(run, runId, job, rows);
    return run;
  }

  it.each([
    ['submit:before-create', 2],
    ['submit:after-create', 1],
    ['submit:after-create', 3],
    ['main:after-submit-wave', 1],
    ['fetch:before-gate', 2],
    ['gate:after-outcomes', 2],
    ['gate:after-outcomes', 3],
    ['state:reconcile', 1],
    ['promote:inside-transaction', 1],
  ])(
    'resumes after a crash at %s (occurrence %i) to the records of a run without it, billing nothing twice',
    async (point, nth) => {
      const run = await crashAndResume(point, nth);
      // A crash after the create: resume finds the batch it made and adopts it, saying so.
      const adopted = await count(run.db, 'SELECT count(*) FROM submissions WHERE adopted');
      expect(adopted).toBe(point === 'submit:after-create' ? 1 : 0);
    },
  );

  it('resumes after a crash just after results are appended, which is a crash and not a failed download', async () => {
    // Only a failed download is retried: a crash (or a database error) after the append must
    // surface as itself, never as a broken stream that gets fetched, and billed, again.
    const run = await crashAndResume('fetch:after-append', 2);
    expect(run.entries.filter((e) => e.kind === 'results_stream_failed')).toEqual([]);
  });
});

describe('stale source', () => {
  it('quarantines rows whose source changed between submit and fetch, and promotes none of them', async () => {
    const rows = reviews(60);
    const { dir, job } = jobFolder(rows);
    const canary = new Set(
      keysOf(rows)
        .sort((a, b) => (md5(a) < md5(b) ? -1 : 1))
        .slice(0, 20),
    );
    const edited = keysOf(rows)
      .filter((key) => !canary.has(key))
      .slice(0, 3);
    const run = await simRun(dir, { seed: 1 });
    let rewritten = false;
    run.env.crashPoint = (name) => {
      const intent = run.entries.findLast((e) => e.kind === 'create_batch');
      if (name !== 'submit:after-create' || intent?.detail.phase !== 'main' || rewritten) return;
      const changed = rows.map((r) => (edited.includes(r.id) ? { ...r, text: `${r.text} (edited)` } : r));
      writeFileSync(join(dir, 'reviews.csv'), csvOf(changed));
      rewritten = true;
    };
    const summary = await run.start(job);

    expect(rewritten).toBe(true);
    const submitted = await run.db.all<{ row_key: string; phase: string }>(
      `SELECT q.row_key, s.phase FROM requests q JOIN submissions s USING (run_id, submission_id)
       WHERE q.row_key IN (${edited.map((key) => `'${key}'`).join(', ')})`,
    );
    expect(submitted.map((s) => s.phase)).toEqual(['main', 'main', 'main']); // one try each, in the main batch
    const byKey = await dispositionsByKey(run.db);
    for (const key of edited)
      expect(byKey.get(key)).toEqual({ disposition: 'quarantined', reason: 'stale_source' });
    const details = await run.db.all<{ detail: string }>(
      "SELECT DISTINCT detail FROM outcomes WHERE reason = 'stale_source'",
    );
    expect(details).toEqual([{ detail: 'the source row changed or vanished after submit' }]);
    // The gate alarms on them, once, for the batch they were in.
    const staleAlarms = run.entries.filter((e) => e.kind === 'stale_source');
    expect(staleAlarms.map((e) => [e.step, e.phase, e.detail.count])).toEqual([['gate', 'alarm', 3]]);
    const sink = await sinkRows(run.db);
    expect(sink.filter((r) => edited.includes(r.key))).toEqual([]);
    expect(sink.length).toBe(57);
    const gated = run.entries.filter((e) => e.kind === 'batch_gated').map((e) => e.detail.outcomes);
    expect(gated).toContainEqual(expect.objectContaining({ 'invalid:stale_source': 3 }));
    await expectInvariants(run, summary.runId, job, rows);
  });

  it('quarantines at reconcile a canary row edited after its answer was gated, and does not promote it', async () => {
    const rows = reviews(60);
    const { dir, job } = jobFolder(rows);
    const [edited] = keysOf(rows).sort((a, b) => (md5(a) < md5(b) ? -1 : 1)); // first of the canary slice
    const run = await simRun(dir, { seed: 1 });
    let rewritten = false;
    run.env.crashPoint = (name) => {
      const intent = run.entries.findLast((e) => e.kind === 'create_batch');
      if (name !== 'submit:after-create' || intent?.detail.phase !== 'main' || rewritten) return;
      const changed = rows.map((r) => (r.id === edited ? { ...r, text: `${r.text} (edited)` } : r));
      writeFileSync(join(dir, 'reviews.csv'), csvOf(changed));
      rewritten = true;
    };
    const summary = await run.start(job);

    expect(rewritten).toBe(true);
    const submitted = await run.db.all<{ phase: string; kind: string }>(
      `SELECT s.phase, o.kind FROM requests q JOIN submissions s USING (run_id, submission_id)
       JOIN outcomes o USING (run_id, submission_id, custom_id) WHERE q.row_key = ?`,
      [edited!],
    );
    expect(submitted).toEqual([{ phase: 'canary', kind: 'valid' }]); // gated valid before the edit
    expect(summary.status).toBe('promoted');
    expect((await dispositionsByKey(run.db)).get(edited!)).toEqual({
      disposition: 'quarantined',
      reason: 'stale_source',
    });
    const sink = await sinkRows(run.db);
    expect(sink.map((r) => r.key)).not.toContain(edited);
    expect(sink.length).toBe(59);
    const stale = run.entries.filter((e) => e.kind === 'stale_source');
    expect(stale).toEqual([
      expect.objectContaining({ step: 'reconcile', phase: 'alarm', detail: { count: 1 } }),
    ]);
    expect(summary.reconciliation).toMatchObject({ source: 60, disposed: 60, undisposed: 0 });
    await expectInvariants(run, summary.runId, job, rows);
  });
});

describe('promote with before-images, and rollback', () => {
  // Run 2 changes rows 1–10, repeats 11–50, leaves out 51–60 and adds 61–70.
  const first = reviews(60);
  const second = [
    ...reviews(50, (i, t) =>
      i <= 10 ? `Order ${i} (edited): ${t.split(' ').reverse().join(' ')}` : `Order ${i}: ${t}`,
    ),
    ...reviews(70).slice(60),
  ];
  const untouched = (rows: SinkRow[]) => rows.filter((r) => !second.some((s) => s.id === r.key));

  async function twoRuns() {
    const one = jobFolder(first);
    const run = await simRun(one.dir, { seed: 1 });
    const run1 = await run.start(one.job);
    expect(run1.status).toBe('promoted');
    await expectInvariants(run, run1.runId, one.job, first);
    const afterRun1 = await sinkRows(run.db);
    const two = jobFolder(second);
    const run2 = await run.start(two.job);
    expect(run2.status).toBe('promoted');
    await expectInvariants(run, run2.runId, two.job, second);
    const afterRun2 = await sinkRows(run.db);
    expect(afterRun2.filter((r) => r.run_id === run2.runId).length).toBe(60);
    // The log says what the promote was about to do, and what it did: reports and the UI read it.
    const promoteEntries = atStep(await readRunLog(run.db, run2.runId), 'promote');
    expect(promoteEntries).toEqual([
      { phase: 'intent', kind: 'promote', detail: { sink: 'record' } },
      { phase: 'outcome', kind: 'promoted', detail: { sink: 'record', rows: 60 } },
    ]);
    expect(untouched(afterRun2)).toEqual(untouched(afterRun1));
    return { run, run1: run1.runId, run2: run2.runId, afterRun1, afterRun2 };
  }

  it('restores exactly the rows a run touched, by id first, then all of them', async () => {
    const { run, run2, afterRun1, afterRun2 } = await twoRuns();
    const changed = afterRun2.filter((r) => afterRun1.find((s) => s.key === r.key)?.value !== r.value);
    expect(changed.length).toBeGreaterThan(10); // run 2 really changed the sink (its new rows too)

    // An empty list is refused, never taken for a rollback of nothing (nor of everything).
    await expect(rollbackRun(run.db, run2, run.sim.clock, { ids: [] })).rejects.toThrow(
      `Failed to roll back ${run2}: the list of ids to reverse is empty.`,
    );
    expect(await sinkRows(run.db)).toEqual(afterRun2);

    const byId = afterRun2.find((r) => r.key === 'rev-0002')!.custom_id;
    const some = await rollbackRun(run.db, run2, run.sim.clock, { ids: ['rev-0001', byId, 'rev-0061'] });
    expect(some).toEqual({ restored: 2, removed: 1, conflicts: 0 });
    const partly = await sinkRows(run.db);
    const picked = (rows: SinkRow[]) => rows.filter((r) => ['rev-0001', 'rev-0002'].includes(r.key));
    expect(picked(partly)).toEqual(picked(afterRun1));
    expect(partly.find((r) => r.key === 'rev-0061')).toBeUndefined();
    const others = (rows: SinkRow[]) =>
      rows.filter((r) => !['rev-0001', 'rev-0002', 'rev-0061'].includes(r.key));
    expect(others(partly)).toEqual(others(afterRun2));
    expect(await statusOf(run.db, run2)).toBe('partially_rolled_back');

    const rest = await rollbackRun(run.db, run2, run.sim.clock);
    expect(rest).toEqual({ restored: 48, removed: 9, conflicts: 0 });
    expect(await sinkRows(run.db)).toEqual(afterRun1);
    expect(await statusOf(run.db, run2)).toBe('rolled_back');

    // The run's log tells both rollbacks, with what each was asked and what it did; no conflict,
    // so no alarm.
    const rollbackEntries = atStep(await readRunLog(run.db, run2), 'rollback');
    expect(rollbackEntries).toEqual([
      { phase: 'intent', kind: 'rollback', detail: { ids: 3 } },
      { phase: 'outcome', kind: 'rolled_back', detail: some },
      { phase: 'intent', kind: 'rollback', detail: { ids: 'all' } },
      { phase: 'outcome', kind: 'rolled_back', detail: rest },
    ]);
  });

  it('refuses to roll back a run the database does not have, naming it', async () => {
    const run = await simRun(jobFolder(first).dir, { seed: 1 });
    const error = await rollbackRun(run.db, 'run-nope', run.sim.clock).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      code: 'unknown_run',
      message: `Failed to roll back run-nope: no such run in ${run.db.path}.`,
      hint: 'List runs with `batchguard report`.',
    });
    expect(await count(run.db, 'SELECT count(*) FROM run_log')).toBe(0);
  });

  it('refuses to roll back a run that never promoted, keeping its status, whether or not the sink exists', async () => {
    const run = await simRun(jobFolder(first).dir, { seed: 1 });
    const refuse = async (runId: string) => {
      const logged = await count(run.db, 'SELECT count(*) FROM run_log');
      const error = await rollbackRun(run.db, runId, run.sim.clock).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect(error).toMatchObject({
        code: 'nothing_to_roll_back',
        message: `Failed to roll back ${runId}: it never promoted (status refused), so there is nothing to undo.`,
      });
      expect(await count(run.db, 'SELECT count(*) FROM run_log')).toBe(logged);
      const status = await run.db.one<{ status: string }>('SELECT status FROM runs WHERE run_id = ?', [
        runId,
      ]);
      expect(status).toEqual({ status: 'refused' });
    };
    const tooDear = jobFolder(first, { cost_ceiling_usd: 0.000001 });
    // No sink yet: the run refused at its preflight never made one.
    const refused = await run.start(tooDear.job);
    expect(refused.status).toBe('refused');
    await refuse(refused.runId);
    // A sink another run promoted into: still nothing of this run's to undo, and that sink stays.
    const promoted = await run.start(jobFolder(first).job);
    expect(promoted.status).toBe('promoted');
    const sink = await sinkRows(run.db);
    const refusedAgain = await run.start(tooDear.job);
    await refuse(refusedAgain.runId);
    expect(await sinkRows(run.db)).toEqual(sink);
  });

  it('refuses ids that name no row the run touched, rolling back none of the others, its status kept', async () => {
    const { dir, job } = jobFolder(first);
    const run = await simRun(dir, { seed: 1 });
    const { runId, status } = await run.start(job);
    expect(status).toBe('promoted');
    const sink = await sinkRows(run.db);
    const logged = await count(run.db, 'SELECT count(*) FROM run_log');

    const ids = ['rev-0001', 'r_typo_1_000000', sink[1]!.custom_id, 'zz-other'];
    const error = await rollbackRun(run.db, runId, run.sim.clock, { ids }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      code: 'unknown_ids',
      message: `Failed to roll back ${runId}: 2 of the ids name no row it touched (r_typo_1_000000, zz-other); nothing was rolled back.`,
    });
    expect(await sinkRows(run.db)).toEqual(sink);
    expect(await count(run.db, 'SELECT count(*) FROM run_log')).toBe(logged);
    expect(await run.db.one('SELECT status FROM runs')).toEqual({ status: 'promoted' });
  });

  it('leaves a row a later run has changed alone, and reports it as a conflict', async () => {
    const { run, run1, afterRun2 } = await twoRuns();
    const result = await rollbackRun(run.db, run1, run.sim.clock);

    expect(result).toEqual({ restored: 0, removed: 10, conflicts: 50 });
    const log = await readRunLog(run.db, run1);
    expect(log.find((e) => e.kind === 'rollback_conflicts')).toMatchObject({
      step: 'rollback',
      phase: 'alarm',
      detail: { rows: 50 },
    });
    expect(await sinkRows(run.db)).toEqual(afterRun2.filter((r) => second.some((s) => s.id === r.key)));
    expect(await statusOf(run.db, run1)).toBe('partially_rolled_back');
  });
});

// ---- crashes --------------------------------------------------------------------------------------

/** A crashPoint hook that crashes the run at the `nth` time it reaches `point`. */
function crashAt(point: string, nth: number): (name: string) => void {
  let seen = 0;
  return (name) => {
    if (name === point && ++seen === nth) throw new InjectedCrash(point);
  };
}

/** How a run ended: with an injected crash (and where), or not. */
async function crashOf(running: Promise<unknown>): Promise<{ crashed: boolean; point?: string }> {
  try {
    await running;
    return { crashed: false };
  } catch (error) {
    if (!(error instanceof InjectedCrash)) throw error;
    return { crashed: true, point: error.point };
  }
}

async function dispositions(db: RunDb): Promise<unknown[]> {
  return db.all(
    'SELECT row_key, disposition, reason, custom_id, output_json FROM dispositions ORDER BY row_key',
  );
}

async function statusOf(db: RunDb, runId: string): Promise<string> {
  return (await db.one<{ status: string }>('SELECT status FROM runs WHERE run_id = ?', [runId]))!.status;
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** Raise `error` each time the run reaches crash point `point`, as DuckDB would raise it there. */
function throwAt(run: SimRun, point: string, error: Error): void {
  run.env.crashPoint = (name) => {
    if (name === point) throw error;
  };
}

/**
 * Start `job` as a live run against the simulated API (the mode is all that changes: the world
 * answers it), resolving to what it threw.
 */
const startLive = (run: SimRun, job: Job): Promise<unknown> =>
  startRun({ db: run.db, env: run.env, job, mode: 'live', seed: null }).catch((e: unknown) => e);

describe('a promote past DuckDB’s memory ceiling', () => {
  it('stops with what to do, promotes nothing, and a resume finishes it', async () => {
    const { dir, job } = jobFolder(300);
    const run = await simRun(dir);
    // DuckDB's own words when a promote outgrows its ceiling (a 3,000,000-row sink at 192 MB,
    // docs/benchmarks.md), raised where that happens: inside promote's transaction.
    throwAt(
      run,
      'promote:inside-transaction',
      new Error('Out of Memory Error: could not allocate block of size 256.0 KiB (183.1 MiB/183.1 MiB used)'),
    );
    const error = await run.start(job).catch((e: unknown) => e);
    run.env.crashPoint = undefined;
    expect(error).toBeInstanceOf(BatchguardError);
    expect((error as BatchguardError).code).toBe('promote_out_of_memory');
    const { run_id: runId } = (await run.db.one<{ run_id: string }>('SELECT run_id FROM runs'))!;
    expect((error as BatchguardError).hint).toContain(
      `BATCHGUARD_DUCKDB_MEMORY=1GB npx batchguard resume ${runId}`,
    );
    expect(await run.db.one('SELECT state FROM runs WHERE run_id = ?', [runId])).toEqual({
      state: 'promote',
    });
    // The transaction rolled back whole: not even the sink it would have made exists.
    expect(await run.db.all('SELECT 1 FROM duckdb_tables() WHERE table_name = ?', [job.sink.table])).toEqual(
      [],
    );
    const done = await run.resume(runId);
    expect(done.status).toBe('promoted');
    expect(await count(run.db, `SELECT count(*) FROM ${job.sink.table}`)).toBeGreaterThan(250);
  });
});

describe('a step past DuckDB’s memory ceiling', () => {
  it('stops naming the step and what to do, and a resume with room finishes the run', async () => {
    const { dir, job } = jobFolder(60);
    const run = await simRun(dir);
    // As RunDb raises it: DuckDB's own words, inside the main round.
    throwAt(
      run,
      'main:after-submit-wave',
      new OutOfMemoryError(
        '192MB',
        'Out of Memory Error: failed to pin block of size 256.0 KiB (183.1 MiB/183.1 MiB used)',
      ),
    );
    const error = await startLive(run, job);
    run.env.crashPoint = undefined;
    expect(error).toBeInstanceOf(BatchguardError);
    const { run_id: runId } = (await run.db.one<{ run_id: string }>('SELECT run_id FROM runs'))!;
    expect(error).toMatchObject({ code: 'duckdb_out_of_memory', exitCode: 1 });
    expect((error as BatchguardError).message).toBe(
      `Failed to run ${runId} at its main step: DuckDB ran out of its 192MB memory ceiling (failed to pin block of size 256.0 KiB (183.1 MiB/183.1 MiB used)).`,
    );
    expect((error as BatchguardError).hint).toContain(
      `BATCHGUARD_DUCKDB_MEMORY=1GB npx batchguard resume ${runId}`,
    );
    expect(await run.db.one('SELECT state FROM runs WHERE run_id = ?', [runId])).toEqual({ state: 'main' });
    const done = await run.resume(runId);
    expect(done.status).toBe('promoted');
  });
});

describe('DuckDB out of memory while a run plans', () => {
  it('leaves no run behind and says to run it again, so that a live run asks again before it spends', async () => {
    const { dir, job } = jobFolder(20);
    const run = await simRun(dir);
    throwAt(
      run,
      'state:plan',
      new OutOfMemoryError('192MB', 'Out of Memory Error: could not allocate block'),
    );
    const error = await startLive(run, job);
    expect(error).toMatchObject({ code: 'duckdb_out_of_memory', exitCode: 1 });
    expect((error as BatchguardError).message).toMatch(/^Failed to run \S+ at its plan step: DuckDB ran out/);
    expect((error as BatchguardError).hint).toBe(
      'Nothing was sent: run the job again with a larger ceiling: `BATCHGUARD_DUCKDB_MEMORY=1GB npx batchguard run …`.',
    );
    expect(await count(run.db, 'SELECT count(*) FROM runs')).toBe(0);
    expect(await count(run.db, 'SELECT count(*) FROM run_log')).toBe(0);
  });
});

describe('two runs on one database', () => {
  it('creates a new sink in its turn, so a run promoting while another creates that sink does not conflict', async () => {
    const rows = reviews(20);
    const { dir, job } = jobFolder(rows, { canary: { enabled: false } });
    const run = await simRun(dir, { seed: 1 });
    // Another run, on its own connection, starts creating the same sink in a transaction as this
    // run enters its promote state, and has not committed it when this run reaches promote.
    const other = await RunDb.open(run.db.path);
    let commit = () => {};
    const committed = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let creating: Promise<void> | null = null;
    run.env.crashPoint = (point) => {
      if (point !== 'state:promote' || creating) return;
      creating = other.transaction(async () => {
        await other.exec(sinkTableSql(job.sink.table));
        await committed;
      });
    };
    const finished = run.start(job);
    const atPromote = async () => {
      while (!run.entries.some((e) => e.step === 'promote' && e.phase === 'intent'))
        await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await Promise.race([finished, atPromote()]);
    expect(creating).not.toBeNull();
    commit();
    await creating;
    const summary = await finished;
    expect(summary.status).toBe('promoted');
    expect(await count(run.db, `SELECT count(*) FROM ${job.sink.table}`)).toBe(rows.length);
    other.close();
  });
});
