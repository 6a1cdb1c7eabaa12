-- Dead letters: every row a run gave up on after its attempts, with the reason, newest run
-- first. Each is a row the job did not deliver: requeue the source rows, or look at the API.
--   npx batchguard report --sql reports/dead-letters.sql --format csv > dead-letters.csv
SELECT d.job, s.run_index, d.run_id, d.row_key, d.reason, d.custom_id
FROM row_dispositions d JOIN run_summary s USING (run_id)
WHERE d.disposition = 'dead_lettered'
ORDER BY d.job, s.run_index DESC, d.row_key;
