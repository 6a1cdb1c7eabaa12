import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { dashboardData } from '../pipeline/report/dashboard-data.js';
import { formatReport, type ReportFormat } from '../pipeline/report/format-report.js';
import { htmlReport } from '../pipeline/report/html-report.js';
import { runReports } from '../pipeline/report/run-report.js';
import type { Io } from './io.js';
import { DEFAULT_DB, openDb } from './open-db.js';
import { checkOutputPath, writeWhole } from './output-file.js';
import { reportQuery } from './report-query.js';

const FORMATS: readonly ReportFormat[] = ['table', 'md', 'json', 'html'];

/** `batchguard report`: the runs in a database, with their counts and metrics. */
export async function reportCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      run: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      sql: { type: 'string' },
      check: { type: 'boolean' },
    },
  });
  if (values.sql !== undefined || values.check) return reportQuery(values, io);
  const format = (values.format ?? 'table') as ReportFormat;
  if (!FORMATS.includes(format)) {
    throw new UsageError(
      'bad_flag',
      `Invalid --format "${values.format}": expected one of ${FORMATS.join(', ')}.`,
      'Pass --format json, for example.',
    );
  }
  if (values.out) checkOutputPath('--out', values.out, { db: values.db ?? DEFAULT_DB });
  const db = await openDb(values.db, true);
  try {
    const report = await runReports(db, values.run);
    if (values.run && report.runs.length === 0) {
      throw new UsageError(
        'unknown_run',
        `Failed to report ${values.run}: no such run in ${db.path}.`,
        'Run `batchguard report` to list the runs.',
      );
    }
    // HTML is the dashboard: charts of each job's runs, funnels, costs, game days (html-report.ts).
    const text =
      format === 'html'
        ? await htmlReport(await dashboardData(db, values.run))
        : formatReport(report, format);
    if (values.out) writeWhole(values.out, text, '--out');
    else io.out(text.trimEnd());
    return 0;
  } finally {
    db.close();
  }
}
