/*
 * The run database's reading interface: views a user (and `reports/`, the HTML report, the drill
 * checkers) can query without knowing the tables behind them. Their names and columns are stable:
 * a column may be added, none renamed or removed, and docs/reports.md documents each.
 *
 * Conventions: `job` is the job's name; times are TIMESTAMPs (`started_at` on the run's own clock,
 * virtual in simulation; `made_at` on the wall clock); shares are DOUBLEs in 0..1; money is
 * DECIMAL(18, 9) USD, exact to the nano-dollar; golden rows are never counted as source rows.
 */

/** Every view, in the order they are made (later ones read earlier ones). */
export const VIEWS: readonly { name: string; sql: string }[] = [
  {
    // One row per run, its status and its metrics (null metrics: the run never reached them).
    name: 'run_summary',
    sql: `
SELECT r.run_id, r.job_name AS job, r.mode, r.seed, r.status,
       r.created_at::TIMESTAMP AS started_at, r.made_at,
       -- The run's place among its job's runs in this mode, 1 for the first: the x of a trend.
       (row_number() OVER (PARTITION BY r.job_name, r.mode ORDER BY r.created_at, r.rowid))::INTEGER AS run_index,
       -- The run's place among all runs of the database, in the order they were made.
       (row_number() OVER (ORDER BY r.created_at, r.rowid))::INTEGER AS made_order,
       m.source_rows, m.promoted, m.quarantined, m.dead_lettered, m.held, m.good_rows,
       m.coverage, m.validity, m.cost_usd, m.cost_per_good_row, m.escalation_rate, m.golden_score
FROM runs r LEFT JOIN run_metrics m USING (run_id)`,
  },
  {
    // The job each run ran, as it resolved it at launch (JSON: every key, defaults filled in).
    name: 'run_jobs',
    sql: `
SELECT run_id, job_name AS job, mode, job_json FROM runs`,
  },
  {
    // Every source row's final disposition (golden rows apart), with its reason and output.
    name: 'row_dispositions',
    sql: `
SELECT d.run_id, r.job_name AS job, d.row_key, d.disposition, d.reason, d.custom_id, d.output_json
FROM dispositions d JOIN runs r USING (run_id)
WHERE NOT starts_with(d.row_key, 'golden:')`,
  },
  {
    // Quarantined and dead-lettered rows by reason: how many, and one example key.
    name: 'quarantine_reasons',
    sql: `
SELECT run_id, job, disposition, coalesce(reason, '(none)') AS reason, count(*)::INTEGER AS row_count,
       min(row_key) AS example_key
FROM row_dispositions WHERE disposition IN ('quarantined', 'dead_lettered')
GROUP BY ALL`,
  },
  {
    // What each run billed, by phase (canary, main, escalation; golden rows apart) and model.
    name: 'cost_breakdown',
    sql: `
SELECT r.run_id, r.job_name AS job,
       CASE WHEN g.custom_id IS NOT NULL THEN 'golden' ELSE s.phase END AS phase,
       s.model, count(*)::INTEGER AS results,
       sum(x.input_tokens) AS input_tokens, sum(x.output_tokens) AS output_tokens,
       sum(x.cost_usd::DECIMAL(18, 9)) AS cost_usd
FROM raw_results x
JOIN submissions s ON s.run_id = x.run_id AND s.submission_id = x.submission_id
JOIN runs r ON r.run_id = x.run_id
-- Only the golden rows' requests (a few dozen a run): joined to every request of every run, the
-- view held each night's millions at once and outgrew DuckDB's memory after a few nights.
LEFT JOIN (SELECT DISTINCT run_id, submission_id, custom_id FROM requests WHERE starts_with(row_key, 'golden:')) g
  ON g.run_id = x.run_id AND g.submission_id = x.submission_id AND g.custom_id = x.custom_id
WHERE x.cost_usd IS NOT NULL
GROUP BY ALL`,
  },
  {
    // Every batch a run submitted (a submission: its phase, round, model, size and batch id).
    name: 'submission_batches',
    sql: `
SELECT s.run_id, r.job_name AS job, s.submission_id, s.phase, s.round, s.model, s.request_count,
       s.batch_id, s.adopted, s.status
FROM submissions s JOIN runs r USING (run_id)`,
  },
  {
    // Every request a run sent: its custom_id, row, attempt and model, and the batch it went in.
    name: 'batch_requests',
    sql: `
SELECT q.run_id, q.submission_id, s.phase, s.batch_id, q.custom_id, q.row_key, q.attempt, q.model
FROM requests q JOIN submissions s USING (run_id, submission_id)`,
  },
  {
    // What the gate made of every result line: valid, invalid, to retry, failed, or an alarm's.
    name: 'answer_outcomes',
    sql: `
SELECT o.run_id, o.submission_id, s.batch_id, o.custom_id, o.row_key, o.attempt, o.model, o.kind,
       o.reason, o.detail
FROM outcomes o JOIN submissions s USING (run_id, submission_id)`,
  },
  {
    // Every alarm a run raised, with the signal it is: leading ones page, lagging ones are logged.
    name: 'run_alarms',
    sql: `
SELECT l.run_id, r.job_name AS job, l.seq, l.logged_at::TIMESTAMP AS logged_at, l.step, l.kind,
       CASE WHEN l.kind IN ('trend_alarm', 'validity_below_min', 'canary_halted', 'promotion_held')
            THEN 'leading' ELSE 'lagging' END AS signal,
       l.detail
FROM run_log l JOIN runs r USING (run_id)
WHERE l.phase = 'alarm'`,
  },
  {
    // Each game-day drill's verdict, oldest game day first.
    name: 'drill_history',
    sql: `
SELECT gameday_id, position, recorded_at::TIMESTAMP AS recorded_at, scenario, failure_mode,
       expected_control, seed, fault_fired, caught, invariants_held, verdict, run_status, job
FROM drills`,
  },
];

/** The layout version the views and migrations below make; bump it when either changes. */
export const LAYOUT_VERSION = '8';

/**
 * SQL that brings a database of an earlier layout to this one, in order. Each step is safe to
 * run on a database that never had what it migrates.
 */
export function migrationSql(hasLegacyMetrics: boolean): string[] {
  const steps: string[] = [];
  if (hasLegacyMetrics)
    // Layout 1 kept metrics and counts as JSON text (`metrics`); layout 2 types them. Held rows
    // then counted as good without knowing whether they had an output: those with one still do.
    steps.push(
      `INSERT INTO run_metrics
       SELECT m.run_id,
              (m.counts_json::JSON ->> 'source')::INTEGER, (m.counts_json::JSON ->> 'promoted')::INTEGER,
              (m.counts_json::JSON ->> 'quarantined')::INTEGER, (m.counts_json::JSON ->> 'dead_lettered')::INTEGER,
              (m.counts_json::JSON ->> 'held')::INTEGER,
              (m.counts_json::JSON ->> 'promoted')::INTEGER
                + (SELECT count(*) FROM dispositions d WHERE d.run_id = m.run_id
                   AND d.disposition IN ('held', 'valid') AND d.output_json IS NOT NULL)::INTEGER,
              (m.metrics_json::JSON ->> 'coverage')::DOUBLE, (m.metrics_json::JSON ->> 'validity')::DOUBLE,
              round((m.metrics_json::JSON ->> 'cost_usd')::DOUBLE, 9)::DECIMAL(18, 9),
              NULL,
              (m.metrics_json::JSON ->> 'escalation_rate')::DOUBLE, (m.metrics_json::JSON ->> 'golden_score')::DOUBLE
       FROM metrics m WHERE m.run_id NOT IN (SELECT run_id FROM run_metrics)`,
      // Cost per good row recomputed over good rows as this layout counts them.
      `UPDATE run_metrics SET cost_per_good_row = CASE WHEN good_rows > 0 THEN (cost_usd / good_rows)::DECIMAL(18, 9) END
       WHERE run_id IN (SELECT run_id FROM metrics)`,
      'DROP TABLE metrics',
    );
  for (const view of VIEWS) steps.push(`CREATE OR REPLACE VIEW ${view.name} AS ${view.sql}`);
  steps.push(`INSERT OR REPLACE INTO batchguard_meta VALUES ('layout', '${LAYOUT_VERSION}')`);
  return steps;
}
