-- The dashboard: every run's five metrics, coverage first, with its counts; newest run of each
-- job first. Shares are 0..1; money is USD, exact to the nano-dollar.
--   npx batchguard report --sql reports/dashboard.sql [--format table|md|json|csv]
SELECT job, mode, run_index, run_id, status, started_at, made_at,
       round(coverage, 4) AS coverage,
       round(validity, 4) AS validity,
       cost_per_good_row,
       round(escalation_rate, 4) AS escalation_rate,
       round(golden_score, 4) AS golden_score,
       source_rows, promoted, quarantined, dead_lettered, held, good_rows, cost_usd
FROM run_summary
ORDER BY job, mode, run_index DESC;
