import { rollbackRun } from '../../pipeline/run/rollback.js';
import type { RunSummary } from '../../pipeline/run/run-job.js';
import { NotApplicable } from '../../sim/faults/world-fault.js';
import type { DrillBase } from '../drill-base.js';
import { type CaseRun, caseRun } from './case-run.js';
import { type CaseSpec, type SoakCase, soakCase } from './soak-case.js';

/*
 * One soak run: the case its run seed draws, through the real pipeline in the simulated world,
 * then every invariant of DESIGN checked against the run database and the world's ground truth:
 * 1 coverage, 2 nothing invalid promoted, 3 mapping, 6 spend and double billing, the gate's
 * precision on clean rows, 4 rollback, and, for the runs that draw them, 8 crash safety (against
 * the same case without the crash) and 7 determinism (the case run twice). Invariant 5 (the
 * canary) needs a poisoned template alone in its run, and is the canary property's to check.
 */

/** What one run came to: plain JSON, so that a worker process can send it over IPC. */
export interface SoakResult {
  seed: number;
  /** The fault families the run carried, with `http` for an HTTP background. */
  faults: string[];
  /** The injected crash (`point#nth`), or null for none. */
  crash: string | null;
  /** How the run ended (`promoted`, `halted`, `refused`, `held`), or `error` if it threw. */
  status: string;
  /** Faults of the case that could not apply to the job, each with why; the run went on without them. */
  skipped: string[];
  /** Evidence the world recorded, counted by fault family (`http` for the background). */
  firedByFamily: Record<string, number>;
  /** Alarms in the run log, counted by kind. */
  alarmsByKind: Record<string, number>;
  /** Broken invariants, one line each, `<invariant>: <what>`; [] when all held. */
  failures: string[];
  /** Wall-clock time the run took, checks included, milliseconds. */
  ms: number;
}

/** The invariants every run is held to, with the parameter a check takes. */
const CHECKS = [
  ['nothing_invalid_promoted'],
  ['mapping'],
  ['spend_within_ceiling'],
  ['no_double_billing'],
  // The gate's precision: rows no fault touched are (nearly) never quarantined.
  ['clean_quarantine_max', 0.1],
] as const;

/**
 * DuckDB threads per run: the soak runs one worker process per core already, and DuckDB's own
 * pool of a thread per core would oversubscribe them (a run's queries are small; with one thread
 * a run took about 15 % less CPU here).
 */
const DUCKDB_THREADS = 1;

/** How one play of a case ended, for comparing two plays of it. */
interface Play {
  summary: RunSummary;
  crashed: boolean;
  log: string;
  end: { status: string; sink: string; dispositions: string; billedUsd: number; evidence: string };
  fired: Record<string, number>;
  alarms: Record<string, number>;
  failures: string[];
}

/**
 * Run seed `seed`'s case on `base` (the shipped example when absent) and check it. Never throws
 * for what the run does: an exception of the pipeline is a failure of the run, with its message.
 * `now` is the wall clock the run is timed with.
 */
export async function runSoakSeed(seed: number, now: () => number, base?: DrillBase): Promise<SoakResult> {
  const started = now();
  const c = soakCase(seed);
  const result: SoakResult = {
    seed,
    faults: [...c.faults.map((f) => f.name), ...(c.httpRate > 0 ? ['http'] : [])],
    crash: c.crash === null ? null : `${c.crash.point}#${c.crash.nth}`,
    status: 'error',
    skipped: [],
    firedByFamily: {},
    alarmsByKind: {},
    failures: [],
    ms: 0,
  };
  try {
    const { spec, main } = await firstPlay(c, base, result.skipped);
    Object.assign(result, {
      status: main.summary.status,
      firedByFamily: main.fired,
      alarmsByKind: main.alarms,
    });
    result.failures.push(...main.failures);
    if (c.crash?.steady && main.crashed) {
      const clean = await play(spec, base, undefined, false);
      result.failures.push(...differences('crash_safety', main, clean, 'the run without the crash'));
    }
    if (c.twice) {
      const again = await play(spec, base, c.crash ?? undefined, false);
      if (again.log !== main.log)
        result.failures.push('determinism: a second run of the case wrote another run log');
      result.failures.push(...differences('determinism', again, main, 'the first run', true));
    }
  } catch (error) {
    result.failures.push(
      `error: ${(error as Error)?.stack?.split('\n').slice(0, 3).join(' ') ?? String(error)}`,
    );
  }
  result.ms = now() - started;
  return result;
}

/**
 * The case's checked play, without the faults the job cannot take (a team's job may have no
 * column for a poisoned template to swap in, say), each named in `skipped`: the run goes on with
 * the rest. Such a fault says so as the world is prepared, before anything runs.
 */
async function firstPlay(
  c: SoakCase,
  base: DrillBase | undefined,
  skipped: string[],
): Promise<{ spec: CaseSpec; main: Play }> {
  let spec: CaseSpec = c;
  for (;;) {
    try {
      return { spec, main: await play(spec, base, c.crash ?? undefined, true) };
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
      skipped.push(`${error.fault}: ${error.reason}`);
      spec = { ...spec, faults: spec.faults.filter((f) => f.name !== error.fault) };
    }
  }
}

/** One play of the case: run it (crashing where told), and when `check`, check it and roll it back. */
async function play(
  spec: CaseSpec,
  base: DrillBase | undefined,
  crash: { point: string; nth: number } | undefined,
  check: boolean,
): Promise<Play> {
  const run = await caseRun(spec, { base, duckdbThreads: DUCKDB_THREADS });
  try {
    const summary = await run.run(crash);
    const truth = run.world.sim.world.groundTruth();
    const end = {
      status: summary.status,
      sink: JSON.stringify(await run.sink()),
      dispositions: JSON.stringify(
        await run.db.all(
          'SELECT row_key, disposition, reason, custom_id, output_json FROM dispositions ORDER BY row_key',
        ),
      ),
      billedUsd: truth.billing.reduce((sum, b) => sum + b.costUsd, 0),
      evidence: JSON.stringify(truth.evidence),
    };
    const fired = count([...truth.evidence.map((e) => e.fault), ...truth.httpFaults.map((h) => h.family)]);
    const alarms = count(run.entries.filter((e) => e.phase === 'alarm').map((e) => e.kind));
    const failures = check ? await invariants(run, summary) : [];
    return {
      summary,
      crashed: run.crashed(),
      log: JSON.stringify(run.entries),
      end,
      fired,
      alarms,
      failures,
    };
  } finally {
    await run.dispose();
  }
}

/** Invariants 1–4 and 6 of one finished run; rolls the run back (invariant 4) as it checks. */
async function invariants(run: CaseRun, summary: RunSummary): Promise<string[]> {
  const broken: string[] = [];
  const named = (name: string, reasons: string[]) => broken.push(...reasons.map((r) => `${name}: ${r}`));
  // A refused launch plans nothing, so it has no dispositions to count.
  if (summary.status !== 'refused') named('coverage', await run.check(summary, 'coverage'));
  for (const [name, param] of CHECKS) named(name, await run.check(summary, name, param));
  const errors = run.world.sim.world.groundTruth().internalErrors;
  if (errors.length > 0)
    broken.push(
      `simulation: ${errors.length} internal errors of the simulated API (first: ${errors[0]!.message.split('\n')[0]})`,
    );
  // Rollback: the rows the run touched go back to their before-images; no other row moves.
  const sink = await run.sink();
  const strangers = sink.filter((r) => r.run_id !== summary.runId && !run.prior.some((p) => p.key === r.key));
  if (strangers.length > 0)
    broken.push(
      `rollback: ${strangers.length} sink rows come from neither this run nor before it (first: ${strangers[0]!.key})`,
    );
  if (summary.status === 'promoted') await rollbackRun(run.db, summary.runId, run.world.sim.clock);
  const after = await run.sink();
  const moved =
    Math.abs(after.length - run.prior.length) +
    after.filter((r, i) => JSON.stringify(r) !== JSON.stringify(run.prior[i])).length;
  if (moved > 0)
    broken.push(`rollback: after the rollback the sink differs from before the run in ${moved} rows`);
  return broken;
}

/** How play `a` ended otherwise than play `b` (what `b` is, in words), as failures of `name`. */
function differences(name: string, a: Play, b: Play, what: string, billedExactly = false): string[] {
  const found: string[] = [];
  if (a.end.status !== b.end.status) found.push(`the run ended ${a.end.status}, ${what} ${b.end.status}`);
  if (a.end.dispositions !== b.end.dispositions) found.push(`the dispositions differ from ${what}'s`);
  if (a.end.sink !== b.end.sink) found.push(`the sink differs from ${what}'s`);
  const extra = a.end.billedUsd - b.end.billedUsd;
  if (billedExactly ? Math.abs(extra) > 1e-9 : extra > 1e-9)
    found.push(`billed $${a.end.billedUsd.toFixed(6)}, ${what} $${b.end.billedUsd.toFixed(6)}`);
  if (billedExactly && a.end.evidence !== b.end.evidence)
    found.push(`the world's evidence differs from ${what}'s`);
  return found.map((f) => `${name}: ${f}`);
}

function count(names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
