import { listValue } from '@duckdb/node-api';
import { goldenBelowMin, goldenDrop, goldenMatches } from '../gate/grade-canary.js';
import { validityHold, validityOf } from '../gate/run-metrics.js';
import { goldenBaseline } from './golden-baseline.js';
import { latestOutcomesSql, rowStatesSql } from './row-states.js';
import type { RunContext } from './run-context.js';
import { readCurrentSource, sourceUnchanged } from './run-source.js';
import { currentHashesSql } from './source-reader.js';
import { UNSENT } from './submissions.js';

export interface Reconciliation {
  source: number;
  /** Source rows with exactly one final disposition. */
  disposed: number;
  valid: number;
  quarantined: number;
  deadLettered: number;
  /** Rows with no final state (a lost id that exhausted nothing yet): must be 0. */
  undisposed: number;
  goldenScore: number | null;
  goldenBaseline: number | null;
  /** The run's validity (gated answers that passed, as the report shows it) is below `validity_min`. */
  validityBelowMin: boolean;
  /** Why promotion is held (golden drift, validity), or null. */
  holdReason: string | null;
}

/**
 * Give every source row exactly one final disposition, derived from its latest outcome:
 * valid (to promote, or hold), quarantined with the gate's reason, dead-lettered with the last
 * failure. Rows without one raise an alarm (coverage below 100 %). Then the drift check: the
 * golden score against its baseline; a drop of more than the threshold holds promotion.
 */
export async function reconcile(ctx: RunContext, options: { heldBy?: string } = {}): Promise<Reconciliation> {
  const { db, runId, job } = ctx;
  await db.exec('DELETE FROM dispositions WHERE run_id = ?', [runId]);
  // The rows of rowStatesSql with a latest outcome, read with only the columns a disposition
  // needs: the whole row state (three joins of the run's rows at once) outgrew DuckDB's memory
  // ceiling at 10,000,000 rows, where each join alone fits.
  await db.exec(
    `INSERT INTO dispositions
     SELECT $1, l.row_key,
            CASE l.kind WHEN 'valid' THEN 'valid' WHEN 'invalid' THEN 'quarantined' ELSE 'dead_lettered' END,
            l.reason, l.custom_id, l.output_json
     FROM (${latestOutcomesSql(ctx)}) l JOIN source_rows s ON s.run_id = $1 AND s.row_key = l.row_key
     WHERE l.rn = 1 AND NOT s.is_golden`,
    [runId],
  );
  await quarantineStale(ctx);
  if (options.heldBy) {
    // A halted run never submits the rest: they are held back, each still with one disposition
    // (the rows of rowStatesSql without an outcome).
    await db.exec(
      `INSERT INTO dispositions SELECT $1, s.row_key, 'held', $2, NULL, NULL FROM source_rows s
       ANTI JOIN (${latestOutcomesSql(ctx)}) l ON l.row_key = s.row_key
       WHERE s.run_id = $1 AND NOT s.is_golden`,
      [runId, options.heldBy],
    );
  }
  const counts = await db.one<{
    source: number;
    valid: number;
    quarantined: number;
    dead: number;
    disposed: number;
    dupes: number;
  }>(
    `SELECT (SELECT count(*) FROM source_rows WHERE run_id = $1 AND NOT is_golden)::INTEGER AS source,
            count(*) FILTER (WHERE disposition = 'valid')::INTEGER AS valid,
            count(*) FILTER (WHERE disposition = 'quarantined')::INTEGER AS quarantined,
            count(*) FILTER (WHERE disposition = 'dead_lettered')::INTEGER AS dead,
            count(DISTINCT row_key)::INTEGER AS disposed,
            (count(*) - count(DISTINCT row_key))::INTEGER AS dupes
     FROM dispositions WHERE run_id = $1`,
    [runId],
  );
  const c = counts!;
  const undisposed = c.source - c.disposed;
  if (undisposed !== 0 || c.dupes !== 0) {
    await ctx.log.alarm('reconcile', 'coverage_gap', {
      source: c.source,
      disposed: c.disposed,
      duplicates: c.dupes,
    });
  }
  const golden = await goldenScore(ctx);
  const baseline = await goldenBaseline(ctx);
  // A halted run's canary already graded its validity; only a finished run is held to it here.
  const validity = options.heldBy ? null : await validityCheck(ctx, c);
  const holdReason =
    options.heldBy ??
    ([driftHold(golden, baseline, job), validity?.holdReason].filter(Boolean).join('; ') || null);
  const result: Reconciliation = {
    source: c.source,
    disposed: c.disposed,
    valid: c.valid,
    quarantined: c.quarantined,
    deadLettered: c.dead,
    undisposed,
    goldenScore: golden?.score ?? null,
    goldenBaseline: baseline,
    validityBelowMin: validity?.belowMin ?? false,
    holdReason,
  };
  await ctx.log.write('reconcile', holdReason || undisposed ? 'alarm' : 'outcome', 'reconciled', {
    ...result,
  });
  return result;
}

/**
 * The run's validity against `validity_min`: an alarm with the numbers when it is below, and
 * why the run holds on it, if it does (see validityHold).
 */
async function validityCheck(
  ctx: RunContext,
  rows: { valid: number; quarantined: number; dead: number },
): Promise<{ belowMin: boolean; holdReason: string | null }> {
  const { thresholds } = ctx.job;
  const answers = await gatedAnswers(ctx);
  const validity = validityOf(answers.valid, answers.gated);
  const holdReason = validityHold({
    validity,
    validityMin: thresholds.validityMin,
    holdBelowMin: thresholds.holdBelowValidityMin ?? false,
    validRows: rows.valid,
    quarantinedRows: rows.quarantined,
    gatedOutputs: answers.gated,
  });
  const belowMin = validity < thresholds.validityMin;
  if (belowMin)
    await ctx.log.alarm('reconcile', 'validity_below_min', {
      validity,
      validity_min: thresholds.validityMin,
      valid_answers: answers.valid,
      gated_answers: answers.gated,
      valid_rows: rows.valid,
      quarantined_rows: rows.quarantined,
      dead_lettered_rows: rows.dead,
      hold: holdReason !== null,
    });
  return { belowMin, holdReason };
}

/** Answers of source rows the gate checked, and of those the valid: the report's validity (metrics-step). */
async function gatedAnswers(ctx: RunContext): Promise<{ valid: number; gated: number }> {
  const row = await ctx.db.one<{ valid: number; gated: number }>(
    `SELECT count(*) FILTER (WHERE o.kind = 'valid')::INTEGER AS valid, count(*)::INTEGER AS gated
     FROM outcomes o JOIN source_rows s ON s.run_id = o.run_id AND s.row_key = o.row_key
     WHERE o.run_id = $1 AND NOT s.is_golden AND o.kind IN ('valid', 'invalid') AND o.submission_id <> $2`,
    [ctx.runId, UNSENT],
  );
  return row ?? { valid: 0, gated: 0 };
}

function driftHold(
  golden: { score: number; rows: number } | null,
  baseline: number | null,
  job: RunContext['job'],
): string | null {
  if (golden === null) return null;
  const { score, rows } = golden;
  const floor = goldenBelowMin(score, job.golden.minScore, rows);
  if (floor.alarm) {
    return `golden score ${score.toFixed(3)} is below the minimum ${job.golden.minScore} (${floor.floor.toFixed(3)} allowing for ${rows} golden rows)`;
  }
  const drop = baseline === null ? null : goldenDrop(score, baseline, rows, job.thresholds.goldenDropPoints);
  if (baseline !== null && drop?.alarm) {
    return `golden score ${score.toFixed(3)} is ${drop.points.toFixed(1)} points below the baseline ${baseline.toFixed(3)} (at most ${drop.allowedPoints.toFixed(1)} allowed)`;
  }
  return null;
}

async function goldenScore(ctx: RunContext): Promise<{ score: number; rows: number } | null> {
  // Scored over golden rows that were answered (valid or not): a golden row that never got an
  // answer (dead-lettered) or was never sent says nothing about the answers' quality.
  const rows = await ctx.db.all<{ kind: string | null; expected_json: string; output_json: string | null }>(
    `SELECT kind, expected_json, output_json FROM (${rowStatesSql(ctx)})
     WHERE is_golden AND kind IN ('valid', 'invalid') AND submission_id <> ?`,
    [UNSENT],
  );
  if (rows.length === 0) return null;
  const correct = rows.filter(
    (r) =>
      r.kind === 'valid' &&
      goldenMatches(JSON.parse(r.expected_json), r.output_json ? JSON.parse(r.output_json) : null),
  ).length;
  return { score: correct / rows.length, rows: rows.length };
}

/**
 * A row edited (or removed) in the source after its answer was gated is stale as well: its answer
 * is for text the source no longer holds. The gate catches edits made before a batch is fetched;
 * this catches those made after, just before anything could be promoted.
 */
async function quarantineStale(ctx: RunContext): Promise<void> {
  const { db, runId, job } = ctx;
  // The very bytes the plan read (hashed, not judged by the file's stamp): no row can have changed.
  if (await sourceUnchanged(ctx, { bytes: true })) return;
  const valid = `SELECT row_key FROM dispositions WHERE run_id = '${runId}' AND disposition = 'valid'`;
  const stale = await readCurrentSource(ctx, (reader) =>
    db.all<{ row_key: string }>(
      `WITH current_hash AS (${currentHashesSql(job, valid, reader)})
       SELECT d.row_key FROM dispositions d
       JOIN source_rows s ON s.run_id = d.run_id AND s.row_key = d.row_key
       LEFT JOIN current_hash c ON c.row_key = d.row_key
       WHERE d.run_id = ? AND d.disposition = 'valid' AND c.h IS DISTINCT FROM s.input_hash`,
      [runId],
    ),
  );
  if (stale.length === 0) return;
  await db.exec(
    `UPDATE dispositions SET disposition = 'quarantined', reason = 'stale_source', output_json = NULL
     WHERE run_id = ? AND row_key IN (SELECT unnest(?::VARCHAR[]))`,
    [runId, listValue(stale.map((r) => r.row_key))],
  );
  await ctx.log.alarm('reconcile', 'stale_source', { count: stale.length });
}
