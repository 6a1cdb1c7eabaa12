import type { DrillResult, GamedayEvent } from '../drills/drill-result.js';
import { passed } from '../drills/drill-result-fixtures.js';
import type { LogEntry, LogPhase } from '../pipeline/run/run-log.js';

// Sample events for the UI's tests, kept apart so each test shows only the fields it is about.

/** A drill's verdict: a passing one unless `overrides` say otherwise. */
export function sampleResult(scenario: string, overrides: Partial<DrillResult> = {}): DrillResult {
  return passed(scenario, {
    expected_control: 'reconciliation',
    seed: 42,
    evidence: { dropped: 3 },
    caught_by: ['reconcile'],
    reasons: [],
    replay: `npx batchguard drill scenarios/${scenario}.yaml --seed 42`,
    run_status: 'held',
    ...overrides,
  });
}

/** A run_entry event carrying one run-log entry. */
export function runEntry(
  scenario: string,
  seq: number,
  step: string,
  kind: string,
  phase: LogPhase = 'event',
): Extract<GamedayEvent, { type: 'run_entry' }> {
  const entry: LogEntry = { seq, at: '2026-01-01T00:00:00.000Z', step, phase, kind, detail: {} };
  return { type: 'run_entry', scenario, entry };
}

/** A game day of the given scenarios starting, with `seed` as its root seed. */
export function gamedayStarted(
  seed: number | null,
  scenarios: [scenario: string, failureMode: string][],
  job: string | null = null,
): Extract<GamedayEvent, { type: 'gameday_started' }> {
  return {
    type: 'gameday_started',
    seed,
    job,
    scenarios: scenarios.map(([scenario, failure_mode]) => ({
      scenario,
      title: `Title of ${scenario}`,
      failure_mode,
      expected_control: failure_mode === 'none' ? 'none' : 'reconcile',
    })),
  };
}
