import type { RunContext } from './run-context.js';

/** The submission id of the outcomes of rows never sent: held back by the spend guard, or unfenceable. */
export const UNSENT = 'unsent';

export type SubmissionStatus = 'intended' | 'submitted' | 'ended' | 'fetched' | 'gated';

export interface Submission {
  submissionId: string;
  phase: 'canary' | 'main';
  round: number;
  model: string;
  requestCount: number;
  intentMs: number;
  /**
   * The newest batch in the workspace just before the create (create-batch.ts listMark): batches
   * listed above it were made after the intent. Null in an empty workspace or an older database.
   */
  listMark: string | null;
  /**
   * The mark's created_at on the API's clock (0 when the workspace held no batch): bounds the
   * search should the mark be deleted. Null for a run recorded before marks existed.
   */
  listMarkMs: number | null;
  batchId: string | null;
  status: SubmissionStatus;
}

interface SubmissionRow {
  submission_id: string;
  phase: 'canary' | 'main';
  round: number;
  model: string;
  request_count: number;
  intent_ms: number;
  list_mark: string | null;
  list_mark_ms: number | null;
  batch_id: string | null;
  status: SubmissionStatus;
}

/** The run's submissions, in submission order. */
export async function readSubmissions(ctx: RunContext): Promise<Submission[]> {
  const rows = await ctx.db.all<SubmissionRow>(
    'SELECT submission_id, phase, round, model, request_count, intent_ms, list_mark, list_mark_ms, batch_id, status FROM submissions WHERE run_id = ? ORDER BY submission_id',
    [ctx.runId],
  );
  return rows.map((row) => ({
    submissionId: row.submission_id,
    phase: row.phase,
    round: row.round,
    model: row.model,
    requestCount: row.request_count,
    intentMs: row.intent_ms,
    listMark: row.list_mark,
    listMarkMs: row.list_mark_ms,
    batchId: row.batch_id,
    status: row.status,
  }));
}

export async function setSubmissionStatus(
  ctx: RunContext,
  submissionId: string,
  status: SubmissionStatus,
  extra: { batchId?: string; adopted?: boolean; countsJson?: string } = {},
): Promise<void> {
  await ctx.db.exec(
    `UPDATE submissions SET status = ?, batch_id = coalesce(?, batch_id), adopted = coalesce(?, adopted),
       counts_json = coalesce(?, counts_json) WHERE run_id = ? AND submission_id = ?`,
    [status, extra.batchId ?? null, extra.adopted ?? null, extra.countsJson ?? null, ctx.runId, submissionId],
  );
}

/** The next submission id: s0001, s0002, … (a submission is recorded with its mapping, or not at all). */
export async function nextSubmissionId(ctx: RunContext): Promise<string> {
  const row = await ctx.db.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM submissions WHERE run_id = ?',
    [ctx.runId],
  );
  return `s${String((row?.n ?? 0) + 1).padStart(4, '0')}`;
}
