import { describe, it } from 'vitest';
import { canaryCase } from './arbitraries/canary-case.js';
import { canaryProperty } from './support/invariant-properties.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';

/*
 * Invariant 5 (DESIGN): a poisoned job halts after the canary, before any main batch; a clean job
 * is not halted. Over seeds, sizes, golden sets and the three ways a template is poisoned (the
 * property is canaryProperty in test/support/invariant-properties.ts; the job's own canary).
 */

const FILE = 'test/canary.property.test.ts';

describe('the canary', () => {
  it(
    'halts every poisoned job after the canary, and no clean one',
    async () => {
      await checkProperty('invariant 5', FILE, canaryProperty(canaryCase()), 30);
    },
    propertyTimeout(600_000),
  );
});
