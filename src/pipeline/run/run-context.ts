import type Anthropic from '@anthropic-ai/sdk';
import type { RunDb } from '../db/run-db.js';
import type { Env } from '../env.js';
import type { OutputGate } from '../gate/output-gate.js';
import type { Job } from '../job/job.js';
import type { ProgressListener } from './progress.js';
import type { RunLog } from './run-log.js';

/** Everything one run's steps share. Built by run-job.ts for a new run or a resumed one. */
export interface RunContext {
  db: RunDb;
  env: Env;
  job: Job;
  runId: string;
  /**
   * Six hex digits that every custom_id of the run ends with (custom-ids.ts), so a batch found
   * after a crash can be proved this run's own: from the seed in simulation, random in live mode.
   */
  runTag: string;
  log: RunLog;
  client: Anthropic;
  gate: OutputGate;
  /** The fence tag for this run's prompts, or null when fencing is off. */
  fence: string | null;
  /**
   * The fence tag for golden rows: the same in every run of the job, so golden prompts stay
   * identical and the golden score moves only when the template or the model does. Golden rows
   * are the team's own trusted data, so a predictable tag costs nothing there.
   */
  goldenFence: string | null;
  /** Told the batches' progress after each poll (the CLI's progress display), if anyone asked. */
  onProgress?: ProgressListener;
}

/**
 * Every point where a run has just persisted a step (or is about to act on one), and where a
 * crash can be injected (tests, drills). Resume must end as if no crash had happened from any of
 * them; the property tests crash at each in turn.
 */
export const CRASH_POINTS = [
  'state:plan',
  'state:canary',
  'state:main',
  'state:reconcile',
  'state:promote',
  'submit:after-mapping',
  'submit:before-create',
  'submit:after-create',
  'canary:after-submit-wave',
  'main:after-submit-wave',
  'fetch:after-append',
  'fetch:before-gate',
  'gate:after-outcomes',
  'promote:inside-transaction',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** A named point where a crash can be injected (tests, drills); a no-op in live runs. */
export function crashPoint(ctx: RunContext, name: CrashPoint): void {
  ctx.env.crashPoint?.(name);
}

/** Thrown by an injected crash: the process "dies" here, leaving only the database behind. */
export class InjectedCrash extends Error {
  constructor(readonly point: string) {
    super(`injected crash at ${point}`);
    this.name = 'InjectedCrash';
  }
}
