import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DrillFacts, readSink, type SinkRow } from '../../src/drills/drill-facts.js';
import { buildDrillWorld, type DrillWorld } from '../../src/drills/drill-world.js';
import { HYPOTHESES } from '../../src/drills/hypotheses.js';
import { runWithCrashes } from '../../src/drills/run-drill.js';
import type { Scenario } from '../../src/drills/scenario.js';
import { RunDb } from '../../src/pipeline/db/run-db.js';
import { sinkTableSql } from '../../src/pipeline/db/schema.js';
import type { Env } from '../../src/pipeline/env.js';
import type { Job } from '../../src/pipeline/job/job.js';
import { loadJob } from '../../src/pipeline/job/load-job.js';
import { InjectedCrash } from '../../src/pipeline/run/run-context.js';
import { type RunSummary, resumeRun, startRun } from '../../src/pipeline/run/run-job.js';
import type { LogEntry } from '../../src/pipeline/run/run-log.js';
import { FAULT_FAMILIES } from '../../src/sim/faults/fault-catalog.js';
import type { RunCase } from '../arbitraries/run-case.js';

/*
 * One generated case, run through the real pipeline in the simulated world, with the drills'
 * passive checkers as the oracle (they read the run database and the world's ground truth).
 */

/** The scenario a generated case stands for: the example job, its faults, a small canary. */
export function scenarioOf(c: RunCase, job: Record<string, unknown> = { canary: { min_rows: 5 } }): Scenario {
  const faults = c.faults.map(({ name, params }) => ({
    name,
    params: FAULT_FAMILIES[name].params.parse(params),
  }));
  return {
    name: 'property',
    path: join(tmpdir(), 'property.yaml'),
    title: 'a generated case',
    failureModes: faults.map((f) => f.name),
    failureMode: faults.map((f) => f.name).join('+') || 'none',
    kind: 'drill',
    seed: c.seed,
    dataset: { rows: c.rows, goldenRows: c.goldenRows },
    job,
    faults,
    http: { rate: c.httpRate, rates: {} },
    expect: { controls: ['none'], status: null, hypothesis: [] },
  };
}

/** Rows already in the sink before the run: some of the source's keys, and some it does not have. */
export function priorSink(keys: readonly string[]): SinkRow[] {
  const ours = keys.filter((_, i) => i % 3 === 0).map((key) => ({ key, value: '{"label":"from before"}' }));
  const others = ['zz-other-1', 'zz-other-2'].map((key) => ({ key, value: '{"label":"untouched"}' }));
  return [...ours, ...others]
    .map((r) => ({ ...r, run_id: 'run-before', custom_id: `r_${r.key}_1` }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}

export interface CaseRun {
  world: DrillWorld;
  job: Job;
  db: RunDb;
  dbPath: string;
  env: Env;
  entries: LogEntry[];
  prior: SinkRow[];
  /**
   * Run the job, resuming after any crash a fault makes (as drills do), and after a crash at the
   * `nth` time the run reaches `crashAt.point`, if given; `crashed()` says whether that one came.
   */
  run(crashAt?: { point: string; nth: number }): Promise<RunSummary>;
  crashed(): boolean;
  facts(summary: RunSummary): DrillFacts;
  /** The invariant checks of the drills, by name; [] means it held. */
  check(summary: RunSummary, name: keyof typeof HYPOTHESES, param?: number): Promise<string[]>;
  sink(): Promise<SinkRow[]>;
  dispose(): Promise<void>;
}

/** Build a case's world, job and database (with the prior sink rows in place), ready to run. */
export async function caseRun(c: RunCase, job?: Record<string, unknown>): Promise<CaseRun> {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-property-'));
  const world = buildDrillWorld(scenarioOf(c, job), c.seed, dir);
  world.sim.world.prepare(world.setup);
  const loaded = await loadJob(world.writeJob('job.yaml'));
  const dbPath = join(dir, 'run.duckdb');
  let db = await RunDb.open(dbPath);
  const prior = priorSink(world.sourceKeys);
  await db.exec(sinkTableSql(loaded.sink.table));
  // One statement for all of them: each statement of its own would cost a commit.
  await db.exec(
    `INSERT INTO ${loaded.sink.table} VALUES ${prior.map(() => '(?, ?, ?, ?)').join(', ')}`,
    prior.flatMap((r) => [r.key, r.value, r.run_id, r.custom_id]),
  );
  const entries: LogEntry[] = [];
  const onEntry = (e: LogEntry) => entries.push(e);
  const env: Env = {
    clock: world.sim.clock,
    fetch: world.sim.fetch,
    baseURL: world.sim.baseURL,
    apiKey: 'sim-key',
    log: () => {},
  };
  let crashedAt = false;
  const self: CaseRun = {
    crashed: () => crashedAt,
    world,
    job: loaded,
    get db() {
      return db;
    },
    dbPath,
    env,
    entries,
    prior,
    async run(crashAt) {
      let reached = 0;
      const also = (point: string) => {
        if (crashAt && point === crashAt.point && ++reached === crashAt.nth) throw new InjectedCrash(point);
      };
      const done = await runWithCrashes(
        world,
        db,
        dbPath,
        env,
        (resume) =>
          resume === null
            ? startRun({ db, env, job: loaded, mode: 'simulation', seed: c.seed, onEntry })
            : resumeRun(resume.db, resume.runId, env, onEntry),
        also,
      );
      crashedAt = crashAt !== undefined && reached >= crashAt.nth;
      db = done.db;
      return done.summary;
    },
    facts: (summary) =>
      new DrillFacts(
        db,
        summary.runId,
        loaded,
        summary,
        world.sim.world,
        entries,
        world.source.current(),
        world.sourceKeys,
      ),
    check: (summary, name, param) => HYPOTHESES[name]!.check(self.facts(summary), param ?? null),
    sink: () => readSink(db, loaded.sink.table),
    async dispose() {
      db.close();
      await RunDb.release(dbPath, { discard: true });
      world.sim.world.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}
