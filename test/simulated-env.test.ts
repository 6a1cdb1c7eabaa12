import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulatedEnv } from '../src/cli/simulated-env.js';
import { realClock } from '../src/core/real-clock.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { startRun } from '../src/pipeline/run/run-job.js';
import { jobFolder } from './support/pipeline-harness.js';

/*
 * A simulated `batchguard run` holds the world in its own process. A batch's requests are what
 * the world needs until the batch's results are written; kept after that, a million-row run kept
 * every request it had sent (1.8 GB at its peak, growing with the rows).
 */
describe("a simulated run's world", () => {
  it('lets a batch’s requests go once its results are written', async () => {
    const { dir, job } = jobFolder(60, { max_batch_requests: 25 });
    const { env, world } = await simulatedEnv(job, 3, null, { err: () => {}, clock: realClock });
    const db = await RunDb.open(join(dir, 'runs.duckdb'));
    try {
      const summary = await startRun({ db, env, job, mode: 'simulation', seed: 3 });
      expect(summary.status).toBe('promoted');
      const mapped = await db.all<{ batch_id: string; custom_id: string }>(
        `SELECT s.batch_id, min(q.custom_id) AS custom_id FROM requests q
         JOIN submissions s USING (run_id, submission_id) GROUP BY 1 ORDER BY 1`,
      );
      // The canary's batch and the main round's three (60 rows, 25 a batch).
      expect(mapped.length).toBeGreaterThanOrEqual(4);
      for (const { batch_id, custom_id } of mapped) {
        // The batch answered this id (its results file is written and holds it) …
        expect([...world.resultLinesOf(batch_id)].some((line) => line.includes(`"${custom_id}"`))).toBe(true);
        // … and the world no longer holds the request it answered.
        expect(world.requestOf(batch_id, custom_id)).toBeUndefined();
      }
    } finally {
      db.close();
      await RunDb.release(join(dir, 'runs.duckdb'), { discard: true });
      world.dispose();
    }
  });
});
