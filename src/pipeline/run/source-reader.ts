import { sqlString } from '../db/sql-string.js';
import type { Job } from '../job/job.js';

/**
 * Longest CSV record read, in bytes: DuckDB's default (2 MB) would turn one oversized row into an
 * unreadable source, when it is a row to price (and refuse) like any other. 8 MB is about two
 * million tokens, far past any model's context.
 */
export const CSV_LINE_BYTES_MAX = 8 * 1024 * 1024;

/**
 * The DuckDB table function that reads the job's source. CSV is read as all-VARCHAR so that
 * editing one value can never change a column's inferred type, and so every other row's hash.
 */
export function sourceReader(source: Job['source']): string {
  switch (source.format) {
    case 'csv':
      return `read_csv(${sqlString(source.path)}, header = true, all_varchar = true, max_line_size = ${CSV_LINE_BYTES_MAX}, buffer_size = ${2 * CSV_LINE_BYTES_MAX})`;
    case 'jsonl':
      return `read_json(${sqlString(source.path)}, format = 'newline_delimited')`;
    case 'parquet':
      return `read_parquet(${sqlString(source.path)})`;
  }
}

/** A SQL identifier, quoted. */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A JSON path to the field `name` of an object, as a SQL string literal: `'$."name"'`. */
export const jsonFieldPath = (name: string): string => sqlString(`$.${JSON.stringify(name)}`);

/**
 * The source as rows of `row_key` (the key as text) and `row_json` (the row as a JSON object): the
 * form source_rows keeps, and what the stale check hashes again later. A JSONL line is kept as
 * written: read through an inferred schema, one line gaining a field or a float would change
 * every other row's JSON (a new `null` field, `1` become `1.0`), so every row would look edited,
 * and the prompt would show numbers the file does not have.
 */
export function sourceRowsSql(job: Job, reader: string = sourceReader(job.source)): string {
  const { source } = job;
  if (source.format === 'jsonl') {
    return `SELECT json ->> ${jsonFieldPath(job.key)} AS row_key, json::VARCHAR AS row_json
            FROM read_json_objects(${sqlString(source.path)}, format = 'newline_delimited')`;
  }
  return `SELECT CAST(t.${ident(job.key)} AS VARCHAR) AS row_key, to_json(t)::VARCHAR AS row_json
          FROM ${reader} t`;
}

/**
 * `SELECT row_key, h` over the source as it is now, for the keys `keysSql` selects: the same
 * hash the plan wrote, so a row edited (or deleted) since shows up as a mismatch.
 */
export function currentHashesSql(job: Job, keysSql: string, reader?: string): string {
  return `SELECT row_key, sha256(row_json) AS h FROM (${sourceRowsSql(job, reader)}) WHERE row_key IN (${keysSql})`;
}

/** What DuckDB's CSV sniffer found in a file: its dialect and its columns (`sniff_csv`). */
export interface Sniffed {
  Delimiter: string;
  Quote: string;
  Escape: string;
  NewLineDelimiter: string;
  Comment: string;
  SkipRows: number;
  Columns: { name: string }[];
}

/**
 * A CSV source's dialect found once, and a reader that gives it explicitly: every `read_csv`
 * without one runs DuckDB's sniffer first, about 9 ms of the 11 that reading a 1,000-row file
 * takes, and a run reads its source up to five times (the plan's checks and snapshot, a stale
 * check per batch and one before promote). `sniffSql` asks for it; `pinnedReader` makes the
 * reader from its one row, or returns undefined when the file needs the sniffer every time (rows
 * skipped before the header, or comment lines).
 */
export function sniffSql(source: Job['source']): string {
  return `SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows::INTEGER AS SkipRows, Columns
          FROM sniff_csv(${sqlString(source.path)}, header = true, all_varchar = true, max_line_size = ${CSV_LINE_BYTES_MAX}, buffer_size = ${2 * CSV_LINE_BYTES_MAX})`;
}

export function pinnedReader(source: Job['source'], sniffed: Sniffed): string | undefined {
  if (sniffed.SkipRows !== 0 || sniffed.Comment !== '(empty)') return undefined;
  // The sniffer says "(empty)" for no quote or escape character (and a file could not hold that text as either).
  const option = (value: string) => sqlString(value === '(empty)' ? '' : value);
  const columns = sniffed.Columns.map((c) => `${sqlString(c.name)}: 'VARCHAR'`).join(', ');
  return `read_csv(${sqlString(source.path)}, auto_detect = false, header = true, delim = ${option(sniffed.Delimiter)}, quote = ${option(sniffed.Quote)}, escape = ${option(sniffed.Escape)}, new_line = ${option(sniffed.NewLineDelimiter)}, skip = 0, columns = {${columns}}, max_line_size = ${CSV_LINE_BYTES_MAX}, buffer_size = ${2 * CSV_LINE_BYTES_MAX})`;
}
