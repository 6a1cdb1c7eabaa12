import type { Job } from '../pipeline/job/job.js';
import type { LogEntry } from '../pipeline/run/run-log.js';
import { CONTROLS, type ControlName } from './controls.js';

/*
 * Why a job's own controls could not catch a drill's fault: the job turned a control off, gave it
 * nothing to judge with, or set it too lax to see the fault. Read from the job and the run log
 * only (checkers are passive). Each line names the job key to change, so a team drilling its own
 * job knows what to fix, not just that a drill failed.
 */

/** Fewer canary rows than this cannot show a fault that touches a few percent of rows. */
export const CANARY_ROWS_MIN = 50;

/** The shipped defaults (job-schema.ts); a job laxer than these is named as a gap. */
const DEFAULTS = {
  validityMin: 0.9,
  errorRateMax: 0.05,
  labelShareMax: 0.9,
  goldenMinScore: 0.8,
  goldenDropPoints: 3,
};

interface GapContext {
  job: Job;
  entries: readonly LogEntry[];
  /** Did the control's event reach the run log? */
  caught: boolean;
  /** The drill's failure lines (`valid_share_min 0.97: …`), for gaps that matter only for one. */
  failures: readonly string[];
}

type GapRule = (context: GapContext) => string[];

/**
 * For each expected control, the job-configuration reasons it could not or did not catch the
 * fault (none for a control that is always on). `failures` are the drill's failure lines: some
 * weak settings (no escalation, no fence) matter even when the control acted, but only for the
 * invariant they break.
 */
export function controlGaps(
  controls: readonly ControlName[],
  job: Job,
  entries: readonly LogEntry[],
  failures: readonly string[] = [],
): string[] {
  const gaps: string[] = [];
  for (const control of controls) {
    const rule = RULES[control];
    if (!rule) continue;
    const caught = CONTROLS[control].caught(entries);
    for (const gap of rule({ job, entries, caught, failures })) if (!gaps.includes(gap)) gaps.push(gap);
  }
  return gaps;
}

const RULES: Partial<Record<ControlName, GapRule>> = {
  canary: ({ job, entries, caught }) => {
    if (caught) return [];
    if (!job.canary.enabled)
      return ['canary.enabled is false, so no slice was graded before the rest ran: set it to true'];
    const gaps: string[] = [];
    if (job.golden.path === null)
      gaps.push(
        'the job has no golden set, so the canary can judge only validity and the spread of ' +
          'distribution_field: add golden.path',
      );
    if (job.distributionField === null)
      gaps.push('distribution_field is null, so the canary cannot see answers piling onto one value: set it');
    const marked = last(entries, 'canary_marked');
    const rows = typeof marked?.detail.rows === 'number' ? marked.detail.rows : null;
    if (rows !== null && rows < CANARY_ROWS_MIN)
      gaps.push(
        `the canary graded only ${rows} rows: a fault in 2 % of rows may not show in it; ` +
          'raise canary.fraction or canary.min_rows',
      );
    const released = last(entries, 'canary_released')?.detail ?? {};
    gaps.push(
      ...lax(
        'thresholds.validity_min',
        job.thresholds.validityMin,
        DEFAULTS.validityMin,
        'below',
        released.validity,
      ),
      ...lax(
        'thresholds.error_rate_max',
        job.thresholds.errorRateMax,
        DEFAULTS.errorRateMax,
        'above',
        released.errorRate,
      ),
      ...lax(
        'thresholds.label_share_max',
        job.thresholds.labelShareMax,
        DEFAULTS.labelShareMax,
        'above',
        released.topShare,
      ),
    );
    return gaps;
  },

  golden_drift: ({ job, entries, caught }) => {
    if (caught) return [];
    if (job.golden.path === null)
      return ['the job has no golden set, so no golden score could fall: add golden.path'];
    const reconciled = last(entries, 'reconciled')?.detail ?? {};
    const score = reconciled.goldenScore;
    const gaps = [
      ...lax('golden.min_score', job.golden.minScore, DEFAULTS.goldenMinScore, 'below', score),
      ...lax(
        'thresholds.golden_drop_points',
        job.thresholds.goldenDropPoints,
        DEFAULTS.goldenDropPoints,
        'above',
      ),
    ];
    const base = reconciled.goldenBaseline;
    if (typeof score === 'number' && typeof base === 'number' && score < base && gaps.length === 0)
      gaps.push(
        `the golden score fell ${(100 * (base - score)).toFixed(1)} points below the baseline ${base.toFixed(3)}, ` +
          'within what chance allows for a golden set of its size: a larger golden set sees smaller drops',
      );
    if (
      reconciled.goldenScore !== undefined &&
      job.golden.baseline === null &&
      reconciled.goldenBaseline === null
    )
      gaps.push(
        'there was no golden baseline to compare with (golden.baseline is null and no run was promoted ' +
          `before), so only golden.min_score ${job.golden.minScore} applied: set golden.baseline`,
      );
    return gaps;
  },

  preflight_ceiling: ({ entries, caught }) => {
    const within = last(entries, 'cost_within_ceiling')?.detail;
    if (caught || !within) return [];
    const { worstCaseUsd, ceilingUsd } = within;
    if (typeof worstCaseUsd !== 'number' || typeof ceilingUsd !== 'number') return [];
    return [
      `the worst case with the fault was ${usd(worstCaseUsd)}, under the ceiling of ${usd(ceilingUsd)} ` +
        "(cost_ceiling_usd scaled to the drill's rows): lower cost_ceiling_usd",
    ];
  },

  on_task_check: ({ job, caught, failures }) => {
    const gaps: string[] = [];
    if (!caught && job.quoteFields.length === 0)
      gaps.push(
        'the job has no quote_fields, so an obeyed injection that answers a valid value cannot be told ' +
          'from a real answer: list the answer fields that quote the row',
      );
    if (!job.fence && (!caught || failedOn(failures, 'obeyed_share_max')))
      gaps.push(
        'fence is false, so row content reaches the model bare and injections are obeyed more: set it to true',
      );
    return gaps;
  },

  output_gate: ({ job, failures }) =>
    job.models.escalation === null && failedOn(failures, 'valid_share_min')
      ? [
          'models.escalation is null, so rows that failed validation were quarantined, not escalated: ' +
            'set models.escalation',
        ]
      : [],

  requeue: ({ job, caught }) =>
    !caught && job.attempts <= 1
      ? [
          `attempts is ${job.attempts}, so a row that expired or went missing is dead-lettered, never requeued: raise it`,
        ]
      : [],
};

/** A threshold laxer than its default, as a gap; `seen` is what the run measured, when it logged it. */
function lax(
  key: string,
  value: number,
  standard: number,
  side: 'below' | 'above',
  seen?: unknown,
): string[] {
  const laxer = side === 'below' ? value < standard : value > standard;
  if (!laxer) return [];
  const measured = typeof seen === 'number' ? ` (this run measured ${round(seen)})` : '';
  const fix = side === 'below' ? 'raise it' : 'lower it';
  return [`${key} is ${value}, laxer than the default ${standard}${measured}: ${fix}`];
}

function failedOn(failures: readonly string[], check: string): boolean {
  return failures.some(
    (line) => line === check || line.startsWith(`${check} `) || line.startsWith(`${check}:`),
  );
}

function last(entries: readonly LogEntry[], kind: string): LogEntry | undefined {
  return entries.findLast((e) => e.kind === kind);
}

const round = (n: number) => String(Math.round(n * 1000) / 1000);
const usd = (n: number) => `$${n.toFixed(2)}`;
