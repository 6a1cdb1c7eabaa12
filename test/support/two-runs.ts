import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { readSink, type SinkRow } from '../../src/drills/drill-facts.js';
import { simEnv } from '../../src/drills/drill-world.js';
import { RunDb } from '../../src/pipeline/db/run-db.js';
import { sinkTableSql } from '../../src/pipeline/db/schema.js';
import type { Env } from '../../src/pipeline/env.js';
import type { Job } from '../../src/pipeline/job/job.js';
import { loadJob } from '../../src/pipeline/job/load-job.js';
import { type RunSummary, startRun } from '../../src/pipeline/run/run-job.js';
import { generateReviews } from '../../src/sim/datasets/reviews-dataset.js';
import { writeDataset } from '../../src/sim/datasets/write-dataset.js';
import { type InProcessWorld, inProcessWorld } from '../../src/sim/sim-world.js';
import type { RollbackCase } from '../arbitraries/rollback-case.js';
import { ROOT } from '../source-files.js';

/*
 * Two jobs promoting into one sink, for rollback by id: A reads the case's rows with the small
 * model, B a part of them and two rows of its own with the large one (so where they overlap their
 * answers may differ, and B's promote always takes the row over). No canary and no golden set: a
 * rollback does not care how the values were graded, and each run is then one round.
 */

/** Rows B reads that A does not: B's promote creates them, and A's rollback must not touch them. */
const B_OWN_ROWS = 2;

export interface TwoRuns {
  db: RunDb;
  env: Env;
  sim: InProcessWorld;
  /** The sink before either run: some of A's keys, and keys neither run reads. */
  prior: SinkRow[];
  start(job: 'A' | 'B'): Promise<RunSummary>;
  sink(): Promise<SinkRow[]>;
  dispose(): Promise<void>;
}

export async function twoRuns(c: RollbackCase): Promise<TwoRuns> {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-two-runs-'));
  const rows = [...generateReviews(c.seed, c.rows + B_OWN_ROWS)].map((g) => g.row);
  const ofA = rows.slice(0, c.rows);
  const flag = (list: boolean[], i: number) => list[i % list.length];
  const sharedWithB = ofA.filter((_, i) => flag(c.inB, i));
  const slices = {
    A: ofA,
    B: [...(sharedWithB.length > 0 ? sharedWithB : ofA.slice(0, 1)), ...rows.slice(c.rows)],
  };
  copyFileSync(join(ROOT, 'examples/reviews/output.schema.json'), join(dir, 'output.schema.json'));
  const base = YAML.parse(readFileSync(join(ROOT, 'examples/reviews/job.yaml'), 'utf8'));
  delete base.golden;
  const jobs = {} as Record<'A' | 'B', Job>;
  for (const name of ['A', 'B'] as const) {
    writeDataset(join(dir, `${name}.csv`), slices[name], 'csv');
    const job = {
      ...base,
      name: `job-${name}`,
      source: `${name}.csv`,
      schema: 'output.schema.json',
      canary: { enabled: false },
      models: { primary: name === 'A' ? 'claude-haiku-4-5' : 'claude-sonnet-4-5', escalation: null },
    };
    writeFileSync(join(dir, `${name}.yaml`), YAML.stringify(job));
    jobs[name] = await loadJob(join(dir, `${name}.yaml`));
  }
  const prior: SinkRow[] = [
    ...ofA
      .filter((_, i) => flag(c.inPrior, i))
      .map((r) => ({
        key: r.id,
        value: '{"label":"from before"}',
        run_id: 'run-before',
        custom_id: `r_${r.id}_1`,
      })),
    ...['zz-other-1', 'zz-other-2'].map((key) => ({
      key,
      value: '{"label":"untouched"}',
      run_id: 'run-before',
      custom_id: `r_${key}_1`,
    })),
  ].sort((a, b) => (a.key < b.key ? -1 : 1));
  const sim = inProcessWorld({ seed: c.seed });
  const dbPath = join(dir, 'runs.duckdb');
  const db = await RunDb.open(dbPath);
  const table = jobs.A.sink.table;
  await db.exec(sinkTableSql(table));
  await db.exec(
    `INSERT INTO ${table} VALUES ${prior.map(() => '(?, ?, ?, ?)').join(', ')}`,
    prior.flatMap((r) => [r.key, r.value, r.run_id, r.custom_id]),
  );
  const env = simEnv(sim);
  return {
    db,
    env,
    sim,
    prior,
    start: (job) => startRun({ db, env, job: jobs[job], mode: 'simulation', seed: c.seed }),
    sink: () => readSink(db, table),
    async dispose() {
      db.close();
      await RunDb.release(dbPath, { discard: true });
      sim.world.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
