import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { RUN_DATA_TABLES } from '../src/pipeline/db/schema.js';
import { valueText } from '../src/pipeline/prompt/render-request.js';
import {
  mustRefuse,
  mustRun,
  type SourceCase,
  type SourceRow,
  sourceCase,
} from './arbitraries/source-file.js';
import { cliInProcess } from './support/cli-in-process.js';
import { jobFolder } from './support/pipeline-harness.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';

/*
 * Source files of every shape, run through the whole simulated run by the CLI in-process: CSV,
 * JSONL and Parquet with odd text, quotes, newlines, long fields, absent and null values, other
 * JSON types, repeated keys, BOMs, CRLF, NULs, invalid UTF-8, non-object lines, truncated lines,
 * empty files, headers alone, binary bytes. Every case ends in exit 0 or 1 with each row given
 * one disposition and read as written, or in exit 2 with one message and no run in the database;
 * never exit 3, never a hang, never a row promoted from a value the file does not hold.
 */

const FILE = 'test/source-fuzz.property.test.ts';
const SOURCE = { csv: 'reviews.csv', jsonl: 'reviews.jsonl', parquet: 'reviews.parquet' } as const;

/** A CSV field, always quoted (RFC 4180): the file says exactly which text it holds. */
const csvField = (value: unknown): string =>
  value === undefined || value === null ? '' : `"${valueText(value).replaceAll('"', '""')}"`;

function csvText(c: SourceCase): string[] {
  const rows = c.mutation === 'header_only' ? [] : c.rows;
  return ['id,sku,text', ...rows.map((r) => [r.id, r.sku, r.text].map(csvField).join(','))];
}

/** A JSONL line: an absent text is left out of the object. */
const jsonlLine = (r: SourceRow): string =>
  JSON.stringify(r.text === undefined ? { id: r.id, sku: r.sku } : r);

/** Write the case's source into `dir` and return its path. */
async function writeSource(dir: string, c: SourceCase): Promise<string> {
  const path = join(dir, SOURCE[c.format]);
  if (c.mutation === 'empty_file' || c.mutation === 'binary') {
    const bytes = Array.from({ length: c.mutation === 'binary' ? 2000 : 0 }, (_, i) => (i * 131 + 7) % 256);
    writeFileSync(path, Buffer.from(bytes));
    return path;
  }
  if (c.format === 'parquet') {
    const jsonl = join(dir, 'rows.jsonl');
    writeFileSync(jsonl, c.rows.map(jsonlLine).join('\n'));
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    // The columns named, so a text column with no value in any row still exists (as nulls).
    await db.run(
      `COPY (SELECT * FROM read_json('${jsonl}', format = 'newline_delimited', columns = {id: 'VARCHAR', sku: 'VARCHAR', text: 'VARCHAR'}))
       TO '${path}' (FORMAT parquet)`,
    );
    db.closeSync();
    return path;
  }
  const lines = c.format === 'csv' ? csvText(c) : c.rows.map(jsonlLine);
  const middle = Math.floor(lines.length / 2);
  const edits: Partial<Record<SourceCase['mutation'], () => Buffer | string>> = {
    bom: () => `\ufeff${lines.join('\n')}\n`,
    crlf: () => `${lines.join('\r\n')}\r\n`,
    no_final_newline: () => lines.join('\n'),
    blank_lines: () => `${lines.map((l) => `${l}\n\n`).join('')}  \n`,
    nul_byte: () => `${lines.join('\n')}\n`.replace(/\n/, '\0\n'),
    invalid_utf8: () =>
      Buffer.concat([Buffer.from(`${lines.join('\n')}\n`), Buffer.from([0xc3, 0x28, 0x0a])]),
    array_line: () => [...lines.slice(0, middle), '["a", 1]', ...lines.slice(middle)].join('\n'),
    scalar_line: () => [...lines.slice(0, middle), '17', ...lines.slice(middle)].join('\n'),
    truncated_line: () => `${lines.join('\n')}\n${(lines.at(-1) ?? '{"id": "t"}').slice(0, -3)}\n`,
  };
  writeFileSync(path, edits[c.mutation]?.() ?? `${lines.join('\n')}\n`);
  return path;
}

/** The keys each disposed row has, and how each source row was read, from the run database. */
async function readRun(path: string) {
  const db = await RunDb.open(path);
  try {
    const tables = Object.fromEntries(
      await Promise.all(
        RUN_DATA_TABLES.map(async (t) => [
          t,
          Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))!.n),
        ]),
      ),
    ) as Record<string, number>;
    const dispositions = await db.all<{
      row_key: string;
      disposition: string;
      reason: string | null;
      output_json: string | null;
    }>('SELECT row_key, disposition, reason, output_json FROM dispositions');
    const read = await db.all<{ row_key: string; row_json: string }>(
      'SELECT row_key, row_json FROM source_rows WHERE NOT is_golden',
    );
    return { tables, dispositions, read };
  } finally {
    await RunDb.release(path);
  }
}

async function checkCase(c: SourceCase): Promise<void> {
  const { dir } = jobFolder(
    1,
    { source: SOURCE[c.format], canary: { min_rows: 2 } },
    { [SOURCE[c.format]]: '' },
  );
  await writeSource(dir, c);
  const result = await cliInProcess(['run', 'job.yaml', '--db', 'runs.duckdb', '--seed', '5'], dir);
  const where = `${result.stderr}\n${result.stdout.slice(-400)}`;
  expect([0, 1, 2], where).toContain(result.status);
  const db = join(dir, 'runs.duckdb');
  if (result.status === 2) {
    expect(mustRun(c), `a source that must run was refused: ${where}`).toBe(false);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors, where).toHaveLength(1);
    expect(errors[0], where).toMatch(/^error: Failed to \w+ .+\./);
    expect(errors[0]!.length, where).toBeLessThan(700);
    if (existsSync(db)) {
      const { tables } = await readRun(db);
      for (const [table, rows] of Object.entries(tables)) expect(rows, `${table} after a refusal`).toBe(0);
    }
    return;
  }
  expect(mustRefuse(c), `a source that must be refused ran: ${where}`).toBe(false);
  const { dispositions, read } = await readRun(db);
  const rows = c.mutation === 'header_only' ? [] : c.rows;
  // Coverage: every source row, exactly one disposition.
  expect(dispositions.map((d) => d.row_key).sort()).toEqual(rows.map((r) => r.id).sort());
  if (!mustRun(c)) return;
  const byKey = new Map(rows.map((r) => [r.id, r]));
  // Read as written: the text each row holds is the text the file holds.
  for (const { row_key, row_json } of read) {
    const text = (JSON.parse(row_json) as Record<string, unknown>).text;
    expect(valueText(text), row_key).toBe(valueText(byKey.get(row_key)!.text));
  }
  for (const d of dispositions) {
    const { text } = byKey.get(d.row_key)!;
    const missing = c.format !== 'csv' && (text === undefined || text === null);
    if (missing) expect(d, d.row_key).toMatchObject({ disposition: 'quarantined', reason: 'missing_field' });
    // A promoted answer quotes its evidence from its own row's text, as the file holds it.
    if (d.disposition === 'promoted') {
      const evidence = (JSON.parse(d.output_json!) as { evidence: string }).evidence;
      expect(valueText(text), d.row_key).toContain(evidence);
    }
  }
}

describe('source files of every shape', () => {
  it(
    'end in exit 0/1 with every row disposed and read as written, or exit 2 with one message and no run',
    async () => {
      await checkProperty('source-fuzz', FILE, fc.asyncProperty(sourceCase(), checkCase), 6);
    },
    propertyTimeout(120_000),
  );
});
