import { APIConnectionError, APIError, NotFoundError } from '@anthropic-ai/sdk';
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import { BatchguardError } from '../../core/errors.js';
import { parseRfc3339 } from '../../core/rfc3339.js';
import { DEFAULT_RETRY, retryDelayMs } from '../retry.js';
import { createArgs } from './create-body.js';
import { haltIfRequested } from './halt.js';
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
  /** Read once per create attempt, as the body goes out (see create-body.ts). */
  requests: Iterable<BatchCreateParams.Request>,
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
      const batch = await ctx.client.messages.batches.create(
        ...createArgs(requests, submission.requestCount),
      );
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
        // Every create so far was surely refused, so no batch of this submission exists: a halt
        // asked for during a long wait for the queue can stop the run here without stranding one.
        if (ambiguous === 0) await haltIfRequested(ctx);
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
      // Wait first: a list just after a create may not show the batch yet, as a read may not.
      await ctx.env.clock.sleep(DEFAULT_RETRY.baseDelayMs * 2 ** ambiguous);
      const orphan = await findOrphan(ctx, submission);
      if (orphan) return { batchId: orphan, adopted: true };
      if (++ambiguous >= CREATE_ATTEMPTS_MAX)
        throw createFailed(submission, new Error(`${CREATE_ATTEMPTS_MAX} tries failed`));
    }
  }
}

/** Batches listed, newest first, before an orphan search gives up (exit 1) rather than guess. */
export const ORPHAN_SCAN_MAX = 10_000;
/** Result lines read to prove a batch is this submission's own. */
export const OWNERSHIP_LINES_MAX = 20;
/** Reads of a candidate's results whose stream fails (not an outage) before it counts as unreadable. */
const RESULTS_READS_MAX = 3;
/** Runs recorded before list marks: orphans were looked for since the intent less this skew. */
const LEGACY_SKEW_MS = 5 * 60_000;

/**
 * The newest batch in the workspace, recorded with a submission's intent before its create: the
 * batches listed above it were made after the intent, whatever the clocks of this machine and
 * the API say (list order is the API's own order of creation). Its `created_at`, on the API's
 * own clock, bounds the search should that batch be deleted meanwhile.
 */
export async function listMark(ctx: RunContext): Promise<{ id: string; createdAtMs: number } | null> {
  const page = await throughOutage(ctx, 'submit', 'list batches', () =>
    ctx.client.messages.batches.list({ limit: 1 }),
  );
  const newest = page.data[0];
  return newest ? { id: newest.id, createdAtMs: parseRfc3339(newest.created_at) } : null;
}

/**
 * A batch created for `submission` that no submission in this database has claimed, or null.
 * Candidates are the batches listed above the submission's list mark (made after its intent)
 * with exactly its number of requests. Each must prove it is this submission's own: once it has
 * ended, its results carry this submission's custom_ids, which end with the run's tag
 * (custom-ids.ts), so another run's batch of the same size, even of the same job in another
 * database, is never adopted. Candidates are polled together; the first proved is adopted. Only
 * when a candidate's results cannot be read at all (archived, or every read failing) is the
 * earliest such one adopted, with an alarm, rather than billing the rows again: its answers still
 * join only by this run's custom_ids, so a wrong one would come back as missing ids. An outage
 * stops the search with exit 1 (resume looks again), never with a guess.
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
      if (isBelowMark(submission, batch)) return found.reverse(); // oldest first
      if (++scanned > ORPHAN_SCAN_MAX) throw searchIncomplete(submission);
      const c = batch.request_counts;
      const total = c.processing + c.succeeded + c.errored + c.canceled + c.expired;
      if (total === submission.requestCount && !claimed.has(batch.id)) found.push(batch.id);
    }
    return found.reverse();
  });
  const verdicts = await judgeTogether(ctx, submission, candidates);
  const own = candidates.find((id) => verdicts.get(id) === 'own');
  if (own) return adopt(ctx, submission, own, candidates.length);
  const unreadable = candidates.find((id) => verdicts.get(id) === 'unreadable');
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

/** Was this batch made before the submission's intent (at or below its list mark)? */
function isBelowMark(submission: Submission, batch: { id: string; created_at: string }): boolean {
  const createdMs = parseRfc3339(batch.created_at);
  // A run recorded before marks existed: its intent's time on this machine's clock is all there is.
  if (submission.listMarkMs === null) return createdMs < submission.intentMs - LEGACY_SKEW_MS;
  // The mark itself may have been deleted since: its time, on the API's clock, still bounds the list.
  return batch.id === submission.listMark || createdMs < submission.listMarkMs;
}

type Verdict = 'own' | 'foreign' | 'unreadable' | 'gone';

/**
 * Poll every candidate until each has ended (or is gone), judging each as it ends, and stop as
 * soon as one is proved this submission's own; bounded by the batch window's polls.
 */
async function judgeTogether(
  ctx: RunContext,
  submission: Submission,
  candidates: readonly string[],
): Promise<Map<string, Verdict>> {
  const verdicts = new Map<string, Verdict>();
  const misses = new Map<string, number>();
  const pollsLimit = pollsMax(ctx.job.pollIntervalSeconds);
  for (let polls = 0; verdicts.size < candidates.length && polls < pollsLimit; polls++) {
    for (const batchId of candidates.filter((id) => !verdicts.has(id))) {
      const state = await endState(ctx, batchId, misses);
      if (state === 'processing') continue;
      const verdict: Verdict =
        state === 'gone'
          ? 'gone'
          : state === 'archived'
            ? 'unreadable'
            : await ownership(ctx, submission, batchId);
      verdicts.set(batchId, verdict);
      await ctx.log.event('submit', 'orphan_checked', {
        submission_id: submission.submissionId,
        batch_id: batchId,
        verdict,
      });
      if (verdict === 'own') return verdicts;
    }
    if (verdicts.size < candidates.length) await ctx.env.clock.sleep(ctx.job.pollIntervalSeconds * 1000);
  }
  return verdicts;
}

/** Where a candidate is: still processing, ended (results readable), archived, or gone (404s). */
async function endState(
  ctx: RunContext,
  batchId: string,
  misses: Map<string, number>,
): Promise<'processing' | 'ended' | 'archived' | 'gone'> {
  try {
    const batch = await throughOutage(ctx, 'submit', `poll batch ${batchId}`, () =>
      ctx.client.messages.batches.retrieve(batchId),
    );
    if (batch.processing_status !== 'ended') return 'processing';
    return batch.archived_at === null ? 'ended' : 'archived';
  } catch (error) {
    // Just after a create a read may miss the batch (404); a batch still missing is gone.
    if (!(error instanceof NotFoundError)) throw error;
    const missed = (misses.get(batchId) ?? 0) + 1;
    misses.set(batchId, missed);
    return missed >= NOT_FOUND_POLLS_MAX ? 'gone' : 'processing';
  }
}

/**
 * Whether an ended candidate is this submission's own, from its first result lines: one
 * custom_id of this submission among them proves it, none disproves it (a batch of ours may
 * carry stray lines, never only strangers). A download that keeps failing (not an outage, which
 * stops the run) leaves it unreadable.
 */
async function ownership(ctx: RunContext, submission: Submission, batchId: string): Promise<Verdict> {
  for (let reads = 0; reads < RESULTS_READS_MAX; reads++) {
    const results = await throughOutage(ctx, 'submit', `read the results of ${batchId}`, () =>
      ctx.client.messages.batches.results(batchId),
    );
    let read = 0;
    try {
      for await (const line of results) {
        const customId = (line as { custom_id?: unknown }).custom_id;
        if (typeof customId !== 'string') continue;
        if (await isOwnCustomId(ctx, submission, customId)) return 'own';
        if (++read >= OWNERSHIP_LINES_MAX) break;
      }
      return read > 0 ? 'foreign' : 'unreadable';
    } catch {
      if (read > 0) return 'foreign'; // strangers' lines before the stream broke
    } finally {
      results.controller.abort();
    }
  }
  return 'unreadable';
}

async function adopt(ctx: RunContext, submission: Submission, batchId: string, candidates: number) {
  await ctx.log.event('submit', 'orphan_adopted', {
    submission_id: submission.submissionId,
    batch_id: batchId,
    candidates,
  });
  return batchId;
}

async function isOwnCustomId(ctx: RunContext, submission: Submission, customId: string): Promise<boolean> {
  const row = await ctx.db.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM requests WHERE run_id = ? AND submission_id = ? AND custom_id = ?',
    [ctx.runId, submission.submissionId, customId],
  );
  return (row?.n ?? 0) > 0;
}

function searchIncomplete(submission: Submission): BatchguardError {
  return new BatchguardError(
    'orphan_search_incomplete',
    `Failed to find the batch of submission ${submission.submissionId}: over ${ORPHAN_SCAN_MAX} batches were made in the workspace since its intent, and the search stopped there rather than guess.`,
    "Find the batch in the console (its results carry this run's custom_ids) or cancel the run with `batchguard halt <run>`; creating it again could bill it twice.",
    1,
  );
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
