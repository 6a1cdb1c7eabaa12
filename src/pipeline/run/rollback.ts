import { listValue } from '@duckdb/node-api';
import type { Clock } from '../../core/clock.js';
import { UsageError } from '../../core/errors.js';
import type { RunDb } from '../db/run-db.js';
import type { Job } from '../job/job.js';
import { type LogEntry, RunLog } from './run-log.js';

export interface RollbackResult {
  /** Rows put back to their value before the run. */
  restored: number;
  /** Rows the run had created, removed again. */
  removed: number;
  /** Rows a later run has changed since: left alone, with an alarm. */
  conflicts: number;
}

/**
 * Undo a promote: restore exactly the rows the run touched, from their before-images, or only
 * those named in `ids` (custom_ids or row keys). Rows the run did not touch never change, and a
 * row another run has changed since is left alone and reported, never clobbered.
 */
export async function rollbackRun(
  db: RunDb,
  runId: string,
  clock: Clock,
  options: { ids?: readonly string[]; onEntry?: (entry: LogEntry) => void } = {},
): Promise<RollbackResult> {
  const run = await db.one<{ job_json: string; status: string }>(
    'SELECT job_json, status FROM runs WHERE run_id = ?',
    [runId],
  );
  if (!run)
    throw new UsageError(
      'unknown_run',
      `Failed to roll back ${runId}: no such run in ${db.path}.`,
      'List runs with `batchguard report`.',
    );
  const images = await db.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM before_images WHERE run_id = ?',
    [runId],
  );
  // A run that promoted no row rolls back to nothing, as often as asked; one that never promoted
  // (refused, halted, held, or still running) is the wrong run to undo.
  if (images?.n === 0 && !['promoted', 'rolled_back', 'partially_rolled_back'].includes(run.status))
    throw new UsageError(
      'nothing_to_roll_back',
      `Failed to roll back ${runId}: it never promoted (status ${run.status}), so there is nothing to undo.`,
      'Check the run id with `batchguard report`: a run that was refused, halted or held left the sink as it was.',
    );
  if (options.ids) await refuseUnknownIds(db, runId, options.ids);
  const sink = (JSON.parse(run.job_json) as Job).sink.table;
  const log = await RunLog.open(db, runId, clock, options.onEntry ?? (() => {}));
  await log.intent('rollback', 'rollback', { ids: options.ids?.length ?? 'all' });
  const result = await db.transaction(async () => {
    await db.exec(
      `CREATE OR REPLACE TEMP TABLE rb AS
       SELECT b.*, k.run_id IS NOT DISTINCT FROM b.run_id AND k.value IS NOT DISTINCT FROM b.new_value AS ours
       FROM before_images b LEFT JOIN ${sink} k ON k.key = b.row_key
       WHERE b.run_id = ? AND NOT b.rolled_back ${options.ids ? 'AND (b.custom_id IN (SELECT unnest(?::VARCHAR[])) OR b.row_key IN (SELECT unnest(?::VARCHAR[])))' : ''}`,
      options.ids ? [runId, listValue([...options.ids]), listValue([...options.ids])] : [runId],
    );
    await db.exec(`DELETE FROM ${sink} WHERE key IN (SELECT row_key FROM rb WHERE ours)`);
    await db.exec(
      `INSERT INTO ${sink} SELECT row_key, old_value, old_run_id, old_custom_id FROM rb WHERE ours AND existed`,
    );
    await db.exec(
      'UPDATE before_images SET rolled_back = true WHERE run_id = ? AND row_key IN (SELECT row_key FROM rb WHERE ours)',
      [runId],
    );
    const counts = await db.one<RollbackResult>(
      `SELECT count(*) FILTER (WHERE ours AND existed)::INTEGER AS restored, count(*) FILTER (WHERE ours AND NOT existed)::INTEGER AS removed,
              count(*) FILTER (WHERE NOT ours)::INTEGER AS conflicts FROM rb`,
    );
    const images = await db.one<{ left: number; back: number }>(
      `SELECT count(*) FILTER (WHERE NOT rolled_back)::INTEGER AS left, count(*) FILTER (WHERE rolled_back)::INTEGER AS back
       FROM before_images WHERE run_id = ?`,
      [runId],
    );
    // The status says what was undone: nothing yet (every row left alone) keeps it as it was.
    if (images!.back > 0) {
      await db.exec('UPDATE runs SET status = ? WHERE run_id = ?', [
        images!.left === 0 ? 'rolled_back' : 'partially_rolled_back',
        runId,
      ]);
    }
    return counts!;
  });
  if (result.conflicts > 0) await log.alarm('rollback', 'rollback_conflicts', { rows: result.conflicts });
  await log.outcome('rollback', 'rolled_back', { ...result });
  return result;
}

/**
 * Every id given must name a row the run's promote touched, by custom_id or key: the list comes
 * from `assess`, so one that names nothing is a typo or another run's list, and rolling back the
 * rest would undo a set nobody reviewed.
 */
async function refuseUnknownIds(db: RunDb, runId: string, ids: readonly string[]): Promise<void> {
  // An empty list would roll back nothing while looking like a rollback (and DuckDB cannot type
  // an empty list parameter): refuse it, as the CLI refuses an empty ids file.
  if (ids.length === 0)
    throw new UsageError(
      'empty_ids',
      `Failed to roll back ${runId}: the list of ids to reverse is empty.`,
      'Give the ids `assess` wrote, or no list to roll back every row the run touched.',
    );
  const unknown = await db.all<{ id: string }>(
    `SELECT DISTINCT id FROM (SELECT unnest(?::VARCHAR[]) AS id)
     WHERE id NOT IN (SELECT custom_id FROM before_images WHERE run_id = ?)
       AND id NOT IN (SELECT row_key FROM before_images WHERE run_id = ?)
     ORDER BY id`,
    [listValue([...ids]), runId, runId],
  );
  if (unknown.length === 0) return;
  const shown = unknown.slice(0, 5).map((u) => u.id);
  throw new UsageError(
    'unknown_ids',
    `Failed to roll back ${runId}: ${unknown.length} of the ids ${unknown.length === 1 ? 'names' : 'name'} no row it touched (${shown.join(', ')}${unknown.length > 5 ? ', …' : ''}); nothing was rolled back.`,
    'Give the ids `batchguard assess <run> --out FILE` wrote for this run (custom_ids or keys, one a line).',
  );
}
