import { closeSync, openSync, writeSync } from 'node:fs';

export type DatasetFormat = 'csv' | 'jsonl';

/** Rows are written in chunks of about this many characters, so memory stays flat at any row count. */
const CHUNK_CHARS = 1 << 20;

/**
 * Write rows to a file as CSV (a header from the first row's keys, RFC 4180 quoting, `\n` line
 * ends) or JSONL (one object a line), consuming `rows` lazily: a million generated rows never sit
 * in memory at once. Returns how many rows it wrote.
 */
export function writeDataset<Row extends object>(
  path: string,
  rows: Iterable<Row>,
  format: DatasetFormat,
): number {
  const fd = openSync(path, 'w');
  try {
    let chunk = '';
    let count = 0;
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
    return count;
  } finally {
    closeSync(fd);
  }
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
