import type { LogEntry } from '../pipeline/run/run-log.js';

/**
 * One drill's verdict, as `--json` prints it (snake_case keys) and the `drills` table stores it.
 * Everything here is a function of the scenario and the seed: no wall-clock figure belongs here.
 */
export interface DrillResult {
  /** The scenario file's base name without extension, e.g. `silent-partial-drop`. */
  scenario: string;
  title: string;
  /** `none`, a failure-mode identifier, or several joined by `+` (a mixed scenario). */
  failure_mode: string;
  /** The control (or controls, joined by ', ') the scenario expects to catch the fault. */
  expected_control: string;
  seed: number;
  /** Step 1: the fault's evidence in the world's ground truth is above zero. */
  fault_fired: boolean;
  /** Evidence counts by kind, e.g. { dropped: 12, errored: 9 }. */
  evidence: Record<string, number>;
  /** Step 2: the expected control's event is in the run log. */
  caught: boolean;
  /**
   * Every control whose event is in the run log, expected or not (in CONTROLS order, `none`
   * excluded), so a matrix can say what did catch a fault when the expected control did not.
   */
  caught_by: string[];
  /** Step 3: every invariant of the steady-state hypothesis held. */
  invariants_held: boolean;
  /** `not_applicable`: the fault cannot be injected into this job, so the drill did not run. */
  verdict: DrillVerdict;
  /** Why the verdict is what it is, one line each (failures first). */
  reasons: string[];
  /**
   * For a failed drill, why the job's controls could not catch the fault, one short line each
   * naming the job key to change (may be empty when the control is always on); for a drill not
   * applicable, the one reason; empty for a pass.
   */
  gaps: string[];
  /** The job file drilled, as the user typed it; null for the scenario's own (shipped) job. */
  job: string | null;
  /** The command that replays this drill. */
  replay: string;
  /** The pipeline run's final status (promoted, halted, refused, held…). */
  run_status: string;
}

export type DrillVerdict = 'pass' | 'fail' | 'not_applicable';

/** Lines of `reasons` that only report what went right (the judge writes them after the failures). */
export const REASON_INFO_PREFIXES = ['fault fired: ', 'caught by ', 'held: '] as const;

/** The reasons a drill failed (or was not applicable), without the lines that report what went right. */
export function failureReasons(result: Pick<DrillResult, 'reasons'>): string[] {
  return result.reasons.filter((r) => !REASON_INFO_PREFIXES.some((prefix) => r.startsWith(prefix)));
}

/** What a game day reports while it runs; the terminal UI and the plain printer subscribe to it. */
export type GamedayEvent =
  | {
      type: 'gameday_started';
      seed: number | null;
      /** The job drilled (`--job`, or the one job the scenarios name); null for the shipped example. */
      job: string | null;
      scenarios: { scenario: string; title: string; failure_mode: string; expected_control: string }[];
    }
  | { type: 'drill_started'; scenario: string; index: number; total: number }
  | { type: 'run_entry'; scenario: string; entry: LogEntry }
  | { type: 'drill_finished'; scenario: string; result: DrillResult; elapsedMs: number }
  | { type: 'gameday_finished'; results: DrillResult[]; elapsedMs: number };
