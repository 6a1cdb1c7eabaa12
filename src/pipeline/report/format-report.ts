import { formatCount } from '../../core/numbers.js';
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

/** A count with thousands separators, or a dash for none. */
const count = (n: number | undefined): string => (n === undefined ? '—' : formatCount(n));

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
  ['source', (r) => count(r.counts?.source)],
  ['promoted', (r) => count(r.counts?.promoted)],
  ['quarantined', (r) => count(r.counts?.quarantined)],
  ['dead-lettered', (r) => count(r.counts?.dead_lettered)],
  ['held', (r) => count(r.counts?.held)],
  ['coverage', share('coverage')],
  ['validity', share('validity')],
  ['cost', (r) => usd(r.metrics?.cost_usd)],
  ['cost/good row', costPerGoodRow],
  ['escalation', share('escalation_rate')],
  ['golden', share('golden_score')],
];

/**
 * One line of text a terminal shows as it is, whatever a cell holds (a job's name is the user's
 * text): line breaks become a space, other C0 and C1 control characters (ESC starts the sequences
 * that move the cursor, retitle the window or clear the screen), DEL and the bidirectional
 * overrides that reorder what is shown become visible escapes.
 */
function plain(text: string): string {
  return text
    .replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ')
    .replaceAll('\t', ' ')
    .replace(CONTROLS, (c) => `\\x${hex(c, 2)}`)
    .replace(BIDI, (c) => `\\u{${hex(c, 4)}}`);
}

const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;
const hex = (c: string, digits: number) => c.charCodeAt(0).toString(16).padStart(digits, '0');

/**
 * Markdown's special characters escaped (backslashes, emphasis, code, links, tables,
 * strikethrough) and HTML's as entities, so a cell is text in any renderer, never markup.
 */
const markdown = (cell: string) => cell.replace(/[\\`*_[\]|~<>&]/g, (c) => MD_ENTITIES[c] ?? `\\${c}`);
const MD_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

const html = (cell: string) => cell.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * JSON keeps every value as it is; C1 controls, DEL and bidirectional overrides, which
 * JSON.stringify leaves raw, are written as \u escapes so that the file shown on a terminal
 * cannot act on it either (it parses to the same values).
 */
const json = (report: unknown) =>
  `${JSON.stringify(report, null, 2).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${hex(c, 4)}`)}\n`;

/** The report for people (table, Markdown, HTML) or machines (JSON, stable for the same runs). */
export function formatReport(report: { runs: RunReport[] }, format: ReportFormat): string {
  if (format === 'json') return json(report);
  const header = COLUMNS.map(([name]) => name);
  const rows = report.runs.map((run) => COLUMNS.map(([, cell]) => plain(cell(run))));
  if (format === 'md') {
    const md = (cells: string[]) => `| ${cells.map(markdown).join(' | ')} |`;
    return `${[header, header.map(() => '---'), ...rows].map(md).join('\n')}\n`;
  }
  if (format === 'html') {
    const tr = (cells: string[], tag: string) =>
      `<tr>${cells.map((c) => `<${tag}>${html(c)}</${tag}>`).join('')}</tr>`;
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
