import { formatCount as count, formatShare as share, formatUsd as usd } from '../core/numbers.js';
import { alarmSentence, detailText } from '../pipeline/alerts/alarm-text.js';
import type { RunSummary } from '../pipeline/run/run-job.js';
import type { LogEntry } from '../pipeline/run/run-log.js';

/**
 * One plain line per run-log entry, for terminals without the UI and for CI logs, never cut
 * short. An alarm is a sentence with its numbers, `ALARM` where the step would stand so it catches
 * the eye, and its kind at the end to look it up in the run log; any other entry is its step,
 * kind and `key=value` detail. The run log and `--json` keep the raw JSON.
 */
export function formatEntry(entry: LogEntry): string {
  const seq = String(entry.seq).padStart(4, '0');
  if (entry.phase === 'alarm')
    return `[pipeline] ${seq} ALARM ${entry.step}: ${alarmSentence(entry)} [${entry.kind}]`;
  const detail = detailText(entry.detail);
  return `[pipeline] ${seq} ${entry.step.padEnd(9)} ${entry.kind}${detail ? ` ${detail}` : ''}`;
}

/** The closing lines of a run: its verdict, counts, metrics and what to do next. */
export function summaryLines(summary: RunSummary, dbPath: string): string[] {
  const lines = [`run ${summary.runId}: ${summary.status}`];
  const b = summary.breakdown;
  if (b) {
    lines.push(
      `  preflight: ${count(b.rows)} rows, ~${count(b.inputTokens)} input tokens, ≤ ${count(b.outputTokensMax)} output tokens; ` +
        `worst case ${usd(b.worstCaseUsd)} (primary ${usd(b.primaryUsd)} + escalation ${usd(b.escalationUsd)}) against a ceiling of ${usd(b.ceilingUsd)}`,
    );
  }
  if (summary.canary && !summary.canary.release)
    lines.push(...summary.canary.reasons.map((r) => `  canary halted: ${r}`));
  if (summary.reconciliation?.holdReason)
    lines.push(`  promotion held: ${summary.reconciliation.holdReason}`);
  if (summary.counts) {
    const c = summary.counts;
    lines.push(
      `  rows: ${count(c.source)} source, ${count(c.promoted)} promoted, ${count(c.quarantined)} quarantined, ${count(c.dead_lettered)} dead-lettered, ${count(c.held)} held`,
    );
  }
  if (summary.metrics) {
    const m = summary.metrics;
    lines.push(
      `  coverage ${share(m.coverage)}, validity ${share(m.validity)}, cost ${usd(m.cost_usd)}` +
        `${m.cost_per_good_row === null ? '' : ` (${usd(m.cost_per_good_row)} per good row)`}, escalation ${share(m.escalation_rate)}` +
        `${m.golden_score === null ? '' : `, golden ${share(m.golden_score)}`}`,
    );
  }
  lines.push(`  report: npx batchguard report --db ${dbPath} --run ${summary.runId}`);
  if (summary.status === 'promoted')
    lines.push(`  undo:   npx batchguard rollback ${summary.runId} --db ${dbPath}`);
  return lines;
}
