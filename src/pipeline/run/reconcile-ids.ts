import { countedTotal } from './batch-counts.js';
import { MALFORMED } from './result-line.js';
import type { RunContext } from './run-context.js';
import type { Submission } from './submissions.js';

/**
 * The custom_id bookkeeping of one fetched batch, joined to the mapping written at submit (never
 * by position): ids the run never submitted, ids with more than one line (and whether those
 * lines differ), ids with no line at all, counts that disagree with what was sent or received,
 * and source rows that changed since submit. Each finding that is a fault is an alarm; the gate
 * (gate-results.ts) turns them into outcomes.
 */
export interface BatchIds {
  /** Lines for ids this batch never had, each with what is known of it. */
  unknown: { customId: string; detail: string }[];
  /** Ids whose lines differ: none of them can be trusted. */
  conflicting: Set<string>;
  /** Submitted ids with no line: they go back in the queue. */
  missing: { customId: string; rowKey: string; attempt: number; model: string }[];
  /** SQL of the first line of each id (a duplicate's later lines are the same, or conflicting). */
  firstLines: string;
}

export async function reconcileIds(ctx: RunContext, submission: Submission): Promise<BatchIds> {
  // One statement for the three findings (each statement costs a millisecond or more, whatever its size).
  const found = await ctx.db.all<{
    what: 'unknown' | 'duplicate' | 'missing';
    custom_id: string;
    problem: string | null;
    row_key: string | null;
    attempt: number | null;
    model: string | null;
    variants: number | null;
  }>(
    // A malformed line's own problem says more than "never submitted" (its id may be a placeholder).
    `SELECT 'unknown' AS what, r.custom_id,
            min(CASE WHEN r.result_type = '${MALFORMED}' THEN r.error_message END) AS problem,
            NULL::VARCHAR AS row_key, NULL::INTEGER AS attempt, NULL::VARCHAR AS model, NULL::INTEGER AS variants
     FROM raw_results r ANTI JOIN requests q
       ON q.run_id = r.run_id AND q.submission_id = r.submission_id AND q.custom_id = r.custom_id
     WHERE r.run_id = $1 AND r.submission_id = $2 GROUP BY r.custom_id
     UNION ALL
     -- Only ids that occur twice pay for comparing their lines.
     SELECT 'duplicate', custom_id, NULL, NULL, NULL, NULL,
            count(DISTINCT concat_ws('|', result_type, text, error_type))::INTEGER
     FROM raw_results WHERE run_id = $1 AND submission_id = $2 AND custom_id IN (
       SELECT custom_id FROM raw_results WHERE run_id = $1 AND submission_id = $2
       GROUP BY custom_id HAVING count(*) > 1)
     GROUP BY custom_id
     UNION ALL
     SELECT 'missing', q.custom_id, NULL, q.row_key, q.attempt, q.model, NULL FROM requests q ANTI JOIN raw_results r
       ON r.run_id = q.run_id AND r.submission_id = q.submission_id AND r.custom_id = q.custom_id
     WHERE q.run_id = $1 AND q.submission_id = $2
     ORDER BY what, custom_id`,
    [ctx.runId, submission.submissionId],
  );
  const unknown = found.filter((f) => f.what === 'unknown');
  const duplicates = found.filter((f) => f.what === 'duplicate');
  const missing = found.filter((f) => f.what === 'missing');
  if (unknown.length > 0)
    await ctx.log.alarm('gate', 'unknown_ids', {
      submission_id: submission.submissionId,
      count: unknown.length,
    });
  const conflicting = new Set(duplicates.filter((d) => (d.variants ?? 0) > 1).map((d) => d.custom_id));
  if (duplicates.length > 0)
    await ctx.log.alarm('gate', 'duplicate_lines', {
      submission_id: submission.submissionId,
      identical: duplicates.length - conflicting.size,
      conflicting: conflicting.size,
    });
  if (missing.length > 0)
    await ctx.log.alarm('gate', 'missing_ids', {
      submission_id: submission.submissionId,
      count: missing.length,
      expected: submission.requestCount,
      received: submission.requestCount - missing.length,
    });
  await checkCounts(ctx, submission);

  return {
    unknown: unknown.map(({ custom_id, problem }) => ({
      customId: custom_id,
      detail: problem === null ? 'the run never submitted this id' : malformedDetail(problem),
    })),
    conflicting,
    missing: missing.map((m) => ({
      customId: m.custom_id,
      rowKey: m.row_key!,
      attempt: m.attempt!,
      model: m.model!,
    })),
    // The window that finds each id's first line runs only when some id came twice.
    firstLines:
      duplicates.length === 0
        ? 'SELECT * FROM raw_results WHERE run_id = $1 AND submission_id = $2'
        : `SELECT * FROM raw_results WHERE run_id = $1 AND submission_id = $2
           QUALIFY row_number() OVER (PARTITION BY custom_id ORDER BY line_no) = 1`,
  };
}

export const malformedDetail = (problem: string) => `malformed result line: ${problem}`;

/** Alarm when the API's counts are not readable counts, or disagree with what was sent or received. */
async function checkCounts(ctx: RunContext, submission: Submission): Promise<void> {
  // Two scalar subqueries: one correlated to the submission's row cost DuckDB a join to plan.
  const row = await ctx.db.one<{ counts_json: string | null; received: number }>(
    `SELECT (SELECT counts_json FROM submissions WHERE run_id = $1 AND submission_id = $2) AS counts_json,
            (SELECT count(DISTINCT custom_id)::INTEGER FROM raw_results
             WHERE run_id = $1 AND submission_id = $2) AS received`,
    [ctx.runId, submission.submissionId],
  );
  // Gating follows a batch's end, when its counts are recorded: none means the API sent none.
  const total = countedTotal(row?.counts_json ?? null);
  if (total !== submission.requestCount || row?.received !== submission.requestCount) {
    await ctx.log.alarm('gate', 'counts_disagree', {
      submission_id: submission.submissionId,
      submitted: submission.requestCount,
      counted: total,
      received: row?.received ?? 0,
    });
  }
}
