import type { RunDb } from '../db/run-db.js';
import type { RunCounts, RunMetrics } from '../gate/run-metrics.js';

export interface RunReport {
  run_id: string;
  job: string;
  status: string;
  mode: string;
  seed: number | null;
  counts: RunCounts | null;
  metrics: RunMetrics | null;
  /** Each metric's change since the same job's previous run with metrics; null for its first. */
  trend: RunTrend | null;
}

/** The metrics a trend follows: shares (coverage, validity, …) and the cost of a good row. */
export const TREND_METRICS = [
  'coverage',
  'validity',
  'cost_per_good_row',
  'escalation_rate',
  'golden_score',
] as const;

/**
 * How a run's metrics moved from the same job's previous run that has metrics (`since`): each
 * metric's difference (this run's minus that one's; null where either has none). Shares change
 * by points of a 0..1 share; the cost of a good row by dollars.
 */
export type RunTrend = { since: string } & Record<(typeof TREND_METRICS)[number], number | null>;

/** The change from `before` to `after`, or null when either run lacks the metric. */
function trendOf(since: string, before: RunMetrics, after: RunMetrics): RunTrend {
  const trend: RunTrend = { since } as RunTrend;
  for (const name of TREND_METRICS) {
    const [a, b] = [before[name], after[name]];
    trend[name] = a === null || b === null ? null : b - a;
  }
  return trend;
}

/**
 * The report contract: every run (or one), oldest first, with its counts and metrics, and each
 * metric's trend from the job's previous run (a run without metrics, such as one refused at
 * launch, is skipped over).
 */
export async function runReports(db: RunDb, runId?: string): Promise<{ runs: RunReport[] }> {
  const rows = await db.all<{
    run_id: string;
    job_name: string;
    status: string;
    mode: string;
    seed: bigint | null;
    counts: RunCounts | null;
    metrics: RunMetrics | null;
  }>(
    `SELECT run_id, job AS job_name, status, mode, seed,
            CASE WHEN source_rows IS NOT NULL THEN {'source': source_rows, 'promoted': promoted,
              'quarantined': quarantined, 'dead_lettered': dead_lettered, 'held': held} END AS counts,
            CASE WHEN source_rows IS NOT NULL THEN {'coverage': coverage, 'validity': validity,
              'cost_usd': cost_usd::DOUBLE, 'cost_per_good_row': cost_per_good_row::DOUBLE,
              'escalation_rate': escalation_rate, 'golden_score': golden_score} END AS metrics
     FROM run_summary ORDER BY made_order`,
  );
  // Runs in the order they were made: by their start, then (simulated runs all start at the
  // virtual clock's epoch) by when their row was written. One row per run, never rows of data.
  const last = new Map<string, { runId: string; metrics: RunMetrics }>();
  const runs = rows.map((row): RunReport => {
    const { metrics } = row;
    const before = last.get(row.job_name);
    if (metrics) last.set(row.job_name, { runId: row.run_id, metrics });
    return {
      run_id: row.run_id,
      job: row.job_name,
      status: row.status,
      mode: row.mode,
      seed: row.seed === null ? null : Number(row.seed),
      counts: row.counts,
      metrics,
      trend: metrics && before ? trendOf(before.runId, before.metrics, metrics) : null,
    };
  });
  return { runs: runId === undefined ? runs : runs.filter((run) => run.run_id === runId) };
}
