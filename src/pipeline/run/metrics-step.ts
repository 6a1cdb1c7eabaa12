import { type RunCounts, type RunMetrics, runMetrics } from '../gate/run-metrics.js';
import type { RunContext } from './run-context.js';
import { UNSENT } from './submissions.js';
import { type TrendAlarm, trendAlarms } from './trend-alarms.js';

/** Compute and store the run's counts and metrics (the report contract). */
export async function recordMetrics(
  ctx: RunContext,
  goldenScore: number | null,
  /** Fit the job's trend with this run (false for a run halted after its canary). */
  options: { trend: boolean } = { trend: true },
): Promise<{ counts: RunCounts; metrics: RunMetrics; trendAlarms: TrendAlarm[] }> {
  const { db, runId } = ctx;
  // One statement for every count (each statement costs a millisecond or more, whatever its size).
  // Good rows: those whose output passed the gate (promoted, or held with an output); a row held
  // without ever being sent (after a halt) is not one.
  const row = await db.one<
    RunCounts & { good: number; valid: number; gated: number; cost: number | null; escalated: number }
  >(
    `SELECT (SELECT count(*) FROM source_rows WHERE run_id = $1 AND NOT is_golden)::INTEGER AS source,
            d.promoted, d.quarantined, d.dead_lettered, d.held, d.good,
            (SELECT count(*) FROM outcomes o JOIN source_rows s ON s.run_id = o.run_id AND s.row_key = o.row_key
              WHERE o.run_id = $1 AND NOT s.is_golden AND o.kind = 'valid')::INTEGER AS valid,
            (SELECT count(*) FROM outcomes o JOIN source_rows s ON s.run_id = o.run_id AND s.row_key = o.row_key
              WHERE o.run_id = $1 AND NOT s.is_golden AND o.kind IN ('valid', 'invalid') AND o.submission_id <> $3)::INTEGER AS gated,
            (SELECT sum(cost_usd::DECIMAL(18, 9))::DOUBLE FROM raw_results WHERE run_id = $1) AS cost,
            (SELECT count(DISTINCT row_key) FROM requests WHERE run_id = $1 AND model = $2 AND NOT starts_with(row_key, 'golden:'))::INTEGER AS escalated
     FROM (SELECT count(*) FILTER (WHERE disposition = 'promoted')::INTEGER AS promoted,
                  count(*) FILTER (WHERE disposition = 'quarantined')::INTEGER AS quarantined,
                  count(*) FILTER (WHERE disposition = 'dead_lettered')::INTEGER AS dead_lettered,
                  count(*) FILTER (WHERE disposition IN ('held', 'valid'))::INTEGER AS held,
                  count(*) FILTER (WHERE NOT starts_with(row_key, 'golden:') AND (disposition = 'promoted'
                    OR (disposition IN ('held', 'valid') AND output_json IS NOT NULL)))::INTEGER AS good
           FROM dispositions WHERE run_id = $1) d`,
    [runId, ctx.job.models.escalation ?? '', UNSENT],
  );
  const { good, valid, gated, cost, escalated, ...counts } = row!;
  const metrics = runMetrics({
    counts,
    validOutputs: valid,
    gatedOutputs: gated,
    costUsd: cost ?? 0,
    escalatedRows: escalated,
    goodRows: good,
    goldenScore,
  });
  await db.exec(
    `INSERT OR REPLACE INTO run_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::DECIMAL(18, 9), ?::DECIMAL(18, 9), ?, ?)`,
    [
      runId,
      counts.source,
      counts.promoted,
      counts.quarantined,
      counts.dead_lettered,
      counts.held,
      good,
      metrics.coverage,
      metrics.validity,
      metrics.cost_usd,
      metrics.cost_per_good_row,
      metrics.escalation_rate,
      metrics.golden_score,
    ],
  );
  await ctx.log.event('metrics', 'metrics_recorded', { counts, metrics });
  const trends = options.trend ? await trendAlarms(ctx) : [];
  for (const alarm of trends) await ctx.log.alarm('metrics', 'trend_alarm', { ...alarm });
  return { counts, metrics, trendAlarms: trends };
}
