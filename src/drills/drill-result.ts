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
  /** Step 3: every invariant of the steady-state hypothesis held. */
  invariants_held: boolean;
  verdict: 'pass' | 'fail';
  /** Why the verdict is what it is, one line each (failures first). */
  reasons: string[];
  /** The command that replays this drill. */
  replay: string;
  /** The pipeline run's final status (promoted, halted, refused, held…). */
  run_status: string;
}

/** What a game day reports while it runs; the terminal UI and the plain printer subscribe to it. */
export type GamedayEvent =
  | {
      type: 'gameday_started';
      seed: number | null;
      scenarios: { scenario: string; title: string; failure_mode: string; expected_control: string }[];
    }
  | { type: 'drill_started'; scenario: string; index: number; total: number }
  | { type: 'run_entry'; scenario: string; entry: LogEntry }
  | { type: 'drill_finished'; scenario: string; result: DrillResult; elapsedMs: number }
  | { type: 'gameday_finished'; results: DrillResult[]; elapsedMs: number };
