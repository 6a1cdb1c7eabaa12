import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MINIMAL_JOB_YAML } from '../../../test/support/job-yaml.js';
import { withEnv } from '../../../test/support/with-env.js';
import { BatchguardError } from '../../core/errors.js';
import { MEMORY_LIMIT_VAR, RunDb, THREADS_VAR } from '../db/run-db.js';
import { parseJob } from '../job/load-job.js';
import { promote } from './promote.js';
import type { RunContext } from './run-context.js';
import { RunLog } from './run-log.js';

/*
 * Promote keeps one row per key in the sink by deleting a key's old row before it writes the key
 * again, in one transaction, rather than by a PRIMARY KEY: DuckDB holds a key index in memory
 * whole, so a keyed sink of a few million rows outgrew the database's ceiling at promote. These
 * tests fill a run database by hand and promote from it: one row per key over runs that overlap,
 * into a sink batchguard made and into one with a key index (as earlier versions made them), and
 * a promote far larger than its memory ceiling.
 */

const dir = mkdtempSync(join(tmpdir(), 'batchguard-promote-'));
writeFileSync(join(dir, 'reviews.csv'), '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const job = parseJob(`name: reviews\n${MINIMAL_JOB_YAML}sink: record\n`, join(dir, 'job.yaml'));
let databases = 0;

async function openDb(memory?: string): Promise<RunDb> {
  const path = join(dir, `run-${++databases}.duckdb`);
  if (!memory) return RunDb.open(path);
  // The sizes below are set for two DuckDB threads, what a run gets on a 2-core machine (the
  // test workers run with one, which needs less memory for the same promote).
  return withEnv({ [MEMORY_LIMIT_VAR]: memory, [THREADS_VAR]: '2' }, () => RunDb.open(path));
}

/** Valid dispositions for `runId`: keys `from` to `to`, each answer naming the run. */
async function stage(db: RunDb, runId: string, from: number, to: number): Promise<void> {
  await db.exec(
    `INSERT INTO dispositions SELECT $1, 'k' || lpad(i::VARCHAR, 7, '0'), 'valid', NULL,
       $1 || '-' || i, '{"label":"' || $1 || '","summary":"' || repeat('x', 60) || '"}'
     FROM range(${from}, ${to + 1}) t(i)`,
    [runId],
  );
}

async function promoted(db: RunDb, runId: string): Promise<number> {
  const log = await RunLog.open(db, runId, { now: () => 0, sleep: async () => {} }, () => {});
  return promote({ db, runId, job, log, env: {} } as unknown as RunContext);
}

async function done(db: RunDb): Promise<void> {
  db.close();
  await RunDb.release(db.path, { discard: true });
}

const sinkRows = (db: RunDb) =>
  db.all<{ key: string; run_id: string; custom_id: string }>(
    'SELECT key, run_id, custom_id FROM record ORDER BY key',
  );

describe('promote', () => {
  for (const [sink, setup] of [
    ['a sink batchguard makes', null],
    [
      'a sink with a PRIMARY KEY on key',
      'CREATE TABLE record (key VARCHAR PRIMARY KEY, value VARCHAR, run_id VARCHAR, custom_id VARCHAR)',
    ],
  ] as const) {
    it(`keeps one row per key over runs whose keys overlap, with before-images of the old rows: ${sink}`, async () => {
      const db = await openDb();
      if (setup) await db.exec(setup);
      await stage(db, 'run-1', 1, 5);
      expect(await promoted(db, 'run-1')).toBe(5);
      await stage(db, 'run-2', 4, 7);
      expect(await promoted(db, 'run-2')).toBe(4);
      expect(await sinkRows(db)).toEqual([
        { key: 'k0000001', run_id: 'run-1', custom_id: 'run-1-1' },
        { key: 'k0000002', run_id: 'run-1', custom_id: 'run-1-2' },
        { key: 'k0000003', run_id: 'run-1', custom_id: 'run-1-3' },
        { key: 'k0000004', run_id: 'run-2', custom_id: 'run-2-4' },
        { key: 'k0000005', run_id: 'run-2', custom_id: 'run-2-5' },
        { key: 'k0000006', run_id: 'run-2', custom_id: 'run-2-6' },
        { key: 'k0000007', run_id: 'run-2', custom_id: 'run-2-7' },
      ]);
      expect(
        await db.all(
          "SELECT row_key, existed, old_run_id FROM before_images WHERE run_id = 'run-2' ORDER BY row_key",
        ),
      ).toEqual([
        { row_key: 'k0000004', existed: true, old_run_id: 'run-1' },
        { row_key: 'k0000005', existed: true, old_run_id: 'run-1' },
        { row_key: 'k0000006', existed: false, old_run_id: null },
        { row_key: 'k0000007', existed: false, old_run_id: null },
      ]);
      await done(db);
    });
  }

  it('makes its sink without a key index', async () => {
    const db = await openDb();
    await stage(db, 'run-1', 1, 2);
    await promoted(db, 'run-1');
    expect(
      await db.all("SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'record'"),
    ).not.toContainEqual({ constraint_type: 'PRIMARY KEY' });
    await done(db);
  });

  it('promotes 300,000 rows twice within a 64 MB ceiling, which a sink with a key index outgrows at fewer', async () => {
    const db = await openDb('64MB');
    await stage(db, 'run-1', 1, 300_000);
    expect(await promoted(db, 'run-1')).toBe(300_000);
    await stage(db, 'run-2', 150_001, 450_000);
    expect(await promoted(db, 'run-2')).toBe(300_000);
    expect(
      await db.one(
        "SELECT count(*)::INTEGER AS n, count(DISTINCT key)::INTEGER AS keys, count(*) FILTER (run_id = 'run-2')::INTEGER AS second FROM record",
      ),
    ).toEqual({ n: 450_000, keys: 450_000, second: 300_000 });
    await done(db);
  }, 60_000);

  it('stops a promote into a sink with a key index that outgrows the ceiling, nothing promoted, saying how to finish it', async () => {
    const db = await openDb('64MB');
    await db.exec(
      'CREATE TABLE record (key VARCHAR PRIMARY KEY, value VARCHAR, run_id VARCHAR, custom_id VARCHAR)',
    );
    await stage(db, 'run-1', 1, 200_000);
    expect(await promoted(db, 'run-1')).toBe(200_000);
    await stage(db, 'run-2', 100_001, 300_000);
    const error = await promoted(db, 'run-2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchguardError);
    expect((error as BatchguardError).code).toBe('promote_out_of_memory');
    expect((error as BatchguardError).message).toContain('its 64MB memory ceiling');
    expect((error as BatchguardError).hint).toContain(
      'BATCHGUARD_DUCKDB_MEMORY=1GB npx batchguard resume run-2',
    );
    expect(await db.one("SELECT count(*) FILTER (run_id = 'run-2')::INTEGER AS second FROM record")).toEqual({
      second: 0,
    });
    expect(await db.one("SELECT count(*)::INTEGER AS n FROM before_images WHERE run_id = 'run-2'")).toEqual({
      n: 0,
    });
    await done(db);
  }, 60_000);
});
