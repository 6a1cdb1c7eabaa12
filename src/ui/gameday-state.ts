import type { DrillResult, GamedayEvent } from '../drills/drill-result.js';

/** How many run-log lines the view keeps for the running drill: enough to follow, few enough to fit. */
export const RUN_TAIL_LINES_MAX = 4;

export type DrillStatus = 'pending' | 'running' | 'pass' | 'fail' | 'not_applicable';

/** One run-log entry, reduced to what a terminal line shows. */
export interface TailLine {
  seq: number;
  step: string;
  kind: string;
  alarm: boolean;
}

export interface DrillRowState {
  scenario: string;
  title: string;
  failureMode: string;
  /** The control(s) the scenario expects to catch its fault, known from the start. */
  expectedControl: string;
  status: DrillStatus;
  /** Set once the drill has finished. */
  result: DrillResult | null;
  /** The drill's last run-log lines, oldest first, at most RUN_TAIL_LINES_MAX. */
  tail: TailLine[];
  /** Alarms the drill's run has raised so far. */
  alarms: number;
}

export interface GamedayState {
  started: boolean;
  /** The root seed, or null when each scenario runs with its own seed. */
  seed: number | null;
  /** The job drilled, or null for the shipped example. */
  job: string | null;
  drills: DrillRowState[];
  /** The game day's results once it has finished. */
  results: DrillResult[] | null;
}

export const initialGamedayState: GamedayState = {
  started: false,
  seed: null,
  job: null,
  drills: [],
  results: null,
};

function pendingRow(
  scenario: string,
  title = scenario,
  failureMode = '-',
  expectedControl = '-',
): DrillRowState {
  return {
    scenario,
    title,
    failureMode,
    expectedControl,
    status: 'pending',
    result: null,
    tail: [],
    alarms: 0,
  };
}

function finishedRow(row: DrillRowState, result: DrillResult): DrillRowState {
  return {
    ...row,
    failureMode: result.failure_mode,
    expectedControl: result.expected_control,
    status: result.verdict,
    result,
  };
}

/** Applies `change` to the scenario's row, adding the row first if the start event did not list it. */
function updateRow(
  state: GamedayState,
  scenario: string,
  change: (row: DrillRowState) => DrillRowState,
): GamedayState {
  const known = state.drills.some((row) => row.scenario === scenario);
  const drills = known ? state.drills : [...state.drills, pendingRow(scenario)];
  return { ...state, drills: drills.map((row) => (row.scenario === scenario ? change(row) : row)) };
}

function tailLine(entry: Extract<GamedayEvent, { type: 'run_entry' }>['entry']): TailLine {
  return { seq: entry.seq, step: entry.step, kind: entry.kind, alarm: entry.phase === 'alarm' };
}

/** The game day's state after one more event; pure, so the view's logic is testable without Ink. */
export function gamedayReducer(state: GamedayState, event: GamedayEvent): GamedayState {
  switch (event.type) {
    case 'gameday_started':
      return {
        started: true,
        seed: event.seed,
        job: event.job,
        drills: event.scenarios.map((s) =>
          pendingRow(s.scenario, s.title, s.failure_mode, s.expected_control),
        ),
        results: null,
      };
    case 'drill_started':
      return updateRow(state, event.scenario, (row) => ({ ...row, status: 'running', tail: [], alarms: 0 }));
    case 'run_entry':
      return updateRow(state, event.scenario, (row) => ({
        ...row,
        tail: [...row.tail, tailLine(event.entry)].slice(-RUN_TAIL_LINES_MAX),
        alarms: row.alarms + (event.entry.phase === 'alarm' ? 1 : 0),
      }));
    case 'drill_finished':
      return updateRow(state, event.scenario, (row) => finishedRow(row, event.result));
    case 'gameday_finished':
      // The results are the final word, even for a drill whose drill_finished this view missed.
      return event.results.reduce<GamedayState>(
        (s, result) => updateRow(s, result.scenario, (row) => finishedRow(row, result)),
        { ...state, started: true, results: event.results },
      );
  }
}
