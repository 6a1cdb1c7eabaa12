import { resolve } from 'node:path';
import { formatRfc3339 } from '../core/rfc3339.js';
import { drillMatrix } from '../drills/drill-matrix.js';
import type { DrillResult, GamedayEvent } from '../drills/drill-result.js';
import { DrillStore } from '../drills/drill-store.js';
import { type GamedayOptions, runGameday } from '../drills/gameday.js';
import { HYPOTHESES, type HypothesisCheck } from '../drills/hypotheses.js';
import { junitXml } from '../drills/junit.js';
import type { Operator } from '../drills/run-drill.js';
import type { Scenario } from '../drills/scenario.js';
import { capturingIo, type Io } from './io.js';
import { DEFAULT_DB, openDb } from './open-db.js';
import { checkOutputPath, writeWhole } from './output-file.js';
import { formatEntry } from './print-run.js';

export interface SessionOptions {
  seed?: number;
  json: boolean;
  junit?: string;
  db?: string;
  /** Draw the Ink UI (a terminal, and no --json). */
  ui: boolean;
  /** Drills run at once (`--parallel`; default GAMEDAY_PARALLEL). */
  parallel?: number;
  /** Where the Ink UI draws and reads its keys; the process's own terminal unless given (tests). */
  terminal?: { stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream };
  /** Also told each event the UI is, re-runs' included (tests: under CI, Ink draws only its last frame). */
  onUiEvent?: (event: GamedayEvent) => void;
}

/**
 * What `drill` and `gameday` share: run the scenarios' drills, show progress (the Ink UI on a
 * terminal, plain lines otherwise), store the verdicts beside the runs, and print the matrix, the
 * JSON or the JUnit file. Returns the exit code: 0 unless a drill failed.
 */
export async function runDrillSession(
  scenarios: Scenario[],
  options: SessionOptions,
  io: Io,
): Promise<number> {
  if (options.junit !== undefined) checkOutputPath('--junit', options.junit);
  const dbPath = resolve(options.db ?? DEFAULT_DB);
  const db = await openDb(dbPath, false);
  try {
    const store = await DrillStore.open(db);
    const quiet = options.ui || options.json;
    const printer = quiet ? () => {} : plainPrinter(io);
    // What a drill is run with, the game day's and a re-run's alike.
    const drillOptions = {
      seed: options.seed,
      now: () => io.clock.now(),
      scenarioPath: (s: Scenario) => displayPath(s.path),
      parallel: options.parallel,
      operator,
      runbookEcho: quiet ? undefined : (line: string) => io.out(`[runbook] ${line}`),
    };
    const ui = options.ui ? await startUi(scenarios, drillOptions, io, options) : null;
    // Each drill's time, from the session's clock, for JUnit; and the verdicts so far, for a stop.
    const elapsedMs = new Map<string, number>();
    let totalMs: number | undefined;
    const ran: DrillResult[] = [];
    let results: DrillResult[];
    try {
      results = await runGameday(scenarios, {
        ...drillOptions,
        onEvent: (event) => {
          ui?.channel.emit(event);
          printer(event);
          if (event.type === 'gameday_finished') totalMs = event.elapsedMs;
          if (event.type !== 'drill_finished') return;
          elapsedMs.set(event.scenario, event.elapsedMs);
          ran.push(event.result);
          // q while a drill ran: stop here, the drill's verdict and log already stored (onDrill
          // runs before its drill_finished), and no further drill started. runGameday has no stop
          // of its own: this throw stops it telling, a drill running beside this one ends untold
          // (not stored), and runGameday throws it on once nothing of it is left open.
          if (ui?.view.quitRequested() && ran.length < scenarios.length) throw new QuitRequested();
        },
        onDrill: (result, entries) => store.record(result, entries, formatRfc3339(io.clock.now())),
      });
    } catch (error) {
      if (!(error instanceof QuitRequested)) {
        ui?.view.unmount();
        throw error;
      }
      results = ran;
    }
    // On a terminal the game day stays on screen, to browse and re-run, until the person quits.
    await ui?.view.waitUntilExit();
    await ui?.rerunSettled();
    if (options.json)
      io.out(JSON.stringify({ seed: options.seed ?? null, drills: results.map(jsonOf) }, null, 2));
    else if (!options.ui) for (const line of ['', ...drillMatrix(results)]) io.out(line);
    if (options.junit !== undefined) writeWhole(options.junit, junitXml(results, { elapsedMs, totalMs }));
    if (!options.json) {
      if (results.length === 1) io.out(`replay: ${results[0]!.replay}`);
      const stopped =
        results.length < scenarios.length
          ? `game day stopped (q) after ${results.length} of ${scenarios.length} drills: `
          : '';
      io.out(`${stopped}${tally(results)}; verdicts stored as ${store.gamedayId} in ${dbPath}`);
      if (options.junit !== undefined) io.out(`JUnit report: ${options.junit}`);
    }
    return sessionExitCode(results);
  } finally {
    db.close();
  }
}

/**
 * 1 if any drill failed, else 0. A drill that cannot apply to the job is no failure of the job:
 * the findings name it, and the game day still passes.
 */
export function sessionExitCode(results: readonly DrillResult[]): number {
  return results.some((r) => r.verdict === 'fail') ? 1 : 0;
}

/**
 * `14 of 16 drills passed`, and when some did not apply, how many failed and how many did not
 * apply (without one, what did not pass failed, and the count says so already).
 */
export function tally(results: readonly DrillResult[]): string {
  const count = (verdict: DrillResult['verdict']) => results.filter((r) => r.verdict === verdict).length;
  const passed = `${count('pass')} of ${results.length} drills passed`;
  const notApplicable = count('not_applicable');
  return notApplicable === 0 ? passed : `${passed}, ${count('fail')} failed, ${notApplicable} not applicable`;
}

/** The fields `--json` prints for each drill, in a fixed order. */
export function jsonOf(r: DrillResult) {
  return {
    scenario: r.scenario,
    title: r.title,
    job: r.job,
    failure_mode: r.failure_mode,
    expected_control: r.expected_control,
    seed: r.seed,
    fault_fired: r.fault_fired,
    evidence: r.evidence,
    caught: r.caught,
    caught_by: r.caught_by,
    invariants_held: r.invariants_held,
    verdict: r.verdict,
    gaps: r.gaps,
    run_status: r.run_status,
    reasons: r.reasons,
    replay: r.replay,
  };
}

/** Plain progress lines for logs and pipes: one per drill start, alarm and verdict. */
function plainPrinter(io: Io): (event: GamedayEvent) => void {
  return (event) => {
    if (event.type === 'gameday_started')
      io.out(
        `[drill] ${event.scenarios.length} drills${event.job === null ? '' : ` on ${event.job}`}, seed ${event.seed ?? '(each scenario its own)'}`,
      );
    else if (event.type === 'drill_started')
      io.out(`[drill] ${event.index + 1}/${event.total} ${event.scenario} …`);
    else if (event.type === 'run_entry' && event.entry.phase === 'alarm')
      io.out(`  ${formatEntry(event.entry)}`);
    else if (event.type === 'drill_finished') {
      const r = event.result;
      const verdict = r.verdict === 'not_applicable' ? 'N/A' : r.verdict.toUpperCase();
      io.out(`[drill] ${r.scenario}: ${verdict} (${(event.elapsedMs / 1000).toFixed(1)} s)`);
      for (const reason of r.reasons) io.out(`  ${reason}`);
      if (r.verdict === 'fail') {
        io.out(`  caught by: ${r.caught_by.length === 0 ? 'none' : r.caught_by.join(', ')}`);
        for (const gap of r.gaps) io.out(`  gap: ${gap}`);
        io.out(`  reproduce: ${r.replay}`);
      }
    }
  };
}

/**
 * The runbook's commands, typed into this very CLI on the drill's clock (so that a drill's log
 * stays a function of its seed), their output captured and echoed to `echo`.
 */
const operator: Operator = async (argv, clock, echo = () => {}) => {
  const { main } = await import('./main.js');
  const out: string[] = [];
  echo(`$ batchguard ${argv.join(' ')}`);
  const code = await main(argv, capturingIo(out, clock, echo));
  return { code, out };
};

/** Thrown out of the game day's event handler when the person quits (q) while drills run. */
class QuitRequested extends Error {}

/**
 * The Ink UI over a channel of the game day's events, with `r` wired to re-run a drill on the same
 * machinery (runGameday over that one scenario, at the session's seed: the scenario's own when
 * none was given, as its verdict's replay line says).
 *
 * A re-run is not stored: the game day's verdicts in the database (and the exit code, the JUnit
 * file) stay those of the game day as it ran, each scenario once, so that reports counting a game
 * day's verdicts do not count a scenario twice; a drill is a function of its seed, so the re-run
 * shows the same verdict, now with the person watching, and the replay line reproduces it anywhere.
 */
async function startUi(
  scenarios: readonly Scenario[],
  drillOptions: Omit<GamedayOptions, 'onEvent' | 'onDrill'>,
  io: Io,
  options: Pick<SessionOptions, 'terminal' | 'onUiEvent'>,
) {
  const { gamedayChannel } = await import('../ui/gameday-events.js');
  const { renderGameday } = await import('../ui/render-gameday.js');
  const channel = gamedayChannel();
  if (options.onUiEvent) channel.subscribe(options.onUiEvent);
  let rerun: Promise<void> | null = null;
  let rerunError: unknown = null;
  const onRerun = (name: string) => {
    const scenario = scenarios.find((s) => s.name === name);
    // One at a time: the view asks only once the game day has ended and nothing runs.
    if (scenario === undefined || rerun !== null) return;
    rerun = runGameday([scenario], {
      ...drillOptions,
      // The game day's start and end are not this drill's: they would reset the screen.
      onEvent: (event) => {
        if (event.type !== 'gameday_started' && event.type !== 'gameday_finished') channel.emit(event);
      },
    })
      .then(
        () => {},
        (error: unknown) => {
          // Raised where every other error is: from the session, once the UI is down.
          rerunError = error;
          view.unmount();
        },
      )
      .finally(() => {
        rerun = null;
      });
  };
  const hypotheses = new Map(scenarios.map((s) => [s.name, s.expect.hypothesis.map(describeCheck)]));
  const view = renderGameday(channel, { clock: io.clock, hypotheses, onRerun, ...options.terminal });
  return {
    channel,
    view,
    /** Waits for a re-run still going (q waits for it too), and raises its error if it had one. */
    async rerunSettled(): Promise<void> {
      await rerun;
      if (rerunError !== null) throw rerunError;
    },
  };
}

/** A hypothesis check as the detail view lists it: what it says, with its number if it takes one. */
function describeCheck(check: HypothesisCheck): string {
  const says = HYPOTHESES[check.name]?.says ?? check.name;
  return check.param === null ? says : `${says} (${check.param})`;
}

/** A scenario's path as a person would type it from here. */
function displayPath(path: string): string {
  const fromHere = path.startsWith(process.cwd()) ? path.slice(process.cwd().length + 1) : path;
  return fromHere.includes(' ') ? JSON.stringify(fromHere) : fromHere;
}
