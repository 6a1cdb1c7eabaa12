import type { RunDb } from '../db/run-db.js';

/** A leading-signal alarm of a job's latest run, as `report --check` prints it. */
export interface LeadingAlarm {
  job: string;
  run_id: string;
  kind: string;
  line: string;
}

/**
 * The leading-signal alarms (drift, trend, validity, a halting canary: `run_alarms.signal =
 * 'leading'`) of the latest run of each job in the database, in each mode: the CI gate of a
 * nightly job. Lagging ones (coverage, hard errors) are not here; they are in `run_alarms`.
 */
export async function leadingAlarms(db: RunDb): Promise<{ jobs: number; alarms: LeadingAlarm[] }> {
  const latest = `SELECT run_id FROM (
      SELECT run_id, row_number() OVER (PARTITION BY job_name, mode ORDER BY created_at DESC, rowid DESC) AS n
      FROM runs) WHERE n = 1`;
  const jobs = await db.one<{ n: number }>('SELECT count(DISTINCT (job_name, mode))::INTEGER AS n FROM runs');
  const rows = await db.all<{ job: string; run_id: string; kind: string; detail: string }>(
    `SELECT job, run_id, kind, detail FROM run_alarms
     WHERE signal = 'leading' AND run_id IN (${latest}) ORDER BY job, run_id, seq`,
  );
  return {
    jobs: jobs?.n ?? 0,
    alarms: rows.map((r) => ({
      ...r,
      line: `${r.job} ${r.run_id}: ${describe(r.kind, JSON.parse(r.detail))}`,
    })),
  };
}

const pct = (share: unknown) => (typeof share === 'number' ? `${(100 * share).toFixed(1)} %` : '?');

/** One alarm in words, from its log entry's detail. */
function describe(kind: string, detail: Record<string, unknown>): string {
  if (kind === 'trend_alarm') {
    const values = Array.isArray(detail.values) ? detail.values.map(pct).join(' → ') : '';
    const slope = typeof detail.slope === 'number' ? detail.slope : 0;
    return `trend_alarm: ${detail.metric} ${values} over ${Array.isArray(detail.runs) ? detail.runs.length : '?'} runs (${(100 * slope).toFixed(2)} points a run; limits ${pct(detail.totalMax)} in total, ${pct(detail.slopeMax)} a run)`;
  }
  if (kind === 'promotion_held') return `promotion_held: ${detail.reason ?? ''}`;
  if (kind === 'validity_below_min')
    return `validity_below_min: validity ${pct(detail.validity)} below ${pct(detail.validity_min)}`;
  if (kind === 'canary_halted')
    return `canary_halted: ${Array.isArray(detail.reasons) ? detail.reasons.join('; ') : ''}`;
  return kind;
}
