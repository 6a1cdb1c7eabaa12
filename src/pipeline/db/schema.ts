import { VIEWS } from './views.js';

/*
 * The values a column may hold, as TypeScript unions and as the CHECK constraints of the tables
 * that hold them: a value outside its list is refused by DuckDB, not only by the type checker.
 */
export const RUN_MODES = ['simulation', 'live'] as const;
export const RUN_STATUSES = [
  'running',
  'refused',
  'halted',
  'held',
  'promoted',
  'rolled_back',
  'partially_rolled_back',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const LOG_PHASES = ['intent', 'outcome', 'event', 'alarm'] as const;
export const SUBMISSION_PHASES = ['canary', 'main', 'escalation'] as const;
export const SUBMISSION_STATUSES = ['intended', 'submitted', 'ended', 'fetched', 'gated'] as const;
/** An outcome of one result line: valid or invalid by the gate, to retry, failed for good, or an alarm's. */
export const OUTCOME_KINDS = ['valid', 'invalid', 'retry', 'failed', 'alarm'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];
/** A row's final disposition; `valid` until promote (or a hold) settles it. */
export const DISPOSITIONS = ['valid', 'promoted', 'quarantined', 'dead_lettered', 'held'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** `CHECK (column IN (…))` for a column holding one of `values`. */
function oneOf(column: string, values: readonly string[]): string {
  return `CHECK (${column} IN (${values.map((v) => `'${v}'`).join(', ')}))`;
}

/** Each table's times, TIMESTAMPs in UTC (RFC 3339 text before layout 6: run-db.ts migrates them). */
export const TIMES: Readonly<Record<string, readonly string[]>> = {
  runs: ['created_at', 'updated_at'],
  run_log: ['logged_at'],
  submissions: ['intent_at'],
  drills: ['recorded_at'],
  drill_log: ['logged_at'],
};

/** The tables whose columns are checked, with each checked column's values (run-db.ts rebuilds older ones). */
export const CHECKED: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  runs: { mode: RUN_MODES, status: RUN_STATUSES },
  run_log: { phase: LOG_PHASES },
  submissions: { phase: SUBMISSION_PHASES, status: SUBMISSION_STATUSES },
  outcomes: { kind: OUTCOME_KINDS },
  dispositions: { disposition: DISPOSITIONS },
};

/** Game-day verdicts and their runs' logs (src/drills/drill-store.ts writes them). */
export const DRILL_SQL = `
CREATE TABLE IF NOT EXISTS drills (
  gameday_id VARCHAR NOT NULL,      -- gd-0001, gd-0002, … one per drill or gameday command
  position INTEGER NOT NULL,        -- order within the game day
  recorded_at TIMESTAMP NOT NULL,   -- wall-clock time of recording (UTC)
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
  logged_at TIMESTAMP NOT NULL,     -- UTC
  step VARCHAR NOT NULL,
  phase VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  detail VARCHAR NOT NULL
);`;

/**
 * The run database. Every table carries `run_id`, so many runs share one file. The run log is
 * append-only; every other table is written by one step of the state machine and is safe to
 * rewrite on resume (each step deletes what a crashed attempt of it left, then writes again).
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY,
  job_name VARCHAR NOT NULL,
  job_json VARCHAR NOT NULL,        -- the resolved Job, so resume never rereads a changed job file
  mode VARCHAR NOT NULL ${oneOf('mode', RUN_MODES)},
  seed BIGINT,
  state VARCHAR NOT NULL,           -- the next step of the state machine
  status VARCHAR NOT NULL ${oneOf('status', RUN_STATUSES)},
  created_at TIMESTAMP NOT NULL,      -- UTC, on the run's clock (virtual in simulation)
  updated_at TIMESTAMP NOT NULL
);
-- When the run was made, on the wall clock (null for runs made before the column existed).
ALTER TABLE runs ADD COLUMN IF NOT EXISTS made_at TIMESTAMP;
CREATE TABLE IF NOT EXISTS run_log (
  run_id VARCHAR NOT NULL,
  seq INTEGER NOT NULL,
  logged_at TIMESTAMP NOT NULL,     -- UTC
  step VARCHAR NOT NULL,
  phase VARCHAR NOT NULL ${oneOf('phase', LOG_PHASES)},
  kind VARCHAR NOT NULL,
  detail VARCHAR NOT NULL           -- JSON
);
CREATE TABLE IF NOT EXISTS source_rows (
  run_id VARCHAR NOT NULL,
  row_key VARCHAR NOT NULL,
  row_json VARCHAR NOT NULL,
  input_hash VARCHAR NOT NULL,
  is_golden BOOLEAN NOT NULL,
  expected_json VARCHAR,            -- golden rows only
  in_canary BOOLEAN NOT NULL
);
-- A source row's input-token estimate, taken once as it is loaded (preflight.ts), which the cost
-- checks sum instead of parsing every row's JSON again. Null for golden rows (few) and for rows
-- loaded before the column existed: the checks compute those from row_json.
ALTER TABLE source_rows ADD COLUMN IF NOT EXISTS input_tokens INTEGER;
CREATE TABLE IF NOT EXISTS submissions (
  run_id VARCHAR NOT NULL,
  submission_id VARCHAR NOT NULL,   -- s0001, s0002, … in submission order
  phase VARCHAR NOT NULL ${oneOf('phase', SUBMISSION_PHASES)},
  round INTEGER NOT NULL,
  model VARCHAR NOT NULL,
  request_count INTEGER NOT NULL,
  intent_at TIMESTAMP NOT NULL,      -- UTC, on the run's clock
  intent_ms DOUBLE NOT NULL,
  batch_id VARCHAR,                 -- null until the create's outcome is recorded
  adopted BOOLEAN NOT NULL DEFAULT false,
  status VARCHAR NOT NULL ${oneOf('status', SUBMISSION_STATUSES)},
  counts_json VARCHAR               -- request_counts when it ended
);
-- The newest batch in the workspace before the create: orphans are looked for above it.
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS list_mark VARCHAR;
-- The mark's created_at on the API's clock, in ms (0: the workspace held no batch); null before marks.
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS list_mark_ms DOUBLE;
CREATE TABLE IF NOT EXISTS requests (
  run_id VARCHAR NOT NULL,
  submission_id VARCHAR NOT NULL,
  custom_id VARCHAR NOT NULL,
  row_key VARCHAR NOT NULL,
  input_hash VARCHAR NOT NULL,
  attempt INTEGER NOT NULL,
  model VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS raw_results (
  run_id VARCHAR NOT NULL,
  submission_id VARCHAR NOT NULL,
  line_no INTEGER NOT NULL,
  custom_id VARCHAR,
  result_type VARCHAR,
  text VARCHAR,
  stop_reason VARCHAR,
  error_type VARCHAR,
  error_message VARCHAR,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cost_usd DOUBLE
);
CREATE TABLE IF NOT EXISTS outcomes (
  run_id VARCHAR NOT NULL,
  submission_id VARCHAR NOT NULL,
  custom_id VARCHAR NOT NULL,
  row_key VARCHAR,                  -- null for an id the run never submitted
  attempt INTEGER,
  model VARCHAR,
  kind VARCHAR NOT NULL ${oneOf('kind', OUTCOME_KINDS)},
  reason VARCHAR,
  detail VARCHAR,
  output_json VARCHAR
);
CREATE TABLE IF NOT EXISTS dispositions (
  run_id VARCHAR NOT NULL,
  row_key VARCHAR NOT NULL,
  disposition VARCHAR NOT NULL ${oneOf('disposition', DISPOSITIONS)},
  reason VARCHAR,
  custom_id VARCHAR,
  output_json VARCHAR
);
CREATE TABLE IF NOT EXISTS before_images (
  run_id VARCHAR NOT NULL,
  row_key VARCHAR NOT NULL,
  custom_id VARCHAR NOT NULL,
  existed BOOLEAN NOT NULL,
  old_value VARCHAR,
  old_run_id VARCHAR,
  old_custom_id VARCHAR,
  new_value VARCHAR NOT NULL,
  rolled_back BOOLEAN NOT NULL DEFAULT false
);
-- One row per run that reached its metrics step (DESIGN "Metrics per run"), typed.
CREATE TABLE IF NOT EXISTS run_metrics (
  run_id VARCHAR PRIMARY KEY,
  source_rows INTEGER NOT NULL,
  promoted INTEGER NOT NULL,
  quarantined INTEGER NOT NULL,
  dead_lettered INTEGER NOT NULL,
  held INTEGER NOT NULL,
  good_rows INTEGER NOT NULL,         -- rows whose output passed the gate: promoted, or held with one
  coverage DOUBLE NOT NULL,
  validity DOUBLE NOT NULL,
  cost_usd DECIMAL(18, 9) NOT NULL,   -- billed, exact to the nano-dollar
  cost_per_good_row DECIMAL(18, 9),   -- null without a good row
  escalation_rate DOUBLE NOT NULL,
  golden_score DOUBLE                 -- null without golden rows
);
${DRILL_SQL}
-- The layout's version: views and migrations are (re)made when it changes (run-db.ts).
CREATE TABLE IF NOT EXISTS batchguard_meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
`;

/** The run database's own tables, as SCHEMA_SQL makes them. */
export const RUN_TABLES: readonly string[] = Array.from(
  SCHEMA_SQL.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g),
  (m) => m[1]!,
);

/** The tables runs and drills write: all of them but the layout's version, which every open writes. */
export const RUN_DATA_TABLES: readonly string[] = RUN_TABLES.filter((table) => table !== 'batchguard_meta');

/** Tables of earlier layouts, migrated away on open (a sink by their name would be taken for one). */
export const LEGACY_TABLES: readonly string[] = ['metrics'];

/** The temporary tables a run makes on its connection (a test holds this list to the code). */
export const TEMP_TABLES: readonly string[] = ['queue', 'rb'];

/**
 * DuckDB's reserved words (`duckdb_keywords()`, category `reserved`, of the pinned version; a
 * test holds the list to it): a table by one of these names is a syntax error where it is
 * written into SQL unquoted.
 */
export const SQL_RESERVED: readonly string[] = (
  'all analyse analyze and any array as asc asymmetric both case cast check collate column ' +
  'constraint create default deferrable desc describe distinct do else end except false fetch ' +
  'for foreign from group having in initially intersect into lambda lateral leading limit not ' +
  'null offset on only or order pivot pivot_longer pivot_wider placing primary qualify ' +
  'references returning select show some summarize symmetric table then to trailing true union ' +
  'unique unpivot using variadic when where window with'
).split(' ');

/** Why `table` cannot be the sink, or null: it would be one of the run's own tables, or not parse. */
export function sinkNameProblem(table: string): string | null {
  const name = table.toLowerCase(); // DuckDB matches names without regard to case
  if (RUN_TABLES.includes(name) || TEMP_TABLES.includes(name) || LEGACY_TABLES.includes(name))
    return `"${table}" is one of batchguard's own tables in the run database`;
  if (VIEWS.some((view) => view.name === name))
    return `"${table}" is one of batchguard's views in the run database`;
  if (SQL_RESERVED.includes(name)) return `"${table}" is a reserved word in SQL`;
  return null;
}

/** The sink's columns, in order: promote writes them by position, so names, types and order all count. */
export const SINK_COLUMNS: readonly { name: string; type: string }[] = [
  { name: 'key', type: 'VARCHAR' },
  { name: 'value', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'custom_id', type: 'VARCHAR' },
];

/** The sink's shape as a person would declare it, for messages. */
export const SINK_SHAPE = SINK_COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ');

/**
 * The sink: one row per source key, its promoted output, and the run that wrote it. One row per
 * key is promote's doing (it deletes a key's row before it writes the key again, in one
 * transaction), not a PRIMARY KEY's: DuckDB holds a key index in memory whole, so a sink of a few
 * million rows outgrew the database's memory ceiling at promote, and a larger one the machine's.
 */
export function sinkTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    key VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    custom_id VARCHAR NOT NULL
  )`;
}

/**
 * How an existing sink table differs from what promote writes into it, one phrase each; empty
 * when promote can write it. NOT NULL is not required (promote never writes a null), nor a
 * PRIMARY KEY or UNIQUE on key (promote keeps one row per key itself; a sink made by an earlier
 * batchguard has one, and is written as before).
 */
export function sinkShapeProblems(columns: readonly { name: string; type: string }[]): string[] {
  const found = columns.map((c) => ({ name: c.name.toLowerCase(), type: c.type.toUpperCase() }));
  const expected = SINK_COLUMNS.map((c) => c.name);
  const names = found.map((c) => c.name);
  const problems: string[] = [];
  const missing = expected.filter((name) => !names.includes(name));
  const unexpected = names.filter((name) => !expected.includes(name));
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
  if (unexpected.length > 0) problems.push(`unexpected ${unexpected.join(', ')}`);
  for (const want of SINK_COLUMNS) {
    const have = found.find((c) => c.name === want.name);
    if (have && have.type !== want.type) problems.push(`${want.name} is ${have.type}, not ${want.type}`);
  }
  if (problems.length === 0 && names.join() !== expected.join())
    problems.push(`its columns are in the order ${names.join(', ')}, not ${expected.join(', ')}`);
  return problems;
}
