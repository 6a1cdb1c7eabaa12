import type { SoakResult } from './soak-run.js';

/*
 * What a soak came to, from its runs' results alone: the numbers the CLI prints, `--json` gives
 * and the soak store keeps. A pure function, so the same runs always sum to the same summary.
 */

export interface SoakFailure {
  seed: number;
  status: string;
  faults: string[];
  crash: string | null;
  failures: string[];
  /** The command that replays this run alone. */
  replay: string;
}

export interface SoakSummary {
  seed: number;
  runsRequested: number;
  runsDone: number;
  interrupted: boolean;
  workers: number;
  /** The job the soak ran, as typed (`--job`), or null for the shipped example. */
  job: string | null;
  elapsedMs: number;
  /** Mean wall-clock time of one run in its worker, checks included, ms. */
  msPerRun: number;
  /** Runs by how they ended. */
  statuses: Record<string, number>;
  /** Evidence the world recorded, by fault family, over all runs; and in how many runs each fired. */
  firedByFamily: Record<string, number>;
  runsFiredByFamily: Record<string, number>;
  /** Runs that carried each family (whether or not it fired). */
  runsWithFamily: Record<string, number>;
  alarmsByKind: Record<string, number>;
  /** Runs that crashed on purpose and resumed. */
  crashRuns: number;
  /** Faults the job could not take, by family: in how many runs one was left out. */
  skippedByFamily: Record<string, number>;
  failures: SoakFailure[];
}

/** The command that replays run seed `seed` alone: the soak of one run from that seed. */
export function replayCommand(seed: number, job: string | null): string {
  return [
    'npx batchguard soak --seed',
    String(seed),
    '--runs 1',
    ...(job === null ? [] : ['--job', job]),
  ].join(' ');
}

/** Sum a soak's results (in any order: runs are sorted by seed here). */
export function summarize(
  results: readonly SoakResult[],
  soak: {
    seed: number;
    runs: number;
    workers: number;
    job: string | null;
    elapsedMs: number;
    interrupted: boolean;
  },
): SoakSummary {
  const runs = [...results].sort((a, b) => a.seed - b.seed);
  const add = (into: Record<string, number>, key: string, by = 1) => {
    into[key] = (into[key] ?? 0) + by;
  };
  const summary: SoakSummary = {
    seed: soak.seed,
    runsRequested: soak.runs,
    runsDone: runs.length,
    interrupted: soak.interrupted,
    workers: soak.workers,
    job: soak.job,
    elapsedMs: soak.elapsedMs,
    msPerRun: runs.length === 0 ? 0 : Math.round(runs.reduce((sum, r) => sum + r.ms, 0) / runs.length),
    statuses: {},
    firedByFamily: {},
    runsFiredByFamily: {},
    runsWithFamily: {},
    alarmsByKind: {},
    crashRuns: runs.filter((r) => r.crash !== null).length,
    skippedByFamily: {},
    failures: [],
  };
  for (const run of runs) {
    add(summary.statuses, run.status);
    for (const family of run.faults) add(summary.runsWithFamily, family);
    for (const [family, n] of Object.entries(run.firedByFamily)) {
      add(summary.firedByFamily, family, n);
      add(summary.runsFiredByFamily, family);
    }
    for (const [kind, n] of Object.entries(run.alarmsByKind)) add(summary.alarmsByKind, kind, n);
    for (const skipped of run.skipped) add(summary.skippedByFamily, skipped.split(':')[0]!);
    if (run.failures.length > 0)
      summary.failures.push({
        seed: run.seed,
        status: run.status,
        faults: run.faults,
        crash: run.crash,
        failures: run.failures,
        replay: replayCommand(run.seed, soak.job),
      });
  }
  return summary;
}
