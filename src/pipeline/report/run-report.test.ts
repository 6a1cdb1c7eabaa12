import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDb } from '../db/run-db.js';
import type { RunMetrics } from '../gate/run-metrics.js';
import { formatReport } from './format-report.js';
import { runReports } from './run-report.js';

const metrics = (m: Partial<RunMetrics>): RunMetrics => ({
  coverage: 1,
  validity: 0.98,
  cost_usd: 1,
  cost_per_good_row: 0.0001,
  escalation_rate: 0.02,
  golden_score: 0.9,
  ...m,
});

/** Runs in the order they were made: a job, its status, and its metrics (none for a refused one). */
const RUNS: [string, string, string, RunMetrics | null][] = [
  ['run-1', 'reviews', 'promoted', metrics({})],
  ['run-2', 'tickets', 'promoted', metrics({ validity: 0.5, golden_score: null })],
  ['run-3', 'reviews', 'refused', null],
  ['run-4', 'reviews', 'held', metrics({ validity: 0.965, cost_per_good_row: 0.00011, golden_score: 0.85 })],
  ['run-5', 'tickets', 'promoted', metrics({ validity: 0.5, golden_score: null })],
  // Simulated runs all start at the virtual clock's epoch: made in this order, whatever their ids.
  ['sim-b', 'sim', 'promoted', metrics({ validity: 0.9 })],
  ['sim-a', 'sim', 'promoted', metrics({ validity: 0.8 })],
];

describe('runReports: the trend of each metric across a job’s runs', () => {
  let db: RunDb;
  beforeAll(async () => {
    db = await RunDb.open(join(mkdtempSync(join(tmpdir(), 'batchguard-report-')), 'runs.duckdb'));
    for (const [i, [runId, job, status, m]] of RUNS.entries()) {
      const at = job === 'sim' ? '2026-01-01T00:00:00Z' : `2026-01-02T00:0${i}:00Z`;
      await db.exec(
        'INSERT INTO runs (run_id, job_name, job_json, mode, seed, state, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [runId, job, '{}', 'simulation', 1, 'done', status, at, at],
      );
      if (m)
        await db.exec('INSERT INTO run_metrics VALUES (?, 100, 90, 5, 5, 0, 90, ?, ?, ?, ?, ?, ?)', [
          runId,
          m.coverage,
          m.validity,
          m.cost_usd,
          m.cost_per_good_row,
          m.escalation_rate,
          m.golden_score,
        ]);
    }
  });
  afterAll(() => db.close());

  it("compares each run with its own job's previous run that has metrics", async () => {
    const { runs } = await runReports(db);
    expect(runs.map((r) => r.run_id)).toEqual(['sim-b', 'sim-a', ...RUNS.slice(0, 5).map(([id]) => id)]);
    const trend = new Map(runs.map((r) => [r.run_id, r.trend]));
    expect(trend.get('run-1')).toBeNull(); // the job's first run
    expect(trend.get('run-2')).toBeNull(); // another job's first
    expect(trend.get('run-3')).toBeNull(); // refused: no metrics to compare
    const run4 = trend.get('run-4')!;
    expect(run4.since).toBe('run-1'); // past the refused run-3
    expect(run4.coverage).toBe(0);
    expect(run4.validity).toBeCloseTo(-0.015, 12);
    expect(run4.cost_per_good_row).toBeCloseTo(0.00001, 12);
    expect(run4.escalation_rate).toBe(0);
    expect(run4.golden_score).toBeCloseTo(-0.05, 12);
    expect(trend.get('run-5')).toMatchObject({ since: 'run-2', validity: 0, golden_score: null });
    expect(trend.get('sim-b')).toBeNull();
    expect(trend.get('sim-a')!.since).toBe('sim-b');
    expect(trend.get('sim-a')!.validity).toBeCloseTo(-0.1, 12);
  });

  it('gives one run its trend too', async () => {
    const { runs } = await runReports(db, 'run-4');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.trend?.since).toBe('run-1');
  });

  it('shows each change beside its metric: points for a share, per cent for the cost of a good row', async () => {
    const table = formatReport(await runReports(db), 'table')
      .trimEnd()
      .split('\n');
    const row = (id: string) => table.find((line) => line.startsWith(id))!;
    expect(row('run-1')).toContain('98.0%  ');
    expect(row('run-1')).not.toContain('(');
    expect(row('run-4')).toContain('96.5% (−1.5)');
    expect(row('run-4')).toContain('$0.000110 (+10%)');
    expect(row('run-4')).toContain('85.0% (−5.0)');
    expect(row('run-4')).toContain('100.0% (=)');
    expect(row('run-5')).toContain('50.0% (=)');
  });
});
