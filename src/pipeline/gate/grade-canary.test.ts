import { describe, expect, it } from 'vitest';
import type { Job } from '../job/job.js';
import { type CanaryStats, goldenBelowMin, goldenDrop, goldenMatches, gradeCanary } from './grade-canary.js';

const JOB: Pick<Job, 'thresholds' | 'golden'> = {
  thresholds: { validityMin: 0.9, goldenDropPoints: 3, errorRateMax: 0.05, labelShareMax: 0.9 },
  golden: { path: '/jobs/golden.jsonl', baseline: null, minScore: 0.8 },
};
const HEALTHY: CanaryStats = {
  rows: 100,
  valid: 97,
  errored: 1,
  goldenTotal: 20,
  goldenCorrect: 19,
  distribution: { positive: 50, negative: 30, neutral: 17 },
};

function grade(stats: Partial<CanaryStats>, baseline: number | null = null, job = JOB) {
  return gradeCanary({ ...HEALTHY, ...stats }, job, baseline);
}

describe('gradeCanary', () => {
  it('releases a healthy canary and reports its rates', () => {
    expect(grade({}, 0.95)).toEqual({
      release: true,
      reasons: [],
      validity: 0.97,
      errorRate: 0.01,
      goldenScore: 0.95,
      topShare: 50 / 97,
    });
  });

  it('halts when validity is below the minimum', () => {
    const verdict = grade({ valid: 41, distribution: { positive: 20, negative: 21 } });
    expect(verdict.release).toBe(false);
    expect(verdict.reasons).toEqual([
      'validity 0.41 is below the minimum 0.90 (0.84 allowing for 100 answers)',
    ]);
  });

  it('halts when the error rate is above the maximum', () => {
    expect(grade({ errored: 12 }).reasons).toEqual([
      'error rate 0.12 is above the maximum 0.05 (0.09 allowing for 100 answers)',
    ]);
  });

  it('does not halt on a few chance misses in a small canary, but does on many', () => {
    // 80 answers (20 rows and 60 golden): a 0.9 minimum allows down to 0.83, a 0.05 maximum up to 0.10.
    expect(grade({ rows: 80, valid: 69, errored: 7, distribution: {} }).release).toBe(true);
    expect(grade({ rows: 80, valid: 66, errored: 0, distribution: {} }).reasons).toEqual([
      'validity 0.82 is below the minimum 0.90 (0.83 allowing for 80 answers)',
    ]);
    expect(grade({ rows: 80, valid: 80, errored: 9, distribution: {} }).reasons).toEqual([
      'error rate 0.11 is above the maximum 0.05 (0.10 allowing for 80 answers)',
    ]);
  });

  it('halts when the golden score is below its minimum, beyond what the golden set size explains', () => {
    expect(grade({ goldenTotal: 20_000, goldenCorrect: 14_000 }).reasons).toEqual([
      'golden score 0.70 is below the minimum 0.80 (0.79 allowing for 20000 golden rows)',
    ]);
  });

  it('does not halt on one chance miss in a small golden set, but does on many', () => {
    expect(goldenBelowMin(0.75, 0.8, 4)).toMatchObject({ alarm: false });
    expect(goldenBelowMin(0.7, 0.8, 60).alarm).toBe(false);
    expect(goldenBelowMin(0.6, 0.8, 60).alarm).toBe(true);
    expect(goldenBelowMin(0.79, 0.8, 1_000_000).alarm).toBe(true);
    expect(goldenBelowMin(0.7, 0.8, 0)).toEqual({ floor: 0.8, alarm: true });
  });

  it('halts when the golden score drops more than the allowed points below the baseline argument', () => {
    expect(grade({ goldenTotal: 2000, goldenCorrect: 1700 }, 0.95).reasons).toEqual([
      'golden score 0.85 is 10.0 points below the baseline 0.95 (at most 3.0 allowed)',
    ]);
  });

  it('allows a drop of exactly the allowed points, despite float arithmetic', () => {
    const stats = { goldenTotal: 10_000, goldenCorrect: 8700 };
    expect(grade(stats, 0.9).release).toBe(true);
    expect(grade({ ...stats, goldenCorrect: 8600 }, 0.9).release).toBe(false);
  });

  it("widens the allowance to the golden set's own noise when it is too small to resolve the points", () => {
    // 60 rows, 0.90 against a 0.93 baseline: two standard errors of a difference at the mean
    // share (0.915) are about 10.2 points.
    const noisy = goldenDrop(0.9, 0.93, 60, 3);
    expect(noisy.allowedPoints).toBeCloseTo(200 * Math.sqrt((2 * 0.915 * 0.085) / 60), 9);
    expect(noisy.alarm).toBe(false);
    expect(goldenDrop(0.5, 0.93, 60, 3).alarm).toBe(true);
    expect(goldenDrop(0.9, 0.93, 100_000, 3)).toMatchObject({ allowedPoints: 3, alarm: false });
    expect(goldenDrop(0.89, 0.93, 100_000, 3).alarm).toBe(true);
  });

  it('allows a miss or two against a perfect baseline, which is a sample too', () => {
    // 25 golden rows, all right last night, two wrong tonight: 8 points, within chance.
    expect(goldenDrop(0.92, 1, 25, 3)).toMatchObject({ alarm: false });
    expect(goldenDrop(0.92, 1, 25, 3).allowedPoints).toBeCloseTo(200 * Math.sqrt((2 * 0.96 * 0.04) / 25), 9);
    // Half of them wrong is no chance.
    expect(goldenDrop(0.5, 1, 25, 3).alarm).toBe(true);
  });

  it("prefers the job's recorded baseline to the last promoted run's", () => {
    const job = { ...JOB, golden: { ...JOB.golden, baseline: 0.8 } };
    expect(grade({ goldenCorrect: 17 }, 0.95, job).release).toBe(true);
  });

  it('has no golden score, and no golden checks, without golden rows', () => {
    const verdict = grade({ goldenTotal: 0, goldenCorrect: 0 }, 0.95);
    expect(verdict).toMatchObject({ release: true, goldenScore: null });
  });

  it('halts when one label takes more than the largest allowed share', () => {
    const verdict = grade({ valid: 97, distribution: { positive: 95, negative: 2 } });
    expect(verdict.reasons).toEqual(['top share 0.98 ("positive") is above the maximum 0.90']);
    expect(verdict.topShare).toBeCloseTo(95 / 97);
  });

  it('ignores the label share with fewer than 10 counted outputs', () => {
    const verdict = grade({ rows: 9, valid: 9, errored: 0, distribution: { positive: 9 } });
    expect(verdict).toMatchObject({ release: true, topShare: 1 });
  });

  it('checks the label share from exactly 10 counted outputs, and allows a share equal to the maximum', () => {
    expect(grade({ rows: 10, valid: 10, errored: 0, distribution: { positive: 10 } }).reasons).toEqual([
      'top share 1.00 ("positive") is above the maximum 0.90',
    ]);
    expect(
      grade({ rows: 10, valid: 10, errored: 0, distribution: { positive: 9, negative: 1 } }).release,
    ).toBe(true);
  });

  it('names no allowance when the golden minimum leaves no room for one', () => {
    const strict = { ...JOB, golden: { ...JOB.golden, minScore: 1 } };
    expect(grade({ goldenTotal: 20, goldenCorrect: 19 }, null, strict).reasons).toEqual([
      'golden score 0.95 is below the minimum 1.00',
    ]);
  });

  it('has no top share when the job counts no distribution field', () => {
    expect(grade({ distribution: {} }).topShare).toBeNull();
  });

  it('halts a canary that produced no results, with that one reason for its rows', () => {
    const verdict = grade({ rows: 0, valid: 0, errored: 0, distribution: {} });
    expect(verdict).toMatchObject({
      release: false,
      reasons: ['the canary produced no results'],
      validity: 0,
      errorRate: 0,
    });
  });

  it('collects every breached threshold, one line each', () => {
    const poisoned = {
      valid: 60,
      errored: 20,
      goldenCorrect: 10,
      distribution: { positive: 59, neutral: 1 },
    };
    expect(grade(poisoned, 0.95).reasons).toEqual([
      'validity 0.60 is below the minimum 0.90 (0.84 allowing for 100 answers)',
      'error rate 0.20 is above the maximum 0.05 (0.09 allowing for 100 answers)',
      'golden score 0.50 is below the minimum 0.80 (0.62 allowing for 20 golden rows)',
      'golden score 0.50 is 45.0 points below the baseline 0.95 (at most 28.2 allowed)',
      'top share 0.98 ("positive") is above the maximum 0.90',
    ]);
  });

  it('prints more decimals when two would make a breach look equal to its threshold', () => {
    expect(grade({ rows: 10_000_000, valid: 8_990_000, distribution: {} }).reasons).toEqual([
      'validity 0.899 is below the minimum 0.900 (0.90 allowing for 10000000 answers)',
    ]);
  });
});

describe('gradeCanary at a perfect threshold', () => {
  // A minimum of 1 or a maximum of 0 leaves chance no slack: exactly meeting it must release.
  const PERFECT: Pick<Job, 'thresholds' | 'golden'> = {
    thresholds: { ...JOB.thresholds, validityMin: 1, errorRateMax: 0 },
    golden: { ...JOB.golden, minScore: 1 },
  };
  const perfect = { rows: 40, valid: 40, errored: 0, goldenTotal: 8, goldenCorrect: 8, distribution: {} };

  it('releases a canary that meets every threshold exactly', () => {
    expect(gradeCanary(perfect, PERFECT, null)).toMatchObject({ release: true, reasons: [] });
  });

  it('halts one that misses any of them by one answer', () => {
    expect(gradeCanary({ ...perfect, valid: 39 }, PERFECT, null).reasons).toHaveLength(1);
    expect(gradeCanary({ ...perfect, errored: 1 }, PERFECT, null).reasons).toHaveLength(1);
    expect(gradeCanary({ ...perfect, goldenCorrect: 7 }, PERFECT, null).reasons).toHaveLength(1);
  });
});

describe('goldenMatches', () => {
  it('matches when every expected field is equal, whatever else the output holds', () => {
    expect(goldenMatches({ label: 'positive' }, { label: 'positive', score: 0.9, evidence: 'x' })).toBe(true);
    expect(goldenMatches({ tags: ['a', { b: 1 }] }, { tags: ['a', { b: 1 }] })).toBe(true);
  });

  it('needs every expected field to match, not just one', () => {
    expect(goldenMatches({ label: 'positive', tier: 'a' }, { label: 'positive', tier: 'b' })).toBe(false);
    expect(goldenMatches({ label: 'positive', tier: 'a' }, { label: 'negative', tier: 'a' })).toBe(false);
  });

  it('compares nested values in full: every key, every value, arrays apart from objects', () => {
    expect(goldenMatches({ meta: { a: 1, b: 2 } }, { meta: { a: 1, b: 3 } })).toBe(false);
    expect(goldenMatches({ meta: { a: 1, b: 2 } }, { meta: { a: 1, c: 2 } })).toBe(false);
    expect(goldenMatches({ meta: { a: 1 } }, { meta: { a: '1' } })).toBe(false);
    expect(goldenMatches({ meta: { a: 1 } }, { meta: null })).toBe(false);
    // An object never equals a number, either way round (neither has keys to compare).
    expect(goldenMatches({ meta: {} }, { meta: 1 })).toBe(false);
    expect(goldenMatches({ meta: 1 }, { meta: {} })).toBe(false);
    expect(goldenMatches({ meta: null }, { meta: { a: 1 } })).toBe(false);
    expect(goldenMatches({ tags: ['a'] }, { tags: { 0: 'a' } })).toBe(false);
    expect(goldenMatches({ meta: { a: 1, b: [1, { c: 2 }] } }, { meta: { b: [1, { c: 2 }], a: 1 } })).toBe(
      true,
    );
  });

  it('does not match a different value, a missing field, or no output', () => {
    expect(goldenMatches({ label: 'positive' }, { label: 'negative' })).toBe(false);
    expect(goldenMatches({ label: 'positive' }, { label: 'Positive' })).toBe(false);
    expect(goldenMatches({ score: null }, {})).toBe(false);
    expect(goldenMatches({ tags: ['a'] }, { tags: ['a', 'b'] })).toBe(false);
    expect(goldenMatches({ label: 'positive' }, null)).toBe(false);
  });
});
