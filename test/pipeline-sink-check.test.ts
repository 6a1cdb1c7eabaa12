import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { cliInProcess } from './support/cli-in-process.js';
import { jobFolder, reviews, simRun, startCrashingAt } from './support/pipeline-harness.js';

/*
 * A sink table batchguard cannot write into was once found at promote, after every batch had
 * been paid for (a Binder Error, exit 3, the run stuck in running/promote). The sink is checked
 * before the run is recorded or anything is sent.
 */

/** Start the job on a run database where `setup` already ran; the refusal it ends in, if any. */
async function startWith(setup: string, sink = 'record') {
  const { dir, job } = jobFolder(reviews(20), { sink });
  const run = await simRun(dir);
  await run.db.exec(setup);
  const outcome = await run.start(job).then(
    (summary) => summary,
    (error: unknown) => error,
  );
  const runs = await run.db.all('SELECT run_id FROM runs');
  return { outcome, runs, batches: run.sim.world.list({}).data.length, db: run.db };
}

describe('a sink table that exists already', () => {
  it('is refused before launch when its columns are others, naming the table, what differs and what to do', async () => {
    const { outcome, runs, batches } = await startWith('CREATE TABLE record (id INTEGER, name VARCHAR)');
    expect(outcome).toBeInstanceOf(UsageError);
    const error = outcome as UsageError;
    expect(error.code).toBe('sink_mismatch');
    expect(error.message).toMatch(/^Failed to plan job reviews: the sink table record in .*runs\.duckdb /);
    expect(error.message).toContain('missing key, value, run_id, custom_id');
    expect(error.message).toContain('unexpected id, name');
    expect(error.message).toMatch(/\.$/);
    expect(error.hint).toContain('sink:');
    expect(error.hint).toContain('--db');
    expect(error.hint).toContain('key VARCHAR, value VARCHAR, run_id VARCHAR, custom_id VARCHAR');
    expect(runs).toEqual([]);
    expect(batches).toBe(0);
  });

  it('names a column of another type, and columns in another order', async () => {
    const typed = await startWith(
      'CREATE TABLE Record (key VARCHAR PRIMARY KEY, value JSON, run_id VARCHAR, custom_id INTEGER)',
    );
    expect((typed.outcome as UsageError).message).toContain(
      'value is JSON, not VARCHAR; custom_id is INTEGER, not VARCHAR',
    );
    const ordered = await startWith(
      'CREATE TABLE record (value VARCHAR, key VARCHAR PRIMARY KEY, run_id VARCHAR, custom_id VARCHAR)',
    );
    expect((ordered.outcome as UsageError).message).toContain(
      'its columns are in the order value, key, run_id, custom_id, not key, value, run_id, custom_id',
    );
    for (const { runs, batches } of [typed, ordered]) expect([runs, batches]).toEqual([[], 0]);
  });

  it('is refused when the name is a view', async () => {
    const { outcome, runs, batches } = await startWith(
      'CREATE VIEW staged AS SELECT 1 AS key, 2 AS value, 3 AS run_id, 4 AS custom_id',
      'staged',
    );
    expect((outcome as UsageError).code).toBe('sink_mismatch');
    expect((outcome as UsageError).message).toContain('staged in');
    expect((outcome as UsageError).message).toContain('is a view, not a table');
    expect([runs, batches]).toEqual([[], 0]);
  });

  it('is written as usual when it has the columns batchguard writes, NOT NULL or not', async () => {
    const { outcome, db } = await startWith(
      'CREATE TABLE record (key TEXT PRIMARY KEY, value VARCHAR, run_id VARCHAR, custom_id VARCHAR)',
    );
    expect(outcome).toMatchObject({ status: 'promoted' });
    const n = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM record');
    expect(n!.n).toBe(20);
  });

  it('ends `batchguard run` with exit code 2 and the refusal, the database holding no run', async () => {
    const { dir } = jobFolder(reviews(20));
    const db = await RunDb.open(join(dir, 'runs.duckdb'));
    await db.exec('CREATE TABLE record (id INTEGER, name VARCHAR)');
    await RunDb.release(db.path);
    const result = await cliInProcess(['run', 'job.yaml', '--db', 'runs.duckdb'], dir);
    expect(result.stderr).toContain('the sink table record in');
    expect(result.status).toBe(2);
    const report = await cliInProcess(['report', '--db', 'runs.duckdb', '--format', 'json'], dir);
    expect(JSON.parse(report.stdout).runs).toEqual([]);
  });
});

describe('a sink changed between a crash and its resume', () => {
  it('is refused at resume, before anything more is sent, with the run kept to resume once the table is put right', async () => {
    const { dir, job } = jobFolder(reviews(20));
    const run = await simRun(dir);
    const runId = await startCrashingAt(run, job, 'state:main');
    await run.db.exec('CREATE VIEW record AS SELECT 1 AS key');
    const sent = run.sim.world.list({}).data.length;

    const error = await run.resume(runId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'sink_mismatch' });
    expect((error as UsageError).message).toMatch(
      new RegExp(`^Failed to resume ${runId}: the sink record in .* is a view`),
    );
    expect(run.sim.world.list({}).data.length).toBe(sent);
    expect(await run.db.one('SELECT state, status FROM runs')).toEqual({ state: 'main', status: 'running' });

    await run.db.exec('DROP VIEW record');
    expect((await run.resume(runId)).status).toBe('promoted');
  });
});
