import type { RunReport, RunTrend } from './run-report.js';

export type ReportFormat = 'table' | 'md' | 'json' | 'html';

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)}%`;
const usd = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `$${x.toFixed(x < 0.01 ? 6 : 4)}`;

/** A number with its sign (− for a fall), to `digits` decimals; `=` when it rounds to no change. */
function signed(x: number, digits: number, unit = ''): string {
  const shown = Math.abs(x).toFixed(digits);
  if (Number(shown) === 0) return '=';
  return `${x < 0 ? '−' : '+'}${shown}${unit}`;
}

/**
 * A share and, in brackets, its change in points since the job's previous run: `97.0% (−1.5)`.
 * A run with no previous run to compare with shows the share alone.
 */
const share =
  (name: Exclude<keyof RunTrend, 'since' | 'cost_per_good_row'>) =>
  (r: RunReport): string => {
    const change = r.trend?.[name];
    return `${pct(r.metrics?.[name])}${change === null || change === undefined ? '' : ` (${signed(100 * change, 1)})`}`;
  };

/** The cost of a good row and its change in per cent of the previous run's: `$0.000126 (+4%)`. */
function costPerGoodRow(r: RunReport): string {
  const now = r.metrics?.cost_per_good_row;
  const change = r.trend?.cost_per_good_row;
  const before =
    now === null || now === undefined || change === null || change === undefined ? 0 : now - change;
  return `${usd(now)}${before > 0 ? ` (${signed((100 * change!) / before, 0, '%')})` : ''}`;
}

const COLUMNS: [string, (r: RunReport) => string][] = [
  ['run', (r) => r.run_id],
  ['job', (r) => r.job],
  ['status', (r) => r.status],
  ['mode', (r) => r.mode],
  ['seed', (r) => (r.seed === null ? '—' : String(r.seed))],
  ['source', (r) => String(r.counts?.source ?? '—')],
  ['promoted', (r) => String(r.counts?.promoted ?? '—')],
  ['quarantined', (r) => String(r.counts?.quarantined ?? '—')],
  ['dead-lettered', (r) => String(r.counts?.dead_lettered ?? '—')],
  ['held', (r) => String(r.counts?.held ?? '—')],
  ['coverage', share('coverage')],
  ['validity', share('validity')],
  ['cost', (r) => usd(r.metrics?.cost_usd)],
  ['cost/good row', costPerGoodRow],
  ['escalation', share('escalation_rate')],
  ['golden', share('golden_score')],
];

/** The report for people (table, Markdown, HTML) or machines (JSON, stable for the same runs). */
export function formatReport(report: { runs: RunReport[] }, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const header = COLUMNS.map(([name]) => name);
  // A job's name is the user's text: one line, whatever it holds, so no row of a table breaks.
  const rows = report.runs.map((run) => COLUMNS.map(([, cell]) => cell(run).replace(/\s*[\r\n]+\s*/g, ' ')));
  if (format === 'md') {
    const md = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
    return `${[header, header.map(() => '---'), ...rows].map(md).join('\n')}\n`;
  }
  if (format === 'html') {
    const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    const tr = (cells: string[], tag: string) =>
      `<tr>${cells.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
    return `<!doctype html><meta charset="utf-8"><title>batchguard report</title><table>\n${tr(header, 'th')}\n${rows.map((r) => tr(r, 'td')).join('\n')}\n</table>\n`;
  }
  if (rows.length === 0) return 'no runs\n';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
