import type { LogEntry } from '../pipeline/run/run-log.js';

/** A control of the pipeline, and how its work shows in a run log. */
export interface Control {
  /** What the control does, for the README and the matrix. */
  does: string;
  /** Did it act in this run? Read from the run log only. */
  caught(entries: readonly LogEntry[]): boolean;
}

const alarmed = (entries: readonly LogEntry[], ...kinds: string[]) =>
  entries.some((e) => e.phase === 'alarm' && kinds.includes(e.kind));

/** Outcome counts the gate logged for each batch it gated (`invalid:schema` → 12, …). */
function gated(entries: readonly LogEntry[]): Record<string, number>[] {
  return entries
    .filter((e) => e.kind === 'batch_gated')
    .map((e) => (e.detail.outcomes ?? {}) as Record<string, number>);
}

const gatedAny = (entries: readonly LogEntry[], labels: readonly string[]) =>
  gated(entries).some((tally) => labels.some((label) => (tally[label] ?? 0) > 0));

/**
 * The pipeline's controls as drills name them (`expect.control` in a scenario). Checkers are
 * passive: each reads the run log and nothing else.
 */
export const CONTROLS = {
  none: {
    does: 'nothing to catch: a clean baseline, where any alarm is a false one',
    caught: () => false,
  },
  preflight_ceiling: {
    does: 'refuses to launch when the worst-case cost exceeds the ceiling, before any call',
    caught: (entries) => alarmed(entries, 'launch_refused'),
  },
  canary: {
    does: 'grades a 1–2 % slice plus the golden rows and halts the run before the rest',
    caught: (entries) => alarmed(entries, 'canary_halted'),
  },
  submission_ledger: {
    does: 'finds and adopts a batch whose create outcome was lost, instead of creating it again',
    caught: (entries) => entries.some((e) => e.kind === 'orphan_adopted' && e.detail.batch_id),
  },
  reconcile: {
    does: 'joins results to submissions by custom_id: missing ids, failed downloads and count mismatches alarm and requeue',
    caught: (entries) => alarmed(entries, 'missing_ids', 'counts_disagree', 'results_stream_failed'),
  },
  requeue: {
    does: 'requeues expired, canceled, errored and missing rows into a new batch within the attempt bound, then dead-letters',
    caught: (entries) => {
      const retried = entries.findIndex(
        (e) =>
          e.kind === 'batch_gated' &&
          Object.keys(e.detail.outcomes ?? {}).some((label) => label.startsWith('retry:')),
      );
      return retried >= 0 && entries.slice(retried + 1).some((e) => e.kind === 'create_batch');
    },
  },
  output_gate: {
    does: "validates every output against the job's schema and quarantines the rest with a reason",
    caught: (entries) =>
      gatedAny(entries, ['invalid:unparseable', 'invalid:schema', 'invalid:range', 'invalid:truncated']),
  },
  mapping: {
    does: 'maps results by custom_id to the row key and input hash written at submit: duplicates, unknown ids and stale rows alarm',
    caught: (entries) => alarmed(entries, 'duplicate_lines', 'unknown_ids', 'stale_source'),
  },
  on_task_check: {
    does: 'checks every output quotes its own row and holds no instruction; off-task answers are quarantined',
    caught: (entries) => gatedAny(entries, ['invalid:off_task']),
  },
  golden_drift: {
    does: 'holds promotion when the golden score drops below its baseline or floor',
    caught: (entries) => alarmed(entries, 'promotion_held'),
  },
  spend_guard: {
    does: 'before each round, stops it when what may already be billed and its worst case would pass the ceiling',
    caught: (entries) => alarmed(entries, 'ceiling_reached'),
  },
  runbook: {
    does: 'halt, assess (rows counted by custom_id), reverse: a person undoes a bad promote exactly',
    caught: (entries) => entries.some((e) => e.kind === 'rolled_back'),
  },
} satisfies Record<string, Control>;

export type ControlName = keyof typeof CONTROLS;
