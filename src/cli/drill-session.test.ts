import { describe, expect, it } from 'vitest';
import { failed, notApplicable, passed } from '../drills/drill-result-fixtures.js';
import { jsonOf, sessionExitCode, tally } from './drill-session.js';

describe('the game day summary line', () => {
  it('says how many drills passed out of how many', () => {
    expect(tally([passed('a'), passed('b'), failed()])).toBe('2 of 3 drills passed');
  });

  it('says how many failed and how many did not apply when some did not apply', () => {
    expect(tally([passed('a'), passed('b'), failed(), notApplicable()])).toBe(
      '2 of 4 drills passed, 1 failed, 1 not applicable',
    );
  });
});

describe('--json for one drill', () => {
  it('prints the verdict, what caught it, its gaps and the job drilled, in a fixed order', () => {
    expect(Object.keys(jsonOf(failed()))).toEqual([
      'scenario',
      'title',
      'job',
      'failure_mode',
      'expected_control',
      'seed',
      'fault_fired',
      'evidence',
      'caught',
      'caught_by',
      'invariants_held',
      'verdict',
      'gaps',
      'run_status',
      'reasons',
      'replay',
    ]);
    expect(jsonOf(notApplicable())).toMatchObject({
      job: 'jobs/tickets.yaml',
      verdict: 'not_applicable',
      caught_by: [],
      gaps: [notApplicable().gaps[0]],
      run_status: 'not_run',
    });
  });
});

describe('the exit code', () => {
  it('is 1 when a drill failed, and 0 when the rest passed or did not apply', () => {
    expect(sessionExitCode([passed(), notApplicable()])).toBe(0);
    expect(sessionExitCode([passed(), failed(), notApplicable()])).toBe(1);
    expect(sessionExitCode([passed()])).toBe(0);
  });
});
