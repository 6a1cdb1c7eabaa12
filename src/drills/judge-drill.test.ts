import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../pipeline/run/run-log.js';
import { caughtBy, notApplicableResult } from './judge-drill.js';
import { loadScenario } from './scenario.js';

const SCENARIO = fileURLToPath(
  new URL('../../scenarios/poisoned-template-wrong-column.yaml', import.meta.url),
);

const entry = (
  seq: number,
  phase: LogEntry['phase'],
  kind: string,
  detail: Record<string, unknown> = {},
) => ({
  seq,
  at: '2026-01-01T00:00:00.000Z',
  step: 'step',
  phase,
  kind,
  detail,
});

describe('notApplicableResult', () => {
  it('is a drill that never ran: nothing fired, nothing caught, nothing broken, the reason as its one gap', async () => {
    const scenario = await loadScenario(SCENARIO);
    const reason = 'the template uses one column ({{text}}), so no other column can be put in its place';
    const result = notApplicableResult(
      scenario,
      5,
      reason,
      'npx batchguard gameday --job jobs/t.yaml',
      'jobs/t.yaml',
    );
    expect(result).toMatchObject({
      scenario: 'poisoned-template-wrong-column',
      failure_mode: 'poisoned_template',
      expected_control: 'canary',
      seed: 5,
      fault_fired: false,
      evidence: {},
      caught: false,
      caught_by: [],
      invariants_held: true,
      verdict: 'not_applicable',
      reasons: [`not applicable: ${reason}`],
      gaps: [reason],
      job: 'jobs/t.yaml',
      replay: 'npx batchguard gameday --job jobs/t.yaml',
      run_status: 'not_run',
    });
  });
});

describe('caughtBy', () => {
  it('names every control whose event is in the log, expected or not, in the order controls are listed', () => {
    const entries = [
      entry(1, 'outcome', 'batch_gated', { outcomes: { valid: 90, 'invalid:schema': 3 } }),
      entry(2, 'alarm', 'missing_ids', { count: 4 }),
      entry(3, 'alarm', 'canary_halted'),
    ];
    expect(caughtBy(entries)).toEqual(['canary', 'reconcile', 'output_gate']);
  });

  it('names nothing for a quiet log', () => {
    expect(caughtBy([entry(1, 'outcome', 'batch_gated', { outcomes: { valid: 100 } })])).toEqual([]);
  });
});
