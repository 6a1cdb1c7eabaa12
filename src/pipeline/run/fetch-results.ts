import { batchCostUsd, findModel } from '../../core/price-table.js';
import type { Appender } from '../db/run-db.js';
import { withRetries } from '../retry.js';
import { readResultLine } from './result-line.js';
import { crashPoint, type RunContext } from './run-context.js';
import { type Submission, setSubmissionStatus } from './submissions.js';

/** Whole downloads of one results file before giving up (a cut stream restarts from the top). */
export const FETCH_ATTEMPTS_MAX = 3;

/**
 * Stream a batch's results from the SDK into `raw_results` through the DuckDB Appender, row by
 * row, never holding the file. A download that fails midway (a cut stream, a bad line) is
 * discarded and fetched again, within a bound; after the last attempt its complete lines stay,
 * and the ids it never delivered show up as missing at the gate and are requeued.
 */
export async function fetchResults(ctx: RunContext, submission: Submission): Promise<void> {
  const model = findModel(submission.model);
  let rows = 0;
  for (let attempt = 1; attempt <= FETCH_ATTEMPTS_MAX; attempt++) {
    await ctx.db.exec('DELETE FROM raw_results WHERE run_id = ? AND submission_id = ?', [
      ctx.runId,
      submission.submissionId,
    ]);
    // Only a failed download comes back as a failure; a local failure (the database, a crash)
    // is not the API's fault, throws, and must not turn into missing ids that get billed again.
    const download = await appendResults(ctx, submission, model);
    rows = download.lines;
    if (download.failure === undefined) break;
    await ctx.log.alarm('fetch', 'results_stream_failed', {
      submission_id: submission.submissionId,
      attempt,
      lines: download.lines,
      error: String(download.failure),
    });
  }
  crashPoint(ctx, 'fetch:after-append');
  await setSubmissionStatus(ctx, submission.submissionId, 'fetched');
  await ctx.log.outcome('fetch', 'results_fetched', { submission_id: submission.submissionId, rows });
}

/** One download: the lines appended, and why it stopped short, if it did. */
interface Download {
  lines: number;
  failure?: unknown;
}

async function appendResults(
  ctx: RunContext,
  submission: Submission,
  model: ReturnType<typeof findModel>,
): Promise<Download> {
  let decoder: Awaited<ReturnType<RunContext['client']['messages']['batches']['results']>>;
  try {
    decoder = await withRetries(
      () => ctx.client.messages.batches.results(submission.batchId!),
      ctx.env.clock,
    );
  } catch (failure) {
    return { lines: 0, failure };
  }
  const lines = decoder[Symbol.asyncIterator]();
  // A tool-mode answer is a tool_use block, not the first block's text: keep every block.
  const toolMode = ctx.job.output?.mode === 'tool';
  // A download that stops short returns: the whole lines before the failure are kept.
  return ctx.db.append('raw_results', async (appender) => {
    let lineNo = 0;
    for (;;) {
      // The SDK types each line, but checks nothing: read it as what it is, any JSON value.
      let next: IteratorResult<unknown>;
      try {
        next = await lines.next();
      } catch (failure) {
        return { lines: lineNo, failure };
      }
      if (next.done) return { lines: lineNo };
      appendRow(appender, ctx.runId, submission.submissionId, ++lineNo, next.value, model, toolMode);
    }
  });
}

/** One line as a row of `raw_results`; a line of the wrong shape is stored as malformed, never thrown. */
function appendRow(
  appender: Appender,
  runId: string,
  submissionId: string,
  lineNo: number,
  value: unknown,
  model: ReturnType<typeof findModel>,
  toolMode: boolean,
): void {
  const row = readResultLine(value, lineNo, toolMode);
  appender.appendVarchar(runId);
  appender.appendVarchar(submissionId);
  appender.appendInteger(lineNo);
  appender.appendVarchar(row.customId);
  appender.appendVarchar(row.resultType);
  for (const text of [row.text, row.stopReason, row.errorType, row.errorMessage])
    if (text === null) appender.appendNull();
    else appender.appendVarchar(text);
  if (row.inputTokens === null || row.outputTokens === null) {
    appender.appendNull();
    appender.appendNull();
    appender.appendDouble(0);
  } else {
    appender.appendInteger(row.inputTokens);
    appender.appendInteger(row.outputTokens);
    appender.appendDouble(model ? batchCostUsd(model, row.inputTokens, row.outputTokens) : 0);
  }
  appender.endRow();
}
