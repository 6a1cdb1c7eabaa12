import { controlGaps } from './control-gaps.js';
import { CONTROLS, type ControlName } from './controls.js';
import type { DrillFacts } from './drill-facts.js';
import type { DrillResult } from './drill-result.js';
import { HYPOTHESES } from './hypotheses.js';
import type { Scenario } from './scenario.js';

export interface JudgeOptions {
  /** The job file drilled, as the user typed it; null for the scenario's own (shipped) job. */
  job: string | null;
}

/**
 * Controls that catch a harm a fault may fire without doing: an injection the model never obeyed
 * (the fence held) leaves the on-task check nothing to quarantine. Such a control is excused,
 * with its reason, when the world's ground truth shows none of that harm.
 */
const IDLE: Partial<Record<ControlName, { harm: string; why: string }>> = {
  on_task_check: { harm: 'obeyed', why: 'no answer obeyed an injected instruction (the fence held)' },
};

function nothingToCatch(control: ControlName, facts: DrillFacts): boolean {
  const idle = IDLE[control];
  return idle !== undefined && !facts.truth.evidence.some((e) => e.kind === idle.harm);
}

/**
 * The verdict on a finished drill, in the order DESIGN gives: did the fault fire (its evidence in
 * the ground truth is above zero), did the expected control catch it (its event in the run log),
 * did the steady-state hypothesis hold. A clean baseline has nothing to fire or catch: it passes
 * when its hypothesis (no alarm, above all) holds.
 */
export async function judgeDrill(
  scenario: Scenario,
  seed: number,
  facts: DrillFacts,
  replay: string,
  /** Failures found outside the hypothesis (a runbook step that did not work). */
  problems: readonly string[] = [],
  options: JudgeOptions = { job: null },
): Promise<DrillResult> {
  const baseline = scenario.failureModes.length === 0;
  const byMode = scenario.failureModes.map((mode) => ({ mode, counts: evidenceCounts(facts, mode) }));
  const silent = byMode.filter((m) => Object.keys(m.counts).length === 0).map((m) => m.mode);
  const fired = !baseline && silent.length === 0;
  const evidence: Record<string, number> = {};
  for (const { mode, counts } of byMode)
    for (const [kind, n] of Object.entries(counts))
      evidence[byMode.length > 1 ? `${mode}:${kind}` : kind] = n;
  const controls = scenario.expect.controls.filter((c) => c !== 'none');
  const idle = controls.filter((c) => !CONTROLS[c].caught(facts.entries) && nothingToCatch(c, facts));
  const missed = controls.filter((c) => !CONTROLS[c].caught(facts.entries) && !idle.includes(c));
  const caught = !baseline && missed.length === 0;

  const failed: string[] = [...problems];
  const held: string[] = [];
  const statuses = scenario.expect.status;
  if (statuses !== null && !statuses.includes(facts.summary.status))
    failed.push(`the run ended ${facts.summary.status}, not ${statuses.join(' or ')}`);
  for (const { name, param } of scenario.expect.hypothesis) {
    const reasons = await HYPOTHESES[name]!.check(facts, param);
    const label = param === null ? name : `${name} ${param}`;
    if (reasons.length === 0) held.push(label);
    else failed.push(...reasons.map((reason) => `${label}: ${reason}`));
  }
  const invariantsHeld = failed.length === 0;

  const reasons: string[] = [];
  for (const mode of silent) reasons.push(`the fault did not fire: no evidence of ${mode}`);
  for (const control of missed) reasons.push(`${control} did not catch it: its event is not in the run log`);
  for (const control of idle) reasons.push(`${control} had nothing to catch: ${IDLE[control]!.why}`);
  reasons.push(...failed);
  if (fired) reasons.push(`fault fired: ${describe(evidence)}`);
  const acted = controls.filter((c) => !idle.includes(c));
  if (caught && acted.length > 0) reasons.push(`caught by ${acted.join(', ')}`);
  if (held.length > 0) reasons.push(`held: ${held.join(', ')}`);
  const verdict = (baseline || (fired && caught)) && invariantsHeld ? 'pass' : 'fail';

  return {
    ...named(scenario, seed),
    fault_fired: fired,
    evidence,
    caught,
    caught_by: caughtBy(facts.entries),
    invariants_held: invariantsHeld,
    verdict,
    reasons,
    gaps: verdict === 'fail' ? controlGaps(controls, facts.job, facts.entries, failed) : [],
    job: options.job,
    replay,
    run_status: facts.summary.status,
  };
}

/** What names a drill's verdict: its scenario, failure mode, expected control and seed. */
function named(scenario: Scenario, seed: number) {
  return {
    scenario: scenario.name,
    title: scenario.title,
    failure_mode: scenario.failureMode,
    expected_control: scenario.expect.controls.join(', '),
    seed,
  };
}

/**
 * The verdict on a drill whose fault cannot be injected into the job (a wrong-column template
 * needs a second column): nothing ran, so nothing fired, nothing was caught and nothing broke.
 */
export function notApplicableResult(
  scenario: Scenario,
  seed: number,
  reason: string,
  replay: string,
  job: string | null,
): DrillResult {
  return {
    ...named(scenario, seed),
    fault_fired: false,
    evidence: {},
    caught: false,
    caught_by: [],
    invariants_held: true,
    verdict: 'not_applicable',
    reasons: [`not applicable: ${reason}`],
    gaps: [reason],
    job,
    replay,
    run_status: 'not_run',
  };
}

/** Every control whose event is in the run log, in CONTROLS order (`none` catches nothing). */
export function caughtBy(entries: DrillFacts['entries']): string[] {
  return (Object.keys(CONTROLS) as ControlName[]).filter((c) => c !== 'none' && CONTROLS[c].caught(entries));
}

/** Evidence of the scenario's failure mode by kind (HTTP faults of the family by their name), sorted. */
function evidenceCounts(facts: DrillFacts, mode: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of facts.truth.evidence) if (e.fault === mode) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  for (const h of facts.truth.httpFaults) if (h.family === mode) counts[h.name] = (counts[h.name] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function describe(evidence: Record<string, number>): string {
  return Object.entries(evidence)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
}
