import { BatchguardError } from '../core/errors.js';
import { makeClient } from '../pipeline/client.js';
import type { RunDb } from '../pipeline/db/run-db.js';
import { liveEnv } from '../pipeline/live-env.js';
import { haltRun } from '../pipeline/run/halt.js';
import { clearHaltRequest, haltRequestPath, requestHalt } from './halt-request.js';
import type { Io } from './io.js';
import { DEFAULT_DB, openDb } from './open-db.js';
import { withArgs } from './parse-command.js';
import { formatEntry } from './print-run.js';

/** How long a halt waits for the process holding the database to stop the run and let go. */
export const HALT_WAIT_MS = 5 * 60_000;
const HALT_RECHECK_MS = 500;

/**
 * `batchguard halt`: the runbook's first step. Stops a run for good (resume will not continue
 * it); a live run's batches still in flight are canceled through the API. When another process
 * holds the database (the run itself, still going), the halt is handed to it through a request
 * file: it halts at its next poll, cancels its batches and exits; then this reports.
 */
export const haltCommand = withArgs('halt', async ({ values, positional: runId }, io) => {
  const dbPath = values.db ?? DEFAULT_DB;
  const held = await openOrHandOver(dbPath, runId, io);
  if (held === null) return 1;
  const { db, handedOver } = held;
  try {
    if (handedOver) {
      const done = await db.one<{ detail: string }>(
        "SELECT detail FROM run_log WHERE run_id = ? AND kind = 'halted_by_operator' ORDER BY seq DESC LIMIT 1",
        [runId],
      );
      if (done) {
        const d = JSON.parse(done.detail) as { in_flight: string[]; canceled: string[] };
        io.out(
          `halted ${runId}: it will not continue or promote; ${d.canceled.length} of ${d.in_flight.length} batches in flight canceled`,
        );
        return 0;
      }
    }
    return await haltHere(db, runId, io);
  } finally {
    clearHaltRequest(dbPath);
    db.close();
  }
});

/**
 * Open the database; when another process holds it, leave a halt request and wait until that
 * process lets go (or give up after HALT_WAIT_MS: null, the request left in place).
 */
async function openOrHandOver(
  dbPath: string,
  runId: string,
  io: Io,
): Promise<{ db: RunDb; handedOver: boolean } | null> {
  try {
    return { db: await openDb(dbPath, true), handedOver: false };
  } catch (error) {
    if (!(error instanceof BatchguardError) || error.code !== 'database_in_use') throw error;
    requestHalt(dbPath, runId);
    io.out(
      `${error.message.replace(/^Failed to open/, 'Asked the process holding')} to halt ${runId}; waiting for it to stop (it halts at its next poll)…`,
    );
  }
  for (let waitedMs = 0; waitedMs < HALT_WAIT_MS; waitedMs += HALT_RECHECK_MS) {
    await io.clock.sleep(HALT_RECHECK_MS);
    try {
      return { db: await openDb(dbPath, true), handedOver: true };
    } catch (error) {
      if (!(error instanceof BatchguardError) || error.code !== 'database_in_use') throw error;
    }
  }
  io.err(
    `error: Failed to halt ${runId}: the process holding ${dbPath} did not let go within ${HALT_WAIT_MS / 60_000} min. The request stays in ${haltRequestPath(dbPath)}: the run halts at its next poll; run \`batchguard halt ${runId}\` again to see it done.`,
  );
  return null;
}

async function haltHere(db: RunDb, runId: string, io: Io): Promise<number> {
  const run = await db.one<{ mode: string; state: string }>('SELECT mode, state FROM runs WHERE run_id = ?', [
    runId,
  ]);
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
  for (const submission of result.uncertain)
    io.out(
      `  submission ${submission} was being created when the run stopped: a batch of it may exist, not canceled; find it in the console (its custom_ids end with _${runId.split('-')[2]}) and cancel it`,
    );
  return 0;
}
