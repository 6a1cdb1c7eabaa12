/**
 * The one price table, shared by the pipeline's preflight and the simulated world's billing.
 * List prices in USD per million tokens from the Anthropic pricing page (Opus-4.6-era snapshot,
 * see ../shared/reference/batches-api.md §4); batches are billed at BATCH_DISCOUNT of list.
 * Output-token caps: Haiku 4.5's 64,000 was observed live; the others are from public model docs.
 */
export type ModelTier = 'small' | 'large';

export interface ModelInfo {
  /** Canonical id; aliases resolve to the same entry. */
  id: string;
  aliases: readonly string[];
  /** Simulation accuracy class: a small (haiku-class) model errs more than a large one. */
  tier: ModelTier;
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  maxOutputTokens: number;
  /**
   * Input plus output tokens one request may hold, without a long-context beta; a prompt past it
   * is refused by the API (an errored row, `invalid_request_error`).
   */
  contextWindowTokens: number;
}

/** "All usage is charged at 50% of the standard API prices." */
export const BATCH_DISCOUNT = 0.5;

const entry = (
  id: string,
  aliases: string[],
  tier: ModelTier,
  inputUsdPerMTok: number,
  outputUsdPerMTok: number,
  maxOutputTokens: number,
  contextWindowTokens = CONTEXT_WINDOW_TOKENS,
): ModelInfo => ({
  id,
  aliases,
  tier,
  inputUsdPerMTok,
  outputUsdPerMTok,
  maxOutputTokens,
  contextWindowTokens,
});

/** Every model in the table has a 200,000-token window (1M only with a beta header batchguard never sends). */
export const CONTEXT_WINDOW_TOKENS = 200_000;

export const MODELS: readonly ModelInfo[] = [
  entry('claude-opus-4-8', [], 'large', 5, 25, 128_000),
  entry('claude-opus-4-7', [], 'large', 5, 25, 128_000),
  entry('claude-opus-4-6', [], 'large', 5, 25, 128_000),
  entry('claude-opus-4-5-20251101', ['claude-opus-4-5'], 'large', 5, 25, 64_000),
  entry('claude-opus-4-1-20250805', ['claude-opus-4-1'], 'large', 15, 75, 32_000),
  entry('claude-opus-4-20250514', ['claude-opus-4-0'], 'large', 15, 75, 32_000),
  entry('claude-sonnet-4-6', [], 'large', 3, 15, 64_000),
  entry('claude-sonnet-4-5-20250929', ['claude-sonnet-4-5'], 'large', 3, 15, 64_000),
  entry('claude-sonnet-4-20250514', ['claude-sonnet-4-0'], 'large', 3, 15, 64_000),
  entry('claude-3-7-sonnet-20250219', [], 'large', 3, 15, 64_000),
  entry('claude-haiku-4-5-20251001', ['claude-haiku-4-5'], 'small', 1, 5, 64_000),
  entry('claude-3-5-haiku-20241022', [], 'small', 0.8, 4, 8_192),
  entry('claude-3-haiku-20240307', [], 'small', 0.25, 1.25, 4_096),
];

const byName = new Map<string, ModelInfo>();
for (const m of MODELS) for (const name of [m.id, ...m.aliases]) byName.set(name, m);

/** The model entry for an id or alias, or undefined for a model the API would not know. */
export function findModel(name: string): ModelInfo | undefined {
  return byName.get(name);
}

/** Batch cost in USD of one request's usage: BATCH_DISCOUNT × list price. */
export function batchCostUsd(model: ModelInfo, inputTokens: number, outputTokens: number): number {
  return (
    (BATCH_DISCOUNT * (inputTokens * model.inputUsdPerMTok + outputTokens * model.outputUsdPerMTok)) /
    1_000_000
  );
}
