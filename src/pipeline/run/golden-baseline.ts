import type { RunContext } from './run-context.js';

/**
 * The golden score to compare against: the job's recorded baseline, else the score of the last
 * run of the same job that promoted, else none (the first run records one).
 */
export async function goldenBaseline(ctx: RunContext): Promise<number | null> {
  if (ctx.job.golden.baseline !== null) return ctx.job.golden.baseline;
  const row = await ctx.db.one<{ score: number | null }>(
    `SELECT m.golden_score AS score FROM run_metrics m JOIN runs r USING (run_id)
     WHERE r.job_name = ? AND r.status = 'promoted' AND r.run_id <> ? ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1`,
    [ctx.job.name, ctx.runId],
  );
  return row?.score ?? null;
}
