-- Trends: per job (and mode), its last 7 runs with metrics, and each leading metric's slope by
-- least squares (points of 100 a run; validity and golden score going down is drift, escalation
-- going up; null until a job has two runs). A drift across nights shows here before any run
-- crosses a line. Edit 7 to taste.
--   npx batchguard report --sql reports/trends.sql
WITH measured AS (
  SELECT *, row_number() OVER (PARTITION BY job, mode ORDER BY run_index DESC) AS age
  FROM run_summary WHERE validity IS NOT NULL
)
SELECT job, mode, count(*)::INTEGER AS runs,
       min(run_index) AS first_run, max(run_index) AS last_run,
       round(100 * arg_max(validity, run_index), 2) AS validity_pct,
       CASE WHEN count(*) > 1 THEN round(100 * regr_slope(validity, run_index), 3) END AS validity_slope,
       round(100 * arg_max(escalation_rate, run_index), 2) AS escalation_pct,
       CASE WHEN count(*) > 1 THEN round(100 * regr_slope(escalation_rate, run_index), 3) END AS escalation_slope,
       round(100 * arg_max(golden_score, run_index), 2) AS golden_pct,
       CASE WHEN count(golden_score) > 1 THEN round(100 * regr_slope(golden_score, run_index), 3) END AS golden_slope,
       arg_max(cost_per_good_row, run_index) AS cost_per_good_row,
       CASE WHEN count(cost_per_good_row) > 1 THEN regr_slope(cost_per_good_row, run_index)::DECIMAL(18, 9) END AS cost_per_good_row_slope
FROM measured WHERE age <= 7
GROUP BY job, mode
ORDER BY job, mode;
