import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS } from '../src/pipeline/run/run-context.js';
import { faultMix } from './arbitraries/fault-mix.js';
import { type RunCase, runCase } from './arbitraries/run-case.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';
import { type CaseRun, caseRun } from './support/property-run.js';

/*
 * Invariant 8 (DESIGN): a crash at any step, followed by resume, ends in the same records and
 * dispositions as a run without the crash, with no extra billing. A crash drops every bit of
 * process state but the DuckDB file. The faults here are those whose effect is a function of the
 * requests alone (timing-driven ones, like the HTTP background and expiry, would be moved by the
 * extra calls a resume makes, so "the same records" would not be the promise).
 */

const FILE = 'test/crash-safety.property.test.ts';

interface Outcome {
  status: string;
  sink: unknown[];
  dispositions: unknown[];
  billedUsd: number;
}

async function outcome(
  c: RunCase,
  crashAt?: { point: string; nth: number },
): Promise<Outcome & { crashed: boolean }> {
  const run: CaseRun = await caseRun(c);
  try {
    const summary = await run.run(crashAt);
    return {
      status: summary.status,
      crashed: run.crashed(),
      sink: await run.sink(),
      dispositions: await run.db.all(
        'SELECT row_key, disposition, reason, custom_id, output_json FROM dispositions ORDER BY row_key',
      ),
      billedUsd: run.world.sim.world.groundTruth().billing.reduce((sum, b) => sum + b.costUsd, 0),
    };
  } finally {
    await run.dispose();
  }
}

function expectSameEnd(crashed: Outcome, clean: Outcome): void {
  expect(crashed.status).toBe(clean.status);
  expect(crashed.sink).toEqual(clean.sink);
  expect(crashed.dispositions).toEqual(clean.dispositions);
  expect(crashed.billedUsd).toBeLessThanOrEqual(clean.billedUsd + 1e-9);
}

const steadyFaults = faultMix(2, [
  'silent_partial_drop',
  'schema_drift',
  'stale_mapping',
  'prompt_injection',
]).map((mix) =>
  mix.map((f) =>
    f.name === 'silent_partial_drop' ? { ...f, params: { ...f.params, cut_rate: 0, expired_rate: 0 } } : f,
  ),
);

describe('crash safety', () => {
  it(
    'resumes from a crash at any step, at any occurrence, to the same end',
    async () => {
      await checkProperty(
        'invariant 8',
        FILE,
        fc.asyncProperty(
          runCase(steadyFaults).map((c) => ({ ...c, httpRate: 0 })),
          fc.constantFrom(...CRASH_POINTS),
          fc.integer({ min: 1, max: 3 }),
          async (c, point, nth) => {
            const clean = await outcome(c);
            const crashed = await outcome(c, { point, nth });
            expectSameEnd(crashed, clean);
          },
        ),
        20,
      );
    },
    propertyTimeout(600_000),
  );

  describe('at every persisted step in turn', () => {
    // Injections make the run escalate, so every step (canary, main, escalation rounds) is reached.
    const c: RunCase = {
      seed: 11,
      rows: 40,
      goldenRows: 8,
      faults: [
        { name: 'prompt_injection', params: { injection_rate: 0.3 } },
        { name: 'silent_partial_drop', params: { missing_rate: 0.05 } },
      ],
      httpRate: 0,
    };
    let clean: Outcome;
    beforeAll(async () => {
      clean = await outcome(c);
      expect(clean.status).toBe('promoted');
    }, 60_000);

    it.each(CRASH_POINTS.map((point) => [point]))(
      'crashes at %s, resumes, and ends as the run without it',
      async (point) => {
        const crashed = await outcome(c, { point, nth: 1 });
        expect(crashed.crashed).toBe(true); // the crash really happened
        expectSameEnd(crashed, clean);
      },
    );
  });
});
