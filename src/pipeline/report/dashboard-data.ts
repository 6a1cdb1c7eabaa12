import { type Fit, leastSquares } from '../../core/least-squares.js';
import type { RunDb } from '../db/run-db.js';
import { goldenBelowMin, goldenDrop } from '../gate/grade-canary.js';
import { type RunReport, runReports } from './run-report.js';

/*
 * What the HTML report shows, gathered in one place and typed, apart from how it is drawn
 * (html-report.ts, charts.ts). Every figure is one row per run, per run and reason, per run,
 * phase and model, or per game day and scenario: the run database aggregates its rows, no row of
 * data is read here.
 */

/** The metrics charted over each job's runs, in the order the report shows them. */
export const CHART_METRICS = [
  'validity',
  'coverage',
  'escalation_rate',
  'golden_score',
  'cost_per_good_row',
] as const;
export type ChartMetric = (typeof CHART_METRICS)[number];

/** One run of a job that reached its metrics: its place among the job's runs, metrics and thresholds. */
export interface RunPoint {
  run_id: string;
  /** The run's place among its job's runs in this mode, 1 for the first (runs without metrics count). */
  index: number;
  status: string;
  validity: number;
  coverage: number;
  escalation_rate: number;
  golden_score: number | null;
  /** USD; null without a good row. */
  cost_per_good_row: number | null;
  cost_usd: number;
  /** The job's `thresholds.validity_min` for this run (from the run's own job), or null. */
  validity_min: number | null;
  /**
   * The golden score below which this run's canary alarms on a drop: its baseline (the job's
   * recorded one, else the score of the job's last promoted run before it) less the allowance,
   * `thresholds.golden_drop_points` or the golden set's noise, whichever is larger (grade-canary.ts);
   * null without golden rows or a baseline.
   */
  golden_alarm_below: number | null;
  /** The golden baseline the line above is drawn from. */
  golden_baseline: number | null;
  /** The job's `golden.min_score`, lowered by the golden set's noise as the canary does; null without golden rows. */
  golden_floor: number | null;
}

/** A least-squares line through a metric's values over run indexes: value ≈ intercept + slope × index. */
/** Rows of a run by reason (a null reason is shown as `(none)`). */
export interface ReasonCount {
  reason: string;
  rows: number;
}

/** Where a run's source rows (golden rows apart) ended. */
export interface Funnel {
  run_id: string;
  status: string;
  source: number;
  promoted: number;
  held: number;
  quarantined: ReasonCount[];
  dead_lettered: ReasonCount[];
  /** Source rows with no disposition (coverage under 1). */
  undisposed: number;
}

/** What a run billed for one phase and model; `golden` is the golden rows' part, whatever the phase. */
export interface CostPart {
  run_id: string;
  index: number;
  phase: string;
  model: string;
  results: number;
  input_tokens: number;
  output_tokens: number;
  /** USD, rounded to the nano-dollar. */
  cost_usd: number;
}

/** One job's runs in one mode (a simulated trend and a live one are not mixed). */
export interface JobDashboard {
  job: string;
  mode: string;
  /** Runs of the job in this mode, with or without metrics. */
  runs: number;
  points: RunPoint[];
  fits: Record<ChartMetric, Fit | null>;
  /** The funnel of the newest run with metrics, or null when none has any. */
  latest: Funnel | null;
  /** What each run with metrics billed, by phase and model. */
  cost: CostPart[];
}

/** One game day: when, which job was drilled, and its verdicts. */
export interface Gameday {
  gameday_id: string;
  recorded_at: string;
  /** The job files drilled (empty: the scenarios' own jobs). */
  jobs: string[];
  pass: number;
  fail: number;
  not_applicable: number;
}

/** A scenario's verdict on a game day: `fail` if any of its drills that day failed. */
export interface GamedayCell {
  gameday_id: string;
  scenario: string;
  verdict: 'pass' | 'fail' | 'not_applicable';
  drills: number;
}

export interface GamedayHistory {
  /** The newest GAMEDAYS_SHOWN game days, oldest first. */
  gamedays: Gameday[];
  /** Game days recorded in all. */
  total: number;
  scenarios: string[];
  cells: GamedayCell[];
}

export interface Dashboard {
  jobs: JobDashboard[];
  /** Null when the database has no `drills` table (no drill or game day was ever recorded in it). */
  gamedays: GamedayHistory | null;
  /** Every run shown, oldest first, as `report` gives them. */
  runs: RunReport[];
}

export { type Fit, leastSquares };

/** The most game days the matrix shows (the newest). */
export const GAMEDAYS_SHOWN = 30;

interface RunThresholds {
  run_id: string;
  validity_min: number | null;
  golden_drop_points: number | null;
  golden_baseline: number | null;
  golden_min: number | null;
  golden_rows: number;
}

/**
 * Everything the HTML report shows: each job's runs (per mode) with their metrics, thresholds
 * and fitted trends, the newest run's funnel and what each run billed by phase and model, the
 * game-day history, and the runs. With `runId`, the report as it stood at that run: its job's
 * runs up to it, its funnel.
 */
export async function dashboardData(db: RunDb, runId?: string): Promise<Dashboard> {
  let { runs } = await runReports(db);
  if (runId !== undefined) {
    const at = runs.findIndex((r) => r.run_id === runId);
    if (at < 0) return { jobs: [], gamedays: null, runs: [] };
    const { job, mode } = runs[at]!;
    runs = runs.slice(0, at + 1).filter((r) => r.job === job && r.mode === mode);
  }
  const thresholds = new Map(
    (
      await db.all<RunThresholds>(
        `SELECT run_id,
                TRY_CAST(json_extract_string(job_json, '$.thresholds.validityMin') AS DOUBLE) AS validity_min,
                TRY_CAST(json_extract_string(job_json, '$.thresholds.goldenDropPoints') AS DOUBLE) AS golden_drop_points,
                TRY_CAST(json_extract_string(job_json, '$.golden.baseline') AS DOUBLE) AS golden_baseline,
                TRY_CAST(json_extract_string(job_json, '$.golden.minScore') AS DOUBLE) AS golden_min,
                (SELECT count(*) FROM source_rows s WHERE s.run_id = r.run_id AND s.is_golden)::INTEGER AS golden_rows
         FROM run_jobs r`,
      )
    ).map((t) => [t.run_id, t]),
  );
  const costs = await costParts(db);

  // The golden baseline a run compared with when its job recorded none: the score of the job's
  // last promoted run before it (golden-baseline.ts), whatever the mode.
  const lastPromotedGolden = new Map<string, number>();
  const baselineOf = new Map<string, number | null>();
  for (const r of runs) {
    baselineOf.set(r.run_id, lastPromotedGolden.get(r.job) ?? null);
    const score = r.metrics?.golden_score;
    if (r.status === 'promoted' && score !== null && score !== undefined)
      lastPromotedGolden.set(r.job, score);
  }

  const groups = new Map<string, RunReport[]>();
  for (const r of runs) {
    const key = JSON.stringify([r.job, r.mode]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const jobs: JobDashboard[] = [];
  for (const group of groups.values()) {
    const points: RunPoint[] = [];
    for (const [i, r] of group.entries()) {
      if (!r.metrics) continue;
      const t = thresholds.get(r.run_id);
      const n = t?.golden_rows ?? 0;
      const baseline = n > 0 ? (t?.golden_baseline ?? baselineOf.get(r.run_id) ?? null) : null;
      const dropPoints = t?.golden_drop_points ?? null;
      points.push({
        run_id: r.run_id,
        index: i + 1,
        status: r.status,
        validity: r.metrics.validity,
        coverage: r.metrics.coverage,
        escalation_rate: r.metrics.escalation_rate,
        golden_score: r.metrics.golden_score,
        cost_per_good_row: r.metrics.cost_per_good_row,
        cost_usd: r.metrics.cost_usd,
        validity_min: t?.validity_min ?? null,
        golden_alarm_below:
          baseline === null || dropPoints === null
            ? null
            : baseline - goldenDrop(baseline, baseline, n, dropPoints).allowedPoints / 100,
        golden_baseline: baseline,
        golden_floor:
          n > 0 && t?.golden_min !== null && t?.golden_min !== undefined
            ? goldenBelowMin(1, t.golden_min, n).floor
            : null,
      });
    }
    const fits = Object.fromEntries(
      CHART_METRICS.map((m) => [
        m,
        leastSquares(points.flatMap((p) => (p[m] === null ? [] : [{ x: p.index, y: p[m] }]))),
      ]),
    ) as Record<ChartMetric, Fit | null>;
    const newest = points.at(-1);
    const indexOf = new Map(points.map((p) => [p.run_id, p.index]));
    jobs.push({
      job: group[0]!.job,
      mode: group[0]!.mode,
      runs: group.length,
      points,
      fits,
      latest: newest ? await funnel(db, newest.run_id, newest.status) : null,
      cost: costs
        .flatMap((c) => {
          const index = indexOf.get(c.run_id);
          return index === undefined ? [] : [{ ...c, index }];
        })
        .sort((a, b) => a.index - b.index),
    });
  }
  return { jobs, gamedays: await gamedayHistory(db), runs };
}

/** Where a run's source rows ended, by disposition and reason. */
async function funnel(db: RunDb, runId: string, status: string): Promise<Funnel> {
  const source = await db.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM source_rows WHERE run_id = ? AND NOT is_golden',
    [runId],
  );
  const rows = await db.all<{ disposition: string; reason: string; rows: number }>(
    `SELECT CASE WHEN d.disposition = 'valid' THEN 'held' ELSE d.disposition END AS disposition,
            coalesce(d.reason, '(none)') AS reason, count(*)::INTEGER AS rows
     FROM row_dispositions d
     WHERE d.run_id = ?
     GROUP BY ALL ORDER BY rows DESC, reason`,
    [runId],
  );
  const total = (disposition: string) =>
    rows.filter((r) => r.disposition === disposition).reduce((s, r) => s + r.rows, 0);
  const reasons = (disposition: string) =>
    rows.filter((r) => r.disposition === disposition).map(({ reason, rows }) => ({ reason, rows }));
  const n = source?.n ?? 0;
  return {
    run_id: runId,
    status,
    source: n,
    promoted: total('promoted'),
    held: total('held'),
    quarantined: reasons('quarantined'),
    dead_lettered: reasons('dead_lettered'),
    undisposed: Math.max(0, n - rows.reduce((s, r) => s + r.rows, 0)),
  };
}

/** What every run billed, by phase and model (the `cost_breakdown` view); golden rows' results are the `golden` phase. */
async function costParts(db: RunDb): Promise<Omit<CostPart, 'index'>[]> {
  return db.all<Omit<CostPart, 'index'>>(
    `SELECT run_id, phase, model, results,
            coalesce(input_tokens, 0)::DOUBLE AS input_tokens,
            coalesce(output_tokens, 0)::DOUBLE AS output_tokens,
            cost_usd::DOUBLE AS cost_usd
     FROM cost_breakdown
     ORDER BY run_id, CASE phase WHEN 'golden' THEN 0 WHEN 'canary' THEN 1 WHEN 'main' THEN 2 ELSE 3 END, model`,
  );
}

/** The game-day history: each scenario's verdict on each of the newest game days. */
async function gamedayHistory(db: RunDb): Promise<GamedayHistory | null> {
  const exists = await db.one<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'drills'",
  );
  if (!exists?.n) return null;
  const shown = `gameday_id IN (SELECT DISTINCT gameday_id FROM drill_history ORDER BY gameday_id DESC LIMIT ${GAMEDAYS_SHOWN})`;
  const total = await db.one<{ n: number }>(
    'SELECT count(DISTINCT gameday_id)::INTEGER AS n FROM drill_history',
  );
  const gamedays = await db.all<Gameday>(
    `SELECT gameday_id, strftime(min(recorded_at), '%Y-%m-%dT%H:%M:%SZ') AS recorded_at,
            coalesce(list(DISTINCT job ORDER BY job) FILTER (WHERE job IS NOT NULL), []) AS jobs,
            count(*) FILTER (WHERE verdict = 'pass')::INTEGER AS pass,
            count(*) FILTER (WHERE verdict = 'fail')::INTEGER AS fail,
            count(*) FILTER (WHERE verdict = 'not_applicable')::INTEGER AS not_applicable
     FROM drill_history WHERE ${shown} GROUP BY gameday_id ORDER BY gameday_id`,
  );
  const cells = await db.all<GamedayCell>(
    `SELECT gameday_id, scenario,
            CASE WHEN bool_or(verdict = 'fail') THEN 'fail' WHEN bool_or(verdict = 'pass') THEN 'pass'
                 ELSE 'not_applicable' END AS verdict,
            count(*)::INTEGER AS drills
     FROM drill_history WHERE ${shown} GROUP BY ALL ORDER BY gameday_id, scenario`,
  );
  return {
    gamedays,
    total: total?.n ?? 0,
    scenarios: [...new Set(cells.map((c) => c.scenario))].sort(),
    cells,
  };
}
