import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { z } from 'zod';

/*
 * A batch's request_counts as the API reported them when it ended. They are the API's word, and
 * a broken response can make them anything (null, a string, negative, fractional); the gate
 * compares them with what was sent, so it reads them here, defensively.
 */

const count = z.number().int().min(0);
const requestCounts = z.object({
  processing: count,
  succeeded: count,
  errored: count,
  canceled: count,
  expired: count,
});

/** The total of the recorded request_counts (JSON text), or null when they are missing or are not counts. */
export function countedTotal(countsJson: string | null): number | null {
  if (countsJson === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(countsJson);
  } catch {
    return null;
  }
  const counts = requestCounts.safeParse(value);
  if (!counts.success) return null;
  const { processing, succeeded, errored, canceled, expired } = counts.data;
  return processing + succeeded + errored + canceled + expired;
}

/**
 * A batch's requests no longer processing, from the counts a poll saw: all of them once it has
 * ended. A `processing` count that is not a count within the batch is not trusted: none ended.
 */
export function endedRequests(
  batch: Pick<MessageBatch, 'processing_status' | 'request_counts'>,
  requests: number,
): number {
  if (batch.processing_status === 'ended') return requests;
  const processing = count.max(requests).safeParse(batch.request_counts?.processing);
  return processing.success ? requests - processing.data : 0;
}
