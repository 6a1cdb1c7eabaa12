import { slopeOf } from '../../core/least-squares.js';
import type { RunContext } from './run-context.js';

/** A leading metric drifting the wrong way across the job's last runs (`trend_alarm`). */
export interface TrendAlarm {
  metric: 'validity' | 'escalation_rate' | 'golden_score';
  /** The job's last runs this one included, oldest first (their ids and the metric's values). */
  runs: string[];
  values: number[];
  /** Last value minus first. */
  total: number;
  /** Least-squares slope a run. */
  slope: number;
  /** Which line it crossed: the total move, the slope, or both, and the limits it crossed. */
  crossed: ('total' | 'slope')[];
  totalMax: number;
  slopeMax: number;
}

/** The leading signals and which way is wrong for each: down for validity and golden, up for escalation. */
const LEADING = [
  { metric: 'validity', wrong: -1, total: 'validityDrop', slope: 'validitySlope' },
  { metric: 'escalation_rate', wrong: 1, total: 'escalationRise', slope: 'escalationSlope' },
  { metric: 'golden_score', wrong: -1, total: 'goldenDrop', slope: 'goldenSlope' },
] as const;

/**
 * The trend alarms of this run: each leading metric, fitted over the job's last `runs` runs in
 * this mode that ran to the end (promoted, held or since rolled back: a run halted after its
 * canary has a slice's metrics only), this one last, alarms when it moved the wrong way by more than
 * its total limit, or at a least-squares slope past its limit a run, even when no single run
 * crossed a line of its own (a drift across nights). A metric missing from any of those runs (a
 * golden score without golden rows) is not fitted.
 */
export async function trendAlarms(ctx: RunContext): Promise<TrendAlarm[]> {
  const trend = ctx.job.thresholds.trend;
  if (!trend) return [];
  const rows = await ctx.db.all<{
    run_id: string;
    validity: number;
    escalation_rate: number;
    golden_score: number | null;
  }>(
    `SELECT run_id, validity, escalation_rate, golden_score FROM run_summary
     WHERE job = ? AND mode = ? AND validity IS NOT NULL
       AND (status IN ('promoted', 'held', 'rolled_back') OR run_id = ?)
       AND run_index <= (SELECT run_index FROM run_summary WHERE run_id = ?)
     ORDER BY run_index DESC LIMIT ${trend.runs}`,
    [ctx.job.name, await modeOf(ctx), ctx.runId, ctx.runId],
  );
  if (rows.length < trend.runs || rows[0]?.run_id !== ctx.runId) return [];
  rows.reverse();
  const alarms: TrendAlarm[] = [];
  for (const { metric, wrong, total: totalKey, slope: slopeKey } of LEADING) {
    const values = rows.map((r) => r[metric]);
    if (values.some((v) => v === null)) continue;
    const ys = values as number[];
    const total = ys.at(-1)! - ys[0]!;
    const slope = slopeOf(ys);
    const crossed: TrendAlarm['crossed'] = [];
    // Compared with a hair of slack: 0.994 - 0.984 is 0.010000000000000009 in floating point.
    if (wrong * total > trend[totalKey] + 1e-12) crossed.push('total');
    if (wrong * slope > trend[slopeKey] + 1e-12) crossed.push('slope');
    if (crossed.length === 0) continue;
    alarms.push({
      metric,
      runs: rows.map((r) => r.run_id),
      values: ys,
      total,
      slope,
      crossed,
      totalMax: trend[totalKey],
      slopeMax: trend[slopeKey],
    });
  }
  return alarms;
}

async function modeOf(ctx: RunContext): Promise<string> {
  const row = await ctx.db.one<{ mode: string }>('SELECT mode FROM runs WHERE run_id = ?', [ctx.runId]);
  return row?.mode ?? 'simulation';
}
