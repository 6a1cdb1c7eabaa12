import { DuckDBInstance } from '@duckdb/node-api';
import { memoryLimit } from '../db/run-db.js';
import { sqlString } from '../db/sql-string.js';
import { readingSourceFile, refuseMissingColumns, refuseUnreadable } from '../run/load-rows.js';
import { ident, jsonFieldPath, sourceReader } from '../run/source-reader.js';
import type { Job } from './job.js';

/** What `batchguard init` knows of one column: enough to tell a key from a text. */
export interface ColumnProfile {
  name: string;
  /** DuckDB's type of the column as the loader reads it (always VARCHAR for CSV). */
  type: string;
  /** Distinct values, read as text the way the loader reads a key. */
  distinct: number;
  /** Rows where it is missing, null or the empty string. */
  empty: number;
  /** Characters of its values as text, summed over the rows. */
  chars: number;
}

export interface SourceProfile {
  rows: number;
  columns: ColumnProfile[];
}

/**
 * Read a source the way the pipeline's loader does (the same byte checks, table functions and
 * messages), and count, per column, its distinct, empty and total characters as text. One pass
 * over the source in an in-memory DuckDB: a source is never held in JavaScript.
 */
export async function profileSource(source: Job['source']): Promise<SourceProfile> {
  return readingScratch(source, async (all) => {
    const described = await all(`DESCRIBE SELECT * FROM ${sourceReader(source)}`);
    const columns = described.map((c) => ({ name: String(c.column_name), type: String(c.column_type) }));
    const [counts] = await all(
      countsSql(
        source,
        columns.map((c) => c.name),
      ),
    );
    const number = (field: string) => Number(counts?.[field] ?? 0);
    return {
      rows: number('rows'),
      columns: columns.map((c, i) => ({
        ...c,
        distinct: number(`d${i}`),
        empty: number(`e${i}`),
        chars: number(`c${i}`),
      })),
    };
  });
}

/**
 * Run `read` against a scratch in-memory DuckDB, after the byte checks a run makes: its queries
 * over the source fail with the messages the loader gives. No run database is opened or written.
 */
async function readingScratch<T>(
  source: Job['source'],
  read: (all: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
): Promise<T> {
  await refuseUnreadable(source);
  // The ceiling a run would have (BATCHGUARD_DUCKDB_MEMORY raises it for both).
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit() });
  const conn = await instance.connect();
  try {
    return await read((sql) =>
      readingSourceFile(source, async () => (await conn.runAndReadAll(sql)).getRowObjectsJS()),
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * One SELECT counting every column: values as text exactly as `sourceRowsSql` reads a key (a
 * JSONL line's field as written, another format's value cast to VARCHAR), so a column found
 * unique here is one the plan's own key check accepts.
 */
function countsSql(source: Job['source'], names: string[]): string {
  const jsonl = source.format === 'jsonl';
  const value = (name: string) =>
    jsonl ? `(json ->> ${jsonFieldPath(name)})` : `CAST(t.${ident(name)} AS VARCHAR)`;
  const parts = names.flatMap((name, i) => [
    `count(DISTINCT ${value(name)})::BIGINT AS d${i}`,
    `count(*) FILTER (WHERE coalesce(${value(name)}, '') = '')::BIGINT AS e${i}`,
    `coalesce(sum(length(${value(name)})), 0)::BIGINT AS c${i}`,
  ]);
  const from = jsonl
    ? `read_json_objects(${sqlString(source.path)}, format = 'newline_delimited')`
    : `${sourceReader(source)} t`;
  return `SELECT ${['count(*)::BIGINT AS rows', ...parts].join(', ')} FROM ${from}`;
}

/**
 * The checks of a job against its source that need no run: the source reads, and it has the key
 * and every column the template names. `run` makes them before it prints anything or opens the
 * run database, so a wrong placeholder costs nothing; the plan makes them again on the snapshot.
 */
export async function checkJobSource(job: Job): Promise<void> {
  const described = await readingScratch(job.source, (all) =>
    all(`DESCRIBE SELECT * FROM ${sourceReader(job.source)}`),
  );
  await refuseMissingColumns(
    job,
    described.map((c) => String(c.column_name)),
  );
}
