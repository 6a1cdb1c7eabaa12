import { type CaseRun, caseRun as soakCaseRun } from '../../src/drills/soak/case-run.js';
import type { RunCase } from '../arbitraries/run-case.js';

/*
 * One generated case, run through the real pipeline in the simulated world, with the drills'
 * passive checkers as the oracle. The machinery is the soak's (src/drills/soak/case-run.ts), so
 * the property tests and `batchguard soak` run a case the same way; fast-check only draws it.
 */

export { type CaseRun, priorSink, scenarioOf } from '../../src/drills/soak/case-run.js';

/**
 * Build a case's world, job and database (with the prior sink rows in place), ready to run;
 * `job` lays keys over the example job (default: a small canary).
 */
export function caseRun(c: RunCase, job?: Record<string, unknown>): Promise<CaseRun> {
  return soakCaseRun(c, { job });
}
