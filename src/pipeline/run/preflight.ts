import { findModel } from '../../core/price-table.js';
import { answerTool, answerToolTokens } from '../prompt/answer-tool.js';
import { templateParts } from '../prompt/render-request.js';
import { unsendableKeysSql } from './row-states.js';
import type { RunContext } from './run-context.js';
import { jsonFieldPath } from './source-reader.js';

/** Local input-token estimate: about four characters a token, plus the message framing. */
export const estimateInputTokens = (prompt: string): number => Math.ceil(prompt.length / 4) + 7; // the SQL below computes the same

export interface CostBreakdown {
  rows: number;
  inputTokens: number;
  /** max_tokens × rows: what the output could cost at worst. */
  outputTokensMax: number;
  primaryUsd: number;
  /** Every row escalated too (0 without escalation). */
  escalationUsd: number;
  worstCaseUsd: number;
  ceilingUsd: number;
}

/**
 * The worst case the run could bill: every row (golden rows included) answered once by the
 * primary at full max_tokens and, with escalation on, once more by the escalation model, at batch
 * prices. Rows the plan quarantined (unsendable-rows.ts) are never sent, so never priced.
 * Errored, expired and canceled attempts are not billed; a row billed but lost on the
 * way back (a missing result line) would be billed again by its retry, which is why every later
 * round also passes the spend guard (spend-guard.ts) before it is submitted.
 */
export async function preflightCost(ctx: RunContext): Promise<CostBreakdown> {
  const { job } = ctx;
  const totals = await ctx.db.one<{ rows: number; tokens: number | null }>(
    `SELECT count(*)::INTEGER AS rows,
            sum(${rowInputTokensSql(ctx)})::BIGINT AS tokens
     FROM source_rows WHERE run_id = ? AND row_key NOT IN (${unsendableKeysSql(ctx)})`,
    [ctx.runId],
  );
  const rows = totals?.rows ?? 0;
  const inputTokens = Number(totals?.tokens ?? 0);
  const outputTokensMax = rows * job.maxTokens;
  const cost = (model: string | null) => {
    const info = model ? findModel(model) : undefined;
    return info
      ? (0.5 * (inputTokens * info.inputUsdPerMTok + outputTokensMax * info.outputUsdPerMTok)) / 1e6
      : 0;
  };
  const primaryUsd = cost(job.models.primary);
  const escalationUsd = cost(job.models.escalation);
  return {
    rows,
    inputTokens,
    outputTokensMax,
    primaryUsd,
    escalationUsd,
    worstCaseUsd: primaryUsd + escalationUsd,
    ceilingUsd: job.costCeilingUsd,
  };
}

/**
 * The input-token estimate of each row as a SQL expression over `row_json`, with no rendering:
 * a prompt is the template's fixed text plus each placeholder's value and, with fencing, its two
 * tags (placeholders counted as often as they occur). Equal to estimateInputTokens(rendered),
 * plus, in tool mode, the tokens of the forced tool's definition and its system prompt.
 */
export function inputTokensSql(ctx: RunContext): string {
  const { fixed, placeholders: occurrences } = templateParts(ctx.job.template);
  const fixedChars = fixed.length + occurrences.length * (ctx.fence ? 2 * ctx.fence.length + 5 : 0);
  // Every value read with one parse of the row's JSON: a path each, or one parse per read, and
  // a few rows of a million characters would hold DuckDB's memory many times over.
  const valueChars =
    occurrences.length === 0
      ? '0'
      : `list_sum(list_transform(json_extract_string(row_json, [${occurrences.map(jsonFieldPath).join(', ')}]), v -> coalesce(${utf16LengthSql('v')}, 0)))`;
  const toolTokens = answerToolTokens(answerTool(ctx.job));
  return `(ceil((${fixedChars} + ${valueChars}) / 4) + ${7 + toolTokens})`;
}

/** A source row's input-token estimate: the one taken at load, else computed from its JSON. */
export const rowInputTokensSql = (ctx: RunContext): string =>
  `coalesce(input_tokens, ${inputTokensSql(ctx)})`;

/**
 * A text's length as JavaScript counts it (UTF-16 units), which is what the prompt's estimate
 * and the simulated model's billing count: DuckDB's length() counts code points, one for an
 * emoji where JavaScript counts two, so emoji-heavy rows would be priced below their bill. An
 * astral character is the one that counts twice: add the ones a regular expression removes.
 * ASCII text (as many bytes as characters) has none, and skips the expression (4× the cost).
 */
const utf16LengthSql = (text: string): string =>
  `CASE WHEN strlen(${text}) = length(${text}) THEN length(${text})
   ELSE 2 * length(${text}) - length(regexp_replace(${text}, '[\\x{10000}-\\x{10FFFF}]', '', 'g')) END`;

/** A row's worst-case batch cost in USD as SQL: its input estimate and full max_tokens, at `modelSql`'s prices. */
export function rowWorstCostSql(ctx: RunContext, modelSql: string): string {
  const models = [ctx.job.models.primary, ctx.job.models.escalation].filter((m): m is string => m !== null);
  const price = (field: 'inputUsdPerMTok' | 'outputUsdPerMTok') =>
    `CASE ${modelSql} ${models.map((m) => `WHEN '${m}' THEN ${findModel(m)![field]}`).join(' ')} END`;
  return `(0.5 * (${rowInputTokensSql(ctx)} * ${price('inputUsdPerMTok')} + ${ctx.job.maxTokens} * ${price('outputUsdPerMTok')}) / 1e6)`;
}
