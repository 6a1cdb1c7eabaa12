import type { Clock } from '../core/clock.js';
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
  detail: Record<string, unknown> = {},
): Extract<GamedayEvent, { type: 'run_entry' }> {
  const entry: LogEntry = { seq, at: '2026-01-01T00:00:00.000Z', step, phase, kind, detail };
  return { type: 'run_entry', scenario, entry };
}

/** A game day of the given scenarios starting, with `seed` as its root seed. */
export function gamedayStarted(
  seed: number | null,
  scenarios: [scenario: string, failureMode: string, expectedControl?: string][],
  job: string | null = null,
): Extract<GamedayEvent, { type: 'gameday_started' }> {
  return {
    type: 'gameday_started',
    seed,
    job,
    scenarios: scenarios.map(([scenario, failure_mode, control]) => ({
      scenario,
      title: `Title of ${scenario}`,
      failure_mode,
      expected_control: control ?? (failure_mode === 'none' ? 'none' : 'reconcile'),
    })),
  };
}

/** The shipped scenarios' names, failure modes and controls: the widest entries a list must fit. */
export const SHIPPED_SCENARIOS: [scenario: string, failureMode: string, expectedControl: string][] = [
  ['baseline', 'none', 'none'],
  ['cost-runaway-crash', 'cost_runaway', 'submission_ledger'],
  ['cost-runaway-max-tokens', 'cost_runaway', 'preflight_ceiling'],
  ['cost-runaway-resubmission', 'cost_runaway', 'submission_ledger'],
  ['cost-runaway', 'cost_runaway', 'preflight_ceiling'],
  ['expiry-archive', 'expiry', 'reconcile, requeue'],
  ['expiry-cancel', 'expiry', 'requeue'],
  ['expiry', 'expiry', 'requeue'],
  ['golden-drift', 'schema_drift', 'golden_drift'],
  [
    'mixed',
    'silent_partial_drop+schema_drift+stale_mapping+prompt_injection',
    'reconcile, output_gate, mapping, on_task_check',
  ],
  ['poisoned-template-wrong-column', 'poisoned_template', 'canary'],
  ['poisoned-template', 'poisoned_template', 'canary'],
  ['prompt-injection', 'prompt_injection', 'on_task_check'],
  ['runbook-slice', 'schema_drift', 'runbook'],
  ['runbook', 'poisoned_template', 'runbook'],
  ['schema-drift', 'schema_drift', 'output_gate'],
  ['silent-partial-drop', 'silent_partial_drop', 'reconcile'],
  ['spend-guard', 'silent_partial_drop', 'spend_guard'],
  ['stale-mapping', 'stale_mapping', 'mapping'],
];

/** A Clock that moves only when a test says so; its sleepers wake as it passes their time. */
export function manualClock(startMs = 1_000_000): Clock & { advance(ms: number): void } {
  let now = startMs;
  let sleepers: { until: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms) => new Promise((wake) => sleepers.push({ until: now + ms, wake })),
    advance(ms) {
      now += ms;
      const due = sleepers.filter((s) => s.until <= now);
      sleepers = sleepers.filter((s) => s.until > now);
      for (const s of due) s.wake();
    },
  };
}
