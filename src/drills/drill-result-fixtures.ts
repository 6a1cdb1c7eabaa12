import type { DrillResult } from './drill-result.js';

// Verdicts for the matrix, JUnit and JSON tests: one of each kind, as judgeDrill and
// notApplicableResult write them, so each test shows only what it is about.

/** A drill that passed: its control caught the fault and the invariants held. */
export function passed(scenario = 'silent-partial-drop', overrides: Partial<DrillResult> = {}): DrillResult {
  return {
    scenario,
    title: `Title of ${scenario}`,
    failure_mode: 'silent_partial_drop',
    expected_control: 'reconcile, requeue',
    seed: 7,
    fault_fired: true,
    evidence: { dropped: 12 },
    caught: true,
    caught_by: ['reconcile', 'requeue'],
    invariants_held: true,
    verdict: 'pass',
    reasons: ['fault fired: 12 dropped', 'caught by reconcile, requeue', 'held: coverage'],
    gaps: [],
    job: null,
    replay: `npx batchguard drill scenarios/${scenario}.yaml --seed 7`,
    run_status: 'promoted',
    ...overrides,
  };
}

/** A poisoned template that got past a job whose canary is off. */
export function failed(scenario = 'poisoned-template', overrides: Partial<DrillResult> = {}): DrillResult {
  return passed(scenario, {
    failure_mode: 'poisoned_template',
    expected_control: 'canary',
    evidence: { poisoned: 1000 },
    caught: false,
    caught_by: [],
    invariants_held: false,
    verdict: 'fail',
    reasons: [
      'canary did not catch it: its event is not in the run log',
      'the run ended promoted, not halted',
      'fault fired: 1000 poisoned',
    ],
    gaps: ['canary.enabled is false, so no slice was graded before the rest ran: set it to true'],
    job: 'jobs/tickets.yaml',
    run_status: 'promoted',
    ...overrides,
  });
}

/** A wrong-column template drilled on a job whose template has one column. */
export function notApplicable(scenario = 'poisoned-template-wrong-column'): DrillResult {
  const reason = 'the template uses one column ({{text}}), so no other column can be put in its place';
  return passed(scenario, {
    failure_mode: 'poisoned_template',
    expected_control: 'canary',
    fault_fired: false,
    evidence: {},
    caught: false,
    caught_by: [],
    verdict: 'not_applicable',
    reasons: [`not applicable: ${reason}`],
    gaps: [reason],
    job: 'jobs/tickets.yaml',
    run_status: 'not_run',
  });
}

/** A game day's verdict on `scenario`, plainly: what a store, a report or a chart of game days reads. */
export function verdictOf(scenario: string, verdict: DrillResult['verdict']): DrillResult {
  return {
    scenario,
    title: scenario,
    failure_mode: 'none',
    expected_control: 'none',
    seed: 1,
    fault_fired: true,
    evidence: {},
    caught: verdict === 'pass',
    caught_by: [],
    invariants_held: verdict !== 'fail',
    verdict,
    reasons: [],
    gaps: [],
    job: null,
    replay: `npx batchguard drill scenarios/${scenario}.yaml --seed 1`,
    run_status: 'promoted',
  };
}
