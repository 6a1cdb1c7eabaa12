-- Game-day history: each drill's verdict over time, one row per scenario, one column per game
-- day (pass, fail, not_applicable), the newest game day last.
--   npx batchguard report --sql reports/gameday-history.sql
PIVOT (SELECT scenario, failure_mode, gameday_id, verdict FROM drill_history)
ON gameday_id USING first(verdict)
GROUP BY scenario, failure_mode
ORDER BY scenario;
