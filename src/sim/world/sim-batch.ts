import type { ModelInfo } from '../../core/price-table.js';
import { formatRfc3339 } from '../../core/rfc3339.js';
import type {
  BatchRequest,
  ErrorType,
  MessageBatchJson,
  ProcessingStatus,
  RequestCounts,
  ResultType,
} from './api-types.js';

export const DAY_MS = 86_400_000;
/** "Batches expire if processing does not complete within 24 hours." */
export const EXPIRY_MS = DAY_MS;
/** "Batch results are available for 29 days after creation." */
export const ARCHIVE_MS = 29 * DAY_MS;

/** What a request ends as if it finishes before the batch ends; decided at create time. */
export const Planned = { Succeeded: 0, Errored: 1 } as const;

/** Everything decided about a batch's requests at create time. */
export interface BatchPlan {
  /** Virtual time at which each request finishes, epoch ms. */
  finishAtMs: Float64Array;
  /** Planned outcome of each request (a `Planned` value). */
  planned: Uint8Array;
  /** The model of each request planned to succeed. */
  models: readonly (ModelInfo | undefined)[];
  /** Why each request planned to error errors, by index. */
  errors: ReadonlyMap<number, { errorType: ErrorType; message: string }>;
  /** How long after create the results stay available, ms (29 days unless a fault says less). */
  resultsKeptMs: number;
}

/**
 * One batch and its whole future: each request's finish time and planned outcome are fixed at
 * create, so the batch's state at any virtual time is a pure function of the time and of
 * whether (and when) it was canceled. Nothing here runs on a timer.
 */
export class SimBatch {
  readonly expiresAtMs: number;
  readonly archivedAtMs: number;
  cancelInitiatedAtMs: number | null = null;
  private cancelEndAtMs = Number.POSITIVE_INFINITY;
  private readonly naturalEndMs: number;
  /** Finish times of the requests planned to succeed / to error, sorted, for counting by time. */
  private readonly sortedFinish: [Float64Array, Float64Array];
  /** How many requests the batch was created with, whether or not they are still held. */
  readonly requestCount: number;
  private requestsHeld: readonly BatchRequest[];
  private released = false;

  constructor(
    readonly id: string,
    /** Order of creation in the world, to break ties between batches created at the same ms. */
    readonly sequence: number,
    readonly createdAtMs: number,
    requests: readonly BatchRequest[],
    readonly plan: BatchPlan,
  ) {
    this.requestsHeld = requests;
    this.requestCount = requests.length;
    const { finishAtMs, planned } = plan;
    this.expiresAtMs = createdAtMs + EXPIRY_MS;
    this.archivedAtMs = createdAtMs + plan.resultsKeptMs;
    let last = 0;
    const buckets: [number[], number[]] = [[], []];
    for (let i = 0; i < finishAtMs.length; i++) {
      last = Math.max(last, finishAtMs[i]!);
      buckets[planned[i] as 0 | 1].push(finishAtMs[i]!);
    }
    this.naturalEndMs = Math.min(last, this.expiresAtMs);
    this.sortedFinish = [Float64Array.from(buckets[0]).sort(), Float64Array.from(buckets[1]).sort()];
  }

  /** The batch's requests as created; none once released (releaseRequests). */
  get requests(): readonly BatchRequest[] {
    return this.requestsHeld;
  }

  /** Whether releaseRequests dropped the requests. */
  get requestsReleased(): boolean {
    return this.released;
  }

  /**
   * Drop the requests once the results file is written: nothing but a checker's `requestOf`
   * reads them after that, and a server that runs a job of millions of rows would otherwise hold
   * every request it was ever sent.
   */
  releaseRequests(): void {
    this.requestsHeld = [];
    this.released = true;
  }

  /** When processing ends (or ended): all requests done, the 24 h expiry, or a cancel taking effect. */
  get endAtMs(): number {
    return Math.min(this.naturalEndMs, this.cancelEndAtMs);
  }

  /** Did a cancel, rather than completion or expiry, end the batch? */
  private get endedByCancel(): boolean {
    return this.cancelEndAtMs < this.naturalEndMs;
  }

  isEnded(nowMs: number): boolean {
    return nowMs >= this.endAtMs;
  }

  /**
   * Start canceling at `atMs` (now, or a time a fault scheduled); the batch ends `delayMs` later
   * unless it finishes first. An earlier cancel wins over a later one.
   */
  cancel(atMs: number, delayMs: number): void {
    if (this.cancelInitiatedAtMs !== null && this.cancelInitiatedAtMs <= atMs) return;
    if (this.naturalEndMs <= atMs) return;
    this.cancelInitiatedAtMs = atMs;
    this.cancelEndAtMs = atMs + delayMs;
  }

  /** Has a cancel been initiated by `nowMs`? */
  private canceledBy(nowMs: number): boolean {
    return this.cancelInitiatedAtMs !== null && this.cancelInitiatedAtMs <= nowMs;
  }

  status(nowMs: number): ProcessingStatus {
    if (this.isEnded(nowMs)) return 'ended';
    return this.canceledBy(nowMs) ? 'canceling' : 'in_progress';
  }

  /** The final result type of request `index`, once the batch has ended. */
  resultType(index: number): ResultType {
    if (this.plan.finishAtMs[index]! <= this.endAtMs) {
      return this.plan.planned[index] === Planned.Succeeded ? 'succeeded' : 'errored';
    }
    return this.endedByCancel ? 'canceled' : 'expired';
  }

  /**
   * Counts as polls see them: they move while processing (as observed live, newer than the
   * docs' "zero until processing has ended"), always sum to the total, and settle at the end.
   */
  counts(nowMs: number): RequestCounts {
    const at = Math.min(nowMs, this.endAtMs);
    const succeeded = countAtMost(this.sortedFinish[0], at);
    const errored = countAtMost(this.sortedFinish[1], at);
    const unfinished = this.requestCount - succeeded - errored;
    const counts: RequestCounts = { processing: unfinished, succeeded, errored, canceled: 0, expired: 0 };
    if (this.isEnded(nowMs)) {
      counts.processing = 0;
      if (this.endedByCancel) counts.canceled = unfinished;
      else counts.expired = unfinished;
    }
    return counts;
  }

  toJson(nowMs: number, origin: string): MessageBatchJson {
    const ended = this.isEnded(nowMs);
    return {
      id: this.id,
      type: 'message_batch',
      processing_status: this.status(nowMs),
      request_counts: this.counts(nowMs),
      ended_at: ended ? formatRfc3339(this.endAtMs) : null,
      created_at: formatRfc3339(this.createdAtMs),
      expires_at: formatRfc3339(this.expiresAtMs),
      archived_at: nowMs >= this.archivedAtMs ? formatRfc3339(this.archivedAtMs) : null,
      cancel_initiated_at: this.canceledBy(nowMs) ? formatRfc3339(this.cancelInitiatedAtMs!) : null,
      results_url: ended ? `${origin}/v1/messages/batches/${this.id}/results` : null,
    };
  }
}

/** Number of values ≤ x in a sorted array (binary search). */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
