/*
 * Numbers as a person reads them in human output (house style 24): counts with thousands
 * separators, money in dollars, shares as percentages. JSON output keeps the raw numbers.
 * The locale is pinned so the output is the same on every machine and in every test.
 */

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A count with thousands separators: `12345` → `12,345` (fractions keep two decimals at most). */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? COUNT.format(n) : String(n);
}

/** `n`, then the noun in the singular or plural that goes with it: `1 id`, `3 ids`, `12,345 rows`. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

/**
 * Dollars with thousands separators and cents, `$1,234.56`; an amount under a dollar keeps three
 * significant digits (`$0.123`, `$0.00042`), so small per-row costs do not read as `$0.00`.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return `$${usd}`;
  const abs = Math.abs(usd);
  const decimals = abs === 0 || abs >= 1 ? 2 : Math.min(8, Math.max(2, 2 - Math.floor(Math.log10(abs))));
  const text = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: decimals,
  }).format(abs);
  return `${usd < 0 ? '-' : ''}$${text}`;
}

/** A share of 0..1 as a percentage with one decimal: `0.8234` → `82.3%`. */
export function formatShare(share: number): string {
  return Number.isFinite(share) ? `${(100 * share).toFixed(1)}%` : String(share);
}

/**
 * A span of time to the tenth of a second under a minute, then minutes and seconds, then hours
 * and minutes: `12.3 s`, `1 m 05 s`, `2 h 07 m`. Negative spans (a clock read out of order) are 0.
 */
export function formatDuration(ms: number): string {
  const clamped = Math.max(0, ms);
  if (clamped < 60_000) return `${(clamped / 1000).toFixed(1)} s`;
  const seconds = Math.floor(clamped / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} m`;
}
