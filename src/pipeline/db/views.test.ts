import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { readRunLog } from '../run/run-log.js';
import { RunDb } from './run-db.js';
import { sinkNameProblem } from './schema.js';
import { LAYOUT_VERSION, VIEWS } from './views.js';

/*
 * The run database's reading interface: every view exists and answers on a fresh database, and
 * a database of the first layout (metrics as JSON text) is migrated on open with nothing lost.
 */

const scratch = () => join(mkdtempSync(join(tmpdir(), 'batchguard-views-')), 'runs.duckdb');

describe('the views', () => {
  it('are made on a fresh database, each answering (with no rows)', async () => {
    const path = scratch();
    const db = await RunDb.open(path);
    try {
      for (const view of VIEWS) expect(await db.all(`SELECT * FROM ${view.name}`), view.name).toEqual([]);
      expect(await db.one('SELECT value FROM batchguard_meta')).toEqual({ value: LAYOUT_VERSION });
    } finally {
      db.close();
      await RunDb.release(path);
    }
  });

  it('are made, with every table, as on a database that had a table of its own before', async () => {
    // A file with no table skips the checks that bring an older layout up; a file holding some
    // other table takes the long way. Both must end with the same catalog.
    const catalog = async (path: string) => {
      const db = await RunDb.open(path);
      try {
        return await db.all(
          `SELECT 'table' AS kind, table_name AS name, sql FROM duckdb_tables() WHERE table_name <> 'team_notes'
           UNION ALL SELECT 'view', view_name, sql FROM duckdb_views() WHERE NOT internal
           UNION ALL SELECT 'check', table_name, expression FROM duckdb_constraints() WHERE constraint_type = 'CHECK'
           UNION ALL SELECT 'meta', key, value FROM batchguard_meta
           ORDER BY ALL`,
        );
      } finally {
        db.close();
        await RunDb.release(path);
      }
    };
    const fresh = scratch();
    const other = scratch();
    const made = await DuckDBInstance.create(other);
    const conn = await made.connect();
    await conn.run('CREATE TABLE team_notes (note VARCHAR)');
    conn.closeSync();
    made.closeSync();
    const freshCatalog = await catalog(fresh);
    expect(freshCatalog.filter((entry) => entry.kind === 'view')).toHaveLength(VIEWS.length);
    expect(freshCatalog.filter((entry) => entry.kind === 'check').length).toBeGreaterThan(0);
    expect(freshCatalog).toEqual(await catalog(other));
  });

  it('are names a sink may not take', () => {
    for (const view of VIEWS) expect(sinkNameProblem(view.name)).toContain('views');
    expect(sinkNameProblem('metrics')).toContain('own tables');
  });
});

describe('a database of the first layout', () => {
  it('keeps a table as it is when it holds a value outside its list, and still opens', async () => {
    const path = scratch();
    const old = await DuckDBInstance.create(path);
    const conn = await old.connect();
    await conn.run(`
      CREATE TABLE dispositions (run_id VARCHAR NOT NULL, row_key VARCHAR NOT NULL, disposition VARCHAR NOT NULL,
        reason VARCHAR, custom_id VARCHAR, output_json VARCHAR);
      INSERT INTO dispositions VALUES ('run-x', 'k1', 'archived', NULL, NULL, NULL);`);
    conn.closeSync();
    old.closeSync();
    const db = await RunDb.open(path);
    try {
      expect(await db.all('SELECT disposition FROM dispositions')).toEqual([{ disposition: 'archived' }]);
    } finally {
      db.close();
      await RunDb.release(path);
    }
  });

  it('is migrated on open: metrics typed, cost per good row over rows that had an output, nothing lost', async () => {
    const path = scratch();
    // The first layout's tables, as a release before this one made them.
    const old = await DuckDBInstance.create(path);
    const conn = await old.connect();
    await conn.run(`
      CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, job_name VARCHAR NOT NULL, job_json VARCHAR NOT NULL,
        mode VARCHAR NOT NULL, seed BIGINT, state VARCHAR NOT NULL, status VARCHAR NOT NULL,
        created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL);
      CREATE TABLE dispositions (run_id VARCHAR NOT NULL, row_key VARCHAR NOT NULL, disposition VARCHAR NOT NULL,
        reason VARCHAR, custom_id VARCHAR, output_json VARCHAR);
      CREATE TABLE metrics (run_id VARCHAR PRIMARY KEY, metrics_json VARCHAR NOT NULL, counts_json VARCHAR NOT NULL);
      CREATE TABLE run_log (run_id VARCHAR NOT NULL, seq INTEGER NOT NULL, logged_at VARCHAR NOT NULL,
        step VARCHAR NOT NULL, phase VARCHAR NOT NULL, kind VARCHAR NOT NULL, detail VARCHAR NOT NULL);
      INSERT INTO run_log VALUES ('run-1', 1, '2026-01-01T00:00:00.123456Z', 'plan', 'event', 'run_started', '{}');
      INSERT INTO runs VALUES ('run-1', 'reviews', '{}', 'simulation', 1, 'done', 'halted',
        '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
      -- A halted run: 2 rows answered and held, 8 held without ever being sent.
      INSERT INTO dispositions SELECT 'run-1', 'k' || i, 'held', 'halted', NULL,
        CASE WHEN i < 2 THEN '{"label":"positive"}' END FROM range(10) t(i);
      INSERT INTO metrics VALUES ('run-1',
        '{"coverage":1,"validity":0.5,"cost_usd":0.30000000000000004,"cost_per_good_row":0.030000000000000006,"escalation_rate":0,"golden_score":0.75}',
        '{"source":10,"promoted":0,"quarantined":0,"dead_lettered":0,"held":10}');
    `);
    conn.closeSync();
    old.closeSync();

    const db = await RunDb.open(path);
    try {
      const summary = await db.one<Record<string, unknown>>(
        `SELECT run_id, job, status, source_rows, held, good_rows, validity, cost_usd::VARCHAR AS cost,
                cost_per_good_row::VARCHAR AS per_good, golden_score FROM run_summary`,
      );
      expect(summary).toEqual({
        run_id: 'run-1',
        job: 'reviews',
        status: 'halted',
        source_rows: 10,
        held: 10,
        good_rows: 2,
        validity: 0.5,
        cost: '0.300000000',
        per_good: '0.150000000',
        golden_score: 0.75,
      });
      // Times are TIMESTAMPs now, and the log reads back exactly as it was written.
      const types = await db.all<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE (table_name, column_name) IN (('runs', 'created_at'), ('run_log', 'logged_at')) ORDER BY column_name`,
      );
      expect(types.map((t) => t.data_type)).toEqual(['TIMESTAMP', 'TIMESTAMP']);
      expect((await readRunLog(db, 'run-1'))[0]).toMatchObject({
        at: '2026-01-01T00:00:00.123456Z',
        kind: 'run_started',
      });
      const legacy = await db.one<{ n: number }>(
        "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'metrics'",
      );
      expect(legacy!.n).toBe(0);
    } finally {
      db.close();
      await RunDb.release(path);
    }
    // Opened again, it is not migrated twice; its tables now refuse a value outside their lists.
    const again = await RunDb.open(path);
    try {
      expect(await again.one('SELECT count(*)::INTEGER AS n FROM run_metrics')).toEqual({ n: 1 });
      expect(await again.one('SELECT count(*)::INTEGER AS n FROM dispositions')).toEqual({ n: 10 });
      await expect(again.exec("UPDATE runs SET status = 'finished' WHERE run_id = 'run-1'")).rejects.toThrow(
        /CHECK constraint/,
      );
      await expect(
        again.exec("INSERT INTO dispositions VALUES ('run-1', 'k99', 'lost', NULL, NULL, NULL)"),
      ).rejects.toThrow(/CHECK constraint/);
    } finally {
      again.close();
      await RunDb.release(path);
    }
  });
});
