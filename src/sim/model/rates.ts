import type { ModelTier } from '../../core/price-table.js';

/**
 * The simulated model's error rates, in one place so tests, drills and docs cite the same numbers.
 * "Hard" texts hold both polarities or a negated term (see sentiment.ts).
 */
export const LABEL_ERROR_RATES: Readonly<Record<ModelTier, { clear: number; hard: number }>> = {
  small: { clear: 0.06, hard: 0.25 },
  large: { clear: 0.015, hard: 0.06 },
};

/** How often an instruction planted in the data is obeyed; fencing the data cuts it sharply. */
export const INJECTION_OBEY_RATES: Readonly<Record<'fenced' | 'unfenced', Record<ModelTier, number>>> = {
  fenced: { small: 0.12, large: 0.04 },
  unfenced: { small: 0.65, large: 0.45 },
};

/**
 * Of the mistakes a model makes on a configured task (at LABEL_ERROR_RATES[tier].clear), the
 * share that break the schema (fenced JSON, a missing field, a stray enum value); the rest are
 * wrong answers the schema accepts. A third: 2 % of a small model's answers, 0.5 % of a large one's.
 */
export const SCHEMA_BREAK_SHARE = 1 / 3;
