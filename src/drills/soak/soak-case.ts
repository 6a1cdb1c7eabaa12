import { CRASH_POINTS } from '../../pipeline/run/run-context.js';
import type { FaultFamilyName } from '../../sim/faults/fault-catalog.js';
import { type Rng, streamFor } from '../../sim/seed.js';

/*
 * One soak run's case, drawn from its run seed alone: the same seed gives the same case, so a
 * failing run of a long soak replays by itself (`batchguard soak --seed <run seed> --runs 1`).
 * The ranges are those of the property tests' fault mixes (test/arbitraries/fault-mix.ts), drawn
 * here from a seeded stream instead of fast-check, which src/ does not use.
 */

/** One fault family with parameters its schema accepts. */
export interface SoakFault {
  name: FaultFamilyName;
  params: Record<string, unknown>;
}

/** Everything one simulated run is made of (the shape the property tests' RunCase has too). */
export interface CaseSpec {
  seed: number;
  rows: number;
  goldenRows: number;
  faults: SoakFault[];
  httpRate: number;
}

/** A soak case: the run, and what else the soak does with it. */
export interface SoakCase extends CaseSpec {
  /**
   * A crash injected the `nth` time the run reaches `point`, then a resume; null for none. A
   * `steady` crash run draws only faults whose effect is a function of the requests alone (no
   * HTTP background, no expiry, no cut streams), so it must end exactly as the run without the
   * crash (invariant 8); any other crash run is held to invariants 1–6 only.
   */
  crash: { point: string; nth: number; steady: boolean } | null;
  /** Run the case twice and compare the run logs byte for byte (invariant 7). */
  twice: boolean;
}

/** Share of runs that crash and resume, and of runs checked for determinism. */
const CRASH_SHARE = 0.25;
const TWICE_SHARE = 0.02;
/** Most fault families mixed into one run. */
const FAMILIES_MAX = 3;

type ParamsDraw = (rng: Rng) => Record<string, unknown>;

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;
const intIn = (rng: Rng, min: number, max: number) => min + rng.int(max - min + 1);
/** Distinct batch indexes 0..3, one or two of them. */
const batches = (rng: Rng) => [...new Set([rng.int(4), ...(rng.next() < 0.5 ? [rng.int(4)] : [])])];

/** Each family's parameters over the ranges a run can meet (never so high that nothing gets through). */
const FAMILIES: Record<FaultFamilyName, ParamsDraw> = {
  silent_partial_drop: (rng) => ({
    missing_rate: 0.001 + rng.between(0, 0.2),
    errored_rate: rng.between(0, 0.2),
    fatal_share: rng.next(),
    expired_rate: rng.between(0, 0.05),
    cut_rate: rng.between(0, 0.5),
  }),
  schema_drift: (rng) => ({ rate: rng.between(0.01, 0.3) }),
  stale_mapping: (rng) => ({
    duplicate_rate: 0.001 + rng.between(0, 0.1),
    conflicting_rate: rng.between(0, 0.1),
    unknown_rate: rng.between(0, 0.05),
    edit_rate: rng.between(0, 0.1),
    reorder_source: rng.next() < 0.5,
    edit_after_batch: rng.int(3),
  }),
  prompt_injection: (rng) => ({ injection_rate: rng.between(0.01, 0.3) }),
  expiry: (rng) =>
    pick<ParamsDraw>(rng, [
      (r) => ({ variant: 'slow_queue', batches: batches(r), tail_share: r.between(0.05, 1) }),
      (r) => ({ variant: 'cancel', batches: batches(r), cancel_after_minutes: r.between(0.5, 5) }),
      () => ({ variant: 'archive' }),
    ])(rng),
  cost_runaway: (rng) =>
    pick<ParamsDraw>(rng, [
      (r) => ({ variant: 'lost_create_response', creates: intIn(r, 1, 3) }),
      () => ({ variant: 'crash_after_create' }),
      (r) => ({ variant: 'oversized_row', chars: intIn(r, 1_000, 200_000) }),
      (r) => ({ variant: 'unbounded_max_tokens', max_tokens: intIn(r, 1_000, 64_000) }),
    ])(rng),
  poisoned_template: (rng) => ({
    variant: pick(rng, ['stray_instruction', 'wrong_column', 'broken_delimiter']),
  }),
};

/** The families whose effect depends on the requests alone, not on time or call counts. */
const STEADY: readonly FaultFamilyName[] = [
  'silent_partial_drop',
  'schema_drift',
  'stale_mapping',
  'prompt_injection',
];

/** Run seed `runSeed`'s case: a pure function of it. */
export function soakCase(runSeed: number): SoakCase {
  const rng = streamFor(runSeed, 'soak-case');
  const rows = intIn(rng, 20, 60);
  const goldenRows = intIn(rng, 4, 12);
  const crash =
    rng.next() < CRASH_SHARE
      ? { point: pick(rng, CRASH_POINTS), nth: intIn(rng, 1, 3), steady: rng.next() < 0.5 }
      : null;
  const steady = crash?.steady ?? false;
  const faults = faultMix(rng, steady ? STEADY : (Object.keys(FAMILIES) as FaultFamilyName[])).map((f) =>
    // Cut streams and expired rows are timing-driven: a resume's extra calls would move them.
    steady && f.name === 'silent_partial_drop'
      ? { ...f, params: { ...f.params, cut_rate: 0, expired_rate: 0 } }
      : f,
  );
  const httpRate = rng.next() < 0.5 || steady ? 0 : rng.between(0, 0.1);
  return { seed: runSeed, rows, goldenRows, faults, httpRate, crash, twice: rng.next() < TWICE_SHARE };
}

/** Up to FAMILIES_MAX distinct families of `allowed`, in the order drawn, each with its parameters. */
function faultMix(rng: Rng, allowed: readonly FaultFamilyName[]): SoakFault[] {
  const left = [...allowed];
  const count = rng.int(FAMILIES_MAX + 1);
  const mix: SoakFault[] = [];
  for (let i = 0; i < count; i++) {
    const name = left.splice(rng.int(left.length), 1)[0]!;
    mix.push({ name, params: FAMILIES[name](rng) });
  }
  return mix;
}
