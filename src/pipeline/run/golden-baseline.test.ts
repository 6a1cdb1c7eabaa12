import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunDb } from '../db/run-db.js';
import { goldenBaseline } from './golden-baseline.js';
import type { RunContext } from './run-context.js';

/*
 * The golden baseline is the last promoted run's score. Simulated runs all start at the virtual
 * clock's epoch, so "last" is the order the runs were made in, never their ids (a hash each).
 */

describe('goldenBaseline', () => {
  it("is the score of the job's promoted run made last, whatever the runs' ids", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'batchguard-baseline-')), 'runs.duckdb');
    const db = await RunDb.open(path);
    try {
      const epoch = '2026-01-01T00:00:00Z';
      // Made in this order; their ids sort the other way.
      for (const [runId, status, score] of [
        ['run-c', 'promoted', 0.91],
        ['run-b', 'promoted', 0.95],
        ['run-a', 'halted', 0.5],
      ] as const) {
        await db.exec(
          `INSERT INTO runs (run_id, job_name, job_json, mode, seed, state, status, created_at, updated_at)
           VALUES (?, 'reviews', '{}', 'simulation', 1, 'done', ?, ?, ?)`,
          [runId, status, epoch, epoch],
        );
        await db.exec('INSERT INTO run_metrics VALUES (?, 10, 10, 0, 0, 0, 10, 1, 1, 0, 0, 0, ?)', [
          runId,
          score,
        ]);
      }
      const ctx = {
        db,
        runId: 'run-new',
        job: { name: 'reviews', golden: { baseline: null } },
      } as unknown as RunContext;
      expect(await goldenBaseline(ctx)).toBe(0.95);
      const recorded = {
        ...ctx,
        job: { name: 'reviews', golden: { baseline: 0.8 } },
      } as unknown as RunContext;
      expect(await goldenBaseline(recorded)).toBe(0.8);
    } finally {
      db.close();
      await RunDb.release(path);
    }
  });
});
