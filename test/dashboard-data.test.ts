import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verdictOf } from '../src/drills/drill-result-fixtures.js';
import { DrillStore } from '../src/drills/drill-store.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { type Dashboard, dashboardData } from '../src/pipeline/report/dashboard-data.js';
import { cliInProcess } from './support/cli-in-process.js';
import { GOLDEN, INJECTION, jobFolder, reviews } from './support/pipeline-harness.js';

const HOSTILE = `rev<script>alert("x")</script> & 'q'`;

describe('dashboardData over real simulated runs', () => {
  let dir: string;
  let dbPath: string;
  let db: RunDb;
  let data: Dashboard;

  beforeAll(async () => {
    // Every 8th review carries an instruction the primary model sometimes obeys: some rows are
    // quarantined, some escalated.
    const rows = reviews(60, (i, base) => `Order ${i}: ${base}${i % 8 === 0 ? ` ${INJECTION}` : ''}`);
    ({ dir } = jobFolder(rows, { name: HOSTILE }));
    dbPath = join(dir, 'runs.duckdb');
    for (const seed of [1, 2]) {
      const run = await cliInProcess(
        ['run', join(dir, 'job.yaml'), '--seed', String(seed), '--db', dbPath],
        dir,
      );
      expect(run.stderr).not.toMatch(/unexpected failure/);
    }
    db = await RunDb.open(dbPath);
    // Two game days: the second fails one scenario; the scenario's name is markup.
    const first = await DrillStore.open(db);
    await first.record(verdictOf('baseline', 'pass'), [], '2026-12-01T10:00:00Z');
    await first.record(verdictOf('<b>odd</b>', 'not_applicable'), [], '2026-12-01T10:01:00Z');
    const second = await DrillStore.open(db);
    await second.record(verdictOf('baseline', 'pass'), [], '2026-12-02T10:00:00Z');
    await second.record(verdictOf('baseline', 'fail'), [], '2026-12-02T10:02:00Z');
    data = await dashboardData(db);
  }, 60_000);
  afterAll(() => db?.close());

  it('gives one job, its two runs in order, with the metrics the report gives', async () => {
    expect(data.jobs).toHaveLength(1);
    const [job] = data.jobs;
    expect(job).toMatchObject({ job: HOSTILE, mode: 'simulation', runs: 2 });
    expect(job!.points.map((p) => p.index)).toEqual([1, 2]);
    expect(job!.points.map((p) => p.run_id)).toEqual(data.runs.map((r) => r.run_id));
    for (const [i, p] of job!.points.entries()) {
      const m = data.runs[i]!.metrics!;
      expect(p).toMatchObject({
        validity: m.validity,
        coverage: m.coverage,
        escalation_rate: m.escalation_rate,
        golden_score: m.golden_score,
        cost_per_good_row: m.cost_per_good_row,
        validity_min: 0.9,
      });
    }
  });

  it('draws the golden alarm where the canary alarms: from the last promoted run, less the allowance', () => {
    const [first, second] = data.jobs[0]!.points;
    // The first run had no baseline to compare with.
    expect(first!.golden_alarm_below).toBeNull();
    expect(first!.golden_baseline).toBeNull();
    expect(data.runs[0]!.status).toBe('promoted');
    const baseline = first!.golden_score!;
    expect(second!.golden_baseline).toBe(baseline);
    // The allowance: 3 points (the default golden_drop_points), or the golden set's noise if larger.
    const n = GOLDEN.length;
    const allowed = Math.max(3, 200 * Math.sqrt((2 * baseline * (1 - baseline)) / n));
    expect(second!.golden_alarm_below).toBeCloseTo(baseline - allowed / 100, 12);
    expect(second!.golden_floor).toBeLessThan(0.8);
  });

  it("counts the newest run's rows by disposition and reason, golden rows apart, as its counts do", () => {
    const job = data.jobs[0]!;
    const latest = job.latest!;
    const counts = data.runs[1]!.counts!;
    expect(latest.run_id).toBe(data.runs[1]!.run_id);
    expect(latest.source).toBe(60);
    expect(latest.source).toBe(counts.source);
    expect(latest.promoted).toBe(counts.promoted);
    expect(latest.held).toBe(counts.held);
    const sum = (rs: { rows: number }[]) => rs.reduce((s, r) => s + r.rows, 0);
    expect(sum(latest.quarantined)).toBe(counts.quarantined);
    expect(sum(latest.dead_lettered)).toBe(counts.dead_lettered);
    expect(latest.promoted + latest.held + sum(latest.quarantined) + sum(latest.dead_lettered)).toBe(60);
    expect(latest.undisposed).toBe(0);
  });

  it('splits each run’s bill by phase and model, golden rows apart, adding up to what the run cost', () => {
    const job = data.jobs[0]!;
    for (const p of job.points) {
      const parts = job.cost.filter((c) => c.run_id === p.run_id);
      expect(parts.every((c) => c.index === p.index)).toBe(true);
      expect(parts.reduce((s, c) => s + c.cost_usd, 0)).toBeCloseTo(p.cost_usd, 9);
      expect(new Set(parts.map((c) => c.phase))).toEqual(new Set(['golden', 'canary', 'main']));
      // Every golden row answered once by the primary model at least.
      const golden = parts.filter((c) => c.phase === 'golden');
      expect(golden.reduce((s, c) => s + c.results, 0)).toBeGreaterThanOrEqual(GOLDEN.length);
    }
    expect(job.cost.map((c) => c.index)).toEqual([...job.cost.map((c) => c.index)].sort());
  });

  it('gives each scenario its verdict on each game day: fail when any of its drills that day failed', () => {
    const g = data.gamedays!;
    expect(g.total).toBe(2);
    expect(g.gamedays.map((d) => [d.gameday_id, d.pass, d.fail, d.not_applicable])).toEqual([
      ['gd-0001', 1, 0, 1],
      ['gd-0002', 1, 1, 0],
    ]);
    expect(g.gamedays[0]!.recorded_at).toBe('2026-12-01T10:00:00Z');
    expect(g.scenarios).toEqual(['<b>odd</b>', 'baseline']);
    expect(g.cells).toEqual([
      { gameday_id: 'gd-0001', scenario: '<b>odd</b>', verdict: 'not_applicable', drills: 1 },
      { gameday_id: 'gd-0001', scenario: 'baseline', verdict: 'pass', drills: 1 },
      { gameday_id: 'gd-0002', scenario: 'baseline', verdict: 'fail', drills: 2 },
    ]);
  });

  it('gives the report as it stood at one run: its job’s runs up to it', async () => {
    const first = data.runs[0]!.run_id;
    const at = await dashboardData(db, first);
    expect(at.runs.map((r) => r.run_id)).toEqual([first]);
    expect(at.jobs[0]!.points.map((p) => p.run_id)).toEqual([first]);
    expect(at.jobs[0]!.latest!.run_id).toBe(first);
    expect(at.jobs[0]!.fits.validity).toBeNull();
    expect(await dashboardData(db, 'no-such-run')).toMatchObject({ jobs: [], runs: [] });
  });
});
