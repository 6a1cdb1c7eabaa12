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
  for (let attempt = 1; ; attempt++) {
    await ctx.db.exec('DELETE FROM raw_results WHERE run_id = ? AND submission_id = ?', [
      ctx.runId,
      submission.submissionId,
    ]);
    try {
      const rows = await appendResults(ctx, submission, model);
      crashPoint(ctx, 'fetch:after-append');
      await setSubmissionStatus(ctx, submission.submissionId, 'fetched');
      await ctx.log.outcome('fetch', 'results_fetched', { submission_id: submission.submissionId, rows });
      return;
    } catch (error) {
      await ctx.log.alarm('fetch', 'results_stream_failed', {
        submission_id: submission.submissionId,
        attempt,
        error: String(error),
      });
      if (attempt >= FETCH_ATTEMPTS_MAX) {
        await setSubmissionStatus(ctx, submission.submissionId, 'fetched');
        return; // the rows that never arrived are missing ids: the gate requeues them
      }
    }
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
  );
  const appender = await ctx.db.appender('raw_results');
  let lineNo = 0;
  try {
    for await (const row of decoder) {
      appendRow(appender, ctx.runId, submission.submissionId, ++lineNo, row, model);
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
