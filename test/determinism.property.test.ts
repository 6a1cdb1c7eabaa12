import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCase } from './arbitraries/run-case.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';
import { caseRun } from './support/property-run.js';

/*
 * Invariant 7 (DESIGN): the same seed and scenario give the same run log, byte for byte, whatever
 * the faults, the HTTP background and the virtual time they spend; and the same bill and sink.
 */

const FILE = 'test/determinism.property.test.ts';

async function once(c: Parameters<typeof caseRun>[0]) {
  const run = await caseRun(c);
  try {
    const summary = await run.run();
    return {
      log: JSON.stringify(run.entries),
      sink: await run.sink(),
      billing: run.world.sim.world.groundTruth().billing,
      evidence: run.world.sim.world.groundTruth().evidence,
      status: summary.status,
    };
  } finally {
    await run.dispose();
  }
}

describe('determinism', () => {
  it(
    'gives the same run log, bill, evidence and sink for the same seed and faults',
    async () => {
      await checkProperty(
        'invariant 7',
        FILE,
        fc.asyncProperty(runCase(), async (c) => {
          const [first, second] = [await once(c), await once(c)];
          expect(second.log).toBe(first.log);
          expect(second).toEqual(first);
        }),
        15,
      );
    },
    propertyTimeout(600_000),
  );
});
