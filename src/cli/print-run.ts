import type { RunSummary } from '../pipeline/run/run-job.js';
import type { LogEntry } from '../pipeline/run/run-log.js';

/** One plain line per run-log entry, for terminals without the UI and for CI logs. */
export function formatEntry(entry: LogEntry): string {
  const detail = JSON.stringify(entry.detail);
  const tag = entry.phase === 'alarm' ? 'ALARM ' : '';
  return `[pipeline] ${String(entry.seq).padStart(4, '0')} ${entry.step.padEnd(9)} ${tag}${entry.kind} ${detail.length > 160 ? `${detail.slice(0, 157)}...` : detail}`;
}

/** The closing lines of a run: its verdict, counts, metrics and what to do next. */
export function summaryLines(summary: RunSummary, dbPath: string): string[] {
  const lines = [`run ${summary.runId}: ${summary.status}`];
  const b = summary.breakdown;
  if (b) {
    lines.push(
      `  preflight: ${b.rows} rows, ~${b.inputTokens} input tokens, ≤ ${b.outputTokensMax} output tokens; ` +
        `worst case $${b.worstCaseUsd.toFixed(4)} (primary $${b.primaryUsd.toFixed(4)} + escalation $${b.escalationUsd.toFixed(4)}) against a ceiling of $${b.ceilingUsd}`,
    );
  }
  if (summary.canary && !summary.canary.release)
    lines.push(...summary.canary.reasons.map((r) => `  canary halted: ${r}`));
  if (summary.reconciliation?.holdReason)
    lines.push(`  promotion held: ${summary.reconciliation.holdReason}`);
  if (summary.counts) {
    const c = summary.counts;
    lines.push(
      `  rows: ${c.source} source, ${c.promoted} promoted, ${c.quarantined} quarantined, ${c.dead_lettered} dead-lettered, ${c.held} held`,
    );
  }
  if (summary.metrics) {
    const m = summary.metrics;
    lines.push(
      `  coverage ${(100 * m.coverage).toFixed(1)}%, validity ${(100 * m.validity).toFixed(1)}%, cost $${m.cost_usd.toFixed(4)}` +
        `${m.cost_per_good_row === null ? '' : ` ($${m.cost_per_good_row.toFixed(6)} per good row)`}, escalation ${(100 * m.escalation_rate).toFixed(1)}%` +
        `${m.golden_score === null ? '' : `, golden ${(100 * m.golden_score).toFixed(1)}%`}`,
    );
  }
  lines.push(`  report: npx batchguard report --db ${dbPath} --run ${summary.runId}`);
  if (summary.status === 'promoted')
    lines.push(`  undo:   npx batchguard rollback ${summary.runId} --db ${dbPath}`);
  return lines;
}
