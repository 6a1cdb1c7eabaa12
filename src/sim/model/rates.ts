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
