import fc from 'fast-check';
import { type FaultEntry, faultMix } from './fault-mix.js';

/** Everything one simulated run is made of: the seed, the data's size, the faults, the HTTP background. */
export interface RunCase {
  seed: number;
  rows: number;
  goldenRows: number;
  faults: FaultEntry[];
  httpRate: number;
}

/** A small run: 20–60 rows, a few golden rows, any mix of up to three fault families. */
export function runCase(faults: fc.Arbitrary<FaultEntry[]> = faultMix()): fc.Arbitrary<RunCase> {
  return fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    rows: fc.integer({ min: 20, max: 60 }),
    goldenRows: fc.integer({ min: 4, max: 12 }),
    faults,
    httpRate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
  });
}
