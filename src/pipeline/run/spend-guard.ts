import { rowWorstCostSql } from './preflight.js';
import type { RunContext } from './run-context.js';
import { UNSENT } from './submissions.js';

/**
 * An ended batch's succeeded count, if it is one: a count the API sent as anything else (null, a
 * word, negative, more than the batch held) is not trusted, and every request counts as billed.
 */
const succeededSql = `coalesce(CASE WHEN TRY_CAST(s.counts_json::JSON ->> 'succeeded' AS INTEGER)
  BETWEEN 0 AND s.request_count THEN TRY_CAST(s.counts_json::JSON ->> 'succeeded' AS INTEGER) END, s.request_count)`;

/**
 * Before a round is submitted: can it still not push spend past the ceiling? What the API may
 * already have billed is bounded by each ended batch's `succeeded` count (the API's own count,
 * which includes rows whose result lines never arrived) times that batch's costliest row; the
 * round's worst case is every queued row at full max_tokens. If the two exceed the ceiling the
 * round is not sent: its rows are dead-lettered `cost_ceiling`, with an alarm.
 */
export async function roundWithinCeiling(ctx: RunContext): Promise<boolean> {
  const row = await ctx.db.one<{ spent: number | null; needed: number | null; rows: number }>(
    `SELECT
       (${spentMaxSql(ctx)}) AS spent,
       (SELECT sum(${rowWorstCostSql(ctx, 'next_model')}) FROM queue) AS needed,
       (SELECT count(*)::INTEGER FROM queue) AS rows`,
    [ctx.runId],
  );
  const spent = row?.spent ?? 0;
  const needed = row?.needed ?? 0;
  if (spent + needed <= ctx.job.costCeilingUsd) return true;
  await ctx.log.alarm('spend', 'ceiling_reached', {
    spent_max_usd: spent,
    round_worst_usd: needed,
    ceiling_usd: ctx.job.costCeilingUsd,
    rows: row?.rows ?? 0,
  });
  await ctx.db.exec(
    `INSERT INTO outcomes SELECT $1, $2, $2, row_key, attempt, next_model, 'failed', 'cost_ceiling',
       'the next attempt could take spend past the cost ceiling', NULL FROM queue`,
    [ctx.runId, UNSENT],
  );
  return false;
}

/**
 * SELECT of the most the API can have billed the run (`$1`) so far: each ended batch's
 * `succeeded` count times its costliest row.
 */
function spentMaxSql(ctx: RunContext): string {
  return `SELECT sum(succeeded * max_cost) FROM (
      SELECT ${succeededSql} AS succeeded, max(${rowWorstCostSql(ctx, 'q.model')}) AS max_cost
      FROM submissions s JOIN requests q ON q.run_id = s.run_id AND q.submission_id = s.submission_id
      JOIN source_rows r ON r.run_id = q.run_id AND r.row_key = q.row_key
      WHERE s.run_id = $1 AND s.counts_json IS NOT NULL GROUP BY s.submission_id, s.counts_json, s.request_count)`;
}

/** The spend guard's bound on what the API can have billed the run so far, in USD. */
export async function spentMaxUsd(ctx: RunContext): Promise<number> {
  const row = await ctx.db.one<{ spent: number | null }>(`SELECT (${spentMaxSql(ctx)}) AS spent`, [
    ctx.runId,
  ]);
  return Number(row?.spent ?? 0);
}
