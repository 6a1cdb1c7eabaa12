import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { batchCostUsd, findModel } from '../../core/price-table.js';
import { withRetries } from '../retry.js';
import { crashPoint, type RunContext } from './run-context.js';
import { type Submission, setSubmissionStatus } from './submissions.js';

/** Whole downloads of one results file before giving up (a cut stream restarts from the top). */
export const FETCH_ATTEMPTS_MAX = 3;

/**
 * Stream a batch's results from the SDK into `raw_results` through the DuckDB Appender, row by
 * row, never holding the file. A download that fails midway (a cut stream, a bad line) is
 * discarded and fetched again, within a bound; what still cannot be read shows up as missing
 * ids at the gate and is requeued.
 */
export async function fetchResults(ctx: RunContext, submission: Submission): Promise<void> {
  const model = findModel(submission.model);
  let rows = 0;
  for (let attempt = 1; attempt <= FETCH_ATTEMPTS_MAX; attempt++) {
    await ctx.db.exec('DELETE FROM raw_results WHERE run_id = ? AND submission_id = ?', [
      ctx.runId,
      submission.submissionId,
    ]);
    try {
      rows = await appendResults(ctx, submission, model);
      break;
    } catch (error) {
      // Only a failed download is retried; a local failure (the database, a crash) is not the
      // API's fault and must not turn into missing ids that get billed again.
      if (!(error instanceof DownloadError)) throw error;
      await ctx.log.alarm('fetch', 'results_stream_failed', {
        submission_id: submission.submissionId,
        attempt,
        error: String(error.cause),
      });
    }
  }
  // After FETCH_ATTEMPTS_MAX failed downloads the rows that never arrived are missing ids,
  // which the gate requeues.
  crashPoint(ctx, 'fetch:after-append');
  await setSubmissionStatus(ctx, submission.submissionId, 'fetched');
  await ctx.log.outcome('fetch', 'results_fetched', { submission_id: submission.submissionId, rows });
}

/** The download failed: the API call, or reading the next line of its stream. */
class DownloadError extends Error {
  constructor(override readonly cause: unknown) {
    super(`download failed: ${String(cause)}`);
    this.name = 'DownloadError';
  }
}

async function appendResults(
  ctx: RunContext,
  submission: Submission,
  model: ReturnType<typeof findModel>,
): Promise<number> {
  const decoder = await withRetries(
    () => ctx.client.messages.batches.results(submission.batchId!),
    ctx.env.clock,
  ).catch((error: unknown) => {
    throw new DownloadError(error);
  });
  const lines = decoder[Symbol.asyncIterator]();
  const appender = await ctx.db.appender('raw_results');
  let lineNo = 0;
  try {
    for (;;) {
      const next = await lines.next().catch((error: unknown) => {
        throw new DownloadError(error);
      });
      if (next.done) break;
      appendRow(appender, ctx.runId, submission.submissionId, ++lineNo, next.value, model);
    }
  } finally {
    appender.closeSync();
  }
  return lineNo;
}

type Appender = Awaited<ReturnType<RunContext['db']['appender']>>;

function appendRow(
  appender: Appender,
  runId: string,
  submissionId: string,
  lineNo: number,
  row: MessageBatchIndividualResponse,
  model: ReturnType<typeof findModel>,
): void {
  appender.appendVarchar(runId);
  appender.appendVarchar(submissionId);
  appender.appendInteger(lineNo);
  appender.appendVarchar(String(row.custom_id));
  const result = row.result;
  appender.appendVarchar(result.type);
  if (result.type === 'succeeded') {
    const { message } = result;
    const block = message.content[0];
    appender.appendVarchar(block?.type === 'text' ? block.text : '');
    appender.appendVarchar(String(message.stop_reason));
    appender.appendNull();
    appender.appendNull();
    appender.appendInteger(message.usage.input_tokens);
    appender.appendInteger(message.usage.output_tokens);
    appender.appendDouble(
      model ? batchCostUsd(model, message.usage.input_tokens, message.usage.output_tokens) : 0,
    );
  } else {
    appender.appendNull();
    appender.appendNull();
    if (result.type === 'errored') {
      appender.appendVarchar(result.error.error.type);
      appender.appendVarchar(result.error.error.message);
    } else {
      appender.appendNull();
      appender.appendNull();
    }
    appender.appendNull();
    appender.appendNull();
    appender.appendDouble(0);
  }
  appender.endRow();
}
