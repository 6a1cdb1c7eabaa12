import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from './support/cli-in-process.js';
import { INJECTION, jobFolder, reviews, SONNET } from './support/pipeline-harness.js';

/*
 * `batchguard export` against two simulated runs in one database: one promoted (with rows
 * quarantined at plan for a missing column), one halted at its canary (its rows held, the broken
 * answers quarantined). Each export is read back from the real file by DuckDB's own readers and
 * compared with the run's `dispositions` and `source_rows`, as the run database holds them.
 */

const ROWS = ['promoted', 'quarantined', 'dead_lettered', 'held'] as const;
const FORMATS = ['csv', 'jsonl', 'parquet'] as const;

interface Expected {
  key: string;
  disposition: string;
  reason: string | null;
  custom_id: string | null;
  output_json: string | null;
  row_json: string;
}

let dir: string;
let promotedRun: string;
let heldRun: string;
/** Per run, its dispositions joined to its source rows, as the run database holds them. */
const expected = new Map<string, Expected[]>();
let duck: DuckDBConnection;
let instance: DuckDBInstance;

const sql = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function rowsOf<T>(query: string): Promise<T[]> {
  return (await duck.runAndReadAll(query)).getRowObjectsJS() as T[];
}

/** The file's rows as DuckDB reads it back: output and source_row as JSON text, whatever the format. */
async function readBack(file: string, format: (typeof FORMATS)[number]) {
  const path = sql(file);
  const from =
    format === 'csv'
      ? `read_csv(${path}, header = true, all_varchar = true)`
      : format === 'parquet'
        ? `read_parquet(${path})`
        : // The JSON columns declared JSON: a value written as a string would read back as one.
          `read_json(${path}, format = 'newline_delimited', columns = {key: 'VARCHAR', disposition: 'VARCHAR', reason: 'VARCHAR', custom_id: 'VARCHAR', output: 'JSON', source_row: 'JSON'})`;
  return rowsOf<Expected & { output: string | null; source_row: string }>(
    `SELECT key, disposition, reason, custom_id, output::VARCHAR AS output, source_row::VARCHAR AS source_row
     FROM ${from} ORDER BY key`,
  );
}

const exportArgs = (run: string, rows: string, format: string, out: string) => [
  'export',
  run,
  '--rows',
  rows,
  '--format',
  format,
  '--out',
  out,
  '--db',
  'runs.duckdb',
];

beforeAll(async () => {
  // Row 4 lacks the text column (quarantined at plan, in every run); every fifth row carries an
  // injection, which the primary model sometimes obeys.
  const lines = reviews(40).map((r, i): object =>
    i === 3 ? { id: r.id, sku: r.sku } : i % 5 === 1 ? { ...r, text: `${r.text} ${INJECTION}` } : r,
  );
  const folder = jobFolder(
    0,
    { source: 'reviews.jsonl' },
    { 'reviews.jsonl': lines.map((line) => JSON.stringify(line)).join('\n') },
  );
  dir = folder.dir;
  // The same rows with no escalation and no broken answer allowed: the canary halts, the rest held.
  const strict = strictJob(readFileSync(join(dir, 'job.yaml'), 'utf8'));
  writeFileSync(join(dir, 'strict.yaml'), strict);

  const first = await cliInProcess(['run', 'job.yaml', '--seed', '1', '--db', 'runs.duckdb'], dir);
  expect(first.status, first.stderr).toBe(0);
  const second = await cliInProcess(['run', 'strict.yaml', '--seed', '1', '--db', 'runs.duckdb'], dir);
  expect(second.status, second.stderr).toBe(1);
  promotedRun = /^run (\S+): promoted$/m.exec(first.stdout)![1]!;
  heldRun = /^run (\S+): halted$/m.exec(second.stdout)![1]!;

  instance = await DuckDBInstance.create(':memory:');
  duck = await instance.connect();
  await duck.run(`ATTACH ${sql(join(dir, 'runs.duckdb'))} AS runs (READ_ONLY)`);
  for (const run of [promotedRun, heldRun]) {
    expected.set(
      run,
      await rowsOf<Expected>(
        `SELECT d.row_key AS key, d.disposition, d.reason, d.custom_id, d.output_json, s.row_json
         FROM runs.dispositions d JOIN runs.source_rows s USING (run_id, row_key)
         WHERE d.run_id = ${sql(run)} ORDER BY key`,
      ),
    );
  }
  // Detached, so the commands under test (in this process) are the only ones with the file open.
  await duck.run('DETACH runs');
}, 30_000);

afterAll(() => {
  duck?.closeSync();
  instance?.closeSync();
});

/** job.yaml made strict: no escalation model, validity of 1 required, a run below it held. */
function strictJob(job: string): string {
  expect(job).toContain(SONNET);
  const strict = `${job.replace(/^ {2}escalation: .*\n/m, '')}thresholds:\n  validity_min: 1\n  hold_below_validity_min: true\n`;
  expect(strict).not.toContain(SONNET);
  return strict;
}

describe('the runs exported', () => {
  it('cover every disposition between them, with golden rows in neither', () => {
    const count = (run: string, d: string) => expected.get(run)!.filter((r) => r.disposition === d).length;
    expect(count(promotedRun, 'promoted')).toBeGreaterThan(0);
    expect(count(promotedRun, 'quarantined')).toBeGreaterThan(0);
    expect(count(heldRun, 'held')).toBeGreaterThan(0);
    expect(count(heldRun, 'quarantined')).toBeGreaterThan(1); // the missing column and a broken answer
    for (const run of [promotedRun, heldRun]) {
      expect(expected.get(run)).toHaveLength(40);
      expect(expected.get(run)!.filter((r) => r.key.startsWith('golden:'))).toEqual([]);
    }
  });
});

describe.each(FORMATS)('batchguard export --format %s', (format) => {
  // Labels, not run ids: the runs exist only once beforeAll has run.
  it.each(['promoted', 'held'])('writes each disposition of the %s run, and all of them', async (label) => {
    const run = label === 'promoted' ? promotedRun : heldRun;
    const all = expected.get(run)!;
    let sum = 0;
    for (const rows of [...ROWS, 'all'] as const) {
      const file = `${label}-${rows}.${format}`;
      const result = await cliInProcess(exportArgs(run, rows, format, file), dir);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const want = rows === 'all' ? all : all.filter((r) => r.disposition === rows);
      expect(result.stdout).toBe(`exported ${want.length} rows (${rows}) of ${run} to ${file}\n`);
      expect(existsSync(join(dir, file))).toBe(true);
      if (rows === 'all') expect(want.length).toBe(sum);
      else sum += want.length;
      if (want.length === 0 && format !== 'parquet') {
        // An empty export is a file all the same: a header line in csv, nothing in jsonl.
        expect(readFileSync(join(dir, file), 'utf8')).toBe(
          format === 'csv' ? 'key,disposition,reason,custom_id,output,source_row\n' : '',
        );
        continue;
      }
      const got = await readBack(join(dir, file), format);
      expect(got.map((r) => [r.key, r.disposition, r.reason, r.custom_id])).toEqual(
        want.map((r) => [r.key, r.disposition, r.reason, r.custom_id]),
      );
      expect(got.map((r) => (r.output === null ? null : JSON.parse(r.output)))).toEqual(
        want.map((r) => (r.output_json === null ? null : JSON.parse(r.output_json))),
      );
      expect(got.map((r) => JSON.parse(r.source_row))).toEqual(want.map((r) => JSON.parse(r.row_json)));
      if (rows === 'quarantined') expect(got.filter((r) => !r.reason)).toEqual([]);
    }
    expect(sum).toBe(40);
    // Only the exports in the folder: no stage left behind.
    expect(readdirSync(dir).filter((name) => name.includes('.partial'))).toEqual([]);
  });
});

describe('what the formats hold', () => {
  it('jsonl: output and source_row are JSON values, not strings; parquet: of the JSON type', async () => {
    const jsonl = await cliInProcess(exportArgs(promotedRun, 'promoted', 'jsonl', 'p.jsonl'), dir);
    expect(jsonl.status).toBe(0);
    const first = JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8').split('\n')[0]!);
    expect(Object.keys(first)).toEqual(['key', 'disposition', 'reason', 'custom_id', 'output', 'source_row']);
    expect(first).toMatchObject({ disposition: 'promoted', reason: null });
    expect(typeof first.output).toBe('object');
    expect(first.source_row).toMatchObject({ id: first.key });

    const parquet = await cliInProcess(exportArgs(promotedRun, 'promoted', 'parquet', 'p.parquet'), dir);
    expect(parquet.status).toBe(0);
    const types = await rowsOf<{ column_name: string; column_type: string }>(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${sql(join(dir, 'p.parquet'))}))`,
    );
    expect(types.map((t) => `${t.column_name} ${t.column_type}`)).toEqual([
      'key VARCHAR',
      'disposition VARCHAR',
      'reason VARCHAR',
      'custom_id VARCHAR',
      'output JSON',
      'source_row JSON',
    ]);
  });

  it('replaces a file already at --out whole, and takes a name with a quote in it', async () => {
    writeFileSync(join(dir, "it's.csv"), 'old contents that are longer than nothing at all\n'.repeat(1000));
    const result = await cliInProcess(exportArgs(heldRun, 'quarantined', 'csv', "it's.csv"), dir);
    expect(result.status).toBe(0);
    const text = readFileSync(join(dir, "it's.csv"), 'utf8');
    expect(text).not.toContain('old contents');
    const quarantined = expected.get(heldRun)!.filter((r) => r.disposition === 'quarantined');
    expect(text.trimEnd().split('\n')).toHaveLength(1 + quarantined.length);
  });
});

describe('batchguard export refuses bad input with exit 2, writing nothing', () => {
  const cases: [string, (run: string) => string[], RegExp][] = [
    [
      'an unknown run, naming the command that lists runs',
      () => exportArgs('run-nope', 'all', 'csv', 'bad.csv'),
      /^error: Failed to export run-nope: no such run in \S*runs\.duckdb\. Run `batchguard report` to list the runs\.\n$/,
    ],
    [
      'an unknown --rows',
      (run) => exportArgs(run, 'valid', 'csv', 'bad.csv'),
      /^error: Invalid --rows "valid": expected one of promoted, quarantined, dead_lettered, held, all\./,
    ],
    [
      'a missing --rows',
      (run) => ['export', run, '--format', 'csv', '--out', 'bad.csv', '--db', 'runs.duckdb'],
      /^error: Failed to export: --rows is missing; expected one of promoted, /,
    ],
    [
      'an unknown --format',
      (run) => exportArgs(run, 'all', 'json', 'bad.csv'),
      /^error: Invalid --format "json": expected one of csv, jsonl, parquet\./,
    ],
    [
      'a missing --out',
      (run) => ['export', run, '--rows', 'all', '--format', 'csv', '--db', 'runs.duckdb'],
      /^error: Failed to export: --out is missing\. Pass --out FILE/,
    ],
    [
      'no run id',
      () => ['export', '--rows', 'all', '--format', 'csv', '--out', 'bad.csv', '--db', 'runs.duckdb'],
      /^error: Failed to export: give exactly one run id\. Usage: batchguard export RUN /,
    ],
    [
      '--out naming the run database',
      (run) => exportArgs(run, 'all', 'parquet', 'runs.duckdb'),
      /^error: Failed to write --out runs\.duckdb: it is the run database this command uses\./,
    ],
    [
      '--out naming its write-ahead log',
      (run) => exportArgs(run, 'all', 'parquet', 'runs.duckdb.wal'),
      /^error: Failed to write --out runs\.duckdb\.wal: it is the run database this command uses \(its write-ahead log\)\./,
    ],
    [
      '--out naming another DuckDB database',
      (run) => exportArgs(run, 'all', 'csv', 'other.duckdb'),
      /^error: Failed to write --out other\.duckdb: it is a DuckDB database\./,
    ],
    [
      '--out in a folder that does not exist',
      (run) => exportArgs(run, 'all', 'csv', 'nowhere/bad.csv'),
      /^error: Failed to write --out nowhere\/bad\.csv: its folder \S+ does not exist\./,
    ],
    [
      '--out a folder',
      (run) => exportArgs(run, 'all', 'csv', '.'),
      /^error: Failed to write --out \.: it is a folder\./,
    ],
    ...(existsSync('/proc/self')
      ? [
          [
            '--out in a folder no one can write (/proc)',
            (run: string) => exportArgs(run, 'all', 'csv', '/proc/export.csv'),
            /^error: Failed to write --out \/proc\/export\.csv: its folder \/proc is not writable/,
          ] as [string, (run: string) => string[], RegExp],
        ]
      : []),
  ];

  it.each(cases)('%s', async (_, args, message) => {
    const other = await DuckDBInstance.create(join(dir, 'other.duckdb'));
    other.closeSync();
    const before = snapshot();
    const result = await cliInProcess(args(promotedRun), dir);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.status).toBe(2);
    expect(snapshot()).toEqual(before);
  });
});

/** The folder's files with their sizes and times: what a refusal must leave as it was. */
function snapshot(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name !== 'runs.duckdb.wal')
      .map((name) => {
        const stat = statSync(join(dir, name));
        return [name, name === 'runs.duckdb' ? String(stat.size) : `${stat.size} ${stat.mtimeMs}`];
      }),
  );
}
