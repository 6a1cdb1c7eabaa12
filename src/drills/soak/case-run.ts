import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeScratch, scratchFolder } from '../../core/scratch-folder.js';
import { RunDb } from '../../pipeline/db/run-db.js';
import { sinkTableSql } from '../../pipeline/db/schema.js';
import type { Env } from '../../pipeline/env.js';
import type { Job } from '../../pipeline/job/job.js';
import { loadJob } from '../../pipeline/job/load-job.js';
import { InjectedCrash } from '../../pipeline/run/run-context.js';
import { type RunSummary, resumeRun, startRun } from '../../pipeline/run/run-job.js';
import type { LogEntry } from '../../pipeline/run/run-log.js';
import { FAULT_FAMILIES } from '../../sim/faults/fault-catalog.js';
import type { DrillBase } from '../drill-base.js';
import { DrillFacts, readSink, type SinkRow } from '../drill-facts.js';
import { buildDrillWorld, type DrillWorld } from '../drill-world.js';
import { HYPOTHESES } from '../hypotheses.js';
import { runWithCrashes } from '../run-drill.js';
import type { Scenario } from '../scenario.js';
import type { CaseSpec } from './soak-case.js';

/*
 * One generated case, run through the real pipeline in the simulated world, with the drills'
 * passive checkers as the oracle (they read the run database and the world's ground truth).
 * The soak runs its cases through this, and so do the property tests (test/support/property-run.ts).
 */

/** The job keys a case lays over its base job unless told otherwise: a small canary, for small runs. */
const SMALL_CANARY = { canary: { min_rows: 5 } };

/** The scenario a generated case stands for: the base job, its faults, a small canary. */
export function scenarioOf(c: CaseSpec, job: Record<string, unknown> = SMALL_CANARY): Scenario {
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

export interface CaseRunOptions {
  /** Job keys laid over the base job (default: a small canary). */
  job?: Record<string, unknown>;
  /** The job the case runs (default: the shipped example, its rows generated from the seed). */
  base?: DrillBase;
  /** DuckDB threads for the run's database (default: DuckDB's own, one per core). */
  duckdbThreads?: number;
}

/**
 * Build a case's world, job and database (with the prior sink rows in place), ready to run, in a
 * temporary folder that `dispose` removes. A fault that cannot apply to the job throws the
 * world's NotApplicable, with nothing left behind.
 */
export async function caseRun(c: CaseSpec, options: CaseRunOptions = {}): Promise<CaseRun> {
  const { base } = options;
  // A team's job runs a seeded sample of its own rows, as its drills do.
  const rows =
    base && !base.generated ? await base.rows(c.seed, Math.min(c.rows, base.sourceRows)) : undefined;
  const dir = scratchFolder('batchguard-property-');
  const world = buildDrillWorld(scenarioOf(c, options.job), c.seed, dir, { base, rows });
  try {
    world.sim.world.prepare(world.setup);
  } catch (error) {
    world.sim.world.dispose();
    removeScratch(dir);
    throw error;
  }
  const loaded = await loadJob(world.writeJob('job.yaml'));
  const dbPath = join(dir, 'run.duckdb');
  let db = await RunDb.open(dbPath);
  if (options.duckdbThreads !== undefined) await db.exec(`SET threads = ${options.duckdbThreads}`);
  const prior = priorSink(world.sourceKeys);
  await db.exec(sinkTableSql(loaded.sink.table));
  // One appender for all of them: a statement each would cost a commit each, and one statement
  // of a few hundred VALUES rows costs DuckDB's parser about 20 ms.
  await db.append(loaded.sink.table, (appender) => {
    for (const r of prior) {
      for (const value of [r.key, r.value, r.run_id, r.custom_id]) appender.appendVarchar(value);
      appender.endRow();
    }
  });
  const entries: LogEntry[] = [];
  const onEntry = (e: LogEntry) => entries.push(e);
  const env = world.env;
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
      removeScratch(dir);
    },
  };
  return self;
}
