import type { Job } from '../job/job.js';

const quote = (path: string): string => `'${path.replaceAll("'", "''")}'`;

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
      return `read_csv(${quote(source.path)}, header = true, all_varchar = true, max_line_size = ${CSV_LINE_BYTES_MAX}, buffer_size = ${2 * CSV_LINE_BYTES_MAX})`;
    case 'jsonl':
      return `read_json(${quote(source.path)}, format = 'newline_delimited')`;
    case 'parquet':
      return `read_parquet(${quote(source.path)})`;
  }
}

/** A SQL identifier, quoted. */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * `SELECT row_key, h` over the source as it is now, for the keys `keysSql` selects: the same
 * hash the plan wrote, so a row edited (or deleted) since shows up as a mismatch.
 */
export function currentHashesSql(job: Job, keysSql: string): string {
  const key = `CAST(t.${ident(job.key)} AS VARCHAR)`;
  return `SELECT ${key} AS row_key, sha256(to_json(t)::VARCHAR) AS h FROM ${sourceReader(job.source)} t WHERE ${key} IN (${keysSql})`;
}
