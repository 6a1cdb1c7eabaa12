import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { slopeOf } from '../src/core/least-squares.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { runQuery } from '../src/pipeline/report/sql-query.js';
import { ROOT } from './source-files.js';
import { cliInProcess } from './support/cli-in-process.js';

/*
 * `reports/`: SQL a team can read and run. Every file runs against a fresh database and against
 * one with real runs and a drill, read-only, in every format; what they say is recomputed from
 * the run database's own tables.
 */

const REPORTS = join(ROOT, 'reports');
const FILES = readdirSync(REPORTS).filter((f) => f.endsWith('.sql'));

/** A report's rows, through the same read-only path `report --sql` takes, as JSON. */
async function rows(db: string, file: string): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  await runQuery(db, readFileSync(join(REPORTS, file), 'utf8'), 'json', (line) => lines.push(line));
  return JSON.parse(lines.join('\n'));
}

describe('reports/', () => {
  it('holds the named reports', () => {
    expect(FILES.sort()).toEqual([
      'cost.sql',
      'dashboard.sql',
      'dead-letters.sql',
      'gameday-history.sql',
      'quarantine.sql',
      'signals.sql',
      'trends.sql',
    ]);
  });

  it.each(FILES)('%s runs against a fresh database', async (file) => {
    const db = join(mkdtempSync(join(tmpdir(), 'batchguard-reports-fresh-')), 'fresh.duckdb');
    (await RunDb.open(db)).close();
    await RunDb.release(db);
    expect(await rows(db, file)).toEqual([]);
  });

  it('trends.sql on a job of one run: its values, and no slope yet (not NaN, which stops the query)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchguard-reports-one-'));
    const db = join(dir, 'one.duckdb');
    await cliInProcess(['run', join(ROOT, 'examples', 'support-tickets', 'job.yaml'), '--db', db], dir);
    const [trend] = await rows(db, 'trends.sql');
    expect(trend).toMatchObject({
      runs: 1,
      validity_slope: null,
      escalation_slope: null,
      cost_per_good_row_slope: null,
    });
    expect(trend!.validity_pct).toBeGreaterThan(80);
  }, 60_000);

  describe('on a database with runs and a drill', () => {
    let dir: string;
    let db: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'batchguard-reports-'));
      db = join(dir, 'runs.duckdb');
      const job = join(ROOT, 'examples', 'support-tickets', 'job.yaml');
      for (const seed of ['1', '2', '3']) await cliInProcess(['run', job, '--seed', seed, '--db', db], dir);
      await cliInProcess(['drill', join(ROOT, 'scenarios', 'baseline.yaml'), '--db', db], dir);
    }, 120_000);

    /** A query of the run database's own tables, for recomputing what a report says. */
    async function own<T>(sql: string): Promise<T[]> {
      const handle = await RunDb.open(db);
      try {
        return await handle.all<T>(sql);
      } finally {
        handle.close();
        await RunDb.release(db);
      }
    }

    it('dashboard: each run with its metrics, newest first, recomputed from the dispositions', async () => {
      const dashboard = await rows(db, 'dashboard.sql');
      expect(dashboard.map((r) => r.run_index)).toEqual([3, 2, 1]);
      const counted = await own<{ run_id: string; promoted: number; quarantined: number }>(
        `SELECT run_id, count(*) FILTER (WHERE disposition = 'promoted')::INTEGER AS promoted,
                count(*) FILTER (WHERE disposition = 'quarantined')::INTEGER AS quarantined
         FROM dispositions WHERE NOT starts_with(row_key, 'golden:') GROUP BY run_id`,
      );
      for (const c of counted) {
        const row = dashboard.find((r) => r.run_id === c.run_id)!;
        expect([row.promoted, row.quarantined]).toEqual([c.promoted, c.quarantined]);
        expect(row.coverage).toBe(1);
      }
    });

    it('cost: the phases of a run add up to what it billed, exactly', async () => {
      const cost = await rows(db, 'cost.sql');
      const billed = await own<{ run_id: string; cost: string }>(
        'SELECT run_id, sum(cost_usd::DECIMAL(18, 9))::VARCHAR AS cost FROM raw_results GROUP BY run_id',
      );
      for (const { run_id, cost: total } of billed) {
        const phases = cost.filter((c) => c.run_id === run_id);
        const seen = new Set(phases.map((p) => p.phase));
        for (const phase of ['canary', 'main', 'golden']) expect(seen).toContain(phase);
        for (const phase of seen) expect(['canary', 'main', 'golden', 'escalation']).toContain(phase);
        // DECIMAL values come back as exact text: add them in nano-dollars.
        const sum = phases.reduce((n, p) => n + BigInt(String(p.cost_usd).replace('.', '')), 0n);
        expect(sum).toBe(BigInt(total.replace('.', '')));
      }
    });

    it('trends: the slope of validity over the runs, as a least-squares fit of them', async () => {
      const [trend] = await rows(db, 'trends.sql');
      const validity = (
        await own<{ validity: number }>('SELECT validity FROM run_summary ORDER BY run_index')
      ).map((r) => r.validity);
      expect(trend).toMatchObject({ job: 'support-tickets', runs: 3, first_run: 1, last_run: 3 });
      expect(trend!.validity_slope).toBeCloseTo(100 * slopeOf(validity), 3);
    });

    it('gameday-history: the drill, one column per game day', async () => {
      expect(await rows(db, 'gameday-history.sql')).toEqual([
        { scenario: 'baseline', failure_mode: 'none', 'gd-0001': 'pass' },
      ]);
    });

    it('quarantine, signals, dead-letters: one row per reason, alarm kind, dead letter', async () => {
      const quarantine = await rows(db, 'quarantine.sql');
      const reasons = await own<{ n: number }>(
        `SELECT count(DISTINCT (run_id, disposition, coalesce(reason, '')))::INTEGER AS n FROM dispositions
         WHERE disposition IN ('quarantined', 'dead_lettered') AND NOT starts_with(row_key, 'golden:')`,
      );
      expect(quarantine).toHaveLength(reasons[0]!.n);
      const alarms = await own<{ n: number }>(
        "SELECT count(DISTINCT (run_id, step, kind))::INTEGER AS n FROM run_log WHERE phase = 'alarm'",
      );
      expect(await rows(db, 'signals.sql')).toHaveLength(alarms[0]!.n);
      const dead = await own<{ n: number }>(
        "SELECT count(*)::INTEGER AS n FROM dispositions WHERE disposition = 'dead_lettered'",
      );
      expect(await rows(db, 'dead-letters.sql')).toHaveLength(dead[0]!.n);
    });

    it('report --sql prints a table, Markdown or CSV, and runs read-only: a write fails with exit 2', async () => {
      const table = await cliInProcess(['report', '--sql', join(REPORTS, 'dashboard.sql'), '--db', db], dir);
      expect(table.status).toBe(0);
      expect(table.stdout).toMatch(/^job +mode +run_index +run_id/);
      expect(table.stdout).toContain('(3 rows)');
      const csv = await cliInProcess(
        ['report', '--sql', join(REPORTS, 'dashboard.sql'), '--format', 'csv', '--db', db],
        dir,
      );
      expect(csv.stdout.split('\n')[0]).toMatch(/^job,mode,run_index,run_id,status,/);
      expect(csv.stdout.trimEnd().split('\n')).toHaveLength(4);
      const md = await cliInProcess(
        ['report', '--sql', join(REPORTS, 'trends.sql'), '--format', 'md', '--db', db],
        dir,
      );
      expect(md.stdout.split('\n')[1]).toMatch(/^\| --- \|/);

      const write = join(dir, 'write.sql');
      writeFileSync(write, 'DELETE FROM runs');
      const refused = await cliInProcess(['report', '--sql', write, '--db', db], dir);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('read-only');
      expect(await own('SELECT run_id FROM runs')).toHaveLength(3);
    });
  });
});
