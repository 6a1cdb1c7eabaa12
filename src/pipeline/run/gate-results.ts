import type { Appender } from '../db/run-db.js';
import { valueText } from '../prompt/render-request.js';
import { malformedDetail, reconcileIds } from './reconcile-ids.js';
import { MALFORMED } from './result-line.js';
import { crashPoint, type RunContext } from './run-context.js';
import { readCurrentSource, sourceUnchanged } from './run-source.js';
import { currentHashesSql } from './source-reader.js';
import { type Submission, setSubmissionStatus } from './submissions.js';

interface JoinedRow {
  custom_id: string;
  row_key: string;
  attempt: number;
  row_json: string;
  is_golden: boolean;
  stale: boolean;
  result_type: string;
  text: string | null;
  stop_reason: string | null;
  error_type: string | null;
  error_message: string | null;
}

type Outcome = [
  customId: string,
  rowKey: string | null,
  attempt: number | null,
  model: string | null,
  kind: string,
  reason: string | null,
  detail: string | null,
  output: string | null,
];

/**
 * Turn one fetched batch into an outcome per submitted row, joined by custom_id to the mapping
 * written at submit (never by position): valid or invalid (the output gate), retry (retryable
 * errors, expired, canceled, missing), failed (a request the API refused). The custom_id
 * bookkeeping (unknown, duplicate and missing ids, counts, stale rows) is reconcile-ids.ts's.
 */
export async function gateSubmission(ctx: RunContext, submission: Submission): Promise<void> {
  const scope = [ctx.runId, submission.submissionId];
  await ctx.db.exec('DELETE FROM outcomes WHERE run_id = ? AND submission_id = ?', scope);
  const ids = await reconcileIds(ctx, submission);
  const { conflicting, firstLines } = ids;
  const tally = new Map<string, number>();
  // The source as it is now, for the stale check: each row's hash now against the one written
  // at submit. A source file with the very bytes the plan read has no stale row to find.
  const keysOfBatch = 'SELECT row_key FROM requests WHERE run_id = $1 AND submission_id = $2';
  // Each outcome goes to DuckDB's appender as its row streams past, rather than into an array of
  // a whole batch's (a hundred thousand rows, held to the end of the batch and then garbage):
  // the appender holds them compactly until they are written, together, as it closes.
  await ctx.db.appendApart('outcomes', async (appender) => {
    const add = (o: Outcome) => {
      appendOutcome(appender, ctx, submission, o);
      const label = o[5] ? `${o[4]}:${o[5]}` : o[4];
      tally.set(label, (tally.get(label) ?? 0) + 1);
    };
    const classifyJoined = async (currentHashes: string | null) => {
      // Read again from the top when the stale check falls back to sniffing the source afresh.
      appender.clear();
      tally.clear();
      for (const { customId, detail } of ids.unknown)
        add([customId, null, null, null, 'alarm', 'unknown_id', detail, null]);
      for (const m of ids.missing)
        add([
          m.customId,
          m.rowKey,
          m.attempt,
          m.model,
          'retry',
          'missing',
          'no result line for this id',
          null,
        ]);
      for await (const rows of ctx.db.stream<JoinedRow>(
        `${currentHashes === null ? '' : `WITH current_hash AS (${currentHashes})`}
         SELECT q.custom_id, q.row_key, q.attempt, s.row_json, s.is_golden,
                ${currentHashes === null ? 'false' : '(NOT s.is_golden AND c.h IS DISTINCT FROM q.input_hash)'} AS stale,
                r.result_type, r.text, r.stop_reason, r.error_type, r.error_message
         FROM requests q
         JOIN (${firstLines}) r ON r.custom_id = q.custom_id
         JOIN source_rows s ON s.run_id = q.run_id AND s.row_key = q.row_key
         ${currentHashes === null ? '' : 'LEFT JOIN current_hash c ON c.row_key = q.row_key'}
         WHERE q.run_id = $1 AND q.submission_id = $2`,
        scope,
      )) {
        for (const row of rows) add(classify(ctx, submission, row, conflicting.has(row.custom_id)));
      }
    };
    if (await sourceUnchanged(ctx)) await classifyJoined(null);
    else
      await readCurrentSource(ctx, (reader) =>
        classifyJoined(currentHashesSql(ctx.job, keysOfBatch, reader)),
      );
    // In the log before the outcomes it counts are written (the appender writes them as it closes).
    const stale = tally.get('invalid:stale_source') ?? 0;
    if (stale > 0)
      await ctx.log.alarm('gate', 'stale_source', { submission_id: submission.submissionId, count: stale });
  });
  crashPoint(ctx, 'gate:after-outcomes');
  await setSubmissionStatus(ctx, submission.submissionId, 'gated');
  await ctx.log.outcome('gate', 'batch_gated', {
    submission_id: submission.submissionId,
    outcomes: Object.fromEntries(tally),
  });
}

/** One row's outcome. A batch is of one model (its rows' mapping says so too): the submission's. */
function classify(ctx: RunContext, submission: Submission, row: JoinedRow, conflicting: boolean): Outcome {
  const base = [row.custom_id, row.row_key, row.attempt, submission.model] as const;
  if (conflicting)
    return [...base, 'invalid', 'duplicate', 'the results file holds different lines for this id', null];
  if (row.stale)
    return [...base, 'invalid', 'stale_source', 'the source row changed or vanished after submit', null];
  switch (row.result_type) {
    case 'succeeded': {
      // The row's values as the prompt showed them: a nested value (a JSONL object or list) as its
      // JSON, not as "[object Object]", or no quote from it could ever be found.
      const values = Object.values(JSON.parse(row.row_json) as Record<string, unknown>);
      const rowText = values.map(valueText).join('\n');
      const { output } = ctx.job;
      const tool = output?.mode === 'tool' ? { tool: output.toolName } : {};
      const verdict = ctx.gate.check({ text: row.text ?? '', stopReason: row.stop_reason, rowText, ...tool });
      return verdict.valid
        ? [...base, 'valid', null, null, JSON.stringify(verdict.output)]
        : [...base, 'invalid', verdict.reason, verdict.detail, null];
    }
    case 'errored':
      return row.error_type === 'invalid_request_error'
        ? [...base, 'failed', 'invalid_request', row.error_message, null]
        : [...base, 'retry', `errored:${row.error_type}`, row.error_message, null];
    case 'expired':
    case 'canceled':
      return [...base, 'retry', row.result_type, null, null];
    case MALFORMED:
      return [...base, 'invalid', 'unparseable', malformedDetail(row.error_message ?? ''), null];
    default:
      return [...base, 'invalid', 'unparseable', `unknown result type ${row.result_type}`, null];
  }
}

function appendOutcome(appender: Appender, ctx: RunContext, submission: Submission, outcome: Outcome): void {
  const [customId, rowKey, attempt, model, kind, reason, detail, output] = outcome;
  appender.appendVarchar(ctx.runId);
  appender.appendVarchar(submission.submissionId);
  appender.appendVarchar(customId);
  if (rowKey === null) appender.appendNull();
  else appender.appendVarchar(rowKey);
  if (attempt === null) appender.appendNull();
  else appender.appendInteger(attempt);
  for (const value of [model, kind, reason, detail, output]) {
    if (value === null) appender.appendNull();
    else appender.appendVarchar(value);
  }
  appender.endRow();
}
