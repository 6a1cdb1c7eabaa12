import { BatchguardError } from '../../core/errors.js';
import { withRetries } from '../retry.js';
import type { RunContext } from './run-context.js';
import { type Submission, setSubmissionStatus } from './submissions.js';

/** Polls of one batch before giving up: enough for the 24 h window plus the canceling tail. */
export function pollsMax(pollIntervalSeconds: number): number {
  return Math.ceil((26 * 3600) / pollIntervalSeconds) + 10;
}

/**
 * Poll the submitted batches until each has ended, calling `onEnded` for each as it ends (in
 * submission order within a sweep), with a bounded number of sweeps.
 */
export async function pollUntilEnded(
  ctx: RunContext,
  submissions: readonly Submission[],
  onEnded: (submission: Submission) => Promise<void>,
): Promise<void> {
  let pending = [...submissions];
  const sweepsMax = pollsMax(ctx.job.pollIntervalSeconds);
  for (let sweep = 0; pending.length > 0; sweep++) {
    if (sweep >= sweepsMax) {
      throw new BatchguardError(
        'poll_timeout',
        `Failed to see batches end: ${pending.map((s) => s.batchId).join(', ')} still processing after ${sweep} polls.`,
        'Check the batches in the console, then `batchguard resume <run>`.',
        1,
      );
    }
    const stillPending: Submission[] = [];
    for (const submission of pending) {
      const batch = await withRetries(
        () => ctx.client.messages.batches.retrieve(submission.batchId!),
        ctx.env.clock,
      );
      if (batch.processing_status !== 'ended') {
        stillPending.push(submission);
        continue;
      }
      await setSubmissionStatus(ctx, submission.submissionId, 'ended', {
        countsJson: JSON.stringify(batch.request_counts),
      });
      await ctx.log.event('poll', 'batch_ended', {
        submission_id: submission.submissionId,
        batch_id: batch.id,
        counts: batch.request_counts,
      });
      await onEnded({ ...submission, status: 'ended' });
    }
    pending = stillPending;
    if (pending.length > 0) await ctx.env.clock.sleep(ctx.job.pollIntervalSeconds * 1000);
  }
}
