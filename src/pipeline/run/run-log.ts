import type { Clock } from '../../core/clock.js';
import { formatRfc3339 } from '../../core/rfc3339.js';
import type { RunDb } from '../db/run-db.js';

export type LogPhase = 'intent' | 'outcome' | 'event' | 'alarm';

export interface LogEntry {
  seq: number;
  at: string;
  step: string;
  phase: LogPhase;
  kind: string;
  detail: Record<string, unknown>;
}

/** Told of every alarm once it is in the log (alerts/alerter.ts pages a person); returns at once, never throws. */
export interface AlarmListener {
  notify(entry: LogEntry): void;
}

/**
 * The run's append-only log. An intent is written before each side effect and an outcome
 * after it, so `resume` can tell what happened; metrics, reports and the UI read it. Every
 * entry is also handed to `onEntry` (the CLI prints it, the UI subscribes to it), and every
 * alarm to `alarms` (the pager), which writes nothing back here.
 */
export class RunLog {
  private constructor(
    private readonly db: RunDb,
    readonly runId: string,
    private readonly clock: Clock,
    private seq: number,
    private readonly onEntry: (entry: LogEntry) => void,
    private readonly alarms?: AlarmListener,
  ) {}

  static async open(
    db: RunDb,
    runId: string,
    clock: Clock,
    onEntry: (entry: LogEntry) => void,
    alarms?: AlarmListener,
  ): Promise<RunLog> {
    const row = await db.one<{ seq: number | null }>('SELECT max(seq) AS seq FROM run_log WHERE run_id = ?', [
      runId,
    ]);
    return new RunLog(db, runId, clock, row?.seq ?? 0, onEntry, alarms);
  }

  /** The log of a run id just made, which has no entry yet. */
  static empty(
    db: RunDb,
    runId: string,
    clock: Clock,
    onEntry: (entry: LogEntry) => void,
    alarms?: AlarmListener,
  ): RunLog {
    return new RunLog(db, runId, clock, 0, onEntry, alarms);
  }

  async write(
    step: string,
    phase: LogPhase,
    kind: string,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    const entry: LogEntry = {
      seq: ++this.seq,
      at: formatRfc3339(this.clock.now()),
      step,
      phase,
      kind,
      detail,
    };
    await this.db.exec('INSERT INTO run_log VALUES (?, ?, ?, ?, ?, ?, ?)', [
      this.runId,
      entry.seq,
      entry.at,
      step,
      phase,
      kind,
      JSON.stringify(detail),
    ]);
    this.onEntry(entry);
    if (phase === 'alarm') this.alarms?.notify(entry);
  }

  intent = (step: string, kind: string, detail?: Record<string, unknown>) =>
    this.write(step, 'intent', kind, detail);
  outcome = (step: string, kind: string, detail?: Record<string, unknown>) =>
    this.write(step, 'outcome', kind, detail);
  event = (step: string, kind: string, detail?: Record<string, unknown>) =>
    this.write(step, 'event', kind, detail);
  alarm = (step: string, kind: string, detail?: Record<string, unknown>) =>
    this.write(step, 'alarm', kind, detail);
}

/** Every entry of a run's log, in order. */
export async function readRunLog(db: RunDb, runId: string): Promise<LogEntry[]> {
  const rows = await db.all<Omit<LogEntry, 'detail' | 'at'> & { detail: string; us: string }>(
    'SELECT seq, epoch_us(logged_at)::VARCHAR AS us, step, phase, kind, detail FROM run_log WHERE run_id = ? ORDER BY seq',
    [runId],
  );
  // The time as it was written: a TIMESTAMP keeps the microseconds RFC 3339 text gives.
  return rows.map(({ us, ...row }) => ({
    seq: row.seq,
    at: formatRfc3339(Number(BigInt(us)) / 1000),
    step: row.step,
    phase: row.phase,
    kind: row.kind,
    detail: JSON.parse(row.detail),
  }));
}
