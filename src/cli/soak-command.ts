import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { countOf, formatCount, formatDuration } from '../core/numbers.js';
import { formatRfc3339 } from '../core/rfc3339.js';
import { type DrillBase, jobBase } from '../drills/drill-base.js';
import { runSoak } from '../drills/soak/soak.js';
import type { SoakResult } from '../drills/soak/soak-run.js';
import { SoakStore } from '../drills/soak/soak-store.js';
import { type SoakSummary, summarize } from '../drills/soak/soak-summary.js';
import type { Io } from './io.js';
import { openDb } from './open-db.js';
import { withArgs } from './parse-command.js';

/** Where soaks are kept unless --db says otherwise: a file in the working folder. */
export const SOAK_DB = 'soak.duckdb';

/** Off a terminal, a progress line at most this often, ms. */
const PROGRESS_EVERY_MS = 5_000;

/**
 * `batchguard soak`: many seeded runs of the real pipeline in the simulated world, each with its
 * own random fault mix (and sometimes a crash and a resume), every invariant checked after each;
 * progress while it runs, then a summary, each failure with the command that replays it, all kept
 * in the soak database. Exit 0 when every invariant held, 1 when one broke, 130 on Ctrl-C.
 */
export const soakCommand = withArgs('soak', async ({ values }, io) => {
  // Every flag (checked by the table) and the job are checked before the database opens: bad
  // input writes nothing.
  const runs = values.runs;
  const workers = Math.min(runs, values.workers ?? availableParallelism());
  const seed = values.seed ?? io.clock.now() % 1_000_000_000;
  const base: DrillBase | undefined = values.job === undefined ? undefined : await jobBase(values.job);
  const job = base?.display ?? null;
  const dbPath = resolve(values.db ?? SOAK_DB);
  const db = await openDb(dbPath, false);
  try {
    const started = io.clock.now();
    const store = await SoakStore.open(db, { seed, runs, workers, job, startedAt: formatRfc3339(started) });
    const say = values.json ? io.err : io.out;
    say(
      `[soak] ${countOf(runs, 'run')} of ${job ?? 'the shipped example job'}, seed ${seed} (run i is seed ${seed} + i), ${workers === 0 ? 'in this process' : countOf(workers, 'worker')}`,
    );
    const progress = progressPrinter(io, say, runs, started);
    const stop = io.untilInterrupted().then(() => {
      progress.end();
      say('[soak] stopping: no new runs; the runs in flight finish, then the summary');
    });
    const outcome = await runSoak({
      seed,
      runs,
      workers,
      jobFile: base?.path,
      base,
      now: () => io.clock.now(),
      sleep: (ms) => io.clock.sleep(ms),
      stop,
      onResult: (result) => {
        store.record(result);
        progress.add(result);
      },
    });
    progress.end();
    const summary = summarize(outcome.results, {
      seed,
      runs,
      workers,
      job,
      elapsedMs: io.clock.now() - started,
      interrupted: outcome.interrupted,
    });
    await store.finish(summary);
    if (values.json) io.out(JSON.stringify(jsonOf(summary, store.soakId, dbPath, outcome.results), null, 2));
    else for (const line of summaryLines(summary, store.soakId, dbPath)) io.out(line);
    if (outcome.interrupted) return 130;
    return summary.failures.length > 0 || summary.runsDone < runs ? 1 : 0;
  } finally {
    db.close();
  }
});

/**
 * Progress: on a terminal one line redrawn in place after each run; elsewhere a line at most every
 * few seconds (and after the first run, so a log shows the soak is moving).
 */
function progressPrinter(io: Io, say: (line: string) => void, runs: number, started: number) {
  let done = 0;
  let failed = 0;
  let printedAt: number | null = null;
  // The terminal's status line, as `run` draws its own; --json keeps stdout for the JSON.
  const status = say === io.out ? io.status : undefined;
  const line = () => {
    const elapsed = io.clock.now() - started;
    const left = done === 0 ? 0 : (elapsed / done) * (runs - done);
    return `[soak] ${formatCount(done)}/${formatCount(runs)} runs, ${formatCount(failed)} failed, ${formatDuration(elapsed)} elapsed${done < runs ? `, about ${formatDuration(left)} left` : ''}`;
  };
  return {
    add(result: SoakResult) {
      done++;
      if (result.failures.length > 0) failed++;
      if (status) status(line());
      else if (printedAt === null || io.clock.now() - printedAt >= PROGRESS_EVERY_MS) {
        printedAt = io.clock.now();
        say(line());
      }
    },
    /** Take the status line away, leaving its last state as a line of its own. */
    end() {
      if (!status || done === 0) return;
      status(null);
      say(line());
    },
  };
}

/** The human summary: counts in sentences, each failure with its replay command. */
function summaryLines(s: SoakSummary, soakId: string, dbPath: string): string[] {
  const list = (counts: Record<string, number>, runsOf?: Record<string, number>) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([name, n]) => `${name} ${n}${runsOf ? ` (in ${countOf(runsOf[name] ?? 0, 'run')})` : ''}`)
      .join(', ') || 'none';
  const perRun = s.runsDone === 0 ? '' : `, ${(s.msPerRun / 1000).toFixed(2)} s a run in its worker`;
  const lines = [
    '',
    `[soak] ${s.interrupted ? 'interrupted: ' : ''}${s.runsDone} of ${s.runsRequested} runs in ${formatDuration(s.elapsedMs)}${perRun}, seed ${s.seed}`,
    `  ended: ${list(s.statuses)}`,
    `  faults fired (evidence in the world, by family): ${list(s.firedByFamily, s.runsFiredByFamily)}`,
    `  alarms (run logs, by kind): ${list(s.alarmsByKind)}`,
    `  crashes injected and resumed: ${countOf(s.crashRuns, 'run')}`,
  ];
  if (Object.keys(s.skippedByFamily).length > 0)
    lines.push(`  faults the job cannot take, left out: ${list(s.skippedByFamily)}`);
  lines.push(
    s.failures.length === 0
      ? '  invariant failures: none'
      : `  invariant failures: ${s.failures.length} of ${s.runsDone} runs`,
  );
  for (const f of s.failures) {
    lines.push(
      `  FAIL run seed ${f.seed} (${f.status}; faults: ${f.faults.join(', ') || 'none'}${f.crash ? `; crash at ${f.crash}` : ''})`,
    );
    for (const reason of f.failures) lines.push(`    ${reason}`);
    lines.push(`    replay: ${f.replay}`);
  }
  if (!s.interrupted && s.runsDone < s.runsRequested)
    lines.push(`  ${s.runsRequested - s.runsDone} runs were not run: the workers stopped early`);
  lines.push(`[soak] stored as ${soakId} in ${dbPath} (tables soaks, soak_runs; view soak_failures)`);
  return lines;
}

/** `--json`: the summary's raw fields, and every run's result in seed order. */
function jsonOf(s: SoakSummary, soakId: string, dbPath: string, results: readonly SoakResult[]) {
  return {
    soak_id: soakId,
    db: dbPath,
    seed: s.seed,
    job: s.job,
    runs_requested: s.runsRequested,
    runs_done: s.runsDone,
    interrupted: s.interrupted,
    workers: s.workers,
    elapsed_ms: s.elapsedMs,
    ms_per_run: s.msPerRun,
    statuses: s.statuses,
    fired_by_family: s.firedByFamily,
    runs_fired_by_family: s.runsFiredByFamily,
    runs_with_family: s.runsWithFamily,
    alarms_by_kind: s.alarmsByKind,
    crash_runs: s.crashRuns,
    skipped_by_family: s.skippedByFamily,
    failures: s.failures,
    runs: [...results]
      .sort((a, b) => a.seed - b.seed)
      .map((r) => ({
        seed: r.seed,
        faults: r.faults,
        crash: r.crash,
        status: r.status,
        skipped: r.skipped,
        fired_by_family: r.firedByFamily,
        alarms_by_kind: r.alarmsByKind,
        failures: r.failures,
        ms: r.ms,
      })),
  };
}
