import type Anthropic from '@anthropic-ai/sdk';
import type { RunDb } from '../db/run-db.js';
import type { Env } from '../env.js';
import type { OutputGate } from '../gate/output-gate.js';
import type { Job } from '../job/job.js';
import type { RunLog } from './run-log.js';

/** Everything one run's steps share. Built by run-job.ts for a new run or a resumed one. */
export interface RunContext {
  db: RunDb;
  env: Env;
  job: Job;
  runId: string;
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
}

/** A named point where a crash can be injected (tests, drills); a no-op in live runs. */
export function crashPoint(ctx: RunContext, name: string): void {
  ctx.env.crashPoint?.(name);
}

/** Thrown by an injected crash: the process "dies" here, leaving only the database behind. */
export class InjectedCrash extends Error {
  constructor(readonly point: string) {
    super(`injected crash at ${point}`);
    this.name = 'InjectedCrash';
  }
}
