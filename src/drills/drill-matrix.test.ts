import { describe, expect, it } from 'vitest';
import { catchers, drillMatrix, MATRIX_COLUMNS_MAX } from './drill-matrix.js';
import { failed, notApplicable, passed } from './drill-result-fixtures.js';

/** The matrix line that starts with `scenario`. */
const row = (lines: string[], scenario: string) => lines.find((l) => l.startsWith(`${scenario} `)) ?? '';

describe('drillMatrix', () => {
  it('gives each drill a row: failure mode, expected control, the controls that caught it, verdict', () => {
    const lines = drillMatrix([passed(), failed(), notApplicable()]);
    expect(lines[0]).toMatch(/^scenario +failure mode +expected control +caught by +verdict$/);
    expect(row(lines, 'silent-partial-drop')).toMatch(
      /^silent-partial-drop +silent_partial_drop +reconcile, requeue +reconcile, requeue +PASS$/,
    );
    expect(row(lines, 'poisoned-template')).toMatch(
      /^poisoned-template +poisoned_template +canary +none +FAIL$/,
    );
    expect(row(lines, 'poisoned-template-wrong-column')).toMatch(
      /^poisoned-template-wrong-column +poisoned_template +canary +- +N\/A$/,
    );
  });

  it('shows the expected controls that caught it, else whichever others did, and - where there was nothing to catch', () => {
    const gateToo = passed('s', { expected_control: 'canary', caught_by: ['canary', 'output_gate'] });
    expect(catchers(gateToo)).toEqual(['canary']);
    const other = failed('s', { caught_by: ['output_gate', 'golden_drift'] });
    expect(catchers(other)).toEqual(['output_gate', 'golden_drift']);
    expect(catchers(failed())).toEqual(['none']);
    expect(catchers(passed('baseline', { failure_mode: 'none', caught_by: ['output_gate'] }))).toEqual(['-']);
    expect(catchers(notApplicable())).toEqual(['-']);
  });

  it('has no findings when every drill passed', () => {
    const lines = drillMatrix([passed('a'), passed('b')]);
    expect(lines).toHaveLength(4);
    expect(lines).not.toContain('findings:');
  });

  it('lists in its findings that nothing caught a failed drill, the gaps, and why a drill did not apply', () => {
    const lines = drillMatrix([passed(), failed(), notApplicable()]);
    const findings = lines.slice(lines.indexOf('findings:'));
    expect(findings).toEqual([
      'findings:',
      '  poisoned-template (poisoned_template): FAIL',
      '    none caught it (expected canary)',
      '    gap: canary.enabled is false, so no slice was graded before the rest ran: set it to true',
      '  poisoned-template-wrong-column (poisoned_template): N/A',
      '    not applicable: the template uses one column ({{text}}), so no other column can be put in its',
      '      place',
    ]);
  });

  it('names the control that did catch a fault the expected one missed, and the failures when no setting is to blame', () => {
    const other = failed('expiry', {
      failure_mode: 'expiry',
      expected_control: 'requeue',
      caught_by: ['reconcile'],
      reasons: ['requeue did not catch it: its event is not in the run log', 'fault fired: 40 expired'],
      gaps: [],
    });
    const lines = drillMatrix([other]);
    expect(row(lines, 'expiry')).toMatch(/^expiry +expiry +requeue +reconcile +FAIL$/);
    expect(lines.slice(lines.indexOf('findings:') + 1)).toEqual([
      '  expiry (expiry): FAIL',
      '    caught by reconcile (expected requeue)',
      '    requeue did not catch it: its event is not in the run log',
    ]);
  });

  it('wraps long lists of modes and controls so that no line is wider than 100 columns', () => {
    const mixed = failed('poisoned-template-wrong-column', {
      failure_mode: 'silent_partial_drop+schema_drift+stale_mapping+prompt_injection',
      expected_control: 'reconcile, output_gate, mapping, on_task_check',
      caught_by: ['reconcile', 'requeue', 'output_gate', 'mapping'],
      gaps: [
        'the job has no quote_fields, so an obeyed injection that answers a valid value cannot be told from a real answer: list the answer fields that quote the row',
      ],
    });
    const lines = drillMatrix([passed(), mixed]);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(MATRIX_COLUMNS_MAX);
    const start = lines.findIndex((l) => l.startsWith('poisoned-template-wrong-column '));
    const block = lines.slice(start, start + 4).join('\n');
    for (const word of [
      'silent_partial_drop+',
      'prompt_injection',
      'on_task_check',
      'output_gate,',
      'mapping',
      'FAIL',
    ])
      expect(block).toContain(word);
    expect(lines[start + 4]).toBe('');
    expect(lines.join('\n')).toContain('gap: the job has no quote_fields');
  });
});
