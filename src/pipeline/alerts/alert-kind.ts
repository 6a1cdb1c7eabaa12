import type { AlertKind } from '../job/job.js';
import type { LogEntry } from '../run/run-log.js';

/** The alarm kinds of the run log and the kind of alert each is, when it is one. */
const BY_LOG_KIND: Readonly<Record<string, AlertKind>> = {
  canary_halted: 'halt',
  halted_by_operator: 'halt',
  validity_below_min: 'validity',
  launch_refused: 'ceiling_refused',
  ceiling_reached: 'ceiling_refused',
  trend_alarm: 'trend_alarm',
  coverage_gap: 'coverage',
  missing_ids: 'coverage',
  counts_disagree: 'coverage',
  api_unreachable: 'errors',
  cancel_failed: 'errors',
  results_stream_failed: 'errors',
  batch_not_found: 'errors',
  create_outcome_unknown: 'errors',
  orphan_unproven: 'errors',
  unknown_ids: 'errors',
  duplicate_lines: 'errors',
  stale_source: 'errors',
  rollback_conflicts: 'errors',
};

/**
 * The alert kind (job key `alerts.page`) of one alarm of the run log, or null for an alarm that
 * is only logged. Two alarms are judged by their detail: a held promotion is `drift` when the
 * golden score held it and `validity` when validity did (a hold after a halted canary is not
 * paged again: `canary_halted` was), and `reconciled` is `coverage` only when rows were left
 * without a disposition (a hold alone is paged as `promotion_held`).
 */
export function alertKindOf(entry: Pick<LogEntry, 'phase' | 'kind' | 'detail'>): AlertKind | null {
  if (entry.phase !== 'alarm') return null;
  if (entry.kind === 'promotion_held') {
    const reason = typeof entry.detail.reason === 'string' ? entry.detail.reason : '';
    if (reason.startsWith('canary halted')) return null;
    if (reason.includes('golden score')) return 'drift';
    if (/\bvalidity\b|no row has a valid answer/.test(reason)) return 'validity';
    return null;
  }
  if (entry.kind === 'reconciled') {
    const undisposed = entry.detail.undisposed;
    return typeof undisposed === 'number' && undisposed !== 0 ? 'coverage' : null;
  }
  return Object.hasOwn(BY_LOG_KIND, entry.kind) ? BY_LOG_KIND[entry.kind]! : null;
}
