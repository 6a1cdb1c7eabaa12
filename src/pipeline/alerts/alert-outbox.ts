import { setTimeout as delay } from 'node:timers/promises';
import type { AlertPayload } from './alert-payload.js';

export interface AlertOutboxOptions {
  /** Lines about deliveries (`alert_sent`, `alert_failed`): stderr in the CLI, never the run log. */
  log: (line: string) => void;
  /** The network the POST goes out on (default: the global fetch). */
  fetch?: typeof fetch;
  /** The wait between tries (default: real time, abandoned when `signal` aborts). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Waits before the 2nd, 3rd… try; their number + 1 is the number of tries (default 1 s, 4 s). */
  retryDelaysMs?: readonly number[];
  /** Longest wait for one try's answer (default 5 s). */
  tryTimeoutMs?: number;
  /** Most deliveries under way at once; an alert beyond it is dropped and said so (default 16). */
  maxPending?: number;
}

/** What `flush` saw: how many deliveries were still under way at its bound, and were abandoned. */
export interface FlushResult {
  abandoned: number;
}

const realSleep = (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

/**
 * Sends alerts to webhooks, off the run's path: `send` returns at once and never throws, a
 * delivery is retried with backoff on a network error, a timeout, 5xx or 429, and a failure ends
 * in one `alert_failed` line, never in an exception. `flush` waits for what is under way, up to a
 * bound, so a short process does not exit before its alarm is out.
 *
 * Deliveries run in real time even in a simulated run: the webhook is in the real world, and the
 * run's virtual clock jumps hours in milliseconds, which would spend every retry at once. For the
 * same reason nothing here touches the run log: whether a receiver was up is not part of a seed,
 * and the same seed must give the same run log, byte for byte.
 */
export class AlertOutbox {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly retryDelaysMs: readonly number[];
  private readonly tryTimeoutMs: number;
  private readonly maxPending: number;
  private readonly pending = new Set<Promise<void>>();
  /** Aborted when a flush gives up: every try and wait under way stops. */
  private abandon = new AbortController();

  constructor(private readonly options: AlertOutboxOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.sleep = options.sleep ?? realSleep;
    this.retryDelaysMs = options.retryDelaysMs ?? [1_000, 4_000];
    this.tryTimeoutMs = options.tryTimeoutMs ?? 5_000;
    this.maxPending = options.maxPending ?? 16;
  }

  /** Queue one POST of `payload` to `url`; returns at once. */
  send(url: string, payload: AlertPayload): void {
    const label = { kind: payload.kind, alert_kind: payload.alert_kind };
    if (this.pending.size >= this.maxPending) {
      this.line('alert_failed', { ...label, error: `${this.maxPending} alerts already under way` });
      return;
    }
    const delivery = this.deliver(url, payload, label, this.abandon.signal).catch((error) =>
      this.line('alert_failed', { ...label, error: String(error).slice(0, 200) }),
    );
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  /**
   * Wait for every delivery under way, at most `timeoutMs` of real time; those still under way
   * then are abandoned (their tries aborted, one `alert_failed` line each).
   */
  async flush(timeoutMs: number): Promise<FlushResult> {
    if (this.pending.size === 0) return { abandoned: 0 };
    const bound = new AbortController();
    const settled = Promise.allSettled([...this.pending]).then(() => 'settled' as const);
    const timedOut = delay(timeoutMs, 'timeout' as const, { signal: bound.signal }).catch(
      () => 'settled' as const,
    );
    const first = await Promise.race([settled, timedOut]);
    bound.abort();
    if (first === 'settled') return { abandoned: 0 };
    const left = [...this.pending];
    this.abandon.abort();
    this.abandon = new AbortController();
    await Promise.allSettled(left);
    return { abandoned: left.length };
  }

  private async deliver(
    url: string,
    payload: AlertPayload,
    label: { kind: string; alert_kind: string },
    abandon: AbortSignal,
  ): Promise<void> {
    const host = hostOf(url);
    const tries = this.retryDelaysMs.length + 1;
    let problem = '';
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (attempt > 1) {
        try {
          await this.sleep(this.retryDelaysMs[attempt - 2]!, abandon);
        } catch {
          break; // abandoned by flush
        }
      }
      if (abandon.aborted) break;
      try {
        const response = await this.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
          signal: AbortSignal.any([abandon, AbortSignal.timeout(this.tryTimeoutMs)]),
        });
        await response.body?.cancel().catch(() => {});
        if (response.ok) {
          this.line('alert_sent', { ...label, status: response.status, tries: attempt });
          return;
        }
        problem = `HTTP ${response.status}`;
        // Another 4xx (a wrong URL, a revoked hook) will not heal by asking again.
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        problem = networkProblem(error).split(url).join(host);
      }
    }
    if (abandon.aborted) problem = `abandoned at the flush bound${problem ? ` (${problem})` : ''}`;
    this.line('alert_failed', { ...label, host, tries, error: problem });
  }

  private line(kind: string, detail: Record<string, unknown>): void {
    try {
      this.options.log(`[alerts] ${kind} ${JSON.stringify(detail)}`);
    } catch {
      // A log that throws must not turn a delivery into an exception.
    }
  }
}

/** Only the host: a webhook's path is often its secret (chat hooks), so it is never logged. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
}

function networkProblem(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'no answer in time';
    if (error.name === 'AbortError') return 'abandoned';
    const cause = (error as { cause?: { code?: unknown } }).cause;
    return typeof cause?.code === 'string' ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error).slice(0, 200);
}
