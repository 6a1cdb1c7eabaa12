import { UsageError } from '../../core/errors.js';
import type { RunDb } from '../db/run-db.js';
import type { Job } from '../job/job.js';

export interface Assessment {
  /** Rows the run's promote touched (before-images not yet rolled back). */
  touched: number;
  /** Of those, rows whose value the run changed. */
  changed: number;
  /** Of those, rows the run created. */
  created: number;
  /** Rows the run wrote the value they already had. */
  unchanged: number;
  /** Rows a later run has changed since: a rollback leaves them alone. */
  overwritten: number;
  /**
   * The rows to reverse: every row the run wrote that is still its own in the sink. Rows it wrote
   * unchanged are among them, since the sink also records which run and custom_id wrote a row.
   */
  affected: number;
}

/**
 * The runbook's second step: count, by custom_id, the rows a promoted run touched, and hand each
 * id it would reverse to `onId` (streamed, never held whole) so a person can review the list and
 * give it to `rollback --ids`.
 */
export async function assessRun(
  db: RunDb,
  runId: string,
  onId: (customId: string) => void = () => {},
): Promise<Assessment> {
  const run = await db.one<{ job_json: string }>('SELECT job_json FROM runs WHERE run_id = ?', [runId]);
  if (!run)
    throw new UsageError(
      'unknown_run',
      `Failed to assess ${runId}: no such run in ${db.path}.`,
      'List runs with `batchguard report`.',
    );
  const sink = (JSON.parse(run.job_json) as Job).sink.table;
  const exists = await db.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = ?',
    [sink],
  );
  const rows = `
    SELECT b.custom_id, b.existed, b.old_value IS DISTINCT FROM b.new_value AS changed,
           ${exists!.n > 0 ? 'k.run_id IS NOT DISTINCT FROM b.run_id AND k.value IS NOT DISTINCT FROM b.new_value' : 'false'} AS ours
    FROM before_images b ${exists!.n > 0 ? `LEFT JOIN ${sink} k ON k.key = b.row_key` : ''}
    WHERE b.run_id = $1 AND NOT b.rolled_back`;
  const counts = await db.one<Assessment>(
    `SELECT count(*)::INTEGER AS touched,
            count(*) FILTER (WHERE existed AND changed)::INTEGER AS changed,
            count(*) FILTER (WHERE NOT existed)::INTEGER AS created,
            count(*) FILTER (WHERE existed AND NOT changed)::INTEGER AS unchanged,
            count(*) FILTER (WHERE NOT ours)::INTEGER AS overwritten,
            count(*) FILTER (WHERE ours)::INTEGER AS affected
     FROM (${rows})`,
    [runId],
  );
  for await (const chunk of db.stream<{ custom_id: string }>(
    `SELECT custom_id FROM (${rows}) WHERE ours ORDER BY custom_id`,
    [runId],
  ))
    for (const row of chunk) onId(row.custom_id);
  return counts!;
}
