import type { DrillResult, GamedayEvent } from '../drills/drill-result.js';
import { alarmSentence, detailText } from '../pipeline/alerts/alarm-text.js';

/** How many run-log lines the view keeps for each drill: enough to follow, few enough to fit. */
export const RUN_TAIL_LINES_MAX = 4;

/** How many of a drill's alarms the detail view can show, the latest. */
export const ALARM_LINES_MAX = 3;

export type DrillStatus = 'pending' | 'running' | 'pass' | 'fail' | 'not_applicable';

/** One run-log entry, reduced to what a terminal line shows. */
export interface TailLine {
  seq: number;
  step: string;
  kind: string;
  alarm: boolean;
  /** An alarm's sentence, or another entry's detail as `key=value` text, for the detail view (cut to the screen's width there). */
  detail: string;
}

export interface DrillRowState {
  scenario: string;
  title: string;
  failureMode: string;
  /** The control(s) the scenario expects to catch its fault, known from the start. */
  expectedControl: string;
  status: DrillStatus;
  /** Set once the drill has finished; null again while it runs once more. */
  result: DrillResult | null;
  /** The drill's last run-log lines, oldest first, at most RUN_TAIL_LINES_MAX; kept after it ends. */
  tail: TailLine[];
  /** Alarms the drill's run has raised so far. */
  alarms: number;
  /** Its latest alarms, oldest first, at most ALARM_LINES_MAX. */
  alarmLines: TailLine[];
  /** When the view saw it start, in ms of the session's clock; null until it starts. */
  startedAt: number | null;
  /** How long it took, by the game day's clock, once it has finished. */
  elapsedMs: number | null;
  /** How many times it was run again after it first finished (r), in this session. */
  reruns: number;
}

export interface GamedayState {
  started: boolean;
  /** The root seed, or null when each scenario runs with its own seed. */
  seed: number | null;
  /** The job drilled, or null for the shipped example. */
  job: string | null;
  drills: DrillRowState[];
  /** The game day's results once it has finished (a re-run's verdict replaces its drill's). */
  results: DrillResult[] | null;
  /** When the view saw the game day start, in ms of the session's clock. */
  startedAt: number | null;
  /** The game day's total time once it has finished. */
  elapsedMs: number | null;
}

export const initialGamedayState: GamedayState = {
  started: false,
  seed: null,
  job: null,
  drills: [],
  results: null,
  startedAt: null,
  elapsedMs: null,
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
    alarmLines: [],
    startedAt: null,
    elapsedMs: null,
    reruns: 0,
  };
}

function finishedRow(row: DrillRowState, result: DrillResult, elapsedMs: number | null): DrillRowState {
  return {
    ...row,
    failureMode: result.failure_mode,
    expectedControl: result.expected_control,
    status: result.verdict,
    result,
    elapsedMs: elapsedMs ?? row.elapsedMs,
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
  return {
    seq: entry.seq,
    step: entry.step,
    kind: entry.kind,
    alarm: entry.phase === 'alarm',
    detail: entry.phase === 'alarm' ? alarmSentence(entry) : detailText(entry.detail),
  };
}

/**
 * The game day's state after one more event; pure, so the view's logic is testable without Ink.
 * `at` is when the view received the event, in ms of the session's clock: a drill's live elapsed
 * time counts from it (events carry only finished durations).
 */
export function gamedayReducer(state: GamedayState, event: GamedayEvent, at = 0): GamedayState {
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
        startedAt: at,
        elapsedMs: null,
      };
    case 'drill_started':
      return updateRow(state, event.scenario, (row) => ({
        ...row,
        status: 'running',
        result: null,
        tail: [],
        alarms: 0,
        alarmLines: [],
        startedAt: at,
        elapsedMs: null,
        // Started once it had finished, or once the game day had: a re-run (the channel replays
        // only a drill's latest event, so a count of starts would miss the first).
        reruns: row.reruns + (row.result !== null || state.results !== null ? 1 : 0),
      }));
    case 'run_entry': {
      const line = tailLine(event.entry);
      return updateRow(state, event.scenario, (row) => ({
        ...row,
        tail: [...row.tail, line].slice(-RUN_TAIL_LINES_MAX),
        alarms: row.alarms + (line.alarm ? 1 : 0),
        alarmLines: line.alarm ? [...row.alarmLines, line].slice(-ALARM_LINES_MAX) : row.alarmLines,
      }));
    }
    case 'drill_finished': {
      const next = updateRow(state, event.scenario, (row) => finishedRow(row, event.result, event.elapsedMs));
      // A re-run after the game day ended: its verdict is now the one the screen stands by.
      const results = state.results?.map((r) => (r.scenario === event.scenario ? event.result : r)) ?? null;
      return { ...next, results };
    }
    case 'gameday_finished':
      // The results are the final word, even for a drill whose drill_finished this view missed.
      return event.results.reduce<GamedayState>(
        (s, result) => updateRow(s, result.scenario, (row) => finishedRow(row, result, null)),
        { ...state, started: true, results: event.results, elapsedMs: event.elapsedMs },
      );
  }
}

/** The drill running now, if any. */
export function runningDrill(state: GamedayState): DrillRowState | undefined {
  return state.drills.find((row) => row.status === 'running');
}
