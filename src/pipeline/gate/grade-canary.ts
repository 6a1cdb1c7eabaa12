import type { Job } from '../job/job.js';

/*
 * The canary's verdict (DESIGN failure row 2): a poisoned template shows up in a small slice as
 * invalid outputs, errors, a golden score that falls, or answers piling onto one label. Every
 * threshold is checked and every breach named, so one halt message explains the whole problem.
 */

export interface CanaryStats {
  /** Answers in the canary round that got a result: the slice's rows and the golden rows. */
  rows: number;
  /** Of those, how many passed the gate. */
  valid: number;
  /** Of those, how many came back errored (any error type). */
  errored: number;
  goldenTotal: number;
  /** Golden rows whose output matched every field of their `expected`. */
  goldenCorrect: number;
  /** Counts of each value of the job's distribution field among valid canary outputs. */
  distribution: Record<string, number>;
}

export interface CanaryVerdict {
  release: boolean;
  /** One line per breached threshold; empty when released. */
  reasons: string[];
  /** valid / rows, 0..1 (0 when no rows). */
  validity: number;
  /** errored / rows, 0..1 (0 when no rows). */
  errorRate: number;
  /** goldenCorrect / goldenTotal, 0..1, or null without golden rows. */
  goldenScore: number | null;
  /** Largest share of one value in `distribution`, 0..1, or null when it is empty. */
  topShare: number | null;
}

/** Below this many counted outputs one label's share says more about chance than about the template. */
const SHARE_ROWS_MIN = 10;
/** Slack for float arithmetic when comparing point drops such as 0.9 - 0.87 with 3 points. */
const EPSILON = 1e-9;

/** Release or halt the run after its canary, with every reason to halt. */
export function gradeCanary(
  stats: CanaryStats,
  job: Pick<Job, 'thresholds' | 'golden'>,
  baseline: number | null,
): CanaryVerdict {
  const { thresholds, golden } = job;
  const reasons: string[] = [];
  const validity = stats.rows === 0 ? 0 : stats.valid / stats.rows;
  const errorRate = stats.rows === 0 ? 0 : stats.errored / stats.rows;
  const goldenScore = stats.goldenTotal === 0 ? null : stats.goldenCorrect / stats.goldenTotal;
  const top = topValue(stats.distribution);

  if (stats.rows === 0) reasons.push('the canary produced no results');
  else {
    // A canary is a sample: a few chance misses in 80 answers say nothing of the other 99 %.
    const validityFloor = thresholds.validityMin - sampleSlack(thresholds.validityMin, stats.rows);
    if (validity < validityFloor - EPSILON)
      reasons.push(
        `validity ${pair(validity, thresholds.validityMin)} is below the minimum ${pair(thresholds.validityMin, validity)}` +
          ` (${validityFloor.toFixed(2)} allowing for ${stats.rows} answers)`,
      );
    const errorCeiling = thresholds.errorRateMax + sampleSlack(thresholds.errorRateMax, stats.rows);
    if (errorRate > errorCeiling + EPSILON)
      reasons.push(
        `error rate ${pair(errorRate, thresholds.errorRateMax)} is above the maximum ${pair(thresholds.errorRateMax, errorRate)}` +
          ` (${errorCeiling.toFixed(2)} allowing for ${stats.rows} answers)`,
      );
  }
  if (goldenScore !== null) {
    const floor = goldenBelowMin(goldenScore, golden.minScore, stats.goldenTotal);
    if (floor.alarm)
      reasons.push(
        `golden score ${pair(goldenScore, golden.minScore)} is below the minimum ${pair(golden.minScore, goldenScore)}` +
          (floor.floor < golden.minScore
            ? ` (${floor.floor.toFixed(2)} allowing for ${stats.goldenTotal} golden rows)`
            : ''),
      );
    const base = golden.baseline ?? baseline;
    const drop =
      base === null ? null : goldenDrop(goldenScore, base, stats.goldenTotal, thresholds.goldenDropPoints);
    if (base !== null && drop?.alarm)
      reasons.push(
        `golden score ${pair(goldenScore, base)} is ${drop.points.toFixed(1)} points below the baseline ` +
          `${pair(base, goldenScore)} (at most ${drop.allowedPoints.toFixed(1)} allowed)`,
      );
  }
  if (top !== null && top.counted >= SHARE_ROWS_MIN && top.share > thresholds.labelShareMax)
    reasons.push(
      `top share ${pair(top.share, thresholds.labelShareMax)} (${JSON.stringify(top.value)}) is above the maximum ` +
        pair(thresholds.labelShareMax, top.share),
    );

  return {
    release: reasons.length === 0,
    reasons,
    validity,
    errorRate,
    goldenScore,
    topShare: top?.share ?? null,
  };
}

/**
 * How far a golden score fell below its baseline, and whether that alarms. The allowance is
 * `dropPoints` or the golden set's own noise, whichever is larger: two standard errors of the
 * difference of two scores over `n` rows, at the share both would have if nothing had changed
 * (the mean of the two: a baseline of 1.00 is a sample too, of a model that is not perfect, and
 * taken alone would allow no miss at all). A 60-row set cannot tell a 3-point drop from chance
 * (its noise is about 9 points at a 0.93 baseline), and alarming on chance teaches people to
 * ignore the alarm; a poisoned template drops the score by tens of points either way.
 */
export function goldenDrop(
  score: number,
  baseline: number,
  n: number,
  dropPoints: number,
): { points: number; allowedPoints: number; alarm: boolean } {
  const pooled = (baseline + score) / 2;
  const noisePoints = n > 0 ? 200 * Math.sqrt((2 * pooled * (1 - pooled)) / n) : 0;
  const allowedPoints = Math.max(dropPoints, noisePoints);
  const points = (baseline - score) * 100;
  return { points, allowedPoints, alarm: points > allowedPoints + EPSILON };
}

/**
 * Is a golden score below the job's minimum, beyond what chance explains? One wrong answer in a
 * 4-row golden set is 25 points, so the floor is lowered by two standard errors of a score at the
 * minimum over `n` rows; a set of a few hundred rows keeps it within a few points.
 */
export function goldenBelowMin(
  score: number,
  minScore: number,
  n: number,
): { floor: number; alarm: boolean } {
  const floor = minScore - sampleSlack(minScore, n);
  return { floor, alarm: score < floor - EPSILON };
}

/** Two standard errors of a share `p` measured over `n` answers: what chance alone can move it. */
export function sampleSlack(p: number, n: number): number {
  return n > 0 ? 2 * Math.sqrt((p * (1 - p)) / n) : 0;
}

/** Whether a golden row's output holds every expected field with an equal value (JSON equality). */
export function goldenMatches(
  expected: Record<string, unknown>,
  output: Record<string, unknown> | null,
): boolean {
  if (output === null) return false;
  return Object.keys(expected).every(
    (field) => Object.hasOwn(output, field) && jsonEqual(expected[field], output[field]),
  );
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const keys = Object.keys(aRecord);
  if (keys.length !== Object.keys(bRecord).length) return false;
  return keys.every((key) => Object.hasOwn(bRecord, key) && jsonEqual(aRecord[key], bRecord[key]));
}

function topValue(
  distribution: Record<string, number>,
): { value: string; share: number; counted: number } | null {
  let counted = 0;
  let value = '';
  let most = -1;
  for (const [candidate, count] of Object.entries(distribution)) {
    counted += count;
    if (count > most) [value, most] = [candidate, count];
  }
  return counted === 0 ? null : { value, share: most / counted, counted };
}

/** `value` with 2 decimals, or more when 2 would print it equal to the threshold it is compared with. */
function pair(value: number, other: number): string {
  let digits = 2;
  while (digits < 6 && value !== other && value.toFixed(digits) === other.toFixed(digits)) digits++;
  return value.toFixed(digits);
}
