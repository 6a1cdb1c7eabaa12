import type { RunDb } from '../db/run-db.js';
import { sqlString } from '../db/sql-string.js';

/** Which of a run's rows to export: one final disposition, or every row that has one. */
export const EXPORT_ROWS = ['promoted', 'quarantined', 'dead_lettered', 'held', 'all'] as const;
export type ExportRows = (typeof EXPORT_ROWS)[number];

/** The file formats DuckDB writes an export in; jsonl is its `json` writer, one object a line. */
export const EXPORT_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The columns of an export, in order, one row per source row of the run (golden rows never):
 *
 * - `key`: the row's key in the source (source_rows.row_key);
 * - `disposition`: promoted, quarantined, dead_lettered or held (or valid, for `all` on a run
 *   stopped between its reconcile and its promote);
 * - `reason`: why it was quarantined, dead-lettered or held; null where there is none;
 * - `custom_id`: the request whose answer decided it; null for a row never answered;
 * - `output`: the model's answer as JSON; null where there is none;
 * - `source_row`: the source row's values, as the JSON object the run read.
 *
 * `output` and `source_row` are JSON values in jsonl and parquet (DuckDB's JSON type), JSON text
 * in csv. A null is an empty field in csv, `null` in jsonl.
 */
export const EXPORT_COLUMNS = ['key', 'disposition', 'reason', 'custom_id', 'output', 'source_row'] as const;

const DUCKDB_FORMAT: Record<ExportFormat, string> = { csv: 'csv', jsonl: 'json', parquet: 'parquet' };

/**
 * The rows of run `$1` to export, as `SELECT …` with EXPORT_COLUMNS, in key order. Golden rows
 * are left out twice over: reconcile gives them no disposition, and the join keeps source rows
 * that are not golden.
 */
export function exportRowsSql(rows: ExportRows): string {
  const which = rows === 'all' ? '' : `AND d.disposition = ${sqlString(rows)}`;
  return `SELECT d.row_key AS key, d.disposition, d.reason, d.custom_id,
                 d.output_json::JSON AS output, s.row_json::JSON AS source_row
          FROM dispositions d
          JOIN source_rows s ON s.run_id = d.run_id AND s.row_key = d.row_key AND NOT s.is_golden
          WHERE d.run_id = $1 ${which}
          ORDER BY d.row_key`;
}

/**
 * Write the rows of `runId` chosen by `rows` to the file at `path` in `format`, through DuckDB's
 * own COPY: the rows stream from the database to the file, never through this process's memory.
 * The file is written in place: the caller writes to a stage and renames it. Returns the number
 * of rows written, as COPY counts them.
 */
export async function exportRows(
  db: RunDb,
  runId: string,
  rows: ExportRows,
  format: ExportFormat,
  path: string,
): Promise<number> {
  const result = await db.one<{ Count: bigint | number }>(
    // USE_TMP_FILE false: DuckDB writes the file it is given, which the caller has reserved (it
    // would otherwise write a file of its own beside it and rename that over it).
    `COPY (${exportRowsSql(rows)}) TO ${sqlString(path)} (FORMAT ${DUCKDB_FORMAT[format]}, USE_TMP_FILE false)`,
    [runId],
  );
  return Number(result?.Count ?? 0);
}

/** Whether the database holds a run `runId`. */
export async function runExists(db: RunDb, runId: string): Promise<boolean> {
  return (await db.one('SELECT 1 AS found FROM runs WHERE run_id = ?', [runId])) !== undefined;
}
