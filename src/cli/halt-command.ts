import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { makeClient } from '../pipeline/client.js';
import { liveEnv } from '../pipeline/live-env.js';
import { haltRun } from '../pipeline/run/halt.js';
import type { Io } from './io.js';
import { openDb } from './open-db.js';
import { formatEntry } from './print-run.js';
import { USAGE } from './usage.js';

/**
 * `batchguard halt`: the runbook's first step. Stops a run for good (resume will not continue
 * it); a live run's batches still in flight are canceled through the API.
 */
export async function haltCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' } },
  });
  if (positionals.length !== 1)
    throw new UsageError('usage', 'Failed to halt: give exactly one run id.', `Usage: ${USAGE.halt}`);
  const runId = positionals[0]!;
  const db = await openDb(values.db, true);
  try {
    const run = await db.one<{ mode: string; state: string }>(
      'SELECT mode, state FROM runs WHERE run_id = ?',
      [runId],
    );
    // Only a live run's batches can be canceled: a simulated API ended with the process that ran it.
    const live = run?.mode === 'live' && run.state !== 'done';
    const client = live ? makeClient(liveEnv(process.env, io.err)) : null;
    const result = await haltRun(db, runId, io.clock, {
      cancel: client ? async (batchId) => void (await client.messages.batches.cancel(batchId)) : undefined,
      onEntry: (e) => io.out(formatEntry(e)),
    });
    io.out(
      result.previousStatus === 'running'
        ? `halted ${runId}: it will not continue or promote; ${result.canceled.length} of ${result.inFlight.length} batches in flight canceled`
        : `halted ${runId}: it had already finished (${result.previousStatus}); next, assess what it touched: batchguard assess ${runId}`,
    );
    return 0;
  } finally {
    db.close();
  }
}
