import fc from 'fast-check';
import type { FaultEntry } from './fault-mix.js';
import type { RunCase } from './run-case.js';

/**
 * A run for the spend invariant: the job's own bounds (attempts, escalation) and a cost ceiling
 * given as a multiple of the run's preflight worst case, so it can sit just below it (the launch
 * must be refused), just above it (the spend guard between rounds has to stop what the preflight
 * could not foresee) or well above it (the attempts bound has to).
 */
export interface SpendCase extends RunCase {
  attempts: number;
  escalation: boolean;
  /** The ceiling over the preflight's worst case: below 1 refuses the launch. */
  ceilingFactor: number;
}

/**
 * Vanishing result lines: the rows were billed and come back missing, so every round requeues
 * them (a requeue storm), billing them again. Errored and expired rows and cut downloads on top.
 */
export const vanishingLines = (missing: { min: number; max: number }): fc.Arbitrary<FaultEntry> =>
  fc
    .record({
      missing_rate: fc.double({ ...missing, noNaN: true }),
      errored_rate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
      fatal_share: fc.double({ min: 0, max: 1, noNaN: true }),
      expired_rate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.05, noNaN: true })),
      cut_rate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
    })
    .map((params) => ({ name: 'silent_partial_drop' as const, params }));

/** A create whose outcome the pipeline cannot know: the ledger must adopt, never bill twice. */
const ambiguousCreate: fc.Arbitrary<FaultEntry> = fc
  .oneof(
    fc.record({ variant: fc.constant('lost_create_response'), creates: fc.integer({ min: 1, max: 2 }) }),
    fc.record({ variant: fc.constant('crash_after_create') }),
  )
  .map((params) => ({ name: 'cost_runaway' as const, params }));

export interface SpendCaseOptions {
  missing?: { min: number; max: number };
  attempts?: { min: number; max: number };
  escalation?: fc.Arbitrary<boolean>;
  ceilingFactor?: fc.Arbitrary<number>;
  /** Whether an ambiguous create is among the faults: sometimes (default), always, never. */
  create?: 'sometimes' | 'always' | 'never';
  rows?: { min: number; max: number };
}

/** Ceilings around the worst case: a few below it, most just above it, some well above. */
export const ceilingAroundWorstCase: fc.Arbitrary<number> = fc.oneof(
  { weight: 1, arbitrary: fc.double({ min: 0.5, max: 0.999, noNaN: true }) },
  { weight: 3, arbitrary: fc.double({ min: 1, max: 1.05, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: 1.05, max: 4, noNaN: true }) },
);

/** A small run hit by vanishing lines (30–90 % by default), maybe an ambiguous create, any bounds. */
export function spendCase(options: SpendCaseOptions = {}): fc.Arbitrary<SpendCase> {
  const create =
    options.create === 'always'
      ? ambiguousCreate.map((f) => [f])
      : options.create === 'never'
        ? fc.constant([])
        : fc.option(ambiguousCreate, { nil: undefined }).map((f) => (f ? [f] : []));
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      rows: fc.integer(options.rows ?? { min: 12, max: 30 }),
      goldenRows: fc.integer({ min: 2, max: 6 }),
      drop: vanishingLines(options.missing ?? { min: 0.3, max: 0.9 }),
      create,
      attempts: fc.integer(options.attempts ?? { min: 1, max: 10 }),
      escalation: options.escalation ?? fc.boolean(),
      ceilingFactor: options.ceilingFactor ?? ceilingAroundWorstCase,
    })
    .map(({ drop, create, ...c }) => ({ ...c, httpRate: 0, faults: [drop, ...create] }));
}
