import { findModel } from '../../core/price-table.js';
import { renderRequest } from '../prompt/render-request.js';
import type { RunContext } from './run-context.js';

/** Local input-token estimate: about four characters a token, plus the message framing. */
export const estimateInputTokens = (prompt: string): number => Math.ceil(prompt.length / 4) + 7;

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
  let rows = 0;
  let inputTokens = 0;
  for await (const chunk of ctx.db.stream<{ row_json: string }>(
    'SELECT row_json FROM source_rows WHERE run_id = ?',
    [ctx.runId],
  )) {
    for (const { row_json } of chunk) {
      const rendered = renderRequest(job.template, JSON.parse(row_json), {
        model: job.models.primary,
        maxTokens: job.maxTokens,
        fence: ctx.fence,
      });
      const prompt = 'unfenceable' in rendered ? row_json : rendered.params.messages[0].content;
      rows++;
      inputTokens += estimateInputTokens(prompt);
    }
  }
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
