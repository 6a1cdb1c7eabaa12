import fc from 'fast-check';
import type { RunCase } from './run-case.js';

/** Golden rows from which a drift of `LARGE_DRIFT_RATE` or more is too large for chance to hide. */
export const LARGE_DRIFT_GOLDEN_MIN = 20;
/** A drift rate that leaves most golden answers wrong. */
export const LARGE_DRIFT_RATE = 0.8;

/**
 * A run whose model gives a share `rate` of its answers another allowed label (schema_drift's
 * `wrong_value`: valid, and wrong), maybe only in some batches, against a golden baseline that is
 * either the score of a clean first run of the same job (`'first_run'`) or written in the job.
 */
export interface DriftCase extends RunCase {
  rate: number;
  /** Creation-order indexes of the batches hit (the first is the main round's), or every batch. */
  batches: number[] | null;
  baseline: 'first_run' | number;
}

/**
 * Drift rates around the golden alarm: none, the range where the allowance decides (3 points,
 * or the golden set's own noise, two standard errors of the drop: tens of points for 10–30 rows),
 * and large drops.
 */
const AROUND_THE_ALARM = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.double({ min: 0.05, max: 0.45, noNaN: true }) },
  { weight: 1, arbitrary: fc.double({ min: LARGE_DRIFT_RATE, max: 0.95, noNaN: true }) },
);

export interface DriftCaseOptions {
  rate?: fc.Arbitrary<number>;
  goldenRows?: { min: number; max: number };
  /** Whether only some batches may drift (default: sometimes). */
  someBatches?: boolean;
}

export function driftCase(options: DriftCaseOptions = {}): fc.Arbitrary<DriftCase> {
  const someBatches = fc.uniqueArray(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 2 });
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      rows: fc.integer({ min: 8, max: 16 }),
      goldenRows: fc.integer(options.goldenRows ?? { min: 10, max: 30 }),
      rate: options.rate ?? AROUND_THE_ALARM,
      batches: options.someBatches === false ? fc.constant(null) : fc.option(someBatches, { nil: null }),
      baseline: fc.oneof(fc.constant('first_run' as const), fc.double({ min: 0.6, max: 1, noNaN: true })),
    })
    .map((c) => ({
      ...c,
      httpRate: 0,
      faults:
        c.rate === 0
          ? []
          : [
              {
                name: 'schema_drift' as const,
                params: {
                  rate: c.rate,
                  variants: ['wrong_value'],
                  ...(c.batches === null ? {} : { batches: c.batches }),
                },
              },
            ],
    }));
}
