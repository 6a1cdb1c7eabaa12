import { sinkTableSql } from '../db/schema.js';
import { crashPoint, type RunContext } from './run-context.js';

/**
 * Promote the valid rows into the sink in one transaction: first a before-image of every row
 * it will touch (its old value, or that it did not exist), then the upsert. A crash inside
 * leaves nothing half-written; rollback later restores exactly these rows.
 */
export async function promote(ctx: RunContext): Promise<number> {
  const { db, runId } = ctx;
  const sink = ctx.job.sink.table;
  await ctx.log.intent('promote', 'promote', { sink });
  const promoted = await db.transaction(async () => {
    // In the transaction, so in its turn: two runs creating one new sink at once would conflict.
    await db.exec(sinkTableSql(sink));
    await db.exec('DELETE FROM before_images WHERE run_id = ?', [runId]);
    await db.exec(
      `INSERT INTO before_images
       SELECT $1, d.row_key, d.custom_id, k.key IS NOT NULL, k.value, k.run_id, k.custom_id, d.output_json, false
       FROM dispositions d LEFT JOIN ${sink} k ON k.key = d.row_key
       WHERE d.run_id = $1 AND d.disposition = 'valid'`,
      [runId],
    );
    await db.exec(
      `INSERT OR REPLACE INTO ${sink} SELECT row_key, output_json, $1, custom_id FROM dispositions
       WHERE run_id = $1 AND disposition = 'valid'`,
      [runId],
    );
    crashPoint(ctx, 'promote:inside-transaction');
    await db.exec(
      "UPDATE dispositions SET disposition = 'promoted' WHERE run_id = ? AND disposition = 'valid'",
      [runId],
    );
    const row = await db.one<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM dispositions WHERE run_id = ? AND disposition = 'promoted'",
      [runId],
    );
    return row?.n ?? 0;
  });
  await ctx.log.outcome('promote', 'promoted', { sink, rows: promoted });
  return promoted;
}

/** Hold promotion: the valid rows stay in staging, marked held, and the sink is not touched. */
export async function hold(ctx: RunContext, reason: string): Promise<void> {
  await ctx.db.exec(
    "UPDATE dispositions SET disposition = 'held', reason = ? WHERE run_id = ? AND disposition = 'valid'",
    [reason, ctx.runId],
  );
  await ctx.log.alarm('promote', 'promotion_held', { reason });
}
