import { batchCostUsd, findModel } from '../../core/price-table.js';
import { fenceTag, templateParts } from '../prompt/render-request.js';

/** What a new job could cost at worst, worked out as the preflight will, and its ceiling. */
export interface StarterCost {
  rows: number;
  inputTokens: number;
  outputTokens: number;
  /** Per model (primary, then escalation): its name and worst-case input and output USD. */
  models: { model: string; inputUsd: number; outputUsd: number }[];
  worstUsd: number;
  /** The worst case and half again, rounded up to two significant digits (at least a cent). */
  ceilingUsd: number;
}

/** Share of the worst case the ceiling adds on top: room for a source that grows a little. */
export const CEILING_SPARE = 0.5;

/**
 * The preflight's worst case for a source of `rows` rows whose template columns hold `chars`
 * characters in all: every row answered at the full max_tokens by each model, at batch prices.
 * Input is an upper bound of the preflight's own estimate (ceil(prompt chars / 4) + 7 a row,
 * each placeholder fenced): a row's ceil adds at most one token, counted as a whole one.
 */
export function starterCost(input: {
  rows: number;
  chars: number;
  template: string;
  maxTokens: number;
  models: string[];
}): StarterCost {
  const { fixed, placeholders } = templateParts(input.template);
  const fencedChars = fixed.length + placeholders.length * (2 * fenceTag('run').length + 5);
  const inputTokens = Math.ceil((input.rows * fencedChars + input.chars) / 4) + input.rows * 8;
  const outputTokens = input.rows * input.maxTokens;
  const models = input.models.map((model) => {
    const info = findModel(model)!;
    return {
      model,
      inputUsd: batchCostUsd(info, inputTokens, 0),
      outputUsd: batchCostUsd(info, 0, outputTokens),
    };
  });
  const worstUsd = models.reduce((sum, m) => sum + m.inputUsd + m.outputUsd, 0);
  return { rows: input.rows, inputTokens, outputTokens, models, worstUsd, ceilingUsd: ceilingFor(worstUsd) };
}

/** `worst` and CEILING_SPARE more, rounded up to two significant digits, at least $0.01. */
export function ceilingFor(worstUsd: number): number {
  const spared = worstUsd * (1 + CEILING_SPARE);
  if (spared <= 0.01) return 0.01;
  const step = 10 ** (Math.floor(Math.log10(spared)) - 1);
  // toPrecision drops the float noise of step arithmetic (0.1 * 3 is 0.30000000000000004).
  return Number((Math.ceil(spared / step - 1e-9) * step).toPrecision(2));
}

/** Dollars as a person reads them: in cents from a cent up, else two significant digits. */
export function usd(value: number): string {
  if (value >= 0.01)
    return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `$${Number(value.toPrecision(2))}`;
}
