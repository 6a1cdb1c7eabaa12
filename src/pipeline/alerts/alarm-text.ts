import { countOf, formatCount, formatShare, formatUsd } from '../../core/numbers.js';

/*
 * Every alarm of the run log as one sentence with its numbers, for human output (house style
 * 24). Each sentence reads only the fields its call site in src/pipeline writes into the detail;
 * a number the detail does not hold is never made up, and a field that is missing prints as `?`.
 * The run log and `--json` keep the raw detail.
 */

type Detail = Record<string, unknown>;

const n = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const count = (value: unknown): string => (n(value) === null ? '?' : formatCount(n(value)!));
const countNoun = (value: unknown, singular: string, plural?: string): string =>
  n(value) === null ? `? ${plural ?? `${singular}s`}` : countOf(n(value)!, singular, plural);
const usd = (value: unknown): string => (n(value) === null ? '$?' : formatUsd(n(value)!));
const share = (value: unknown): string => (n(value) === null ? '?' : formatShare(n(value)!));
/** Free text from the detail (an error, a reason) on one line: a terminal line never breaks. */
const text = (value: unknown): string =>
  value === undefined || value === null ? '?' : String(value).replace(/\s+/g, ' ').trim();
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : []);
const submission = (d: Detail): string => `submission ${text(d.submission_id)}`;
/** The one of two words that agrees with a count: `one(d.count, 'carries', 'carry')`. */
const one = (value: unknown, singular: string, plural: string): string => (value === 1 ? singular : plural);
/** A move in a share, in percentage points: `-0.0065` → `-0.65`. */
const points = (value: unknown): string => (n(value) === null ? '?' : (100 * n(value)!).toFixed(2));

/** What a trend alarm's metric is called in a sentence, and which way is wrong for it. */
const TREND_METRIC: Readonly<Record<string, string>> = {
  validity: 'validity is falling',
  golden_score: 'golden score is falling',
  escalation_rate: 'escalation rate is rising',
};

const SENTENCES: Readonly<Record<string, (d: Detail) => string>> = {
  // gate: the result file of one batch against what was sent
  missing_ids: (d) =>
    `${countNoun(d.count, 'id')} missing from ${submission(d)}${d.expected === undefined ? '' : ` (expected ${count(d.expected)}, got ${count(d.received)})`}: no result line came back for ${one(d.count, 'it', 'them')}`,
  unknown_ids: (d) =>
    `${countNoun(d.count, 'result line')} of ${submission(d)} ${one(d.count, 'carries', 'carry')} an id the run never sent (or a malformed one)`,
  duplicate_lines: (d) =>
    `${submission(d)} returned duplicate result lines: ${countNoun(d.identical, 'id')} repeated with the same answer, ${countNoun(d.conflicting, 'id')} with conflicting answers`,
  counts_disagree: (d) =>
    `counts disagree for ${submission(d)}: ${count(d.submitted)} requests submitted, ${d.counted === null ? 'the API gave no readable counts' : `the API counted ${count(d.counted)}`}, ${count(d.received)} distinct ids received`,
  stale_source: (d) =>
    d.submission_id === undefined
      ? `${countNoun(d.count, 'valid row')} quarantined: ${one(d.count, 'its source row', 'their source rows')} changed before promotion`
      : `${countNoun(d.count, 'answer')} of ${submission(d)} quarantined: ${one(d.count, 'its source row', 'their source rows')} changed after ${one(d.count, 'it was', 'they were')} sent`,
  // reconcile and promote
  coverage_gap: (d) => {
    const gap = n(d.source) !== null && n(d.disposed) !== null ? n(d.source)! - n(d.disposed)! : null;
    return `coverage gap: ${countNoun(d.source, 'source row')}, ${count(d.disposed)} with a disposition${gap === null ? '' : ` (${count(gap)} without)`}, ${countNoun(d.duplicates, 'duplicate disposition')}`;
  },
  reconciled: (d) =>
    `reconciled ${countNoun(d.source, 'source row')}: ${count(d.valid)} valid, ${count(d.quarantined)} quarantined, ${count(d.deadLettered)} dead-lettered, ${count(d.undisposed)} without a disposition` +
    `${n(d.goldenScore) === null ? '' : `; golden ${share(d.goldenScore)}${n(d.goldenBaseline) === null ? '' : ` against a baseline of ${share(d.goldenBaseline)}`}`}` +
    `${d.holdReason ? `; promotion held: ${text(d.holdReason)}` : ''}`,
  validity_below_min: (d) =>
    `validity ${share(d.validity)} is below the minimum of ${share(d.validity_min)}: ${count(d.valid_answers)} of ${countNoun(d.gated_answers, 'gated answer')} valid; ` +
    `rows ${count(d.valid_rows)} valid, ${count(d.quarantined_rows)} quarantined, ${count(d.dead_lettered_rows)} dead-lettered; ${d.hold === true ? 'promotion held' : 'promotion not held for it'}`,
  promotion_held: (d) => `promotion held: ${text(d.reason)}`,
  canary_halted: (d) => {
    const stats = (d.stats ?? {}) as Detail;
    const golden = n(stats.goldenTotal)
      ? `, golden ${count(stats.goldenCorrect)} of ${count(stats.goldenTotal)}`
      : '';
    const skipped = [
      n(d.unanswered) ? `${count(d.unanswered)} unanswered` : '',
      n(d.unsent) ? `${count(d.unsent)} unsent` : '',
    ].filter(Boolean);
    return `canary halted: ${list(d.reasons).join('; ') || 'no reason given'} (${countNoun(stats.rows, 'answer')}: ${share(d.validity)} valid, ${share(d.errorRate)} errored${golden}${skipped.length ? `, ${skipped.join(', ')}` : ''})`;
  },
  trend_alarm: (d) => {
    const values = Array.isArray(d.values) ? d.values.map(share).join(' → ') : '?';
    return `${TREND_METRIC[text(d.metric)] ?? `${text(d.metric)} is trending`}: ${values} over ${countNoun(Array.isArray(d.runs) ? d.runs.length : null, 'run')} (${points(d.total)} points in total against a limit of ${points(d.totalMax)}, ${points(d.slope)} a run against ${points(d.slopeMax)})`;
  },
  // spend
  launch_refused: (d) =>
    `launch refused: the worst case of ${usd(d.worstCaseUsd)} (primary ${usd(d.primaryUsd)} + escalation ${usd(d.escalationUsd)}) for ${countNoun(d.rows, 'row')} is over the ceiling of ${usd(d.ceilingUsd)}`,
  ceiling_reached: (d) =>
    `cost ceiling reached: up to ${usd(d.spent_max_usd)} spent and the next round of ${countNoun(d.rows, 'row')} could take up to ${usd(d.round_worst_usd)} more, over the ceiling of ${usd(d.ceiling_usd)}; those rows fail unsent`,
  // the API
  api_unreachable: (d) =>
    `the API is unreachable (${text(d.what)}), retrying for up to ${countNoun(d.wait_minutes, 'minute')}: ${text(d.error)}`,
  batch_not_found: (d) =>
    `batch ${text(d.batch_id)} of ${submission(d)} not found (404) ${countNoun(d.polls, 'poll')} in a row`,
  results_stream_failed: (d) =>
    `the results of ${submission(d)} stopped after ${countNoun(d.lines, 'line')} on attempt ${count(d.attempt)}: ${text(d.error)}`,
  create_outcome_unknown: (d) =>
    `creating the batch of ${submission(d)} may or may not have worked (${text(d.error)}); looking for it before trying again`,
  orphan_unproven: (d) =>
    `adopted batch ${text(d.batch_id)} for ${submission(d)} without proof it is this run's: its requests could not be read`,
  // halt and rollback
  cancel_failed: (d) =>
    `could not cancel batch ${text(d.batch_id)}, which may still be running: ${text(d.error)}`,
  halted_by_operator: (d) => {
    const ids = (key: string, singular: string, plural: string) => {
      const values = list(d[key]);
      return `${countOf(values.length, singular, plural)}${values.length ? ` (${values.join(', ')})` : ''}`;
    };
    return `halted by the operator (the run was ${text(d.previous_status)}, sink ${text(d.sink)}): ${ids('in_flight', 'batch', 'batches')} in flight, ${countOf(list(d.canceled).length, 'batch', 'batches')} canceled${d.create_uncertain === undefined ? '' : `, ${ids('create_uncertain', 'submission', 'submissions')} whose create is uncertain`}`;
  },
  rollback_conflicts: (d) =>
    `rollback left ${countNoun(d.rows, 'row')} alone: a later run changed ${one(d.rows, 'it', 'them')} in the sink since`,
};

/** Every alarm kind with a sentence of its own (a test checks it covers every kind src/ raises). */
export const ALARM_KINDS: readonly string[] = Object.keys(SENTENCES);

/** One alarm of the run log as a sentence with its numbers; an unknown kind reads `kind: key=value, …`. */
export function alarmSentence(entry: {
  step: string;
  kind: string;
  detail: Record<string, unknown>;
}): string {
  const sentence = Object.hasOwn(SENTENCES, entry.kind) ? SENTENCES[entry.kind]! : null;
  if (sentence) return sentence(entry.detail);
  const pairs = detailText(entry.detail);
  return pairs ? `${entry.kind}: ${pairs}` : entry.kind;
}

/** A detail as `key=value, …`, whole: counts get separators, fractions four digits, lists and objects stay readable. */
export function detailText(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([key, value]) => `${key}=${valueText(value)}`)
    .join(', ');
}

/** A fraction under 1 (a share, a cost a row) keeps four significant digits; the JSON keeps them all. */
const FRACTION = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

function valueText(value: unknown): string {
  if (typeof value === 'number')
    return Number.isInteger(value) || Math.abs(value) >= 1 ? formatCount(value) : FRACTION.format(value);
  if (value === null) return 'none';
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`;
  if (typeof value === 'object') return `{${detailText(value as Detail)}}`;
  return text(value);
}
