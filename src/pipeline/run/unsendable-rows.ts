import { findModel } from '../../core/price-table.js';
import { sqlString } from '../db/sql-string.js';
import { templateColumns } from '../prompt/render-request.js';
import { customIdFor } from './custom-ids.js';
import { rowInputTokensSql } from './preflight.js';
import type { RunContext } from './run-context.js';
import { jsonFieldPath } from './source-reader.js';
import { UNSENT } from './submissions.js';

/** Why a row is quarantined at plan, never sent. */
export type UnsendableReason = 'missing_field' | 'prompt_too_long';

/**
 * Quarantine, at plan, the source rows that cannot be sent as the job means them: a row that does
 * not fill a template column (`missing_field`; sending it would ask the model about an empty
 * placeholder and promote whatever it made of nothing), and a row whose prompt and max_tokens do
 * not fit the primary model's context window (`prompt_too_long`; the API would refuse it). Each
 * gets an outcome under submission `unsent`, kind invalid, as an unfenceable row does in submit.ts:
 * never queued, never billed, and reconcile gives it its one disposition, quarantined.
 *
 * The escalation model is not checked: every model's window is 200,000 tokens today, and a row
 * escalated to a model with a smaller one would come back errored (refused, not billed), so it
 * would still end with one disposition and no wrong value.
 */
export async function quarantineUnsendable(ctx: RunContext): Promise<Record<UnsendableReason, number>> {
  const { job } = ctx;
  const primary = job.models.primary;
  const windowTokens = findModel(primary)?.contextWindowTokens ?? Number.POSITIVE_INFINITY;
  const over = `'about ' || tokens::BIGINT || ${sqlString(` input tokens + max_tokens ${job.maxTokens} > the ${windowTokens}-token context window of ${primary}`)}`;
  const rows = await ctx.db.all<{ row_key: string; reason: UnsendableReason; detail: string }>(
    `SELECT row_key,
            CASE WHEN missing <> '' THEN 'missing_field' ELSE 'prompt_too_long' END AS reason,
            CASE WHEN missing <> '' THEN 'the row has ' || missing ELSE ${over} END AS detail
     FROM (SELECT row_key, ${missingSql(ctx)} AS missing, ${rowInputTokensSql(ctx)} AS tokens
           FROM source_rows WHERE run_id = ? AND NOT is_golden)
     WHERE missing <> '' OR tokens + ${job.maxTokens} > ${windowTokens}
     ORDER BY row_key`,
    [ctx.runId],
  );
  // Deleted even when none is unsendable now: a plan begun again after a crash replaces its own.
  await ctx.db.exec(`DELETE FROM outcomes WHERE run_id = ? AND submission_id = ?`, [ctx.runId, UNSENT]);
  if (rows.length > 0)
    await ctx.db.append('outcomes', (appender) => {
      for (const row of rows) {
        for (const value of [ctx.runId, UNSENT, customIdFor(row.row_key, 1, false, ctx.runTag), row.row_key])
          appender.appendVarchar(value);
        appender.appendInteger(1);
        appender.appendVarchar(primary);
        for (const value of ['invalid', row.reason, row.detail]) appender.appendVarchar(value);
        appender.appendNull();
        appender.endRow();
      }
    });
  const counts = { missing_field: 0, prompt_too_long: 0 };
  for (const row of rows) counts[row.reason]++;
  if (rows.length > 0) await ctx.log.event('plan', 'rows_unsendable', { ...counts });
  return counts;
}

/**
 * What a row lacks of the template's columns, as text (`no "text", null in "title"`), or '' when
 * it fills them all. Missing means an absent field or JSON null: in JSONL both are written, and
 * in Parquet null is a real value. A CSV cell is never missing: CSV cannot write null, so an
 * empty cell (which DuckDB reads as NULL) is the empty text a spreadsheet meant, and is sent.
 */
function missingSql(ctx: RunContext): string {
  if (ctx.job.source.format === 'csv') return "''";
  const columns = templateColumns(ctx.job.template);
  if (columns.length === 0) return "''";
  // One parse of the row's JSON for all columns (see inputTokensSql).
  const types = `json_type(row_json, [${columns.map(jsonFieldPath).join(', ')}])`;
  const names = `[${columns.map((c) => sqlString(JSON.stringify(c))).join(', ')}]`;
  return `array_to_string(list_filter(list_transform(list_zip(${types}, ${names}),
            z -> CASE WHEN z[1] IS NULL THEN 'no ' || z[2] WHEN z[1] = 'NULL' THEN 'null in ' || z[2] END),
          m -> m IS NOT NULL), ', ')`;
}
