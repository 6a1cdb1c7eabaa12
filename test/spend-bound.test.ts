import { describe, expect, it } from 'vitest';
import { DB_COUNTS } from '../src/pipeline/db/run-db.js';
import { rowWorstCostSql } from '../src/pipeline/run/preflight.js';
import type { RunContext } from '../src/pipeline/run/run-context.js';
import { spentMaxUsd } from '../src/pipeline/run/spend-guard.js';
import { withFinishedCase } from './support/finished-case.js';

/*
 * The spend guard's bound on what the API can have billed: each ended batch's succeeded count
 * times its costliest row. The poll reads it after every sweep in which a batch ended, so a
 * batch's costliest row (fixed once its mapping is written) is read once per run, not each time.
 */

/** The bound as one statement over every sent row: its definition, restated as the oracle. */
const boundSql = (ctx: RunContext) => `SELECT sum(succeeded * max_cost) AS spent FROM (
  SELECT coalesce(CASE WHEN TRY_CAST(s.counts_json::JSON ->> 'succeeded' AS INTEGER) BETWEEN 0 AND s.request_count
                  THEN TRY_CAST(s.counts_json::JSON ->> 'succeeded' AS INTEGER) END, s.request_count) AS succeeded,
         max(${rowWorstCostSql(ctx, 'q.model')}) AS max_cost
  FROM submissions s JOIN requests q ON q.run_id = s.run_id AND q.submission_id = s.submission_id
  JOIN source_rows r ON r.run_id = q.run_id AND r.row_key = q.row_key
  WHERE s.run_id = $1 AND s.counts_json IS NOT NULL GROUP BY s.submission_id, s.counts_json, s.request_count)`;

describe('the spend bound', () => {
  it('is each ended batch’s succeeded count times its costliest row, each batch’s costliest row read once', async () => {
    await withFinishedCase({ seed: 3, rows: 200, goldenRows: 20 }, async ({ db }, ctx) => {
      const expected = async () =>
        Number((await db.one<{ spent: number }>(boundSql(ctx), [ctx.runId]))!.spent);
      const statements = async (read: () => Promise<number>) => {
        const before = DB_COUNTS.statements;
        const value = await read();
        return { value, statements: DB_COUNTS.statements - before };
      };
      // The main batch not ended yet: only the canary's is read.
      const main = await db.one<{ id: string; counts: string }>(
        "SELECT submission_id AS id, counts_json AS counts FROM submissions WHERE run_id = ? AND phase = 'main'",
        [ctx.runId],
      );
      await db.exec('UPDATE submissions SET counts_json = NULL WHERE run_id = ? AND submission_id = ?', [
        ctx.runId,
        main!.id,
      ]);
      const canaryOnly = await expected();
      expect(canaryOnly).toBeGreaterThan(0);
      expect(await statements(() => spentMaxUsd(ctx))).toEqual({ value: canaryOnly, statements: 2 });
      // Read again with nothing new ended: the counts alone.
      expect(await statements(() => spentMaxUsd(ctx))).toEqual({ value: canaryOnly, statements: 1 });
      // The main batch ends: its costliest row is read, and only its.
      await db.exec('UPDATE submissions SET counts_json = ? WHERE run_id = ? AND submission_id = ?', [
        main!.counts,
        ctx.runId,
        main!.id,
      ]);
      const both = await expected();
      expect(both).toBeGreaterThan(canaryOnly);
      const read = await statements(() => spentMaxUsd(ctx));
      expect(read.statements).toBe(2);
      expect(read.value).toBeCloseTo(both, 12);
      expect(await statements(() => spentMaxUsd(ctx))).toEqual({ value: read.value, statements: 1 });
    });
  });
});
