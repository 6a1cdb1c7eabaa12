import type { RunContext } from './run-context.js';
import { UNSENT } from './submissions.js';

/** Gate reasons a larger model may fix; the rest (stale source, duplicates, …) it cannot. */
export const ESCALATABLE = ['unparseable', 'schema', 'range', 'truncated', 'off_task'];

/**
 * The keys of the rows a plan quarantined (unsendable-rows.ts): at plan, before any round, the
 * only outcomes under `unsent` are theirs. Never sent, so the canary and the worst case leave
 * them out (and the queue never takes them: their outcome is final).
 */
export const unsendableKeysSql = (ctx: RunContext): string =>
  `SELECT row_key FROM outcomes WHERE run_id = '${ctx.runId}' AND submission_id = '${UNSENT}'`;

/**
 * Each row's outcomes, the latest first (`rn = 1`): the later attempt, then the later submission.
 * What rowStatesSql and reconciliation's dispositions both take a row's state from.
 */
export const latestOutcomesSql = (ctx: RunContext): string => `
      SELECT row_key, kind, reason, detail, model, attempt, custom_id, output_json, submission_id,
             row_number() OVER (PARTITION BY row_key ORDER BY attempt DESC, submission_id DESC) AS rn
      FROM outcomes WHERE run_id = '${ctx.runId}' AND row_key IS NOT NULL AND kind <> 'alarm'`;

/**
 * Each row's latest outcome and how often it was submitted with each model: the one SQL view
 * the queue, reconciliation and the dispositions are all derived from, so they always agree.
 */
export function rowStatesSql(ctx: RunContext): string {
  const escalation = ctx.job.models.escalation;
  return `
    WITH latest AS (${latestOutcomesSql(ctx)}
    ), tries AS (
      SELECT row_key, count(*)::INTEGER AS submitted,
             count(*) FILTER (WHERE model = ${escalation ? `'${escalation}'` : 'NULL'})::INTEGER AS escalated
      FROM requests WHERE run_id = '${ctx.runId}' GROUP BY row_key
    )
    SELECT s.row_key, s.row_json, s.input_hash, s.is_golden, s.in_canary, s.expected_json,
           l.kind, l.reason, l.detail, l.model, l.custom_id, l.output_json, l.submission_id,
           coalesce(t.submitted, 0) AS submitted, coalesce(t.escalated, 0) AS escalated,
           coalesce(l.attempt, coalesce(t.submitted, 0)) AS last_attempt
    FROM source_rows s
    LEFT JOIN latest l ON l.row_key = s.row_key AND l.rn = 1
    LEFT JOIN tries t ON t.row_key = s.row_key
    WHERE s.run_id = '${ctx.runId}'`;
}

/**
 * The rows that need a submission now, with the model and attempt number for it:
 * never submitted → primary; retryable failure with tries left for its model → the same model;
 * invalid output the escalation model may fix, not yet escalated → the escalation model.
 */
export function queueSql(ctx: RunContext, scope: 'canary' | 'all'): string {
  const { primary, escalation } = ctx.job.models;
  const escalatable = ESCALATABLE.map((r) => `'${r}'`).join(', ');
  const triesOfModel = escalation
    ? `CASE WHEN model = '${escalation}' THEN escalated ELSE submitted - escalated END`
    : 'submitted';
  return `
    SELECT row_key, CASE WHEN is_golden THEN substr(row_key, 8) ELSE row_key END AS raw_key,
           is_golden, submitted + 1 AS attempt,
           CASE WHEN kind = 'invalid' THEN '${escalation ?? primary}' ELSE coalesce(model, '${primary}') END AS next_model
    FROM (${rowStatesSql(ctx)})
    WHERE (${scope === 'canary' ? 'in_canary OR is_golden' : 'true'})
      AND (
        (kind IS NULL AND submitted = 0)
        OR (kind = 'retry' AND ${triesOfModel} < ${ctx.job.attempts})
        ${escalation ? `OR (kind = 'invalid' AND reason IN (${escalatable}) AND escalated = 0)` : ''}
      )`;
}
