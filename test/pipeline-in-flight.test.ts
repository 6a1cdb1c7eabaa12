import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../src/pipeline/run/run-log.js';
import { holdBatchesProcessing } from './support/fetch-taps.js';
import { jobFolder, reviews, simRun } from './support/pipeline-harness.js';
import { expectInvariants } from './support/run-checks.js';

/*
 * A round's batches go out as room frees: up to `max_in_flight` at once, the next chunk's batch
 * created as soon as one is gated, so a batch that takes long on the API's side holds up none
 * of the others. `max_batch_requests` sizes the chunks.
 */

const IN_FLIGHT = 2;
/** Main-round batches the other slot must see through while the first is held. */
const THROUGH_WHILE_HELD = 4;
/** Polls the first batch is held for at most, so a run that waits on it ends, and fails below. */
const HELD_POLLS_MAX = 300;

/** Each main-round submission's batch id, in order of creation. */
function mainBatches(entries: readonly LogEntry[]): string[] {
  const main = new Set(
    entries
      .filter((e) => e.kind === 'create_batch' && e.detail.phase === 'main')
      .map((e) => e.detail.submission_id),
  );
  return entries
    .filter((e) => e.kind === 'batch_created' && main.has(e.detail.submission_id))
    .map((e) => String(e.detail.batch_id));
}

describe('batches in flight', () => {
  it('sends the next chunk as soon as a batch ends, never more than max_in_flight at once, however long one batch takes', async () => {
    const rows = reviews(60);
    const { dir, job } = jobFolder(rows, { max_batch_requests: 6, max_in_flight: IN_FLIGHT });
    const run = await simRun(dir, { seed: 4 });
    // The first main-round batch stays processing until the other slot has seen four batches
    // through (or for HELD_POLLS_MAX polls).
    const gatedSince = (batchId: string) => {
      const batches = mainBatches(run.entries);
      const gated = new Set(
        run.entries.filter((e) => e.kind === 'batch_gated').map((e) => e.detail.submission_id),
      );
      const created = run.entries.filter(
        (e) => e.kind === 'batch_created' && batches.includes(String(e.detail.batch_id)),
      );
      return created.filter((e) => e.detail.batch_id !== batchId && gated.has(e.detail.submission_id)).length;
    };
    let polls = 0;
    const held = holdBatchesProcessing(
      run,
      (batchId) =>
        batchId === mainBatches(run.entries)[0] &&
        ++polls <= HELD_POLLS_MAX &&
        gatedSince(batchId) < THROUGH_WHILE_HELD,
    );
    const summary = await run.start(job);

    // The fault fired: the first batch was held, and ended only after the others went through.
    const batches = mainBatches(run.entries);
    expect(batches.length).toBeGreaterThan(THROUGH_WHILE_HELD + 1);
    expect(held()).toBeGreaterThan(5);
    const at = (kind: string, batchId: string) =>
      run.entries.findIndex((e) => e.kind === kind && e.detail.batch_id === batchId);
    const [first] = batches;
    const createdWhileHeld = batches.filter(
      (b) =>
        at('batch_created', b) > at('batch_created', first!) &&
        at('batch_created', b) < at('batch_ended', first!),
    );
    expect(createdWhileHeld.length).toBeGreaterThanOrEqual(THROUGH_WHILE_HELD);

    // Never more than max_in_flight batches between their create and their end, and that many at times.
    let inFlight = 0;
    let most = 0;
    for (const e of run.entries) {
      if (e.kind === 'batch_created' && batches.includes(String(e.detail.batch_id)))
        most = Math.max(most, ++inFlight);
      if (e.kind === 'batch_ended' && batches.includes(String(e.detail.batch_id))) inFlight--;
    }
    expect(most).toBe(IN_FLIGHT);
    // Each batch holds at most max_batch_requests.
    const sizes = run.entries.filter((e) => e.kind === 'create_batch').map((e) => Number(e.detail.requests));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(6);

    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });
});
