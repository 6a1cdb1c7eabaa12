import fc from 'fast-check';
import type { RunCase } from './run-case.js';

/** A run for the mapping invariant, and whether the gate's quote check is on (`quote_fields`). */
export interface MappingCase extends RunCase {
  quoteCheck: boolean;
}

export interface MappingCaseOptions {
  /**
   * Each of the duplicate and conflicting line rates (default 0.2–0.35). A case has 17 result
   * lines or more, so at 20 % it lacks a duplicate (or a conflict) about 2 times in 100, and
   * three cases that all lack one, which the mapping test refuses as proving nothing, come about
   * once in 40,000 runs. At the 5 % this once allowed, CI met it about once in 20.
   */
  duplicates?: { min: number; max: number };
  /** Source rows edited after a batch is created (default: none half the time, else up to 0.3). */
  edits?: fc.Arbitrary<number>;
  quoteCheck?: fc.Arbitrary<boolean>;
}

/**
 * A small run whose results come back shuffled (the world always shuffles them), with lines
 * duplicated, duplicated with another answer, and for ids never sent, and source rows edited or
 * reordered between submit and fetch: every way an answer could land on the wrong row.
 */
export function mappingCase(options: MappingCaseOptions = {}): fc.Arbitrary<MappingCase> {
  const duplicates = fc.double({ ...(options.duplicates ?? { min: 0.2, max: 0.35 }), noNaN: true });
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      rows: fc.integer({ min: 15, max: 30 }),
      goldenRows: fc.integer({ min: 2, max: 6 }),
      params: fc.record({
        duplicate_rate: duplicates,
        conflicting_rate: duplicates,
        unknown_rate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
        edit_rate: options.edits ?? fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
        reorder_source: fc.boolean(),
        edit_after_batch: fc.integer({ min: 0, max: 1 }),
      }),
      quoteCheck: options.quoteCheck ?? fc.boolean(),
    })
    .map(({ params, ...c }) => ({ ...c, httpRate: 0, faults: [{ name: 'stale_mapping' as const, params }] }));
}
