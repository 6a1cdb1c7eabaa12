import { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import type { Clock } from '../core/clock.js';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attemptsMax: number;
  /** First backoff when the server names no delay; doubles each retry. */
  baseDelayMs: number;
  /** Ceiling on any one backoff, including a server's `retry-after`. */
  delayMsMax: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attemptsMax: 5, baseDelayMs: 500, delayMsMax: 120_000 };

/**
 * How long to wait before retrying after `error`, or null when it must not be retried. Retries
 * what the SDK would (408, 409, 429, ≥ 500, lost connections), honouring `x-should-retry`, then
 * `retry-after-ms`, then `retry-after`, else exponential backoff. No jitter: the pipeline draws
 * no randomness of its own, and its runs must replay exactly.
 */
export function retryDelayMs(error: unknown, retriesSoFar: number, policy: RetryPolicy): number | null {
  const backoffMs = Math.min(policy.baseDelayMs * 2 ** retriesSoFar, policy.delayMsMax);
  if (error instanceof APIConnectionError) return backoffMs;
  if (!(error instanceof APIError) || error.status === undefined) return null;
  const shouldRetry = error.headers?.get('x-should-retry');
  if (shouldRetry === 'false') return null;
  const status = error.status;
  if (shouldRetry !== 'true' && !(status === 408 || status === 409 || status === 429 || status >= 500))
    return null;
  const afterMs = Number(error.headers?.get('retry-after-ms') ?? Number.NaN);
  if (afterMs >= 0) return Math.min(afterMs, policy.delayMsMax);
  const afterS = Number(error.headers?.get('retry-after') ?? Number.NaN);
  if (afterS >= 0) return Math.min(afterS * 1000, policy.delayMsMax);
  return backoffMs;
}

/**
 * Run `op`, retrying retryable failures within `policy`, sleeping on `clock` (virtual in
 * simulation). Only for idempotent calls: never wrap a batch create in it.
 */
export async function withRetries<T>(
  op: () => Promise<T>,
  clock: Clock,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry: (error: unknown, delayMs: number) => void = () => {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (error) {
      const delayMs = attempt < policy.attemptsMax ? retryDelayMs(error, attempt - 1, policy) : null;
      if (delayMs === null) throw error;
      onRetry(error, delayMs);
      await clock.sleep(delayMs);
    }
  }
}
