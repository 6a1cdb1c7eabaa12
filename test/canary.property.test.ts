import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canaryCase } from './arbitraries/canary-case.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';
import { caseRun } from './support/property-run.js';

/*
 * Invariant 5 (DESIGN): a poisoned job halts after the canary, before any main batch; a clean job
 * is not halted. Over seeds, sizes, golden sets and the three ways a template is poisoned.
 */

const FILE = 'test/canary.property.test.ts';

describe('the canary', () => {
  it(
    'halts every poisoned job after the canary, and no clean one',
    async () => {
      await checkProperty(
        'invariant 5',
        FILE,
        fc.asyncProperty(canaryCase(), async (c) => {
          const run = await caseRun(c, {});
          try {
            const summary = await run.run();
            const phases = await run.db.all<{ phase: string }>('SELECT DISTINCT phase FROM submissions');
            if (c.poisoned) {
              expect(summary.status).toBe('halted');
              expect(phases.map((p) => p.phase)).toEqual(['canary']);
              expect(await run.check(summary, 'nothing_promoted')).toEqual([]);
            } else {
              expect(summary.canary?.reasons).toEqual([]);
              expect(summary.status).not.toBe('halted');
            }
          } finally {
            await run.dispose();
          }
        }),
        30,
      );
    },
    propertyTimeout(600_000),
  );
});
