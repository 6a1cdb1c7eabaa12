import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { readSink, type SinkRow } from '../../src/drills/drill-facts.js';
import { RunDb } from '../../src/pipeline/db/run-db.js';
import type { Env } from '../../src/pipeline/env.js';
import type { Job } from '../../src/pipeline/job/job.js';
import { loadJob } from '../../src/pipeline/job/load-job.js';
import { generateGolden, generateReviews } from '../../src/sim/datasets/reviews-dataset.js';
import { writeDataset } from '../../src/sim/datasets/write-dataset.js';
import { backgroundHttpFaults } from '../../src/sim/faults/background-http.js';
import { type InProcessWorld, inProcessWorld } from '../../src/sim/sim-world.js';
import { ROOT } from '../source-files.js';

/*
 * The real system a model-based test drives: one simulated API, one run database, and two jobs
 * whose rows overlap and which promote into the same sink. Job A reads rows 1–30 with the small
 * model, job B rows 16–45 with the large one, so where they overlap their answers can differ.
 */

export type JobName = 'A' | 'B';

export interface LifecycleSystem {
  sim: InProcessWorld;
  db: RunDb;
  dbPath: string;
  env: Env;
  jobs: Record<JobName, Job>;
  /** Keys of each job's source. */
  keys: Record<JobName, string[]>;
  sink(): Promise<SinkRow[]>;
  /** Drop every bit of process state but the database file: a new connection, as after a crash. */
  reopen(): Promise<void>;
  dispose(): Promise<void>;
}

export async function lifecycleSystem(seed: number): Promise<LifecycleSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-lifecycle-'));
  const rows = [...generateReviews(seed, 45)].map((g) => g.row);
  const slices: Record<JobName, typeof rows> = { A: rows.slice(0, 30), B: rows.slice(15) };
  writeDataset(join(dir, 'golden.jsonl'), generateGolden(seed, 12), 'jsonl');
  copyFileSync(join(ROOT, 'examples/reviews/output.schema.json'), join(dir, 'output.schema.json'));
  const base = YAML.parse(readFileSync(join(ROOT, 'examples/reviews/job.yaml'), 'utf8'));
  const jobs = {} as Record<JobName, Job>;
  for (const name of ['A', 'B'] as const) {
    writeDataset(join(dir, `${name}.csv`), slices[name], 'csv');
    const job = {
      ...base,
      name: `job-${name}`,
      source: `${name}.csv`,
      schema: 'output.schema.json',
      golden: { path: 'golden.jsonl' },
      canary: { min_rows: 5 },
      models: name === 'A' ? base.models : { primary: 'claude-sonnet-4-5', escalation: null },
    };
    writeFileSync(join(dir, `${name}.yaml`), YAML.stringify(job));
    jobs[name] = await loadJob(join(dir, `${name}.yaml`));
  }
  const sim = inProcessWorld({ seed, httpFaults: backgroundHttpFaults(0.02) });
  const dbPath = join(dir, 'runs.duckdb');
  const system: LifecycleSystem = {
    sim,
    db: await RunDb.open(dbPath),
    dbPath,
    env: { clock: sim.clock, fetch: sim.fetch, baseURL: sim.baseURL, apiKey: 'sim-key', log: () => {} },
    jobs,
    keys: { A: slices.A.map((r) => r.id), B: slices.B.map((r) => r.id) },
    sink: () => readSink(system.db, 'record'),
    async reopen() {
      system.db.close();
      system.db = await RunDb.open(dbPath);
    },
    async dispose() {
      system.db.close();
      await RunDb.release(dbPath, { discard: true });
      sim.world.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return system;
}
