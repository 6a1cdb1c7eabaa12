import fc from 'fast-check';
import type { FaultFamilyName } from '../../src/sim/faults/fault-catalog.js';

/** One fault family with parameters its schema accepts. */
export type FaultEntry = { name: FaultFamilyName; params: Record<string, unknown> };

const rate = (max: number) => fc.double({ min: 0, max, noNaN: true });
const positiveRate = (min: number, max: number) => fc.double({ min, max, noNaN: true });

/** Each family's parameters, over the ranges a run can meet (never so high that nothing gets through). */
const FAMILIES: Record<FaultFamilyName, fc.Arbitrary<Record<string, unknown>>> = {
  silent_partial_drop: fc
    .record({
      missing_rate: rate(0.2),
      errored_rate: rate(0.2),
      fatal_share: rate(1),
      expired_rate: rate(0.05),
      cut_rate: rate(0.5),
    })
    .map((p) => ({ ...p, missing_rate: p.missing_rate + 0.001 })),
  schema_drift: fc.record({ rate: positiveRate(0.01, 0.3) }),
  stale_mapping: fc
    .record({
      duplicate_rate: rate(0.1),
      conflicting_rate: rate(0.1),
      unknown_rate: rate(0.05),
      edit_rate: rate(0.1),
      reorder_source: fc.boolean(),
      edit_after_batch: fc.integer({ min: 0, max: 2 }),
    })
    .map((p) => ({ ...p, duplicate_rate: p.duplicate_rate + 0.001 })),
  prompt_injection: fc.record({ injection_rate: positiveRate(0.01, 0.3) }),
  expiry: fc.oneof(
    fc.record({
      variant: fc.constant('slow_queue'),
      batches: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }),
      tail_share: positiveRate(0.05, 1),
    }),
    fc.record({
      variant: fc.constant('cancel'),
      batches: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }),
      cancel_after_minutes: positiveRate(0.5, 5),
    }),
    fc.record({ variant: fc.constant('archive') }),
  ),
  cost_runaway: fc.oneof(
    fc.record({ variant: fc.constant('lost_create_response'), creates: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ variant: fc.constant('crash_after_create') }),
    fc.record({ variant: fc.constant('oversized_row'), chars: fc.integer({ min: 1_000, max: 200_000 }) }),
    fc.record({
      variant: fc.constant('unbounded_max_tokens'),
      max_tokens: fc.integer({ min: 1_000, max: 64_000 }),
    }),
  ),
  poisoned_template: fc.record({
    variant: fc.constantFrom('stray_instruction', 'wrong_column', 'broken_delimiter'),
  }),
};

/**
 * A mix of up to `most` distinct fault families with their parameters, from those `allowed`
 * (all seven by default); it may be empty, a run with no fault at all.
 */
export function faultMix(
  most = 3,
  allowed: readonly FaultFamilyName[] = Object.keys(FAMILIES) as FaultFamilyName[],
): fc.Arbitrary<FaultEntry[]> {
  return fc
    .uniqueArray(fc.constantFrom(...allowed), { maxLength: most })
    .chain((names) =>
      names.length === 0
        ? fc.constant([])
        : fc.tuple(...names.map((name) => FAMILIES[name].map((params) => ({ name, params })))),
    );
}
