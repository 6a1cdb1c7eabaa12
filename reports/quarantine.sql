-- Quarantined and dead-lettered rows by reason, per run: how many, and a sample row of each
-- (its key and the start of the answer that was refused).
--   npx batchguard report --sql reports/quarantine.sql
SELECT q.job, q.run_id, q.disposition, q.reason, q.row_count,
       q.example_key,
       left(coalesce(d.output_json, ''), 120) AS example_output
FROM quarantine_reasons q
LEFT JOIN row_dispositions d ON d.run_id = q.run_id AND d.row_key = q.example_key
ORDER BY q.job, q.run_id, q.row_count DESC, q.reason;
