import fc from 'fast-check';
import type { RunCase } from './run-case.js';

/** A canary case: a run, and whether its template is poisoned. */
export type CanaryCase = RunCase & { poisoned: boolean };

/**
 * A run of the example job with a realistic canary (the job's own: 2 %, at least 20 rows) and a
 * golden set of a dozen rows or more, either clean or with its template poisoned one of three ways.
 */
export function canaryCase(): fc.Arbitrary<CanaryCase> {
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      rows: fc.integer({ min: 40, max: 100 }),
      goldenRows: fc.integer({ min: 12, max: 40 }),
      poison: fc.option(fc.constantFrom('stray_instruction', 'wrong_column', 'broken_delimiter'), {
        nil: null,
      }),
    })
    .map(({ poison, ...c }) => ({
      ...c,
      httpRate: 0,
      poisoned: poison !== null,
      faults: poison === null ? [] : [{ name: 'poisoned_template' as const, params: { variant: poison } }],
    }));
}
