import { describe, expect, it } from 'vitest';
import type { GamedayEvent } from '../drills/drill-result.js';
import { gamedayStarted, runEntry, sampleResult } from './gameday-fixtures.js';
import {
  type GamedayState,
  gamedayReducer,
  initialGamedayState,
  RUN_TAIL_LINES_MAX,
} from './gameday-state.js';

function reduce(events: GamedayEvent[], from: GamedayState = initialGamedayState): GamedayState {
  return events.reduce((state, event) => gamedayReducer(state, event), from);
}

const started = gamedayStarted(8812731, [
  ['silent-partial-drop', 'silent_partial_drop'],
  ['cost-runaway', 'cost_runaway'],
]);

describe('gamedayReducer', () => {
  it('lists every scenario as pending when the game day starts, and keeps its seed', () => {
    const state = reduce([started]);
    expect(state.started).toBe(true);
    expect(state.seed).toBe(8812731);
    expect(state.drills.map((d) => [d.scenario, d.failureMode, d.status])).toEqual([
      ['silent-partial-drop', 'silent_partial_drop', 'pending'],
      ['cost-runaway', 'cost_runaway', 'pending'],
    ]);
  });

  it('marks only the started drill as running', () => {
    const state = reduce([started, { type: 'drill_started', scenario: 'cost-runaway', index: 1, total: 2 }]);
    expect(state.drills.map((d) => d.status)).toEqual(['pending', 'running']);
  });

  it(`keeps only a drill's last ${RUN_TAIL_LINES_MAX} run-log lines, but counts all its alarms`, () => {
    const state = reduce([
      started,
      { type: 'drill_started', scenario: 'cost-runaway', index: 1, total: 2 },
      runEntry('cost-runaway', 1, 'preflight', 'cost_ceiling_exceeded', 'alarm'),
      runEntry('cost-runaway', 2, 'submit', 'batch_created'),
      runEntry('cost-runaway', 3, 'poll', 'batch_in_progress'),
      runEntry('cost-runaway', 4, 'poll', 'batch_ended'),
      runEntry('cost-runaway', 5, 'collect', 'results_read'),
      runEntry('cost-runaway', 6, 'canary', 'canary_halted', 'alarm'),
    ]);
    const drill = state.drills[1]!;
    expect(drill.tail.map((l) => [l.seq, l.step, l.kind, l.alarm])).toEqual([
      [3, 'poll', 'batch_in_progress', false],
      [4, 'poll', 'batch_ended', false],
      [5, 'collect', 'results_read', false],
      [6, 'canary', 'canary_halted', true],
    ]);
    expect(drill.alarms).toBe(2);
    expect(state.drills[0]!.tail).toEqual([]);
  });

  it('starts a drill with an empty tail and no alarms even if entries came before it', () => {
    const state = reduce([
      started,
      runEntry('cost-runaway', 1, 'preflight', 'cost_ceiling_exceeded', 'alarm'),
      { type: 'drill_started', scenario: 'cost-runaway', index: 1, total: 2 },
    ]);
    expect(state.drills[1]).toMatchObject({ status: 'running', tail: [], alarms: 0 });
  });

  it('records the result and takes the verdict as the status when a drill finishes', () => {
    const failed = sampleResult('cost-runaway', {
      failure_mode: 'cost_runaway',
      verdict: 'fail',
      caught: false,
    });
    const state = reduce([
      started,
      { type: 'drill_started', scenario: 'cost-runaway', index: 1, total: 2 },
      { type: 'drill_finished', scenario: 'cost-runaway', result: failed, elapsedMs: 12 },
    ]);
    expect(state.drills[1]).toMatchObject({ status: 'fail', result: failed });
    expect(state.results).toBeNull();
  });

  it("takes the game day's results as final, even for a drill whose finish it never saw", () => {
    const results = [sampleResult('silent-partial-drop'), sampleResult('cost-runaway', { verdict: 'fail' })];
    const state = reduce([started, { type: 'gameday_finished', results, elapsedMs: 40 }]);
    expect(state.results).toBe(results);
    expect(state.drills.map((d) => d.status)).toEqual(['pass', 'fail']);
  });

  it('adds a row for a drill the start event did not list', () => {
    const state = reduce([started, { type: 'drill_started', scenario: 'expiry', index: 2, total: 3 }]);
    expect(state.drills.map((d) => [d.scenario, d.status])).toEqual([
      ['silent-partial-drop', 'pending'],
      ['cost-runaway', 'pending'],
      ['expiry', 'running'],
    ]);
  });

  it('leaves the state it was given untouched', () => {
    const before = reduce([started]);
    const snapshot = structuredClone(before);
    reduce([{ type: 'drill_started', scenario: 'cost-runaway', index: 1, total: 2 }], before);
    expect(before).toEqual(snapshot);
  });

  it("times a drill from when it started, by the stamp it was given, and keeps the game day's own time once done", () => {
    let state = gamedayReducer(initialGamedayState, started, 1000);
    state = gamedayReducer(
      state,
      { type: 'drill_started', scenario: 'cost-runaway', index: 1, total: 2 },
      1500,
    );
    expect(state).toMatchObject({ startedAt: 1000, elapsedMs: null });
    expect(state.drills[1]).toMatchObject({ startedAt: 1500, elapsedMs: null, reruns: 0 });
    state = gamedayReducer(
      state,
      {
        type: 'drill_finished',
        scenario: 'cost-runaway',
        result: sampleResult('cost-runaway'),
        elapsedMs: 2345,
      },
      3900,
    );
    expect(state.drills[1]).toMatchObject({ status: 'pass', elapsedMs: 2345 });
    state = gamedayReducer(state, { type: 'gameday_finished', results: [], elapsedMs: 9876 }, 4000);
    expect(state.elapsedMs).toBe(9876);
    expect(state.drills[1]!.elapsedMs).toBe(2345);
  });

  it("keeps a finished drill's last lines and latest alarms, for its detail", () => {
    const state = reduce([
      started,
      { type: 'drill_started', scenario: 'cost-runaway', index: 1, total: 2 },
      ...[1, 2, 3, 4].map((seq) => runEntry('cost-runaway', seq, 'preflight', `alarm_${seq}`, 'alarm')),
      runEntry('cost-runaway', 5, 'collect', 'results_read'),
      {
        type: 'drill_finished',
        scenario: 'cost-runaway',
        result: sampleResult('cost-runaway'),
        elapsedMs: 1,
      },
    ]);
    const drill = state.drills[1]!;
    expect(drill.tail.map((l) => l.kind)).toEqual(['alarm_2', 'alarm_3', 'alarm_4', 'results_read']);
    expect(drill.alarmLines.map((l) => l.kind)).toEqual(['alarm_2', 'alarm_3', 'alarm_4']);
    expect(drill.alarms).toBe(4);
  });

  it("shows a re-run after the game day as running again, then takes its verdict as the game day's", () => {
    const first = sampleResult('cost-runaway');
    const again = sampleResult('cost-runaway', { verdict: 'fail' });
    let state = reduce([
      started,
      { type: 'gameday_finished', results: [sampleResult('silent-partial-drop'), first], elapsedMs: 40 },
    ]);
    state = reduce([{ type: 'drill_started', scenario: 'cost-runaway', index: 0, total: 1 }], state);
    expect(state.drills[1]).toMatchObject({ status: 'running', result: null, reruns: 1 });
    state = reduce(
      [{ type: 'drill_finished', scenario: 'cost-runaway', result: again, elapsedMs: 7 }],
      state,
    );
    expect(state.drills[1]).toMatchObject({ status: 'fail', result: again, elapsedMs: 7 });
    expect(state.results?.map((r) => r.verdict)).toEqual(['pass', 'fail']);
  });
});
