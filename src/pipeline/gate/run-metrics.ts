/*
 * The per-run metrics of the report contract (DESIGN "Metrics per run"). Plain ratios, unrounded:
 * the report formats them, and a rounded value stored here could not be compared across runs.
 */

/** Final dispositions of a run's source rows. */
export interface RunCounts {
  source: number;
  promoted: number;
  quarantined: number;
  dead_lettered: number;
  held: number;
}

export interface RunMetrics {
  /** Source rows with a final disposition, 0..1; anything under 1 means rows were lost. */
  coverage: number;
  /** Gated outputs that passed the gate, 0..1. */
  validity: number;
  /** Billed spend of the run, USD. */
  cost_usd: number;
  /** Spend per row with a valid output (promoted or held), USD; null when there is none. */
  cost_per_good_row: number | null;
  /** Source rows sent to the escalation model, per source row, 0..1. */
  escalation_rate: number;
  /** Golden score of the run, 0..1, or null without golden rows. */
  golden_score: number | null;
}

/** The run's metrics from its counts; an empty run counts as fully covered and fully valid. */
export function runMetrics(input: {
  counts: RunCounts;
  /** Outputs that passed the gate. */
  validOutputs: number;
  /** Outputs the gate checked. */
  gatedOutputs: number;
  /** Billed spend, USD. */
  costUsd: number;
  /** Source rows sent to the escalation model. */
  escalatedRows: number;
  /**
   * Rows whose output passed the gate: promoted, or held with an output (a drift alarm holds
   * answers paid for and good). Rows held without ever being sent (after a halt) are not.
   */
  goodRows: number;
  goldenScore: number | null;
}): RunMetrics {
  const { counts, goodRows } = input;
  const disposed = counts.promoted + counts.quarantined + counts.dead_lettered + counts.held;
  return {
    coverage: counts.source === 0 ? 1 : disposed / counts.source,
    validity: validityOf(input.validOutputs, input.gatedOutputs),
    cost_usd: money(input.costUsd),
    cost_per_good_row: goodRows === 0 ? null : money(input.costUsd / goodRows),
    escalation_rate: counts.source === 0 ? 0 : input.escalatedRows / counts.source,
    golden_score: input.goldenScore,
  };
}

/** Share of gated outputs that passed the gate, 0..1; a run with none gated counts as fully valid. */
export function validityOf(validOutputs: number, gatedOutputs: number): number {
  return gatedOutputs === 0 ? 1 : validOutputs / gatedOutputs;
}

/**
 * Why a finished run holds on its validity, or null. Below `validityMin` it holds only when the
 * job asks (every valid row passed the gate on its own, so by default they are delivered and the
 * alarm pages a person). A run with no valid row and some quarantined holds either way, as
 * "promoted" with nothing promoted would tell the team its job succeeded; rows that were only
 * dead-lettered are the API's failures, not answers, and have alarms of their own.
 */
export function validityHold(input: {
  validity: number;
  validityMin: number;
  holdBelowMin: boolean;
  validRows: number;
  quarantinedRows: number;
  gatedOutputs: number;
}): string | null {
  const { validity, validityMin } = input;
  const noneValid = input.validRows === 0 && input.quarantinedRows > 0;
  if (!noneValid && !(input.holdBelowMin && validity < validityMin)) return null;
  const numbers = `(${input.validRows} valid rows, ${input.quarantinedRows} quarantined; validity over ${input.gatedOutputs} answers)`;
  return validity < validityMin
    ? `validity ${validity.toFixed(3)} is below the minimum ${validityMin} ${numbers}`
    : `no row has a valid answer ${numbers}`;
}

/** USD to the nano-dollar, as the run database keeps it (DECIMAL(18, 9)): no floating-point tail. */
export function money(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}
