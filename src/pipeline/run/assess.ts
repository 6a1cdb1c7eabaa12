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
 * give it to `rollback --ids`. With `batches` (API batch ids of the run, as a provider's incident
 * notice names them), only the rows whose promoted answer came from one of those batches: the
 * slice to reverse when an incident hit part of a run.
 */
export async function assessRun(
  db: RunDb,
  runId: string,
  onId: (customId: string) => void = () => {},
  options: { batches?: readonly string[] } = {},
): Promise<Assessment> {
  const run = await db.one<{ job_json: string }>('SELECT job_json FROM runs WHERE run_id = ?', [runId]);
  if (!run)
    throw new UsageError(
      'unknown_run',
      `Failed to assess ${runId}: no such run in ${db.path}.`,
      'List runs with `batchguard report`.',
    );
  const sink = (JSON.parse(run.job_json) as Job).sink.table;
  const batches = options.batches ?? [];
  if (batches.length > 0) await checkBatches(db, runId, batches);
  const exists = await db.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = ?',
    [sink],
  );
  const rows = `
    SELECT b.custom_id, b.existed, b.old_value IS DISTINCT FROM b.new_value AS changed,
           ${exists!.n > 0 ? 'k.run_id IS NOT DISTINCT FROM b.run_id AND k.value IS NOT DISTINCT FROM b.new_value' : 'false'} AS ours
    FROM before_images b ${exists!.n > 0 ? `LEFT JOIN ${sink} k ON k.key = b.row_key` : ''}
    WHERE b.run_id = $1 AND NOT b.rolled_back${
      batches.length === 0
        ? ''
        : ` AND b.custom_id IN (SELECT custom_id FROM batch_requests WHERE run_id = $1
            AND batch_id IN (${batches.map((_, i) => `$${i + 2}`).join(', ')}))`
    }`;
  const counts = await db.one<Assessment>(
    `SELECT count(*)::INTEGER AS touched,
            count(*) FILTER (WHERE existed AND changed)::INTEGER AS changed,
            count(*) FILTER (WHERE NOT existed)::INTEGER AS created,
            count(*) FILTER (WHERE existed AND NOT changed)::INTEGER AS unchanged,
            count(*) FILTER (WHERE NOT ours)::INTEGER AS overwritten,
            count(*) FILTER (WHERE ours)::INTEGER AS affected
     FROM (${rows})`,
    [runId, ...batches],
  );
  for await (const chunk of db.stream<{ custom_id: string }>(
    `SELECT custom_id FROM (${rows}) WHERE ours ORDER BY custom_id`,
    [runId, ...batches],
  ))
    for (const row of chunk) onId(row.custom_id);
  return counts!;
}

/** Refuse a batch id the run never created: a typo would otherwise assess nothing, silently. */
async function checkBatches(db: RunDb, runId: string, batches: readonly string[]): Promise<void> {
  const known = (
    await db.all<{ batch_id: string }>(
      'SELECT batch_id FROM submission_batches WHERE run_id = ? AND batch_id IS NOT NULL ORDER BY submission_id',
      [runId],
    )
  ).map((b) => b.batch_id);
  const unknown = batches.filter((b) => !known.includes(b));
  if (unknown.length > 0)
    throw new UsageError(
      'unknown_batch',
      `Failed to assess ${runId}: it created no batch ${unknown.join(', ')}.`,
      `Its batches: ${known.join(', ') || 'none'}.`,
    );
}
