import { describe, expect, it } from 'vitest';
import { leastSquares } from './least-squares.js';

describe('leastSquares', () => {
  it('fits a line exactly through points on it, and the best line through scattered ones', () => {
    expect(leastSquares([1, 2, 3, 4].map((x) => ({ x, y: 0.9 - 0.01 * x })))).toMatchObject({
      slope: expect.closeTo(-0.01, 12),
      intercept: expect.closeTo(0.9, 12),
      runs: 4,
      from: 1,
      to: 4,
    });
    // Through (1,1), (2,3), (3,2): slope 0.5, intercept 1.
    const fit = leastSquares([
      { x: 1, y: 1 },
      { x: 2, y: 3 },
      { x: 3, y: 2 },
    ])!;
    expect(fit.slope).toBeCloseTo(0.5, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
  });

  it('fits nothing through fewer than two runs, or runs all at one index', () => {
    expect(leastSquares([])).toBeNull();
    expect(leastSquares([{ x: 1, y: 0.5 }])).toBeNull();
    expect(
      leastSquares([
        { x: 2, y: 0.5 },
        { x: 2, y: 0.7 },
      ]),
    ).toBeNull();
  });
});
