import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export type DatasetFormat = 'csv' | 'jsonl';

/** Rows are written in chunks of about this many characters, so memory stays flat at any row count. */
const CHUNK_CHARS = 1 << 20;

/**
 * Write rows to a file as CSV (a header from the first row's keys, RFC 4180 quoting, `\n` line
 * ends) or JSONL (one object a line), consuming `rows` lazily: a million generated rows never sit
 * in memory at once. The file appears whole or not at all. Returns how many rows it wrote.
 */
export function writeDataset<Row extends object>(
  path: string,
  rows: Iterable<Row>,
  format: DatasetFormat,
): number {
  const staged = stageDataset(path, rows, format);
  staged.commit();
  return staged.count;
}

/** A dataset written beside its path, until `commit` puts it there (or `discard` removes it). */
export interface StagedDataset {
  count: number;
  commit(): void;
  discard(): void;
}

/**
 * Write a dataset to a file beside `path` (`path.partial`): several files staged first, then
 * committed, appear together, or (when one fails to write) none does, and no file that was at
 * `path` is lost to a half-written one.
 */
export function stageDataset<Row extends object>(
  path: string,
  rows: Iterable<Row>,
  format: DatasetFormat,
): StagedDataset {
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  let count = 0;
  try {
    let chunk = '';
    let columns: string[] | undefined;
    for (const row of rows) {
      if (format === 'jsonl') chunk += `${JSON.stringify(row)}\n`;
      else {
        if (columns === undefined) {
          columns = Object.keys(row);
          chunk += csvLine(columns);
        }
        chunk += csvLine(columns.map((column) => (row as Record<string, unknown>)[column]));
      }
      count++;
      if (chunk.length >= CHUNK_CHARS) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk !== '') writeSync(fd, chunk);
  } catch (error) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw error;
  }
  closeSync(fd);
  return {
    count,
    commit: () => renameSync(partial, path),
    discard: () => rmSync(partial, { force: true }),
  };
}

/** One CSV record: fields holding a quote, comma or line break, or edge spaces, are quoted. */
function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // Edge spaces are quoted too: RFC 4180 keeps them, but some readers trim unquoted fields.
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
