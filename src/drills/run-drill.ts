import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Clock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { removeScratch, scratchFolder } from '../core/scratch-folder.js';
import { RunDb } from '../pipeline/db/run-db.js';
import type { Env } from '../pipeline/env.js';
import { loadJob } from '../pipeline/job/load-job.js';
import { InjectedCrash } from '../pipeline/run/run-context.js';
import { type RunSummary, resumeRun, startRun } from '../pipeline/run/run-job.js';
import { type LogEntry, readRunLog } from '../pipeline/run/run-log.js';
import { NotApplicable } from '../sim/faults/world-fault.js';
import { exampleBase } from './drill-base.js';
import { DrillFacts, type RunbookFacts, readSink, type SinkRow } from './drill-facts.js';
import type { DrillResult } from './drill-result.js';
import { buildDrillWorld, type DrillWorld } from './drill-world.js';
import { caughtBy, judgeDrill, notApplicableResult } from './judge-drill.js';
import type { Scenario } from './scenario.js';

/**
 * A person at a terminal typing a batchguard command: its argv, its exit code and output. The
 * drill hands it its virtual clock, for the command's log entries; `echo`, when given, is told
 * each line the person would see (the game day passes one that keeps its drills' lines in order).
 */
export type Operator = (
  argv: string[],
  clock: Clock,
  echo?: (line: string) => void,
) => Promise<{ code: number; out: string[] }>;

export interface DrillOptions {
  /** Overrides the scenario's own seed. */
  seed?: number;
  /** Every entry of the drill's run log(s), as it is written. */
  onEntry?: (entry: LogEntry) => void;
  /** Types the runbook's commands (runbook drills only); the CLI passes its own entry point. */
  operator?: Operator;
  /** How the replay line names the scenario file (default: its path from the working folder). */
  scenarioPath?: string;
}

export interface DrillRun {
  result: DrillResult;
  /** The run log of the drill's (last) pipeline run. */
  entries: LogEntry[];
}

/**
 * Run one drill: build the scenario's world, run the real pipeline in it (crashing and resuming
 * it where a fault says so), then judge the run from its log and the world's ground truth. The
 * run database and the job's files live in a temporary folder, removed afterwards.
 */
export async function runDrill(scenario: Scenario, options: DrillOptions = {}): Promise<DrillRun> {
  const seed = options.seed ?? scenario.seed;
  const base = scenario.base ?? exampleBase();
  const path = options.scenarioPath ?? relative(process.cwd(), scenario.path);
  const replay = [
    `npx batchguard drill ${path}`,
    ...(base.display === null ? [] : [`--job ${base.display}`]),
    ...(base.sample === undefined ? [] : [`--sample ${base.sample}`]),
    `--seed ${seed}`,
  ].join(' ');
  const size = base.sample ?? scenario.dataset.rows;
  const rows = await base.rows(seed, base.generated ? size : Math.min(size, base.sourceRows));
  const dir = scratchFolder(`batchguard-drill-${scenario.name}-`);
  const world = buildDrillWorld(scenario, seed, dir, { base, rows });
  const dbPath = join(dir, 'drill.duckdb');
  // One DuckDB thread: the database is small, and the game day runs drills side by side, whose
  // threads would contend (its 19 drills took 15 s with one each, 17.5 s with one per core).
  let db = await RunDb.open(dbPath, { threads: 1 });
  const notApplicable = (reason: string): DrillRun => ({
    result: notApplicableResult(scenario, seed, reason, replay, base.display),
    entries: [],
  });
  try {
    const entries: LogEntry[] = [];
    const onEntry = (entry: LogEntry) => {
      entries.push(entry);
      options.onEntry?.(entry);
    };
    const env = world.env;
    // A runbook drill first promotes the clean job, so that the bad run has something to spoil;
    // a drift drill, so that the bad run has a golden baseline to fall from.
    let sinkBefore: SinkRow[] | null = null;
    if (scenario.cleanRunFirst ?? scenario.kind === 'runbook') {
      const cleanJob = await loadJob(world.writeJob('clean.yaml'));
      const clean = await startRun({ db, env, job: cleanJob, mode: 'simulation', seed });
      // The baseline drill says why a clean run is not promoted; here there is nothing to build on.
      if (clean.status !== 'promoted')
        return notApplicable(
          `the clean job's run ended ${clean.status}, so ${scenario.kind === 'runbook' ? 'no sink held rows to spoil' : 'it set no baseline'}`,
        );
      sinkBefore = await readSink(db, cleanJob.sink.table);
    }
    try {
      world.sim.world.prepare(world.setup);
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
      return notApplicable(error.reason);
    }
    if (scenario.ceilingMargin != null)
      world.setup.job.cost_ceiling_usd = await worstCaseCeiling(world, db, env, seed, scenario.ceilingMargin);
    const job = await loadJob(world.writeJob('job.yaml'));
    let summary: RunSummary;
    ({ summary, db } = await runWithCrashes(world, db, dbPath, env, (run) =>
      run === null
        ? startRun({ db, env, job, mode: 'simulation', seed, onEntry })
        : resumeRun(run.db, run.runId, env, onEntry),
    ));
    // The runbook undoes a bad promote: when another control kept the poison out, it has none.
    if (scenario.kind === 'runbook' && summary.status !== 'promoted')
      return notApplicable(
        `the poisoned run ended ${summary.status} (caught by ${caughtBy(entries).join(', ') || 'no control'}), so nothing reached the sink for the runbook to undo`,
      );
    let problems: string[] = [];
    let runbookFacts: RunbookFacts | null = null;
    if (scenario.kind === 'runbook') {
      const sinkAfterRun = await readSink(db, job.sink.table);
      const batches =
        scenario.runbookScope === 'faulted_batches' ? await faultedBatches(world, db, summary.runId) : null;
      if (batches?.length === 0)
        problems = ['the fault hit no batch of the run, so there is no slice to reverse'];
      else {
        const steps = await runbook(options.operator, summary.runId, dbPath, world.sim.clock, batches ?? []);
        problems = steps.problems;
        runbookFacts = { sinkAfterRun, batches, assessed: steps.assessed };
      }
    }
    const log = scenario.kind === 'runbook' ? await readRunLog(db, summary.runId) : entries;
    const facts = new DrillFacts(
      db,
      summary.runId,
      job,
      summary,
      world.sim.world,
      log,
      world.source.current(),
      world.sourceKeys,
      sinkBefore,
      runbookFacts,
    );
    return {
      result: await judgeDrill(scenario, seed, facts, replay, problems, { job: base.display }),
      entries: log,
    };
  } finally {
    db.close();
    await RunDb.release(dbPath, { discard: true });
    world.sim.world.dispose();
    removeScratch(dir);
  }
}

/**
 * Run the job; each time a fault of the world crashes the pipeline at its crash point, record
 * the crash as evidence, keep the process down for the fault's downtime (virtual time), drop
 * every bit of process state but the database file, and resume the run. Each fault crashes once.
 * `alsoCrash` may throw InjectedCrash at other points (property tests); those resume at once.
 */
export async function runWithCrashes(
  world: DrillWorld,
  db: RunDb,
  dbPath: string,
  env: Env,
  run: (resume: { db: RunDb; runId: string } | null) => Promise<RunSummary>,
  alsoCrash: (point: string) => void = () => {},
): Promise<{ summary: RunSummary; db: RunDb }> {
  const pending = new Map(world.sim.world.faultList().flatMap((f) => (f.crash ? [[f.crash.point, f]] : [])));
  env.crashPoint = (point) => {
    alsoCrash(point);
    if (pending.has(point)) throw new InjectedCrash(point);
  };
  let resume: { db: RunDb; runId: string } | null = null;
  for (;;) {
    try {
      return { summary: await run(resume), db };
    } catch (error) {
      if (!(error instanceof InjectedCrash)) throw error;
      const fault = pending.get(error.point);
      pending.delete(error.point);
      if (fault) {
        world.sim.world.recordEvidence(fault.name, 'crash', error.point);
        world.sim.clock.advance(fault.crash!.downtimeMs);
      }
      const last = await db.one<{ run_id: string }>(
        // The run made last: simulated runs share the clock's epoch, and ids are hashes.
        'SELECT run_id FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1',
      );
      db.close();
      db = await RunDb.open(dbPath, { threads: 1 });
      resume = { db, runId: last!.run_id };
    }
  }
}

/**
 * The runbook's three steps, typed as a person would: halt, assess (ids to a file), reverse. With
 * `batches`, the assessment is narrowed to the rows those batches answered. Returns what went
 * wrong, and the ids the assessment named.
 */
async function runbook(
  operator: Operator | undefined,
  runId: string,
  dbPath: string,
  clock: Clock,
  batches: readonly string[],
): Promise<{ problems: string[]; assessed: string[] }> {
  if (!operator)
    throw new UsageError(
      'no_operator',
      'Failed to run a runbook drill: there is no terminal to type its commands.',
      'Run it with `batchguard drill` or `batchguard gameday`.',
    );
  const ids = join(dbPath, '..', 'affected-ids.txt');
  let assessed: string[] = [];
  for (const argv of [
    ['halt', runId, '--db', dbPath],
    ['assess', runId, ...batches.flatMap((b) => ['--batch', b]), '--db', dbPath, '--out', ids],
    ['rollback', runId, '--db', dbPath, '--ids', ids],
  ]) {
    const { code, out } = await operator(argv, clock);
    if (code !== 0)
      return {
        problems: [`runbook step \`batchguard ${argv[0]}\` exited ${code}: ${out.at(-1) ?? ''}`],
        assessed,
      };
    if (argv[0] === 'assess') assessed = readFileSync(ids, 'utf8').split('\n').filter(Boolean);
  }
  return { problems: [], assessed };
}

/**
 * The batches of the run a fault left evidence in, in the order the run made them: what a
 * provider's incident notice would name.
 */
async function faultedBatches(world: DrillWorld, db: RunDb, runId: string): Promise<string[]> {
  const hit = new Set(world.sim.world.groundTruth().evidence.map((e) => e.batchId));
  const ours = await db.all<{ batch_id: string }>(
    'SELECT batch_id FROM submission_batches WHERE run_id = ? AND batch_id IS NOT NULL ORDER BY submission_id',
    [runId],
  );
  return ours.map((b) => b.batch_id).filter((id) => hit.has(id));
}

/** A ceiling above which a run is never refused: the probe that reads the worst case needs one. */
const PROBE_CEILING_USD = 1_000_000;

/**
 * The preflight's own worst case for the drill's job and rows (read by a launch it declines, so
 * nothing is sent or billed), and `margin` more: the ceiling of a drill whose control is the
 * spend guard between rounds.
 */
async function worstCaseCeiling(
  world: DrillWorld,
  db: RunDb,
  env: Env,
  seed: number,
  margin: number,
): Promise<number> {
  world.setup.job.cost_ceiling_usd = PROBE_CEILING_USD;
  const probe = await loadJob(world.writeJob('probe.yaml'));
  let worst = 0;
  await startRun({
    db,
    env,
    job: probe,
    mode: 'simulation',
    seed,
    confirm: async (breakdown) => {
      worst = breakdown.worstCaseUsd;
      return false;
    },
  });
  return Math.ceil(worst * (1 + margin) * 1e6) / 1e6;
}
