import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';

/** One batch in flight as its last poll saw it. */
export interface BatchProgress {
  submissionId: string;
  batchId: string;
  model: string;
  /** The requests the batch was created with. */
  requests: number;
  /** Its requests no longer processing, from the batch's `request_counts` (all of them once it ended). */
  ended: number;
  /** The batch's `request_counts` at that poll, as the API sent them (null when it sent none). */
  counts: MessageBatch['request_counts'] | null;
  /** True once the batch itself has ended. */
  done: boolean;
}

/**
 * The state of a run's batches after each poll: what `run` shows while it waits (50–60 s
 * a batch against `serve`, hours against the real API). Told to whoever asked
 * (`StartOptions.onProgress`); never written to the run's database, so watching a run costs it
 * nothing and changes none of its records.
 */
export interface PollProgress {
  /** When the poll ended, on the run's clock (virtual in simulation). */
  at: number;
  /** The batches' phase: canary or main. */
  phase: string;
  round: number;
  /** The batches in flight, and those that ended since the last poll (`done`), shown once. */
  batches: BatchProgress[];
  /**
   * The most the API can have billed so far: each ended batch's `succeeded` count times its
   * costliest row (the spend guard's bound), in USD, against the job's ceiling.
   */
  spentMaxUsd: number;
  ceilingUsd: number;
}

export type ProgressListener = (progress: PollProgress) => void;
