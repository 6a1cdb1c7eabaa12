import type { RunDb } from '../../pipeline/db/run-db.js';
import type { SoakResult } from './soak-run.js';
import { replayCommand, type SoakSummary } from './soak-summary.js';

/*
 * The soak's own tables, kept in the database `--db` names (soak.duckdb by default), owned here
 * as the drills own theirs (the run store, src/pipeline/db, may not know of drills):
 *
 *   soaks        one row per soak: its seed, runs asked and done, workers, job, state
 *                (`running` until it ends, then `completed` or `interrupted`), time, and its
 *                summary as JSON (the same object `--json` prints).
 *   soak_runs    one row per finished run: run seed, status, faults, crash, evidence and alarm
 *                counts (JSON), its failures (JSON, [] when every invariant held), and for a
 *                failed run the command that replays it.
 *   soak_failures  a view of the failed runs: what a person asks first.
 *
 * Only the soak's parent process opens this file: DuckDB allows one instance of a file at a time.
 */

const STATES = ['running', 'completed', 'interrupted'] as const;

const SOAK_SQL = `
CREATE TABLE IF NOT EXISTS soaks (
  soak_id VARCHAR PRIMARY KEY,
  started_at VARCHAR NOT NULL,
  seed BIGINT NOT NULL,
  runs_requested INTEGER NOT NULL,
  runs_done INTEGER NOT NULL,
  workers INTEGER NOT NULL,
  job VARCHAR,
  state VARCHAR NOT NULL CHECK (state IN (${STATES.map((s) => `'${s}'`).join(', ')})),
  elapsed_ms BIGINT,
  summary_json VARCHAR
);
CREATE TABLE IF NOT EXISTS soak_runs (
  soak_id VARCHAR NOT NULL,
  run_seed BIGINT NOT NULL,
  status VARCHAR NOT NULL,
  faults_json VARCHAR NOT NULL,
  crash VARCHAR,
  fired_json VARCHAR NOT NULL,
  alarms_json VARCHAR NOT NULL,
  failures_json VARCHAR NOT NULL,
  failed BOOLEAN NOT NULL,
  replay VARCHAR,
  ms INTEGER NOT NULL
);
CREATE OR REPLACE VIEW soak_failures AS
  SELECT soak_id, run_seed, status, faults_json, crash, failures_json, replay
  FROM soak_runs WHERE failed ORDER BY soak_id, run_seed;
`;

/** Runs held before they are written together: one append for many rows. */
const BATCH_ROWS = 500;

export class SoakStore {
  private pending: SoakResult[] = [];
  private writes: Promise<void> = Promise.resolve();
  /** The first write that failed: `finish` throws it (a write in the background has no caller to tell). */
  private failed: unknown = null;

  private constructor(
    private readonly db: RunDb,
    readonly soakId: string,
    private readonly job: string | null,
  ) {}

  /** Create the tables if need be and the soak's row, `running`; `startedAt` is RFC 3339. */
  static async open(
    db: RunDb,
    soak: { seed: number; runs: number; workers: number; job: string | null; startedAt: string },
  ): Promise<SoakStore> {
    await db.exec(SOAK_SQL);
    const row = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM soaks');
    const soakId = `soak-${String((row?.n ?? 0) + 1).padStart(4, '0')}`;
    await db.exec(
      'INSERT INTO soaks (soak_id, started_at, seed, runs_requested, runs_done, workers, job, state) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
      [soakId, soak.startedAt, soak.seed, soak.runs, soak.workers, soak.job, 'running'],
    );
    return new SoakStore(db, soakId, soak.job);
  }

  /** Keep one run; a failed run is written at once, the others in batches. */
  record(result: SoakResult): void {
    this.pending.push(result);
    if (result.failures.length > 0 || this.pending.length >= BATCH_ROWS) this.flush();
  }

  /** Write what is held, and the soak's end: its state and summary. */
  async finish(summary: SoakSummary): Promise<void> {
    this.flush();
    await this.writes;
    if (this.failed !== null) throw this.failed;
    await this.db.exec(
      'UPDATE soaks SET runs_done = ?, state = ?, elapsed_ms = ?, summary_json = ? WHERE soak_id = ?',
      [
        summary.runsDone,
        summary.interrupted ? 'interrupted' : 'completed',
        summary.elapsedMs,
        JSON.stringify(summary),
        this.soakId,
      ],
    );
  }

  /** Queue the held runs' append behind any earlier one (writes to one connection take turns). */
  private flush(): void {
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return;
    this.writes = this.writes.then(() =>
      this.db
        .append('soak_runs', (appender) => {
          for (const r of rows) {
            appender.appendVarchar(this.soakId);
            appender.appendBigInt(BigInt(r.seed));
            appender.appendVarchar(r.status);
            appender.appendVarchar(JSON.stringify(r.faults));
            if (r.crash === null) appender.appendNull();
            else appender.appendVarchar(r.crash);
            appender.appendVarchar(JSON.stringify(r.firedByFamily));
            appender.appendVarchar(JSON.stringify(r.alarmsByKind));
            appender.appendVarchar(JSON.stringify(r.failures));
            appender.appendBoolean(r.failures.length > 0);
            if (r.failures.length === 0) appender.appendNull();
            else appender.appendVarchar(replayCommand(r.seed, this.job));
            appender.appendInteger(Math.round(r.ms));
            appender.endRow();
          }
        })
        .catch((error: unknown) => {
          this.failed ??= error;
        }),
    );
  }
}
