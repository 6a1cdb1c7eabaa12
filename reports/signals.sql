-- Leading and lagging signals: every alarm of every run. Leading ones (validity, golden drift,
-- a halting canary, a trend) page and fail `report --check`; lagging ones (coverage, hard
-- errors, the API) are logged.
--   npx batchguard report --sql reports/signals.sql
SELECT s.job, s.run_index, a.run_id, a.signal, a.step, a.kind, count(*)::INTEGER AS alarms,
       min(a.logged_at) AS first_at, any_value(a.detail) AS example_detail
FROM run_alarms a JOIN run_summary s USING (run_id)
GROUP BY ALL
ORDER BY s.job, s.run_index DESC, a.signal, a.kind;
