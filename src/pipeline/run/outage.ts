import { BatchguardError, UsageError } from '../../core/errors.js';
import { DEFAULT_RETRY, type RetryPolicy, retryDelayMs, withRetries } from '../retry.js';
import type { RunContext } from './run-context.js';

/** Backoff while the API is away: from half a second, doubling, at most a minute between tries. */
export const OUTAGE_RETRY: RetryPolicy = {
  attemptsMax: Number.POSITIVE_INFINITY,
  baseDelayMs: 500,
  delayMsMax: 60_000,
};

/** Used for runs recorded before `outage_wait_minutes` existed. */
const OUTAGE_WAIT_MINUTES_DEFAULT = 60;

/**
 * Run an idempotent call (a retrieve, a list, a results download), riding out an outage of the
 * API: lost connections, 5xx and 429 are retried with backoff on the run's clock for as long as
 * the job's `outage_wait_minutes` allows, an alarm is logged once the ordinary retries are spent
 * and an event when the API answers again. Past the limit the run stops with exit 1 and the
 * resume command: its batches keep running on the API meanwhile, so nothing is lost by waiting.
 * Errors that are not an outage (404, 400, 401…) are thrown at once. Never wrap a create in it.
 */
export async function throughOutage<T>(
  ctx: RunContext,
  step: string,
  /** What the call does, for the log and the message: "poll batch msgbatch_…". */
  what: string,
  op: () => Promise<T>,
): Promise<T> {
  const waitMs = (ctx.job.outageWaitMinutes ?? OUTAGE_WAIT_MINUTES_DEFAULT) * 60_000;
  let sinceMs: number | null = null;
  for (let failures = 0; ; failures++) {
    try {
      const value = await op();
      if (sinceMs !== null && failures >= DEFAULT_RETRY.attemptsMax)
        await ctx.log.event(step, 'api_reachable', { what, down_ms: ctx.env.clock.now() - sinceMs });
      return value;
    } catch (error) {
      const delayMs = retryDelayMs(error, Math.min(failures, 30), OUTAGE_RETRY);
      if (delayMs === null) throw error;
      sinceMs ??= ctx.env.clock.now();
      const downMs = ctx.env.clock.now() - sinceMs;
      if (failures + 1 === DEFAULT_RETRY.attemptsMax)
        await ctx.log.alarm(step, 'api_unreachable', {
          what,
          error: String(error),
          wait_minutes: waitMs / 60_000,
        });
      if (downMs >= waitMs) throw unreachable(ctx, what, error, downMs);
      await ctx.env.clock.sleep(Math.min(delayMs, Math.max(waitMs - downMs, 1)));
    }
  }
}

/**
 * Before a run sends anything, check that the API answers at all (one list call, with the
 * ordinary few retries): a wrong base URL or a dead network stops the launch at once, exit 1,
 * with nothing sent or billed, rather than being ridden out as an outage.
 */
export async function checkReachable(ctx: RunContext): Promise<void> {
  try {
    await withRetries(() => ctx.client.messages.batches.list({ limit: 1 }), ctx.env.clock);
  } catch (error) {
    if (retryDelayMs(error, 0, DEFAULT_RETRY) === null) {
      // The API answered, and refused: a wrong key, a key without access, a base URL that is
      // not the API. Bad input, before anything was sent.
      throw new UsageError(
        'api_refused',
        `Failed to reach the Message Batches API at ${ctx.env.baseURL}: it refused the call (${oneLine(error)}).`,
        'Check ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL), then run the job again: nothing was sent or billed.',
      );
    }
    throw new BatchguardError(
      'api_unreachable',
      `Failed to reach the Message Batches API at ${ctx.env.baseURL}: ${oneLine(error)}.`,
      'Check ANTHROPIC_BASE_URL and the network, then run the job again: nothing was sent or billed.',
      1,
    );
  }
}

function unreachable(ctx: RunContext, what: string, error: unknown, downMs: number): BatchguardError {
  return new BatchguardError(
    'api_unreachable',
    `Failed to ${what}: the API at ${ctx.env.baseURL} has not answered for ${Math.round(downMs / 60_000)} min (${oneLine(error)}).`,
    `The run's batches keep running on the API meanwhile. When it answers again, \`batchguard resume ${ctx.runId}\` continues where this run stopped, billing nothing twice (raise outage_wait_minutes in the job to wait longer).`,
    1,
  );
}

const oneLine = (error: unknown): string => String(error).replace(/\s+/g, ' ').slice(0, 300);
