import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunDb } from '../pipeline/db/run-db.js';
import { failed, notApplicable, passed } from './drill-result-fixtures.js';
import { DrillStore } from './drill-store.js';

/** The `drills` table as versions before verdicts named their gaps created it, with one game day in it. */
const OLD_DRILLS = `
CREATE TABLE drills (
  gameday_id VARCHAR NOT NULL, position INTEGER NOT NULL, recorded_at VARCHAR NOT NULL,
  scenario VARCHAR NOT NULL, title VARCHAR NOT NULL, failure_mode VARCHAR NOT NULL,
  expected_control VARCHAR NOT NULL, seed BIGINT NOT NULL, fault_fired BOOLEAN NOT NULL,
  caught BOOLEAN NOT NULL, invariants_held BOOLEAN NOT NULL, verdict VARCHAR NOT NULL,
  run_status VARCHAR NOT NULL, evidence_json VARCHAR NOT NULL, reasons_json VARCHAR NOT NULL,
  replay VARCHAR NOT NULL
);
INSERT INTO drills VALUES ('gd-0001', 1, '2025-06-01T10:00:00Z', 'expiry', 'Expiry', 'expiry', 'requeue',
  1, true, true, true, 'pass', 'promoted', '{"expired":40}', '[]', 'npx batchguard drill scenarios/expiry.yaml --seed 1');`;

interface StoredDrill {
  gameday_id: string;
  scenario: string;
  verdict: string;
  run_status: string;
  caught_by_json: string;
  gaps_json: string;
  job: string | null;
}

const stored = (db: RunDb) =>
  db.all<StoredDrill>(
    'SELECT gameday_id, scenario, verdict, run_status, caught_by_json, gaps_json, job FROM drills ORDER BY gameday_id, position',
  );

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'batchguard-drill-store-'));
  path = join(dir, 'runs.duckdb');
});
afterEach(async () => {
  await RunDb.release(path, { discard: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('DrillStore', () => {
  it('stores what caught each drill, its gaps and the job drilled, for all three verdicts', async () => {
    const db = await RunDb.open(path);
    try {
      const store = await DrillStore.open(db);
      for (const result of [passed(), failed(), notApplicable()])
        await store.record(result, [], '2026-01-01T00:00:00Z');
      expect(await stored(db)).toEqual([
        {
          gameday_id: 'gd-0001',
          scenario: 'silent-partial-drop',
          verdict: 'pass',
          run_status: 'promoted',
          caught_by_json: '["reconcile","requeue"]',
          gaps_json: '[]',
          job: null,
        },
        {
          gameday_id: 'gd-0001',
          scenario: 'poisoned-template',
          verdict: 'fail',
          run_status: 'promoted',
          caught_by_json: '[]',
          gaps_json: JSON.stringify(failed().gaps),
          job: 'jobs/tickets.yaml',
        },
        {
          gameday_id: 'gd-0001',
          scenario: 'poisoned-template-wrong-column',
          verdict: 'not_applicable',
          run_status: 'not_run',
          caught_by_json: '[]',
          gaps_json: JSON.stringify(notApplicable().gaps),
          job: 'jobs/tickets.yaml',
        },
      ]);
    } finally {
      db.close();
    }
  });

  it('opens a database an older version made, keeps its game days, and records the new fields', async () => {
    const old = await DuckDBInstance.create(path);
    const conn = await old.connect();
    await conn.run(OLD_DRILLS);
    conn.closeSync();
    old.closeSync();

    const db = await RunDb.open(path);
    try {
      const store = await DrillStore.open(db);
      expect(store.gamedayId).toBe('gd-0002');
      await store.record(notApplicable(), [], '2026-01-01T00:00:00Z');
      expect(await stored(db)).toEqual([
        {
          gameday_id: 'gd-0001',
          scenario: 'expiry',
          verdict: 'pass',
          run_status: 'promoted',
          caught_by_json: '[]',
          gaps_json: '[]',
          job: null,
        },
        {
          gameday_id: 'gd-0002',
          scenario: 'poisoned-template-wrong-column',
          verdict: 'not_applicable',
          run_status: 'not_run',
          caught_by_json: '[]',
          gaps_json: JSON.stringify(notApplicable().gaps),
          job: 'jobs/tickets.yaml',
        },
      ]);
      // A second open (the next game day) finds the columns there and adds nothing twice.
      expect((await DrillStore.open(db)).gamedayId).toBe('gd-0003');
    } finally {
      db.close();
    }
  });
});
