import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import { formatRfc3339 } from '../../core/rfc3339.js';
import { answerTool } from '../prompt/answer-tool.js';
import { renderRequest } from '../prompt/render-request.js';
import { createOrAdopt, listMark } from './create-batch.js';
import { lazyRequests } from './create-body.js';
import { haltIfRequested } from './halt.js';
import { PackedRows, type QueuedRow, type QueuedRows } from './packed-rows.js';
import { crashPoint, type RunContext } from './run-context.js';
import { nextSubmissionId, type Submission, setSubmissionStatus, UNSENT } from './submissions.js';

/** One batch to submit: its model, its rows, and how to write their mapping. */
export interface ChunkBatch {
  model: string;
  /** Read twice or more (see create-body.ts): kept as PackedRows, not as objects. */
  rows: QueuedRows;
  /**
   * Write the mapping of these rows to `submissionId` (custom_id → row key, input hash, attempt,
   * model) in the database, but for the custom_ids in `except` (rows that cannot be sent);
   * resolves to the rows written.
   */
  writeMapping(submissionId: string, except: readonly string[]): Promise<number>;
}

/**
 * Submit one batch: write the mapping (custom_id → row key, input hash, attempt) and the intent
 * first, then create (or adopt), then record the batch id. A crash anywhere leaves enough in
 * the database for `resume` to adopt the batch or create it, never twice.
 */
export async function submitChunk(
  ctx: RunContext,
  phase: Submission['phase'],
  round: number,
  { model, rows, writeMapping }: ChunkBatch,
): Promise<Submission | null> {
  // A halt asked for meanwhile stops the run here, before anything of this batch exists.
  await haltIfRequested(ctx);
  const submissionId = await nextSubmissionId(ctx);
  // Read before the intent is written: any batch listed above it after a crash was made since.
  const mark = await listMark(ctx);
  // The requests are rendered again as the create sends them, never held whole (create-body.ts).
  const toRequest = requestOf(ctx, model);
  // Whether a row cannot be sent, without rendering it: a value can hold the fence tag only if the
  // row's JSON does (the tag is plain ASCII, which JSON never escapes), so nearly every row is
  // settled by one search, and only the rest are rendered to be sure.
  const cannotFence = (row: QueuedRow): boolean => {
    const fence = row.golden ? ctx.goldenFence : ctx.fence;
    return fence !== null && row.rowJson.includes(fence) && toRequest(row) === null;
  };
  const requests = lazyRequests(rows, toRequest);
  const unfenceable: QueuedRow[] = [];
  if (ctx.fence !== null || ctx.goldenFence !== null)
    for (const row of rows) if (cannotFence(row)) unfenceable.push(row);
  const sent = rows.length - unfenceable.length;
  // The mapping, the outcomes of rows that cannot be sent and the intent land together or not at
  // all: a crash between them would leave rows mapped to a submission that does not exist, never
  // queued again (they count as submitted) and never answered.
  const submission = await ctx.db.transaction(async (): Promise<Submission | null> => {
    const mapped = await writeMapping(
      submissionId,
      unfenceable.map((row) => row.customId),
    );
    if (mapped !== sent) throw new Error(`the mapping of ${submissionId} holds ${mapped} rows, not ${sent}`);
    if (unfenceable.length > 0)
      await ctx.db.append('outcomes', (appender) => {
        for (const row of unfenceable) {
          // Never sent, so in no submission: `unsent`, as the spend guard marks rows it holds back.
          for (const value of [ctx.runId, UNSENT, row.customId, row.rowKey]) appender.appendVarchar(value);
          appender.appendInteger(row.attempt);
          appender.appendVarchar(model);
          for (const value of ['invalid', 'unfenceable', 'the row contains the fence tag'])
            appender.appendVarchar(value);
          appender.appendNull();
          appender.endRow();
        }
      });
    crashPoint(ctx, 'submit:after-mapping');
    if (sent === 0) return null;
    const intentMs = ctx.env.clock.now();
    const intended: Submission = {
      submissionId,
      phase,
      round,
      model,
      requestCount: sent,
      intentMs,
      listMark: mark?.id ?? null,
      listMarkMs: mark?.createdAtMs ?? 0,
      batchId: null,
      status: 'intended',
    };
    await ctx.db.exec(
      `INSERT INTO submissions (run_id, submission_id, phase, round, model, request_count, intent_at, intent_ms, list_mark, list_mark_ms, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'intended')`,
      [
        ctx.runId,
        submissionId,
        phase,
        round,
        model,
        sent,
        formatRfc3339(intentMs),
        intentMs,
        mark?.id ?? null,
        mark?.createdAtMs ?? 0,
      ],
    );
    return intended;
  });
  if (submission === null) return null;
  await ctx.log.intent('submit', 'create_batch', {
    submission_id: submissionId,
    phase,
    round,
    model,
    requests: sent,
  });
  crashPoint(ctx, 'submit:before-create');
  const { batchId, adopted } = await createOrAdopt(ctx, submission, requests);
  crashPoint(ctx, 'submit:after-create');
  await setSubmissionStatus(ctx, submissionId, 'submitted', { batchId, adopted });
  await ctx.log.outcome('submit', 'batch_created', {
    submission_id: submissionId,
    batch_id: batchId,
    adopted,
  });
  return { ...submission, batchId, status: 'submitted' };
}

/**
 * On resume: a submission whose intent was written but whose batch id was not. Its mapping is
 * in the database; rebuild its requests from it, then adopt the orphan or create.
 */
export async function recoverIntended(ctx: RunContext, submission: Submission): Promise<Submission> {
  const rows = await PackedRows.read(
    ctx.db,
    `SELECT r.custom_id, r.row_key, s.row_json, r.attempt, s.is_golden FROM requests r JOIN source_rows s ON s.run_id = r.run_id AND s.row_key = r.row_key
     WHERE r.run_id = ? AND r.submission_id = ? ORDER BY r.custom_id`,
    [ctx.runId, submission.submissionId],
  );
  const render = requestOf(ctx, submission.model);
  const toRequest = (row: QueuedRow): BatchCreateParams.Request => {
    const request = render(row);
    if (request === null) throw new Error('a mapped row cannot be unfenceable');
    return request;
  };
  // Checked before the create: thrown while its body streams, it would look like a lost connection.
  for (const row of rows) toRequest(row);
  const requests = lazyRequests(rows, toRequest);
  await ctx.log.event('resume', 'recover_submission', { submission_id: submission.submissionId });
  const { batchId, adopted } = await createOrAdopt(ctx, submission, requests, true);
  await setSubmissionStatus(ctx, submission.submissionId, 'submitted', { batchId, adopted });
  await ctx.log.outcome('submit', 'batch_created', {
    submission_id: submission.submissionId,
    batch_id: batchId,
    adopted,
  });
  return { ...submission, batchId, status: 'submitted' };
}

/** A row's request to `model`, or null for a row that cannot be fenced (it holds the fence tag). */
function requestOf(ctx: RunContext, model: string) {
  return (row: QueuedRow): BatchCreateParams.Request | null => {
    const rendered = renderRequest(ctx.job.template, JSON.parse(row.rowJson), {
      model,
      maxTokens: ctx.job.maxTokens,
      fence: row.golden ? ctx.goldenFence : ctx.fence,
      tool: answerTool(ctx.job),
    });
    if ('unfenceable' in rendered) return null;
    return { custom_id: row.customId, params: rendered.params };
  };
}
