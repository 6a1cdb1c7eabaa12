import type { RunDb } from '../pipeline/db/run-db.js';
import type { LogEntry } from '../pipeline/run/run-log.js';
import type { DrillResult } from './drill-result.js';

const DRILL_TABLES = `
CREATE TABLE IF NOT EXISTS drills (
  gameday_id VARCHAR NOT NULL,      -- gd-0001, gd-0002, … one per drill or gameday command
  position INTEGER NOT NULL,        -- order within the game day
  recorded_at VARCHAR NOT NULL,     -- wall-clock time of recording (RFC 3339)
  scenario VARCHAR NOT NULL,
  title VARCHAR NOT NULL,
  failure_mode VARCHAR NOT NULL,
  expected_control VARCHAR NOT NULL,
  seed BIGINT NOT NULL,
  fault_fired BOOLEAN NOT NULL,
  caught BOOLEAN NOT NULL,
  invariants_held BOOLEAN NOT NULL,
  verdict VARCHAR NOT NULL CHECK (verdict IN ('pass', 'fail', 'not_applicable')),
  run_status VARCHAR NOT NULL,      -- not_run for a drill not applicable to the job
  evidence_json VARCHAR NOT NULL,
  reasons_json VARCHAR NOT NULL,
  replay VARCHAR NOT NULL
);
-- Added after the first release: a database made before keeps its rows, which read as caught by
-- nothing known, with no gap, on the shipped job.
ALTER TABLE drills ADD COLUMN IF NOT EXISTS caught_by_json VARCHAR DEFAULT '[]';  -- every control whose event is in the log
ALTER TABLE drills ADD COLUMN IF NOT EXISTS gaps_json VARCHAR DEFAULT '[]';       -- why the job's controls could not catch it
ALTER TABLE drills ADD COLUMN IF NOT EXISTS job VARCHAR DEFAULT NULL;             -- the job file drilled; NULL: the scenario's own
CREATE TABLE IF NOT EXISTS drill_log (
  gameday_id VARCHAR NOT NULL,
  scenario VARCHAR NOT NULL,
  seq INTEGER NOT NULL,
  logged_at VARCHAR NOT NULL,
  step VARCHAR NOT NULL,
  phase VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  detail VARCHAR NOT NULL
);`;

/** The columns `record` fills, named: a database made before the last three were added orders them alike, but naming them does not rely on it. */
const DRILL_COLUMNS = [
  'gameday_id',
  'position',
  'recorded_at',
  'scenario',
  'title',
  'failure_mode',
  'expected_control',
  'seed',
  'fault_fired',
  'caught',
  'invariants_held',
  'verdict',
  'run_status',
  'evidence_json',
  'reasons_json',
  'replay',
  'caught_by_json',
  'gaps_json',
  'job',
];

/**
 * Drill results, kept in DuckDB beside the runs: one `drills` row per drill and its pipeline
 * run's log in `drill_log`, under a game-day id, so reports can trend verdicts across game days.
 */
export class DrillStore {
  private position = 0;

  private constructor(
    private readonly db: RunDb,
    readonly gamedayId: string,
  ) {}

  static async open(db: RunDb): Promise<DrillStore> {
    await db.exec(DRILL_TABLES);
    const row = await db.one<{ n: number }>('SELECT count(DISTINCT gameday_id)::INTEGER AS n FROM drills');
    return new DrillStore(db, `gd-${String((row?.n ?? 0) + 1).padStart(4, '0')}`);
  }

  /** Store one drill's verdict and run log; `recordedAt` is wall-clock time, RFC 3339. */
  async record(result: DrillResult, entries: readonly LogEntry[], recordedAt: string): Promise<void> {
    await this.db.exec(
      `INSERT INTO drills (${DRILL_COLUMNS.join(', ')}) VALUES (${DRILL_COLUMNS.map(() => '?').join(', ')})`,
      [
        this.gamedayId,
        ++this.position,
        recordedAt,
        result.scenario,
        result.title,
        result.failure_mode,
        result.expected_control,
        result.seed,
        result.fault_fired,
        result.caught,
        result.invariants_held,
        result.verdict,
        result.run_status,
        JSON.stringify(result.evidence),
        JSON.stringify(result.reasons),
        result.replay,
        JSON.stringify(result.caught_by),
        JSON.stringify(result.gaps),
        result.job,
      ],
    );
    await this.db.append('drill_log', (appender) => {
      for (const e of entries) {
        for (const value of [this.gamedayId, result.scenario]) appender.appendVarchar(value);
        appender.appendInteger(e.seq);
        for (const value of [e.at, e.step, e.phase, e.kind, JSON.stringify(e.detail)])
          appender.appendVarchar(value);
        appender.endRow();
      }
    });
  }
}
