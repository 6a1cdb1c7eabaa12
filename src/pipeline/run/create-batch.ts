import { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import { BatchguardError } from '../../core/errors.js';
import { parseRfc3339 } from '../../core/rfc3339.js';
import { DEFAULT_RETRY, retryDelayMs, withRetries } from '../retry.js';
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
/** How far before the intent an orphan's created_at may lie (clock skew between us and the API). */
export const ORPHAN_SKEW_MS = 5 * 60_000;

/**
 * Create the batch for a recorded intent, never billing it twice. The API has no idempotency
 * key, so a create is retried only when the API surely refused it (429, 529). When the outcome
 * is unknown (a lost response, a 5xx, a dropped connection) it first looks for a batch created
 * since the intent with the same number of requests that no submission has claimed, and adopts
 * it; only when there is none does it create again.
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

/**
 * A batch created for `submission` that no submission in this database has claimed, or null.
 * Lists newest first and stops at batches older than the intent (less the skew allowance).
 */
export async function findOrphan(ctx: RunContext, submission: Submission): Promise<string | null> {
  const claimed = new Set(
    (
      await ctx.db.all<{ batch_id: string }>('SELECT batch_id FROM submissions WHERE batch_id IS NOT NULL')
    ).map((row) => row.batch_id),
  );
  const candidates = await withRetries(async () => {
    const found: string[] = [];
    for await (const batch of ctx.client.messages.batches.list({ limit: 100 })) {
      if (parseRfc3339(batch.created_at) < submission.intentMs - ORPHAN_SKEW_MS) break;
      const c = batch.request_counts;
      const total = c.processing + c.succeeded + c.errored + c.canceled + c.expired;
      if (total === submission.requestCount && !claimed.has(batch.id)) found.push(batch.id);
    }
    return found;
  }, ctx.env.clock);
  const orphan = candidates.at(-1) ?? null; // the earliest: the first create that went through
  await ctx.log.event('submit', orphan ? 'orphan_adopted' : 'no_orphan_found', {
    submission_id: submission.submissionId,
    batch_id: orphan,
    candidates: candidates.length,
  });
  return orphan;
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
