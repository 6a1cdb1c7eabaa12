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
  const spent = await spentMaxUsd(ctx);
  const row = await ctx.db.one<{ needed: number | null; rows: number }>(
    `SELECT sum(${rowWorstCostSql(ctx, 'q.next_model')}) AS needed, count(*)::INTEGER AS rows
     FROM queue q JOIN source_rows s ON s.run_id = ? AND s.row_key = q.row_key`,
    [ctx.runId],
  );
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
 * Per run context, each ended batch's costliest row, by submission id: fixed once the batch's
 * mapping is written, so read once. Reading it from every row the run had sent, at each check,
 * grew with the batches ended: the poll checks after every sweep in which one ends.
 */
const COSTLIEST = new WeakMap<RunContext, Map<string, number>>();

/**
 * The spend guard's bound on what the API can have billed the run so far, in USD: each ended
 * batch's `succeeded` count times its costliest row, summed in submission order.
 */
export async function spentMaxUsd(ctx: RunContext): Promise<number> {
  const ended = await ctx.db.all<{ submission_id: string; succeeded: number }>(
    `SELECT s.submission_id, ${succeededSql} AS succeeded FROM submissions s
     WHERE s.run_id = $1 AND s.counts_json IS NOT NULL ORDER BY s.submission_id`,
    [ctx.runId],
  );
  let costliest = COSTLIEST.get(ctx);
  if (!costliest) {
    costliest = new Map();
    COSTLIEST.set(ctx, costliest);
  }
  const unknown = ended.map((e) => e.submission_id).filter((id) => !costliest.has(id));
  if (unknown.length > 0) {
    // The ids as a list of values (written in as literals): DuckDB then sees how few rows of
    // `requests` they select and builds its join on those. Given as one list parameter, it
    // guessed a large share, and at 10,000,000 rows built on source_rows and its JSON instead,
    // past its memory ceiling.
    const rows = await ctx.db.all<{ submission_id: string; max_cost: number | null }>(
      `SELECT q.submission_id, max(${rowWorstCostSql(ctx, 'q.model')}) AS max_cost
       FROM requests q JOIN source_rows r ON r.run_id = q.run_id AND r.row_key = q.row_key
       WHERE q.run_id = $1 AND q.submission_id IN (${unknown.map((_, i) => `$${i + 2}`).join(', ')})
       GROUP BY q.submission_id`,
      [ctx.runId, ...unknown],
    );
    // A batch with no mapped row cannot have billed a row: its bound is 0.
    for (const id of unknown) costliest.set(id, 0);
    for (const r of rows) costliest.set(r.submission_id, Number(r.max_cost ?? 0));
  }
  return ended.reduce((sum, e) => sum + Number(e.succeeded) * costliest.get(e.submission_id)!, 0);
}
