import { UsageError } from '../core/errors.js';
import { dashboardData } from '../pipeline/report/dashboard-data.js';
import { formatReport, type ReportFormat } from '../pipeline/report/format-report.js';
import { htmlReport } from '../pipeline/report/html-report.js';
import { runReports } from '../pipeline/report/run-report.js';
import { DEFAULT_DB, openDb } from './open-db.js';
import { checkOutputPath, writeWhole } from './output-file.js';
import { withArgs } from './parse-command.js';
import { reportQuery } from './report-query.js';

const FORMATS: readonly ReportFormat[] = ['table', 'md', 'json', 'html'];

/** `batchguard report`: the runs in a database, with their counts and metrics. */
export const reportCommand = withArgs('report', async ({ values }, io) => {
  if (values.sql !== undefined || values.check) return reportQuery(values, io);
  const format = values.format ?? 'table';
  // csv is --sql's alone: the table's list is every format some form of report takes.
  if (!isReportFormat(format)) {
    throw new UsageError(
      'bad_flag',
      `Invalid --format "${format}": expected one of ${FORMATS.join(', ')}.`,
      format === 'csv'
        ? 'csv is for `report --sql FILE`; pass --format json, for example.'
        : 'Pass --format json, for example.',
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
});

const isReportFormat = (format: string): format is ReportFormat =>
  (FORMATS as readonly string[]).includes(format);
