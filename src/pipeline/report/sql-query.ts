import { DuckDBInstance, type Json } from '@duckdb/node-api';
import { UsageError } from '../../core/errors.js';
import { RunDb } from '../db/run-db.js';

export type QueryFormat = 'table' | 'md' | 'json' | 'csv';
export const QUERY_FORMATS: readonly QueryFormat[] = ['table', 'md', 'json', 'csv'];

/** Rows a table or Markdown output shows before it says how many more there are: they need every width. */
const TABLE_ROWS_MAX = 10_000;

/**
 * Run one SQL query (a file of `reports/`, or a user's own) against a run database, read-only:
 * the database is first opened as batchguard opens it (so a database of an earlier layout is
 * migrated and its views exist), then queried through a read-only instance, where anything that
 * writes fails. Rows are written as they stream (CSV, JSON); a table or Markdown holds at most
 * TABLE_ROWS_MAX of them. Returns the number of rows.
 */
export async function runQuery(
  path: string,
  sql: string,
  format: QueryFormat,
  out: (line: string) => void,
): Promise<number> {
  (await RunDb.open(path)).close();
  await RunDb.release(path);
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    let result: Awaited<ReturnType<typeof conn.stream>>;
    try {
      result = await conn.stream(sql);
    } catch (error) {
      throw new UsageError(
        'bad_query',
        `Failed to run the query: ${firstLine(error)}.`,
        'The query runs read-only against the documented views (docs/reports.md); fix it and run again.',
      );
    }
    const columns = result.columnNames();
    const printer = printerFor(format, columns, out);
    let count = 0;
    for await (const rows of result.yieldRowObjectJson()) {
      for (const row of rows) printer.row(columns.map((c) => row[c] ?? null));
      count += rows.length;
    }
    printer.end(count);
    return count;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

interface Printer {
  row(values: Json[]): void;
  end(count: number): void;
}

function printerFor(format: QueryFormat, columns: string[], out: (line: string) => void): Printer {
  if (format === 'csv') {
    out(columns.map(csvCell).join(','));
    return { row: (values) => out(values.map(csvCell).join(',')), end: () => {} };
  }
  if (format === 'json') {
    let first = true;
    out('[');
    return {
      row: (values) => {
        const object = Object.fromEntries(columns.map((c, i) => [c, values[i] ?? null]));
        out(`${first ? '  ' : ', '}${JSON.stringify(object)}`);
        first = false;
      },
      end: () => out(']'),
    };
  }
  const held: string[][] = [];
  return {
    row: (values) => {
      if (held.length < TABLE_ROWS_MAX) held.push(values.map(cellText));
    },
    end: (count) => {
      const widths = columns.map((c, i) => Math.max(c.length, ...held.map((r) => r[i]!.length)));
      if (format === 'md') {
        const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
        out(line(columns));
        out(line(columns.map(() => '---')));
        for (const row of held) out(line(row));
      } else {
        const line = (cells: string[]) =>
          cells
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd();
        out(line(columns));
        out(line(widths.map((w) => '-'.repeat(w))));
        for (const row of held) out(line(row));
      }
      if (count > held.length)
        out(`… ${count - held.length} more rows: use --format csv or json for all of them`);
      out(`(${count} ${count === 1 ? 'row' : 'rows'})`);
    },
  };
}

/** A value as one line of a table: text as is (line breaks shown as ⏎), anything else as JSON. */
function cellText(value: Json): string {
  if (value === null) return 'null';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replaceAll('\n', '⏎');
}

/** A value as an RFC 4180 CSV cell: empty for null, quoted when it needs to be. */
function csvCell(value: Json): string {
  if (value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/\.$/, '');
}
