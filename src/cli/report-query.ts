import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { leadingAlarms } from '../pipeline/report/check-alarms.js';
import { QUERY_FORMATS, type QueryFormat, runQuery } from '../pipeline/report/sql-query.js';
import type { Io } from './io.js';
import { DEFAULT_DB, openDb } from './open-db.js';

/**
 * `report --sql FILE` (a query of `reports/`, or one's own, run read-only, printed as a table,
 * Markdown, JSON or CSV) and `report --check` (exit 1 when the latest run of any job has a
 * leading-signal alarm: the CI gate of a nightly job).
 */
export async function reportQuery(
  values: { db?: string; run?: string; format?: string; out?: string; sql?: string; check?: boolean },
  io: Io,
): Promise<number> {
  if (values.sql !== undefined && values.check)
    throw usage('--sql and --check are two commands', 'Run `report --sql FILE` and `report --check` apart.');
  for (const flag of ['run', 'out'] as const)
    if (values[flag] !== undefined)
      throw usage(
        `--${flag} does not go with ${values.check ? '--check' : '--sql'}`,
        values.check
          ? 'Run `report --check --db FILE`.'
          : 'Redirect the output: `report --sql FILE --format csv > out.csv`.',
      );
  if (values.check) {
    if (values.format !== undefined)
      throw usage('--check prints lines, not --format', 'Run `report --check --db FILE`.');
    return check(values.db, io);
  }
  const format = (values.format ?? 'table') as QueryFormat;
  if (!QUERY_FORMATS.includes(format))
    throw usage(
      `Invalid --format "${values.format}" for --sql: expected one of ${QUERY_FORMATS.join(', ')}`,
      'Pass --format csv, for example.',
    );
  let sql: string;
  try {
    sql = readFileSync(values.sql!, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      'bad_query',
      `Failed to read query ${values.sql}: ${code === 'ENOENT' ? `no such file (${resolve(values.sql!)})` : (code ?? String(error))}.`,
      'Pass --sql the path of a .sql file; the shipped ones are in reports/.',
    );
  }
  // Opened (and closed) first as every command opens it: refused when missing, migrated if old.
  const db = await openDb(values.db, true);
  db.close();
  await runQuery(resolve(values.db ?? DEFAULT_DB), sql, format, (line) => io.out(line));
  return 0;
}

async function check(path: string | undefined, io: Io): Promise<number> {
  const db = await openDb(path, true);
  try {
    const { jobs, alarms } = await leadingAlarms(db);
    for (const alarm of alarms) io.out(`ALARM ${alarm.line}`);
    if (alarms.length === 0)
      io.out(
        `ok: the latest run of each of ${jobs} job${jobs === 1 ? '' : 's'} raised no leading-signal alarm`,
      );
    return alarms.length === 0 ? 0 : 1;
  } finally {
    db.close();
  }
}

const usage = (what: string, hint: string) => new UsageError('usage', `Failed to report: ${what}.`, hint);
