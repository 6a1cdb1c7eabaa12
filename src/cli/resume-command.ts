import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Env } from '../pipeline/env.js';
import { liveEnv } from '../pipeline/live-env.js';
import { resumeRun } from '../pipeline/run/run-job.js';
import { haltRequestedIn } from './halt-request.js';
import { DEFAULT_DB, openDb } from './open-db.js';
import { withArgs } from './parse-command.js';
import { formatEntry, summaryLines } from './print-run.js';
import { ALERT_FLUSH_MS, runExitCode } from './run-command.js';
import { RunProgressView } from './run-progress.js';

/** `batchguard resume`: continue a live run after a crash, without submitting any batch twice. */
export const resumeCommand = withArgs('resume', async ({ values, positional: runId }, io) => {
  const db = await openDb(values.db, true);
  let env: Env | undefined;
  try {
    const run = await db.one<{ mode: string }>('SELECT mode FROM runs WHERE run_id = ?', [runId]);
    if (!run)
      throw new UsageError(
        'unknown_run',
        `Failed to resume ${runId}: no such run in ${db.path}.`,
        'List runs with `batchguard report`.',
      );
    if (run.mode !== 'live') {
      throw new UsageError(
        'simulated_run',
        `Failed to resume ${runId}: it ran against the in-process simulated API, which ended with its process.`,
        'Run the job again, or run it with --live against `batchguard serve` to exercise resume.',
      );
    }
    env = { ...liveEnv(process.env, io.err), haltRequested: haltRequestedIn(values.db ?? DEFAULT_DB) };
    const progress = new RunProgressView(io);
    const summary = await resumeRun(
      db,
      runId,
      env,
      (entry) => {
        progress.entry(entry);
        io.out(formatEntry(entry));
      },
      (p) => progress.progress(p),
    ).finally(() => progress.end());
    for (const line of summaryLines(summary, resolve(values.db ?? DEFAULT_DB))) io.out(line);
    return runExitCode(summary);
  } finally {
    await env?.alerts?.flush(ALERT_FLUSH_MS);
    db.close();
  }
});
