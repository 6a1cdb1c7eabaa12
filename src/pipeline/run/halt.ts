import type { Clock } from '../../core/clock.js';
import { BatchguardError, UsageError } from '../../core/errors.js';
import { formatRfc3339 } from '../../core/rfc3339.js';
import type { RunDb } from '../db/run-db.js';
import type { Job } from '../job/job.js';
import type { RunContext } from './run-context.js';
import { type LogEntry, RunLog } from './run-log.js';

export interface HaltResult {
  /** The run's status before the halt (`running` when it was stopped midway). */
  previousStatus: string;
  /** Batch ids the run had in flight (created, not yet ended). */
  inFlight: string[];
  /** Of those, the ones a cancel was asked for. */
  canceled: string[];
  /**
   * Submissions whose create was under way when the run stopped (an intent, no batch id): a batch
   * may exist for them, unknown to the run, so it is not canceled. `resume` would find it.
   */
  uncertain: string[];
}

/**
 * The runbook's first step: stop a run. An unfinished run is marked done and halted, so `resume`
 * will never continue it nor promote it; its batches still in flight are canceled when `cancel`
 * is given (live runs: the API that made them is still there). A run already finished is left
 * as it is, and the halt is recorded in its log all the same, for whoever reads it next.
 */
export async function haltRun(
  db: RunDb,
  runId: string,
  clock: Clock,
  options: {
    cancel?: (batchId: string) => Promise<void>;
    onEntry?: (entry: LogEntry) => void;
    /** The run's own log, when the run halts itself (its sequence numbers are in this process). */
    log?: RunLog;
  } = {},
): Promise<HaltResult> {
  const run = await db.one<{ job_json: string; state: string; status: string }>(
    'SELECT job_json, state, status FROM runs WHERE run_id = ?',
    [runId],
  );
  if (!run)
    throw new UsageError(
      'unknown_run',
      `Failed to halt ${runId}: no such run in ${db.path}.`,
      'List runs with `batchguard report`.',
    );
  const log = options.log ?? (await RunLog.open(db, runId, clock, options.onEntry ?? (() => {})));
  const inFlight = (
    await db.all<{ batch_id: string }>(
      "SELECT batch_id FROM submissions WHERE run_id = ? AND status = 'submitted' AND batch_id IS NOT NULL ORDER BY submission_id",
      [runId],
    )
  ).map((s) => s.batch_id);
  const uncertain =
    run.state === 'done'
      ? []
      : (
          await db.all<{ submission_id: string }>(
            "SELECT submission_id FROM submissions WHERE run_id = ? AND status = 'intended' ORDER BY submission_id",
            [runId],
          )
        ).map((s) => s.submission_id);
  const canceled: string[] = [];
  if (run.state !== 'done') {
    await db.exec("UPDATE runs SET state = 'done', status = 'halted', updated_at = ? WHERE run_id = ?", [
      formatRfc3339(clock.now()),
      runId,
    ]);
    for (const batchId of options.cancel ? inFlight : []) {
      try {
        await options.cancel!(batchId);
        canceled.push(batchId);
      } catch (error) {
        // The halt stands: the run never continues. A batch left running is named in the log.
        await log.alarm('halt', 'cancel_failed', { batch_id: batchId, error: String(error).slice(0, 300) });
      }
    }
  }
  await log.alarm('halt', 'halted_by_operator', {
    previous_status: run.status,
    sink: (JSON.parse(run.job_json) as Job).sink.table,
    in_flight: inFlight,
    canceled,
    ...(uncertain.length > 0 ? { create_uncertain: uncertain } : {}),
  });
  return { previousStatus: run.status, inFlight, canceled, uncertain };
}

/**
 * Stop this run here if the operator asked for it from another process (`batchguard halt` while
 * the run holds the database): its batches in flight are canceled, it is marked halted, and the
 * run ends with exit 1 pointing at the runbook's next step.
 */
export async function haltIfRequested(ctx: RunContext): Promise<void> {
  if (!ctx.env.haltRequested?.(ctx.runId)) return;
  const result = await haltRun(ctx.db, ctx.runId, ctx.env.clock, {
    log: ctx.log,
    cancel: async (batchId) => void (await ctx.client.messages.batches.cancel(batchId)),
  });
  throw new BatchguardError(
    'halted_by_operator',
    `Run ${ctx.runId} halted by \`batchguard halt\`: it will not continue or promote; ${result.canceled.length} of ${result.inFlight.length} batches in flight canceled.`,
    `Next, assess what it touched: \`batchguard assess ${ctx.runId}\`.`,
    1,
  );
}
