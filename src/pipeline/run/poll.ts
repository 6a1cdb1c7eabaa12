import { NotFoundError } from '@anthropic-ai/sdk';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { BatchguardError } from '../../core/errors.js';
import { endedRequests } from './batch-counts.js';
import { haltIfRequested } from './halt.js';
import { throughOutage } from './outage.js';
import type { BatchProgress } from './progress.js';
import type { RunContext } from './run-context.js';
import { spentMaxUsd } from './spend-guard.js';
import { type Submission, setSubmissionStatus } from './submissions.js';

/** Polls of one batch before giving up: enough for the 24 h window plus the canceling tail. */
export function pollsMax(pollIntervalSeconds: number): number {
  return Math.ceil((26 * 3600) / pollIntervalSeconds) + 10;
}

/**
 * Poll the submitted batches until each has ended, calling `onEnded` for each as it ends (in
 * submission order within a sweep), each batch polled a bounded number of times. After each batch
 * is handled, `refill`, if given, is asked for more, given how many are still in flight: it
 * submits the next of the round's chunks while there is room, so a batch goes out as soon as one
 * ends rather than when the slowest of a wave does, and the API works on it while the batches
 * that ended with it are fetched and gated. New batches are polled from the next sweep on.
 */
export async function pollUntilEnded(
  ctx: RunContext,
  submissions: readonly Submission[],
  onEnded: (submission: Submission) => Promise<void>,
  refill?: (inFlight: number) => Promise<Submission[]>,
): Promise<void> {
  let pending = [...submissions];
  const notFound = new Map<string, number>();
  const report = ctx.onProgress ? progressReporter(ctx, submissions) : undefined;
  const sweepsMax = pollsMax(ctx.job.pollIntervalSeconds);
  /** The sweep each batch was first polled in. */
  const since = new Map(pending.map((s) => [s.submissionId, 0]));
  for (let sweep = 0; pending.length > 0; sweep++) {
    const overdue = pending.filter((s) => sweep - since.get(s.submissionId)! >= sweepsMax);
    if (overdue.length > 0) {
      throw new BatchguardError(
        'poll_timeout',
        `Failed to see batches end: ${overdue.map((s) => s.batchId).join(', ')} still processing after ${sweepsMax} polls.`,
        'Check the batches in the console, then `batchguard resume <run>`.',
        1,
      );
    }
    await haltIfRequested(ctx);
    const stillPending: Submission[] = [];
    const fresh: Submission[] = [];
    for (const [i, submission] of pending.entries()) {
      const batch = await retrieveOrWait(ctx, submission, notFound);
      if (batch) report?.saw(submission, batch);
      if (batch === null || batch.processing_status !== 'ended') {
        stillPending.push(submission);
        continue;
      }
      await setSubmissionStatus(ctx, submission.submissionId, 'ended', {
        countsJson: JSON.stringify(batch.request_counts ?? null),
      });
      await ctx.log.event('poll', 'batch_ended', {
        submission_id: submission.submissionId,
        batch_id: batch.id,
        counts: batch.request_counts,
      });
      await onEnded({ ...submission, status: 'ended' });
      const inFlight = stillPending.length + (pending.length - i - 1) + fresh.length;
      for (const more of (await refill?.(inFlight)) ?? []) {
        fresh.push(more);
        since.set(more.submissionId, sweep + 1);
        report?.add(more);
      }
    }
    pending = [...stillPending, ...fresh];
    await report?.send();
    if (pending.length > 0) await ctx.env.clock.sleep(ctx.job.pollIntervalSeconds * 1000);
  }
}

/**
 * The batches' progress for `ctx.onProgress`: each batch in flight as its last poll saw it, sent
 * after each sweep; a batch that ended is shown once as done, then left out. The spend bound is
 * read again only after a sweep in which some batch had ended.
 */
function progressReporter(ctx: RunContext, submissions: readonly Submission[]) {
  const batches = new Map<string, BatchProgress>();
  const add = (s: Submission) =>
    batches.set(s.submissionId, {
      submissionId: s.submissionId,
      batchId: s.batchId ?? '',
      model: s.model,
      requests: s.requestCount,
      ended: 0,
      counts: null,
      done: false,
    });
  for (const s of submissions) add(s);
  const first = submissions[0];
  let spent: number | undefined;
  let endedSince = true;
  return {
    add,
    saw(submission: Submission, batch: MessageBatch) {
      const done = batch.processing_status === 'ended';
      endedSince ||= done;
      batches.set(submission.submissionId, {
        ...batches.get(submission.submissionId)!,
        batchId: batch.id,
        ended: endedRequests(batch, submission.requestCount),
        counts: batch.request_counts ?? null,
        done,
      });
    },
    async send() {
      if (spent === undefined || endedSince) spent = await spentMaxUsd(ctx);
      endedSince = false;
      ctx.onProgress?.({
        at: ctx.env.clock.now(),
        phase: first?.phase ?? 'main',
        round: first?.round ?? 1,
        batches: [...batches.values()],
        spentMaxUsd: spent,
        ceilingUsd: ctx.job.costCeilingUsd,
      });
      for (const b of batches.values()) if (b.done) batches.delete(b.submissionId);
    },
  };
}

/** Polls in a row that may answer 404 for a batch before it counts as gone. */
export const NOT_FOUND_POLLS_MAX = 5;

/**
 * Retrieve a batch, or null while it is not visible yet: just after a create, a read can reach a
 * replica that has not seen the batch, and answers 404. A batch still missing after
 * NOT_FOUND_POLLS_MAX polls in a row is an error.
 */
async function retrieveOrWait(
  ctx: RunContext,
  submission: Submission,
  notFound: Map<string, number>,
): Promise<MessageBatch | null> {
  try {
    const batch = await throughOutage(ctx, 'poll', `poll batch ${submission.batchId}`, () =>
      ctx.client.messages.batches.retrieve(submission.batchId!),
    );
    notFound.delete(submission.submissionId);
    return batch;
  } catch (error) {
    const misses = (notFound.get(submission.submissionId) ?? 0) + 1;
    if (!(error instanceof NotFoundError)) throw error;
    if (misses >= NOT_FOUND_POLLS_MAX) {
      await ctx.log.alarm('poll', 'batch_not_found', {
        submission_id: submission.submissionId,
        batch_id: submission.batchId,
        polls: misses,
      });
      throw new BatchguardError(
        'batch_not_found',
        `Failed to poll batch ${submission.batchId}: the API answered 404 ${misses} polls in a row (${error.message}).`,
        'Check the batch in the console (it may have been deleted), then `batchguard resume <run>` or `batchguard halt <run>`.',
        1,
      );
    }
    notFound.set(submission.submissionId, misses);
    await ctx.log.event('poll', 'batch_not_found_yet', {
      submission_id: submission.submissionId,
      batch_id: submission.batchId,
      polls: misses,
    });
    return null;
  }
}
