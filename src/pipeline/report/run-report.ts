import type { RunDb } from '../db/run-db.js';
import type { RunCounts, RunMetrics } from '../gate/run-metrics.js';

export interface RunReport {
  run_id: string;
  job: string;
  status: string;
  mode: string;
  seed: number | null;
  counts: RunCounts | null;
  metrics: RunMetrics | null;
}

/** The report contract: every run (or one), oldest first, with its counts and metrics. */
export async function runReports(db: RunDb, runId?: string): Promise<{ runs: RunReport[] }> {
  const rows = await db.all<{
    run_id: string;
    job_name: string;
    status: string;
    mode: string;
    seed: bigint | null;
    counts_json: string | null;
    metrics_json: string | null;
  }>(
    `SELECT r.run_id, r.job_name, r.status, r.mode, r.seed, m.counts_json, m.metrics_json
     FROM runs r LEFT JOIN metrics m USING (run_id) ${runId ? 'WHERE r.run_id = ?' : ''} ORDER BY r.created_at, r.run_id`,
    runId ? [runId] : [],
  );
  return {
    runs: rows.map((row) => ({
      run_id: row.run_id,
      job: row.job_name,
      status: row.status,
      mode: row.mode,
      seed: row.seed === null ? null : Number(row.seed),
      counts: row.counts_json ? JSON.parse(row.counts_json) : null,
      metrics: row.metrics_json ? JSON.parse(row.metrics_json) : null,
    })),
  };
}
