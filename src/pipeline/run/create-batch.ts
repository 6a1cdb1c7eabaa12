import { APIConnectionError, APIError, NotFoundError } from '@anthropic-ai/sdk';
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import { BatchguardError } from '../../core/errors.js';
import { DEFAULT_RETRY, retryDelayMs, withRetries } from '../retry.js';
import { throughOutage } from './outage.js';
import { NOT_FOUND_POLLS_MAX, pollsMax } from './poll.js';
import type { RunContext } from './run-context.js';
import type { Submission } from './submissions.js';

/** Failures of one create that may have made a batch before giving up; each first looks for an orphan. */
export const CREATE_ATTEMPTS_MAX = 5;
/**
 * How long a create the API keeps refusing (429, 529) is retried: a full processing queue (a
 * small tier's is 100,000 requests, one batch's worth) frees only as batches end, this run's own
 * among them, which may take the whole 24 h window.
 */
export const CREATE_REFUSED_WAIT_MS = 24 * 3600_000;

/**
 * Create the batch for a recorded intent, never billing it twice. The API has no idempotency
 * key, so a create is retried only when the API surely refused it (429, 529). When the outcome
 * is unknown (a lost response, a 5xx, a dropped connection) it first looks for a batch created
 * since the intent that proves to be this submission's own (findOrphan), and adopts it; only
 * when there is none does it create again.
 */
export async function createOrAdopt(
  ctx: RunContext,
  submission: Submission,
  requests: BatchCreateParams['requests'],
  /** On resume the create may already have gone through: look for its batch before creating. */
  lookFirst = false,
): Promise<{ batchId: string; adopted: boolean }> {
  if (lookFirst) {
    const orphan = await findOrphan(ctx, submission);
    if (orphan) return { batchId: orphan, adopted: true };
  }
  let ambiguous = 0;
  let refusals = 0;
  let refusedSinceMs: number | null = null;
  for (;;) {
    try {
      const batch = await ctx.client.messages.batches.create({ requests });
      return { batchId: batch.id, adopted: false };
    } catch (error) {
      if (error instanceof APIError && (error.status === 429 || error.status === 529)) {
        refusedSinceMs ??= ctx.env.clock.now();
        const waitedMs = ctx.env.clock.now() - refusedSinceMs;
        if (waitedMs >= CREATE_REFUSED_WAIT_MS)
          throw createFailed(
            submission,
            new Error(
              `refused (${error.status}) ${refusals + 1} times over ${(waitedMs / 3600_000).toFixed(1)} h`,
            ),
          );
        await ctx.log.event('submit', 'create_refused', {
          submission_id: submission.submissionId,
          status: error.status,
        });
        await ctx.env.clock.sleep(
          retryDelayMs(error, Math.min(refusals++, 20), DEFAULT_RETRY) ?? DEFAULT_RETRY.baseDelayMs,
        );
        continue;
      }
      if (!isAmbiguous(error)) throw createFailed(submission, error);
      await ctx.log.alarm('submit', 'create_outcome_unknown', {
        submission_id: submission.submissionId,
        error: String(error),
      });
      const orphan = await findOrphan(ctx, submission);
      if (orphan) return { batchId: orphan, adopted: true };
      if (++ambiguous >= CREATE_ATTEMPTS_MAX)
        throw createFailed(submission, new Error(`${CREATE_ATTEMPTS_MAX} tries failed`));
      await ctx.env.clock.sleep(DEFAULT_RETRY.baseDelayMs * 2 ** (ambiguous - 1));
    }
  }
}

/** Batches listed, newest first, when looking for an orphan whose list mark was not met. */
export const ORPHAN_SCAN_MAX = 1_000;
/** Result lines read to prove a batch is this submission's own. */
export const OWNERSHIP_LINES_MAX = 20;

/**
 * The newest batch in the workspace, recorded with a submission's intent before its create: the
 * batches listed above it were made after the intent, whatever the clocks of this machine and
 * the API say (list order is the API's own order of creation).
 */
export async function listMark(ctx: RunContext): Promise<string | null> {
  const page = await throughOutage(ctx, 'submit', 'list batches', () =>
    ctx.client.messages.batches.list({ limit: 1 }),
  );
  return page.data[0]?.id ?? null;
}

/**
 * A batch created for `submission` that no submission in this database has claimed, or null.
 * Candidates are the batches listed above the submission's list mark (made after its intent)
 * with exactly its number of requests; each, oldest first, must prove it is this submission's
 * own: once it has ended, its results carry this submission's custom_ids, which end with the
 * run's tag (custom-ids.ts), so another run's batch of the same size, even of the same job in
 * another database, is never adopted. When no candidate can be read at all (results archived,
 * downloads failing), the earliest is adopted rather than billing the rows again: its answers
 * still join only by this run's custom_ids, so a wrong one would come back as missing ids.
 */
export async function findOrphan(ctx: RunContext, submission: Submission): Promise<string | null> {
  const claimed = new Set(
    (
      await ctx.db.all<{ batch_id: string }>('SELECT batch_id FROM submissions WHERE batch_id IS NOT NULL')
    ).map((row) => row.batch_id),
  );
  const candidates = await throughOutage(ctx, 'submit', 'list batches', async () => {
    const found: string[] = [];
    let scanned = 0;
    for await (const batch of ctx.client.messages.batches.list({ limit: 100 })) {
      if (batch.id === submission.listMark || ++scanned > ORPHAN_SCAN_MAX) break;
      const c = batch.request_counts;
      const total = c.processing + c.succeeded + c.errored + c.canceled + c.expired;
      if (total === submission.requestCount && !claimed.has(batch.id)) found.push(batch.id);
    }
    return found.reverse(); // oldest first: the first create that went through
  });
  let unreadable: string | null = null;
  for (const batchId of candidates) {
    const verdict = await ownership(ctx, submission, batchId);
    await ctx.log.event('submit', 'orphan_checked', {
      submission_id: submission.submissionId,
      batch_id: batchId,
      verdict,
    });
    if (verdict === 'own') return adopt(ctx, submission, batchId, candidates.length);
    if (verdict === 'unreadable') unreadable ??= batchId;
  }
  if (unreadable) {
    await ctx.log.alarm('submit', 'orphan_unproven', {
      submission_id: submission.submissionId,
      batch_id: unreadable,
    });
    return adopt(ctx, submission, unreadable, candidates.length);
  }
  await ctx.log.event('submit', 'no_orphan_found', {
    submission_id: submission.submissionId,
    batch_id: null,
    candidates: candidates.length,
  });
  return null;
}

async function adopt(ctx: RunContext, submission: Submission, batchId: string, candidates: number) {
  await ctx.log.event('submit', 'orphan_adopted', {
    submission_id: submission.submissionId,
    batch_id: batchId,
    candidates,
  });
  return batchId;
}

/**
 * Whether a candidate batch is this submission's own: wait for it to end (its results exist
 * only then), then read its first result lines; one custom_id of this submission among them
 * proves it, none disproves it (a batch of ours may carry stray lines, never only strangers).
 */
async function ownership(
  ctx: RunContext,
  submission: Submission,
  batchId: string,
): Promise<'own' | 'foreign' | 'unreadable'> {
  const ended = await waitForEnd(ctx, batchId);
  if (!ended) return 'unreadable';
  try {
    return await withRetries(async () => {
      const results = await ctx.client.messages.batches.results(batchId);
      let read = 0;
      for await (const line of results) {
        const customId = (line as { custom_id?: unknown }).custom_id;
        if (typeof customId !== 'string') continue;
        if (await isOwnCustomId(ctx, submission, customId)) {
          results.controller.abort();
          return 'own' as const;
        }
        if (++read >= OWNERSHIP_LINES_MAX) break;
      }
      results.controller.abort();
      return read > 0 ? ('foreign' as const) : ('unreadable' as const);
    }, ctx.env.clock);
  } catch {
    return 'unreadable';
  }
}

async function isOwnCustomId(ctx: RunContext, submission: Submission, customId: string): Promise<boolean> {
  const row = await ctx.db.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM requests WHERE run_id = ? AND submission_id = ? AND custom_id = ?',
    [ctx.runId, submission.submissionId, customId],
  );
  return (row?.n ?? 0) > 0;
}

/** Poll a candidate until it ends (true), or it cannot be seen or never ends in the window (false). */
async function waitForEnd(ctx: RunContext, batchId: string): Promise<boolean> {
  const pollsLimit = pollsMax(ctx.job.pollIntervalSeconds);
  for (let polls = 0, misses = 0; polls < pollsLimit; polls++) {
    try {
      const batch = await throughOutage(ctx, 'submit', `poll batch ${batchId}`, () =>
        ctx.client.messages.batches.retrieve(batchId),
      );
      if (batch.processing_status === 'ended') return batch.archived_at === null;
    } catch (error) {
      // Just after a create a read may miss the batch (404); a batch still missing is gone.
      if (!(error instanceof NotFoundError) || ++misses >= NOT_FOUND_POLLS_MAX) return false;
    }
    await ctx.env.clock.sleep(ctx.job.pollIntervalSeconds * 1000);
  }
  return false;
}

/** Could the batch have been created although the call failed? */
function isAmbiguous(error: unknown): boolean {
  if (error instanceof APIConnectionError) return true;
  return (
    error instanceof APIError && (error.status === undefined || error.status >= 500 || error.status === 408)
  );
}

function createFailed(submission: Submission, error: unknown): BatchguardError {
  return new BatchguardError(
    'create_failed',
    `Failed to create batch for submission ${submission.submissionId}: ${String(error)}.`,
    'Check the API key and the error above; then `batchguard resume <run>` continues without billing twice.',
    1,
  );
}
