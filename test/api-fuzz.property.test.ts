import { rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchguardError } from '../src/core/errors.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { type ResponseMutations, responseMutations } from './arbitraries/response-mutation.js';
import { jobFolder, reviews, type SimRun, simRun } from './support/pipeline-harness.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';
import { applyResponseMutations } from './support/response-taps.js';
import { expectCoverage, expectNothingInvalidPromoted, expectSpendBounded } from './support/run-checks.js';

/*
 * The API's responses, fuzzed through the real pipeline (the official SDK against the simulated
 * API): results lines that are not JSON, not objects, blank, cut or of the wrong types, missing
 * and extra fields, duplicated lines, truncated streams and dropped connections, empty bodies,
 * and ended batches whose request_counts are odd. Whatever came back, the run ends as the CLI
 * would map to exit 0, 1 or 2 (never an unexpected exception, exit 3), within a bound of real
 * time, with every row given exactly one disposition, every quarantined row a reason, nothing
 * invalid promoted, and every promoted value the world's own answer to that row's request.
 */

const FILE = 'test/api-fuzz.property.test.ts';
/** Real time one small run may take before the case counts as a hang. */
const CASE_MS_MAX = 60_000;

interface FuzzCase {
  seed: number;
  rows: number;
  mutations: ResponseMutations;
}

const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  rows: fc.integer({ min: 20, max: 30 }),
  mutations: responseMutations(),
});

/** The run's result, or the error it ended with; rejects if it takes longer than CASE_MS_MAX. */
async function runWithin(run: SimRun, job: Parameters<SimRun['start']>[0]) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the run hung: no end after ${CASE_MS_MAX} ms`)), CASE_MS_MAX);
  });
  try {
    return await Promise.race([
      run.start(job).then(
        (summary) => ({ summary, error: null }),
        (error: unknown) => ({ summary: null, error }),
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every promoted value is the parsed text of the world's first line for that custom_id, in its own batch. */
async function expectPromotedAreWorldAnswers(run: SimRun, runId: string): Promise<void> {
  const promoted = await run.db.all<{
    row_key: string;
    custom_id: string;
    output_json: string;
    batch_id: string;
  }>(
    `SELECT d.row_key, d.custom_id, d.output_json, s.batch_id FROM dispositions d
     JOIN requests q ON q.run_id = d.run_id AND q.custom_id = d.custom_id
     JOIN submissions s ON s.run_id = q.run_id AND s.submission_id = q.submission_id
     WHERE d.run_id = ? AND d.disposition = 'promoted'`,
    [runId],
  );
  for (const p of promoted) {
    const line = [...run.sim.world.resultLinesOf(p.batch_id)]
      .map((l) => JSON.parse(l))
      .find((l) => l.custom_id === p.custom_id);
    const text = line?.result?.message?.content?.[0]?.text;
    expect(text, `${p.row_key}: no answer from the world for ${p.custom_id}`).toBeTypeOf('string');
    expect(JSON.parse(p.output_json), p.row_key).toEqual(JSON.parse(text));
  }
}

/** What the cases of one property check changed, to show that the mutations really fired. */
const fired = { downloads: 0, counts: 0 };

async function checkCase(c: FuzzCase): Promise<void> {
  const rows = reviews(c.rows);
  const { dir, job } = jobFolder(rows);
  const run = await simRun(dir, { seed: c.seed });
  try {
    const applied = applyResponseMutations(run, c.mutations);
    const { summary, error } = await runWithin(run, job);
    fired.downloads += applied.downloads;
    fired.counts += applied.counts;
    if (error !== null) {
      // A clear error the CLI maps to exit 1 or 2 is an acceptable end; anything else is exit 3.
      const exit = error instanceof BatchguardError ? error.exitCode : 3;
      expect(exit, `exit ${exit}: ${(error as Error)?.stack ?? String(error)}`).not.toBe(3);
    }
    const runId =
      summary?.runId ?? (await run.db.one<{ run_id: string }>('SELECT run_id FROM runs'))?.run_id ?? null;
    if (runId === null) return;
    if (summary !== null && summary.status !== 'refused')
      await expectCoverage(
        run.db,
        runId,
        rows.map((r) => r.id),
      );
    const unexplained = await run.db.all(
      "SELECT row_key FROM dispositions WHERE run_id = ? AND disposition <> 'promoted' AND reason IS NULL",
      [runId],
    );
    expect(unexplained, 'rows set aside with no reason').toEqual([]);
    await expectNothingInvalidPromoted(run.db, runId, job, rows);
    await expectPromotedAreWorldAnswers(run, runId);
    await expectSpendBounded(run, job);
  } finally {
    run.db.close();
    await RunDb.release(join(dir, 'runs.duckdb'), { discard: true });
    run.sim.world.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the pipeline, over any mix of broken API responses', () => {
  it(
    'ends with exit 0, 1 or 2, every row disposed of once, nothing invalid or misattributed promoted',
    async () => {
      await checkProperty('api-fuzz', FILE, fc.asyncProperty(fuzzCase, checkCase), 5);
      console.log(`[property] api-fuzz: ${fired.downloads} downloads and ${fired.counts} batches changed`);
      // A fuzzer whose mutations never reach the pipeline proves nothing.
      expect(fired.downloads).toBeGreaterThan(0);
    },
    propertyTimeout(120_000),
  );
});
