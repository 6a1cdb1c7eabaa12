import { describe, expect, it } from 'vitest';
import { type RunCounts, runMetrics, validityHold } from './run-metrics.js';

const COUNTS: RunCounts = { source: 1000, promoted: 900, quarantined: 60, dead_lettered: 10, held: 20 };

function metrics(overrides: Partial<Parameters<typeof runMetrics>[0]> = {}) {
  return runMetrics({
    counts: COUNTS,
    validOutputs: 920,
    gatedOutputs: 1040,
    costUsd: 3.3,
    escalatedRows: 40,
    goodRows: 920,
    goldenScore: 0.95,
    ...overrides,
  });
}

describe('runMetrics', () => {
  it('computes coverage, validity, cost per good row and escalation rate; money to the nano-dollar', () => {
    expect(metrics()).toEqual({
      coverage: 990 / 1000,
      validity: 920 / 1040,
      cost_usd: 3.3,
      cost_per_good_row: 0.003586957,
      escalation_rate: 40 / 1000,
      golden_score: 0.95,
    });
  });

  it('counts every final disposition toward coverage, so a lossless run covers exactly 1', () => {
    const counts = { source: 10, promoted: 4, quarantined: 3, dead_lettered: 2, held: 1 };
    expect(metrics({ counts }).coverage).toBe(1);
  });

  it('divides the cost by the good rows it is given (rows whose output passed the gate), not by the held ones', () => {
    // 3 promoted and 5 held, of which only 1 was ever answered: 4 good rows, not 8.
    const counts = { source: 10, promoted: 3, quarantined: 1, dead_lettered: 1, held: 5 };
    expect(metrics({ counts, costUsd: 2, goodRows: 4 }).cost_per_good_row).toBe(0.5);
  });

  it('keeps no floating-point tail on money (0.1 + 0.2 of spend is 0.3)', () => {
    const cost = metrics({ costUsd: 0.1 + 0.2, goodRows: 3 });
    expect(cost.cost_usd).toBe(0.3);
    expect(cost.cost_per_good_row).toBe(0.1);
  });

  it('reports no cost per good row when there is no good row', () => {
    const counts = { source: 5, promoted: 0, quarantined: 5, dead_lettered: 0, held: 0 };
    expect(metrics({ counts, goodRows: 0 }).cost_per_good_row).toBeNull();
  });

  it('treats an empty run as fully covered and fully valid, with nothing escalated', () => {
    const counts = { source: 0, promoted: 0, quarantined: 0, dead_lettered: 0, held: 0 };
    const empty = metrics({
      counts,
      validOutputs: 0,
      gatedOutputs: 0,
      costUsd: 0,
      escalatedRows: 0,
      goodRows: 0,
    });
    expect(empty).toMatchObject({ coverage: 1, validity: 1, cost_per_good_row: null, escalation_rate: 0 });
  });

  it('passes the golden score through, null included', () => {
    expect(metrics({ goldenScore: null }).golden_score).toBeNull();
  });
});

describe('validityHold', () => {
  const run = {
    validity: 0.5,
    validityMin: 0.9,
    holdBelowMin: false,
    validRows: 10,
    quarantinedRows: 10,
    gatedOutputs: 30,
  };

  it('holds below the minimum only when the job asks, giving the numbers', () => {
    expect(validityHold(run)).toBeNull();
    expect(validityHold({ ...run, holdBelowMin: true })).toBe(
      'validity 0.500 is below the minimum 0.9 (10 valid rows, 10 quarantined; validity over 30 answers)',
    );
    expect(validityHold({ ...run, validity: 0.9, holdBelowMin: true })).toBeNull();
  });

  it('holds a run with no valid row but quarantined ones, whatever the job asks or the minimum', () => {
    expect(validityHold({ ...run, validity: 0, validRows: 0 })).toMatch(
      /^validity 0\.000 is below the minimum 0\.9 /,
    );
    expect(validityHold({ ...run, validity: 0, validityMin: 0, validRows: 0 })).toMatch(
      /^no row has a valid answer /,
    );
    expect(
      validityHold({ ...run, validity: 1, validRows: 0, quarantinedRows: 0, gatedOutputs: 0 }),
    ).toBeNull();
  });
});
