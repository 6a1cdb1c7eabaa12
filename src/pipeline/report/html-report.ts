import {
  COLORS,
  costChart,
  funnelChart,
  funnelStages,
  gamedayChart,
  type Level,
  type MetricChart,
  metricChart,
  oneLine,
  partLabel,
  type Scale,
} from './charts.js';
import {
  type ChartMetric,
  type Dashboard,
  type Fit,
  GAMEDAYS_SHOWN,
  type GamedayHistory,
  type JobDashboard,
  type RunPoint,
} from './dashboard-data.js';
import type { RunReport } from './run-report.js';

/*
 * `batchguard report --format html`: one self-contained HTML file. Inline CSS, charts as inline
 * SVG drawn in Node: no script, no font, no image or style sheet fetched from anywhere, so it
 * opens offline, from a mail attachment or a CI artifact. Every text from the database (job
 * names, reasons, models, scenarios, run ids) is escaped; money is shown to 4 decimals of a
 * dollar throughout, the cost of a good row per 1,000 good rows.
 */

/** Text from the database as HTML text or an attribute's value: one line, every markup character an entity. */
export function esc(text: string): string {
  return oneLine(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Dollars to 4 decimals: `$0.4042`. */
export const usd = (x: number | null | undefined): string =>
  x === null || x === undefined ? '—' : `$${(Math.round(x * 1e4) / 1e4).toFixed(4)}`;

/** The cost of a good row per 1,000 good rows, to 4 decimals: `$0.1347`. */
export const usdPerThousand = (x: number | null | undefined): string =>
  x === null || x === undefined ? '—' : usd(1000 * x);

const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)}%`;

const count = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : n.toLocaleString('en-US');

interface MetricSpec {
  name: ChartMetric;
  title: string;
  scale: Scale;
  /** What a rise means: good (validity) or bad (escalation, cost). */
  better: 'up' | 'down';
}

const METRIC_SPECS: readonly MetricSpec[] = [
  { name: 'validity', title: 'Validity', scale: 'share', better: 'up' },
  { name: 'coverage', title: 'Coverage', scale: 'share', better: 'up' },
  { name: 'escalation_rate', title: 'Escalation rate', scale: 'share', better: 'down' },
  { name: 'golden_score', title: 'Golden score', scale: 'share', better: 'up' },
  { name: 'cost_per_good_row', title: 'Cost per 1,000 good rows', scale: 'usd', better: 'down' },
];

/** A slope in the metric's unit a run: points of a share, dollars per 1,000 good rows. */
function slopeText(fit: Fit | null, spec: MetricSpec): string {
  if (!fit) return 'no slope: fewer than two runs';
  const shown = spec.scale === 'share' ? (100 * fit.slope).toFixed(2) : (1000 * fit.slope).toFixed(4);
  const zero = Number(shown) === 0;
  const sign = zero ? '±' : fit.slope < 0 ? '−' : '+';
  const magnitude = shown.replace('-', '');
  const text = spec.scale === 'share' ? `${sign}${magnitude} points a run` : `${sign}$${magnitude} a run`;
  const worse = !zero && fit.slope > 0 === (spec.better === 'down');
  return `<span class="${zero ? 'flat' : worse ? 'worse' : 'better'}">${text}</span> over ${fit.runs} runs`;
}

const value = (p: RunPoint, m: ChartMetric): number | null =>
  m === 'cost_per_good_row' ? (p.cost_per_good_row === null ? null : p.cost_per_good_row) : p[m];

const shown = (x: number | null, spec: MetricSpec): string =>
  spec.scale === 'share' ? pct(x) : usdPerThousand(x);

/** One metric's figure: its caption (newest value, slope, what the lines are) and its chart. */
async function metricFigure(job: JobDashboard, spec: MetricSpec): Promise<string> {
  const scaleOf = (y: number) => (spec.scale === 'usd' ? 1000 * y : y);
  const values = job.points.flatMap((p) => {
    const y = value(p, spec.name);
    return y === null ? [] : [{ index: p.index, y: scaleOf(y) }];
  });
  const levels = (pick: (p: RunPoint) => number | null): Level[] =>
    job.points.flatMap((p) => {
      const y = pick(p);
      return y === null || value(p, spec.name) === null ? [] : [{ index: p.index, y }];
    });
  const alarm =
    spec.name === 'validity'
      ? levels((p) => p.validity_min)
      : spec.name === 'golden_score'
        ? levels((p) => p.golden_alarm_below)
        : [];
  const floor = spec.name === 'golden_score' ? levels((p) => p.golden_floor) : [];
  const fit = job.fits[spec.name];
  const scaledFit =
    fit && spec.scale === 'usd' ? { ...fit, slope: 1000 * fit.slope, intercept: 1000 * fit.intercept } : fit;
  const newest = job.points.at(-1);
  const legend = [
    `<span class="key"><i style="background:${COLORS.metric}"></i>each run</span>`,
    fit
      ? `<span class="key"><i class="dashed" style="border-color:${COLORS.fit}"></i>least-squares fit</span>`
      : '',
    alarm.length
      ? `<span class="key"><i class="dashed" style="border-color:${COLORS.alarm}"></i>${
          spec.name === 'validity' ? 'alarm below validity_min' : 'alarm below baseline − allowed drop'
        }</span>`
      : '',
    floor.length
      ? `<span class="key"><i class="dotted" style="border-color:${COLORS.floor}"></i>floor: min_score</span>`
      : '',
  ].join('');
  const head = `<figcaption><b>${spec.title}</b> <span class="now">${
    newest ? shown(value(newest, spec.name), spec) : '—'
  }</span><br><small>${slopeText(fit, spec)}</small><span class="legend">${legend}</span></figcaption>`;
  if (values.length === 0)
    return `<figure class="chart" data-metric="${spec.name}">${head}<p class="none">No run of this job has it.</p></figure>`;
  const chart: MetricChart = { title: spec.title, scale: spec.scale, values, alarm, floor, fit: scaledFit };
  return `<figure class="chart" data-metric="${spec.name}">${head}<div class="svg" role="img" aria-label="${esc(
    `${spec.title} over ${values.length} runs`,
  )}">${await metricChart(chart)}</div></figure>`;
}

const STATUS_CLASS: Record<string, string> = {
  promoted: 'ok',
  held: 'warn',
  running: 'warn',
  halted: 'bad',
  refused: 'bad',
  failed: 'bad',
  rolled_back: 'bad',
};
const status = (s: string) => `<span class="status ${STATUS_CLASS[s] ?? 'other'}">${esc(s)}</span>`;

/** The newest run's funnel: its chart and the same figures as a list. */
async function funnelFigure(job: JobDashboard): Promise<string> {
  const f = job.latest!;
  const stages = funnelStages(f);
  return `<figure class="chart wide" data-chart="funnel"><figcaption><b>Where the newest run's rows went</b><br><small>run <code>${esc(
    f.run_id,
  )}</code> ${status(f.status)}, golden rows apart</small></figcaption><div class="svg" role="img" aria-label="${esc(
    stages.map((s) => `${s.stage}: ${s.rows}`).join(', '),
  )}">${await funnelChart(f)}</div></figure>`;
}

/** Cost per 1,000 good rows by phase and model: a stacked bar a run, and the newest run's table. */
async function costFigure(job: JobDashboard): Promise<string> {
  const newest = job.points.at(-1)!;
  const parts = job.cost.filter((c) => c.index === newest.index);
  const perThousand = (cost: number) =>
    newest.cost_per_good_row === null || newest.cost_usd <= 0
      ? '—'
      : usd((1000 * cost * newest.cost_per_good_row) / newest.cost_usd);
  const rows = parts
    .map(
      (p) =>
        `<tr><td>${esc(p.phase)}</td><td>${esc(p.model)}</td><td class="n">${count(p.results)}</td><td class="n">${count(
          p.input_tokens,
        )}</td><td class="n">${count(p.output_tokens)}</td><td class="n">${usd(p.cost_usd)}</td><td class="n">${perThousand(
          p.cost_usd,
        )}</td></tr>`,
    )
    .join('');
  const chart =
    job.cost.length === 0
      ? '<p class="none">No billed result.</p>'
      : `<div class="svg" role="img" aria-label="${esc(
          `cost per 1,000 good rows by ${[...new Set(job.cost.map(partLabel))].join(', ')}`,
        )}">${await costChart(job.cost, job.points)}</div>`;
  return `<figure class="chart wide" data-chart="cost"><figcaption><b>Cost per 1,000 good rows, by phase and model</b> <span class="now">${usdPerThousand(
    newest.cost_per_good_row,
  )}</span><br><small>golden: the golden rows' answers, whatever their phase</small></figcaption>${chart}
<table class="parts"><caption>Newest run <code>${esc(newest.run_id)}</code>: ${usd(newest.cost_usd)} billed</caption>
<thead><tr><th>phase</th><th>model</th><th>results</th><th>input tokens</th><th>output tokens</th><th>cost</th><th>per 1,000 good rows</th></tr></thead>
<tbody>${rows}</tbody></table></figure>`;
}

async function jobSection(job: JobDashboard, id: string): Promise<string> {
  const newest = job.points.at(-1);
  const head = `<h2 id="${id}">${esc(job.job)} <small>${esc(job.mode)} · ${count(job.runs)} run${
    job.runs === 1 ? '' : 's'
  }${job.points.length < job.runs ? `, ${count(job.points.length)} with metrics` : ''}</small></h2>`;
  if (!newest)
    return `<section class="job">${head}<p class="none">No run of this job reached its metrics.</p></section>`;
  const metrics: string[] = [];
  for (const spec of METRIC_SPECS) metrics.push(await metricFigure(job, spec));
  return `<section class="job">${head}
<div class="grid">${metrics.join('\n')}</div>
<div class="grid two">${await funnelFigure(job)}
${await costFigure(job)}</div></section>`;
}

async function gamedaySection(history: GamedayHistory | null): Promise<string> {
  const head = '<h2 id="gamedays">Game days</h2>';
  if (history === null || history.gamedays.length === 0)
    return `<section>${head}<p class="none">No drill or game day is recorded in this database.</p></section>`;
  const rows = history.gamedays
    .map(
      (g) =>
        `<tr><td><code>${esc(g.gameday_id)}</code></td><td>${esc(g.recorded_at.slice(0, 16).replace('T', ' '))}</td><td>${
          g.jobs.length === 0 ? 'scenarios’ own jobs' : g.jobs.map(esc).join('<br>')
        }</td><td class="n">${g.pass}</td><td class="n${g.fail > 0 ? ' bad' : ''}">${g.fail}</td><td class="n">${g.not_applicable}</td></tr>`,
    )
    .join('');
  const more =
    history.total > history.gamedays.length
      ? ` (the newest ${GAMEDAYS_SHOWN} of ${count(history.total)})`
      : '';
  return `<section>${head}
<figure class="chart wide" data-chart="gamedays"><figcaption><b>Verdict of each scenario on each game day</b>${more}<br><small><span class="key"><i style="background:${COLORS.pass}"></i>✓ pass</span><span class="key"><i style="background:${COLORS.fail}"></i>✗ fail</span><span class="key"><i style="background:${COLORS.not_applicable}"></i>– not applicable</span></small></figcaption>
<div class="svg" role="img" aria-label="game-day verdicts">${await gamedayChart(history)}</div></figure>
<table><thead><tr><th>game day</th><th>recorded (UTC)</th><th>job drilled</th><th>pass</th><th>fail</th><th>not applicable</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

const RUN_COLUMNS: [string, (r: RunReport) => string, boolean][] = [
  ['run', (r) => `<code>${esc(r.run_id)}</code>`, false],
  ['job', (r) => esc(r.job), false],
  ['mode', (r) => esc(r.mode), false],
  ['status', (r) => status(r.status), false],
  ['seed', (r) => (r.seed === null ? '—' : esc(String(r.seed))), true],
  ['source', (r) => count(r.counts?.source), true],
  ['promoted', (r) => count(r.counts?.promoted), true],
  ['quarantined', (r) => count(r.counts?.quarantined), true],
  ['dead-lettered', (r) => count(r.counts?.dead_lettered), true],
  ['held', (r) => count(r.counts?.held), true],
  ['coverage', (r) => pct(r.metrics?.coverage), true],
  ['validity', (r) => pct(r.metrics?.validity), true],
  ['escalation', (r) => pct(r.metrics?.escalation_rate), true],
  ['golden', (r) => pct(r.metrics?.golden_score), true],
  ['cost', (r) => usd(r.metrics?.cost_usd), true],
  ['per 1,000 good rows', (r) => usdPerThousand(r.metrics?.cost_per_good_row), true],
];

function runsSection(runs: readonly RunReport[]): string {
  const head = '<h2 id="runs">Runs</h2>';
  if (runs.length === 0) return `<section>${head}<p class="none">No run in this database yet.</p></section>`;
  const header = RUN_COLUMNS.map(([name, , n]) => `<th${n ? ' class="n"' : ''}>${name}</th>`).join('');
  const body = runs
    .map(
      (r) =>
        `<tr>${RUN_COLUMNS.map(([, cell, n]) => `<td${n ? ' class="n"' : ''}>${cell(r)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<section>${head}<div class="scroll"><table class="runs"><thead><tr>${header}</tr></thead><tbody>
${body}
</tbody></table></div></section>`;
}

const CSS = `
:root{color-scheme:light;--ink:#1d1d1f;--muted:#666;--line:#e3e3e3;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:#fff;border-bottom:1px solid var(--line);padding:16px 24px}
header h1{margin:0 0 4px;font-size:20px}
header p{margin:0;color:var(--muted)}
nav{margin-top:8px;display:flex;flex-wrap:wrap;gap:6px 14px}
nav a{color:#1f5fa8;text-decoration:none}nav a:hover{text-decoration:underline}
main{padding:8px 24px 32px;max-width:1500px}
h2{font-size:17px;margin:28px 0 10px}h2 small{font-weight:normal;color:var(--muted);font-size:13px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(370px,1fr));gap:14px}
.grid.two{grid-template-columns:repeat(auto-fill,minmax(560px,1fr));margin-top:14px}
figure.chart{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px;overflow-x:auto}
figcaption{margin-bottom:6px}figcaption small{color:var(--muted)}
.now{float:right;font-variant-numeric:tabular-nums;font-weight:600}
.legend{display:block;margin-top:2px;font-size:12px;color:var(--muted)}
.key{display:inline-flex;align-items:center;gap:4px;margin-right:12px;font-size:12px;color:var(--muted)}
.key i{display:inline-block;width:14px;height:10px;border-radius:2px}
.key i.dashed,.key i.dotted{height:0;border-top:2px dashed;border-radius:0}.key i.dotted{border-top-style:dotted}
.better{color:#2e7d32}.worse{color:#c62828}.flat{color:var(--muted)}
.svg svg{display:block;max-width:100%;height:auto}
.none{color:var(--muted);font-style:italic}
table{border-collapse:collapse;background:#fff;font-size:13px;margin-top:10px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{white-space:normal;vertical-align:bottom;font-weight:600;color:#444;background:#fafafa}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.bad{color:#c62828;font-weight:600}
caption{text-align:left;color:var(--muted);padding:4px 0}
.scroll{overflow-x:auto}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.status{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;background:#eee}
.status.ok{background:#e3f1e4;color:#1b5e20}.status.warn{background:#fff4d6;color:#7a5600}.status.bad{background:#fbe3e3;color:#8e1b1b}
footer{color:var(--muted);font-size:12px;padding:0 24px 24px}
@media print{body{background:#fff}figure.chart{break-inside:avoid}}
`;

/** The whole report: a section a job (and mode), the game days, the runs. */
export async function htmlReport(data: Dashboard): Promise<string> {
  const ids = data.jobs.map((_, i) => `job-${i + 1}`);
  const sections: string[] = [];
  for (const [i, job] of data.jobs.entries()) sections.push(await jobSection(job, ids[i]!));
  const nav = [
    ...data.jobs.map((job, i) => `<a href="#${ids[i]}">${esc(job.job)} (${esc(job.mode)})</a>`),
    '<a href="#gamedays">game days</a>',
    '<a href="#runs">runs</a>',
  ].join('');
  const jobs = new Set(data.jobs.map((j) => j.job)).size;
  const summary = `${count(data.runs.length)} run${data.runs.length === 1 ? '' : 's'} of ${count(jobs)} job${
    jobs === 1 ? '' : 's'
  }${data.gamedays ? ` · ${count(data.gamedays.total)} game day${data.gamedays.total === 1 ? '' : 's'}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>batchguard report</title><style>${CSS}</style></head>
<body><header><h1>batchguard report</h1><p>${summary}</p><nav>${nav}</nav></header>
<main>
${sections.join('\n')}
${await gamedaySection(data.gamedays)}
${runsSection(data.runs)}
</main>
<footer>Made by <code>batchguard report --format html</code>. Money in US dollars to 4 decimals; the cost of a good row per 1,000 good rows. Shares of runs are points of 100; a slope is the least-squares fit over the runs shown.</footer>
</body></html>
`;
}
