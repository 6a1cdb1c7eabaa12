import { findModel } from '../../core/price-table.js';
import type { RunContext } from './run-context.js';

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
 * prices. Failed attempts are not billed, so retries add nothing; this bounds the real spend.
 */
export async function preflightCost(ctx: RunContext): Promise<CostBreakdown> {
  const { job } = ctx;
  // Set-based, no rendering: a prompt is the template's fixed text plus each placeholder's value
  // and, with fencing, its two tags. Placeholders are counted as often as they occur.
  const occurrences = [...job.template.matchAll(/\{\{\s*([^{}\s]+)\s*\}\}/g)].map((m) => m[1]!);
  const fixedChars = job.template.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, '').length;
  const fenceChars = ctx.fence ? 2 * ctx.fence.length + 5 : 0;
  const valueChars = occurrences.length
    ? occurrences
        .map(
          (c) =>
            `coalesce(length(json_extract_string(row_json, '$.${JSON.stringify(c).replaceAll("'", "''")}')), 0)`,
        )
        .join(' + ')
    : '0';
  const totals = await ctx.db.one<{ rows: number; tokens: number | null }>(
    `SELECT count(*)::INTEGER AS rows,
            sum(ceil((${fixedChars + occurrences.length * fenceChars} + ${valueChars}) / 4) + 7)::BIGINT AS tokens
     FROM source_rows WHERE run_id = ?`,
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
