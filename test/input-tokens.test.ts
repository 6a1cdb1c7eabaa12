import { describe, expect, it } from 'vitest';
import { inputTokensSql, preflightCost } from '../src/pipeline/run/preflight.js';
import { withFinishedCase } from './support/finished-case.js';

/*
 * A source row's input-token estimate is taken once, as the plan loads it, and the cost checks
 * (the preflight, the spend guard, the context-window quarantine) sum the column instead of
 * parsing every row's JSON again. The column must hold what the expression gives (the estimate
 * preflight.test proves equal to the rendered prompt's), and a row without it (a golden row, or
 * one loaded before the column existed) must be priced the same.
 */
describe("a source row's input tokens", () => {
  it('are taken at load as the estimate gives them, and a row without them is priced the same', async () => {
    await withFinishedCase({ seed: 5, rows: 200, goldenRows: 20 }, async ({ db }, ctx) => {
      const counts = await db.one<{ source: number; wrong: number; golden_with: number }>(
        `SELECT count(*) FILTER (WHERE NOT is_golden)::INTEGER AS source,
                count(*) FILTER (WHERE NOT is_golden AND input_tokens IS DISTINCT FROM (${inputTokensSql(ctx)})::INTEGER)::INTEGER AS wrong,
                count(*) FILTER (WHERE is_golden AND input_tokens IS NOT NULL)::INTEGER AS golden_with
         FROM source_rows WHERE run_id = ?`,
        [ctx.runId],
      );
      expect(counts).toEqual({ source: 200, wrong: 0, golden_with: 0 });
      const taken = await preflightCost(ctx);
      expect(taken.inputTokens).toBeGreaterThan(200 * 7);
      await db.exec('UPDATE source_rows SET input_tokens = NULL WHERE run_id = ?', [ctx.runId]);
      expect(await preflightCost(ctx)).toEqual(taken);
    });
  });
});
