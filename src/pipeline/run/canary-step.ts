import { type CanaryStats, type CanaryVerdict, goldenMatches, gradeCanary } from '../gate/grade-canary.js';
import { goldenBaseline } from './golden-baseline.js';
import { rowStatesSql } from './row-states.js';
import type { RunContext } from './run-context.js';
import { UNSENT } from './submissions.js';

interface CanaryRow {
  is_golden: boolean;
  kind: string | null;
  reason: string | null;
  expected_json: string | null;
  output_json: string | null;
  submission_id: string | null;
}

/**
 * Grade the canary slice and the golden rows after their single round: validity, error rate,
 * golden score against the baseline, and the spread of the distribution field. The verdict
 * releases the rest of the job or halts it, with every reason.
 */
export async function gradeCanaryStep(ctx: RunContext): Promise<CanaryVerdict> {
  // In the rows' order, not DuckDB's (which varies from run to run with its threads): the tally of
  // values is logged, and the same seed must write the same log.
  // Streamed: the slice is a share of the job (2 %: 200,000 rows of a 10,000,000-row job).
  const rows = eachRow(
    ctx.db.stream<CanaryRow>(
      `SELECT is_golden, kind, reason, expected_json, output_json, submission_id FROM (${rowStatesSql(ctx)})
       WHERE in_canary OR is_golden ORDER BY row_key`,
    ),
  );
  const stats: CanaryStats = {
    rows: 0,
    valid: 0,
    errored: 0,
    goldenTotal: 0,
    goldenCorrect: 0,
    distribution: {},
  };
  const field = ctx.job.distributionField;
  let unanswered = 0;
  let unsent = 0;
  for await (const row of rows) {
    const output = row.output_json ? (JSON.parse(row.output_json) as Record<string, unknown>) : null;
    if (row.kind === null) continue;
    // A row never sent (it carries the run's fence tag) says nothing of the template either.
    if (row.submission_id === UNSENT) {
      unsent++;
      continue;
    }
    // A row whose result never came (missing, expired, canceled) says nothing of the template:
    // it is requeued like any other, and counted apart. An error is an answer.
    if (row.kind === 'retry' && !row.reason?.startsWith('errored:')) {
      unanswered++;
      continue;
    }
    // Golden rows are answers to the same template: they count toward validity and errors too.
    stats.rows++;
    if (row.kind === 'valid') stats.valid++;
    if (row.reason?.startsWith('errored:') || row.reason === 'invalid_request') stats.errored++;
    if (row.is_golden) {
      if (row.kind !== 'valid' && row.kind !== 'invalid') continue; // an error: no evidence either way
      stats.goldenTotal++;
      if (row.kind === 'valid' && goldenMatches(JSON.parse(row.expected_json ?? '{}'), output))
        stats.goldenCorrect++;
      continue;
    }
    if (row.kind === 'valid' && field && output && field in output) {
      const value = String(output[field]);
      stats.distribution[value] = (stats.distribution[value] ?? 0) + 1;
    }
  }
  const verdict = gradeCanary(stats, ctx.job, await goldenBaseline(ctx));
  await ctx.log.write(
    'canary',
    verdict.release ? 'outcome' : 'alarm',
    verdict.release ? 'canary_released' : 'canary_halted',
    { ...verdict, stats, unanswered, unsent },
  );
  return verdict;
}

/** A query's rows one at a time, its chunks never gathered into one array. */
async function* eachRow<T>(chunks: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const chunk of chunks) yield* chunk;
}
