import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDrillWorld } from '../../src/drills/drill-world.js';
import { RunDb } from '../../src/pipeline/db/run-db.js';
import type { Job } from '../../src/pipeline/job/job.js';
import { loadJob } from '../../src/pipeline/job/load-job.js';
import { type RunSummary, startRun } from '../../src/pipeline/run/run-job.js';
import type { RunCase } from '../arbitraries/run-case.js';
import { scenarioOf } from './property-run.js';

/*
 * A job run twice in one world and one database, as a golden baseline comes about in practice:
 * first clean (the world's faults act only on batches made after `prepare`), promoting and so
 * recording its golden score; then with the case's faults. caseRun prepares the faults as it
 * builds the world, so it cannot give the clean first run.
 */

export interface DriftRuns {
  job: Job;
  /** The clean run, if asked for. */
  first: RunSummary | null;
  /** The run with the faults. */
  second: RunSummary;
  dispose(): Promise<void>;
}

export async function driftRuns(
  c: RunCase,
  job: Record<string, unknown>,
  cleanFirst: boolean,
): Promise<DriftRuns> {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-drift-'));
  // cleanRunFirst arms the faults at prepare: the first run's batches stay clean, and a drift's
  // batch indexes count from the second run's first batch.
  const world = buildDrillWorld({ ...scenarioOf(c, job), cleanRunFirst: cleanFirst }, c.seed, dir);
  const dbPath = join(dir, 'run.duckdb');
  const db = await RunDb.open(dbPath);
  const dispose = async () => {
    db.close();
    await RunDb.release(dbPath, { discard: true });
    world.sim.world.dispose();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const loaded = await loadJob(world.writeJob('job.yaml'));
    const env = world.env;
    const run = () => startRun({ db, env, job: loaded, mode: 'simulation', seed: c.seed });
    const first = cleanFirst ? await run() : null;
    world.sim.world.prepare(world.setup);
    return { job: loaded, first, second: await run(), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
