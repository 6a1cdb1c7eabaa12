import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import type { Env } from '../pipeline/env.js';
import { liveEnv } from '../pipeline/live-env.js';
import { resumeRun } from '../pipeline/run/run-job.js';
import { haltRequestedIn } from './halt-request.js';
import type { Io } from './io.js';
import { DEFAULT_DB, openDb } from './open-db.js';
import { formatEntry, summaryLines } from './print-run.js';
import { ALERT_FLUSH_MS, runExitCode } from './run-command.js';
import { USAGE } from './usage.js';

const RESUME_USAGE = USAGE.resume;

/** `batchguard resume`: continue a live run after a crash, without submitting any batch twice. */
export async function resumeCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' } },
  });
  if (positionals.length !== 1)
    throw new UsageError('usage', 'Failed to resume: give exactly one run id.', `Usage: ${RESUME_USAGE}`);
  const runId = positionals[0]!;
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
    const summary = await resumeRun(db, runId, env, (entry) => io.out(formatEntry(entry)));
    for (const line of summaryLines(summary, resolve(values.db ?? DEFAULT_DB))) io.out(line);
    return runExitCode(summary);
  } finally {
    await env?.alerts?.flush(ALERT_FLUSH_MS);
    db.close();
  }
}
