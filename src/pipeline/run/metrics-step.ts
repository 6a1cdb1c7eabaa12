import { type RunCounts, type RunMetrics, runMetrics } from '../gate/run-metrics.js';
import type { RunContext } from './run-context.js';
import { UNSENT } from './submissions.js';

/** Compute and store the run's counts and metrics (the report contract). */
export async function recordMetrics(
  ctx: RunContext,
  goldenScore: number | null,
): Promise<{ counts: RunCounts; metrics: RunMetrics }> {
  const { db, runId } = ctx;
  const c = await db.one<RunCounts>(
    `SELECT (SELECT count(*) FROM source_rows WHERE run_id = $1 AND NOT is_golden)::INTEGER AS source,
            count(*) FILTER (WHERE disposition = 'promoted')::INTEGER AS promoted,
            count(*) FILTER (WHERE disposition = 'quarantined')::INTEGER AS quarantined,
            count(*) FILTER (WHERE disposition = 'dead_lettered')::INTEGER AS dead_lettered,
            count(*) FILTER (WHERE disposition IN ('held', 'valid'))::INTEGER AS held
     FROM dispositions WHERE run_id = $1`,
    [runId],
  );
  const g = await db.one<{ valid: number; gated: number; cost: number | null; escalated: number }>(
    `SELECT (SELECT count(*) FROM outcomes o JOIN source_rows s ON s.run_id = o.run_id AND s.row_key = o.row_key
              WHERE o.run_id = $1 AND NOT s.is_golden AND o.kind = 'valid')::INTEGER AS valid,
            (SELECT count(*) FROM outcomes o JOIN source_rows s ON s.run_id = o.run_id AND s.row_key = o.row_key
              WHERE o.run_id = $1 AND NOT s.is_golden AND o.kind IN ('valid', 'invalid') AND o.submission_id <> $3)::INTEGER AS gated,
            (SELECT sum(cost_usd) FROM raw_results WHERE run_id = $1) AS cost,
            (SELECT count(DISTINCT row_key) FROM requests WHERE run_id = $1 AND model = $2 AND NOT starts_with(row_key, 'golden:'))::INTEGER AS escalated`,
    [runId, ctx.job.models.escalation ?? '', UNSENT],
  );
  const counts = c!;
  const metrics = runMetrics({
    counts,
    validOutputs: g!.valid,
    gatedOutputs: g!.gated,
    costUsd: g!.cost ?? 0,
    escalatedRows: g!.escalated,
    goldenScore,
  });
  await db.exec('INSERT OR REPLACE INTO metrics VALUES (?, ?, ?)', [
    runId,
    JSON.stringify(metrics),
    JSON.stringify(counts),
  ]);
  await ctx.log.event('metrics', 'metrics_recorded', { counts, metrics });
  return { counts, metrics };
}
