import type { RunDb } from '../pipeline/db/run-db.js';
import { DRILL_SQL } from '../pipeline/db/schema.js';
import type { LogEntry } from '../pipeline/run/run-log.js';
import type { DrillResult } from './drill-result.js';

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
    await db.exec(DRILL_SQL);
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
