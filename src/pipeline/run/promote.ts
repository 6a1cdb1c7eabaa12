import { BatchguardError, UsageError } from '../../core/errors.js';
import { isOutOfMemory, MEMORY_LIMIT_VAR, type RunDb } from '../db/run-db.js';
import { SINK_SHAPE, sinkShapeProblems, sinkTableSql } from '../db/schema.js';
import type { Job } from '../job/job.js';
import { crashPoint, type RunContext } from './run-context.js';

/** The catalog of the run database's own schema, where promote creates and writes the sink. */
const HERE = 'database_name = current_database() AND schema_name = current_schema()';

/**
 * Refuse a run whose sink promote could not write: a table by that name with other columns, or
 * a view. Called before the run is recorded, so that the mismatch is found before any spend, not
 * at promote after every batch was paid for. A sink that does not exist yet is made at promote.
 */
export async function checkSink(
  db: RunDb,
  job: Pick<Job, 'name' | 'sink'>,
  /** Checking before a resume: the run's job is fixed, so the table itself has to be put right. */
  resuming?: string,
): Promise<void> {
  const { table } = job.sink;
  const refuse = (what: string) =>
    resuming
      ? new UsageError(
          'sink_mismatch',
          `Failed to resume ${resuming}: the sink ${what}.`,
          `Rename that ${table} out of the way (or restore it to batchguard's shape: ${SINK_SHAPE}), then resume again; the run's batches and results are kept.`,
        )
      : new UsageError(
          'sink_mismatch',
          `Failed to plan job ${job.name}: the sink ${what}.`,
          `Name another table with \`sink:\` in the job file, or use another --db; batchguard writes (${SINK_SHAPE}).`,
        );
  // DuckDB matches names without regard to case, so `Record` is the table a sink `record` writes.
  // What the name is first, then a table's columns (the job's check makes it a plain identifier,
  // and none of batchguard's own temporary tables). One statement of three scalar subqueries over
  // the catalog took 8–26 ms: duckdb_columns() binds every view of the database; these two, 5–10.
  const kinds = await db.all<{ kind: 'view' | 'table' }>(
    `SELECT 'view' AS kind FROM duckdb_views() WHERE ${HERE} AND lower(view_name) = lower($1)
     UNION ALL SELECT 'table' FROM duckdb_tables() WHERE ${HERE} AND lower(table_name) = lower($1)`,
    [table],
  );
  if (kinds.some((k) => k.kind === 'view')) throw refuse(`${table} in ${db.path} is a view, not a table`);
  if (kinds.length === 0) return;
  const columns = await db.all<{ name: string; type: string }>(
    'SELECT name, type FROM pragma_table_info($1) ORDER BY cid',
    [table],
  );
  const problems = sinkShapeProblems(columns);
  if (problems.length > 0)
    throw refuse(
      `table ${table} in ${db.path} has other columns than batchguard writes: ${problems.join('; ')}`,
    );
}

/**
 * Promote the valid rows into the sink in one transaction: first a before-image of every row
 * it will touch (its old value, or that it did not exist), then the upsert: the keys' old rows
 * deleted and the new ones inserted, which keeps one row per key without a key index (see
 * sinkTableSql). A crash inside leaves nothing half-written; rollback later restores exactly
 * these rows.
 */
export async function promote(ctx: RunContext): Promise<number> {
  const { db, runId } = ctx;
  const sink = ctx.job.sink.table;
  await ctx.log.intent('promote', 'promote', { sink });
  const promoted = await db
    .transaction(async () => {
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
        `DELETE FROM ${sink} WHERE key IN
         (SELECT row_key FROM dispositions WHERE run_id = $1 AND disposition = 'valid')`,
        [runId],
      );
      await db.exec(
        `INSERT INTO ${sink} SELECT row_key, output_json, $1, custom_id FROM dispositions
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
    })
    .catch((error: unknown) => {
      throw isOutOfMemory(error) ? promoteOutOfMemory(ctx) : error;
    });
  await ctx.log.outcome('promote', 'promoted', { sink, rows: promoted });
  return promoted;
}

/**
 * Promote's joins and writes spill to disk, but a sink with a PRIMARY KEY (as batchguard made
 * them before it kept one row per key itself) has its key index held in memory whole: a sink of
 * millions of rows can outgrow the ceiling (3,000,000 did at 192 MB). The transaction rolled
 * back, so nothing was promoted and the run is still at its promote step: say how to finish it.
 */
function promoteOutOfMemory(ctx: RunContext): BatchguardError {
  return new BatchguardError(
    'promote_out_of_memory',
    `Failed to promote run ${ctx.runId} into ${ctx.job.sink.table}: DuckDB ran out of its ${ctx.db.memoryLimit} memory ceiling (a sink with a PRIMARY KEY has its key index held in memory whole). Nothing was promoted; the run waits at its promote step.`,
    `Finish it with a larger ceiling: \`${MEMORY_LIMIT_VAR}=1GB npx batchguard resume ${ctx.runId}\`. A sink rebuilt without its PRIMARY KEY needs no index (docs/known-limits.md says how).`,
    1,
  );
}

/** Hold promotion: the valid rows stay in staging, marked held, and the sink is not touched. */
export async function hold(ctx: RunContext, reason: string): Promise<void> {
  await ctx.db.exec(
    "UPDATE dispositions SET disposition = 'held', reason = ? WHERE run_id = ? AND disposition = 'valid'",
    [reason, ctx.runId],
  );
  await ctx.log.alarm('promote', 'promotion_held', { reason });
}
