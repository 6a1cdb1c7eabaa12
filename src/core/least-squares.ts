/**
 * Least squares, as reports, charts and trend alarms fit a metric over a job's runs (the same
 * fit as DuckDB's `regr_slope`, which reports/trends.sql uses).
 */

/** A line fitted through a job's runs. */
export interface Fit {
  slope: number;
  intercept: number;
  /** Runs fitted, and the first and last index among them. */
  runs: number;
  from: number;
  to: number;
}

/** The fitted least-squares line through (x, y); null for fewer than two points or a single x. */
export function leastSquares(points: readonly { x: number; y: number }[]): Fit | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const xs = points.map((p) => p.x);
  return { slope, intercept: my - slope * mx, runs: n, from: Math.min(...xs), to: Math.max(...xs) };
}

/** The least-squares slope of `ys` over x = 0, 1, 2, … (0 for fewer than two values). */
export function slopeOf(ys: readonly number[]): number {
  return leastSquares(ys.map((y, x) => ({ x, y })))?.slope ?? 0;
}
