-- Cost by phase and model: what each run billed for its canary, its main batches, its
-- escalations and its golden rows, with tokens, each phase's share of the run, and the run's
-- cost per good row.
--   npx batchguard report --sql reports/cost.sql
SELECT c.job, c.run_id, c.phase, c.model, c.results, c.input_tokens, c.output_tokens, c.cost_usd,
       round(c.cost_usd / nullif(sum(c.cost_usd) OVER (PARTITION BY c.run_id), 0), 4) AS share_of_run,
       s.cost_per_good_row
FROM cost_breakdown c JOIN run_summary s USING (run_id)
ORDER BY c.job, s.run_index DESC, c.phase, c.model;
