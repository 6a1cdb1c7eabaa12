import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { schemaDrift, schemaDriftParams } from '../src/sim/faults/schema-drift.js';
import { silentPartialDrop, silentPartialDropParams } from '../src/sim/faults/silent-partial-drop.js';
import { jobFolder, simRun } from './support/pipeline-harness.js';

/*
 * Honest numbers: each of a run's metrics, as `run_summary` reports it, recomputed here from the
 * rows themselves (dispositions, outcomes, results, requests), on a run with faults enough that
 * every metric is something other than its trivial value; and a halted run, whose rows held
 * without ever being sent are not good rows.
 */

async function metricsOf(dir: string, runId: string) {
  const db = await RunDb.open(join(dir, 'runs.duckdb'));
  const one = async (sql: string) => (await db.one<{ v: number | string | null }>(sql, [runId]))!.v;
  try {
    return {
      reported: (await db.one<Record<string, unknown>>(
        `SELECT coverage, validity, cost_usd::VARCHAR AS cost_usd, cost_per_good_row::VARCHAR AS cost_per_good_row,
                escalation_rate, golden_score, good_rows FROM run_summary WHERE run_id = ?`,
        [runId],
      ))!,
      recomputed: {
        coverage: Number(
          await one(`SELECT (SELECT count(DISTINCT row_key) FROM dispositions WHERE run_id = $1 AND NOT starts_with(row_key, 'golden:'))
                     / (SELECT count(*) FROM source_rows WHERE run_id = $1 AND NOT is_golden) AS v`),
        ),
        validity: Number(
          await one(`SELECT count(*) FILTER (WHERE kind = 'valid') / count(*) AS v FROM outcomes
                     WHERE run_id = $1 AND kind IN ('valid', 'invalid') AND submission_id <> 'unsent'
                       AND NOT starts_with(row_key, 'golden:')`),
        ),
        cost_usd: String(
          await one('SELECT sum(cost_usd::DECIMAL(18, 9))::VARCHAR AS v FROM raw_results WHERE run_id = $1'),
        ),
        good_rows: Number(
          await one(`SELECT count(*) AS v FROM dispositions WHERE run_id = $1 AND NOT starts_with(row_key, 'golden:')
                     AND (disposition = 'promoted' OR (disposition IN ('held', 'valid') AND output_json IS NOT NULL))`),
        ),
        escalation_rate: Number(
          await one(`SELECT count(DISTINCT row_key) FILTER (WHERE model = 'claude-sonnet-4-5')
                       / (SELECT count(*) FROM source_rows WHERE run_id = $1 AND NOT is_golden) AS v
                     FROM requests WHERE run_id = $1 AND NOT starts_with(row_key, 'golden:')`),
        ),
      },
    };
  } finally {
    db.close();
    await RunDb.release(join(dir, 'runs.duckdb'));
  }
}

describe('every metric, recomputed from the rows', () => {
  it('coverage, validity, cost, cost per good row, escalation rate of a run with drift and drops', async () => {
    const { dir, job } = jobFolder(600);
    const faults = [
      schemaDrift(schemaDriftParams.parse({ rate: 0.08 })),
      silentPartialDrop(silentPartialDropParams.parse({ missing_rate: 0.02, errored_rate: 0.03 })),
    ];
    const run = await simRun(dir, { seed: 4, faults });
    const summary = await run.start(job);
    run.db.close();
    await RunDb.release(join(dir, 'runs.duckdb'));
    run.sim.world.dispose();

    const { reported, recomputed } = await metricsOf(dir, summary.runId);
    expect(reported.validity).toBeLessThan(1);
    expect(reported.escalation_rate).toBeGreaterThan(0);
    expect(reported.coverage).toBeCloseTo(recomputed.coverage, 12);
    expect(reported.validity).toBeCloseTo(recomputed.validity, 12);
    expect(reported.escalation_rate).toBeCloseTo(recomputed.escalation_rate, 12);
    expect(reported.cost_usd).toBe(recomputed.cost_usd);
    expect(reported.good_rows).toBe(recomputed.good_rows);
    const perGood = Number(recomputed.cost_usd) / recomputed.good_rows;
    expect(Number(reported.cost_per_good_row)).toBeCloseTo(perGood, 9);
  }, 60_000);

  it('a halted run: rows held without being sent are not good rows, so cost per good row is the truth', async () => {
    // A template reading the wrong column: the canary halts, the rest of the rows are held unsent.
    const { dir, job } = jobFolder(600, {
      template: 'Classify the sentiment. labels: positive, negative, neutral\nReview: {{sku}}',
    });
    const run = await simRun(dir, { seed: 2 });
    const summary = await run.start(job);
    run.db.close();
    await RunDb.release(join(dir, 'runs.duckdb'));
    run.sim.world.dispose();
    expect(summary.status).toBe('halted');

    const { reported, recomputed } = await metricsOf(dir, summary.runId);
    expect(recomputed.good_rows).toBeLessThan(60);
    expect(reported.good_rows).toBe(recomputed.good_rows);
    expect(Number(reported.cost_per_good_row)).toBeCloseTo(
      Number(recomputed.cost_usd) / recomputed.good_rows,
      9,
    );
  }, 60_000);
});
