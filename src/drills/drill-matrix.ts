import type { DrillResult } from './drill-result.js';

const yes = (value: boolean) => (value ? 'yes' : 'no');

/**
 * The game day's final matrix as plain text lines: failure mode × expected control × fault fired
 * × caught × invariants × verdict, one row per drill, columns padded to fit.
 */
export function drillMatrix(results: readonly DrillResult[]): string[] {
  const header = ['scenario', 'failure mode', 'expected control', 'fired', 'caught', 'invariants', 'verdict'];
  const rows = results.map((r) => {
    const baseline = r.failure_mode === 'none';
    return [
      r.scenario,
      r.failure_mode,
      r.expected_control,
      baseline ? '-' : yes(r.fault_fired),
      baseline ? '-' : yes(r.caught),
      r.invariants_held ? 'held' : 'broken',
      r.verdict.toUpperCase(),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
