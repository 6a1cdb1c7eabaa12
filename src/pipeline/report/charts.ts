import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { CostPart, Fit, Funnel, GamedayHistory } from './dashboard-data.js';

/*
 * The HTML report's charts: Vega-Lite specs rendered to static SVG in Node (no browser, no
 * script in the page). Vega escapes every text and attribute it writes; the strings given to it
 * here (reasons, models, scenarios) are made one line of visible characters first.
 */

export const COLORS = {
  metric: '#1f5fa8',
  fit: '#6b6b6b',
  alarm: '#c62828',
  floor: '#e07b00',
  promoted: '#2e7d32',
  held: '#f9a825',
  quarantined: '#c62828',
  dead_lettered: '#6a1b9a',
  undisposed: '#9e9e9e',
  source: '#1f5fa8',
  pass: '#2e7d32',
  fail: '#c62828',
  not_applicable: '#bdbdbd',
} as const;

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const CONFIG = {
  font: FONT,
  background: 'white',
  aria: false,
  view: { stroke: null },
  axis: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal' as const,
    titleColor: '#444',
    labelColor: '#444',
    gridColor: '#ececec',
    domainColor: '#999',
    tickColor: '#999',
  },
  legend: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal' as const,
    orient: 'bottom' as const,
  },
};

/** One line of visible characters: line breaks and tabs become spaces, other controls and bidi overrides are dropped. */
export function oneLine(text: string): string {
  return text
    .replace(/[\r\n\t\u2028\u2029]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

let rendered = 0;

/**
 * A Vega-Lite spec as a self-contained <svg> element. Ids inside it (clip paths, gradients) are
 * made unique to this chart, as every chart of the page shares one document.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile({ config: CONFIG, ...spec } as TopLevelSpec).spec), {
    renderer: 'none',
  });
  try {
    const svg = await view.toSVG();
    const prefix = `c${++rendered}-`;
    return svg
      .replace(/ id="([^"]+)"/g, (_, id: string) => ` id="${prefix}${id}"`)
      .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}${id})`)
      .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}${id}"`);
  } finally {
    view.finalize();
  }
}

/** How a metric's values are shown: a share of 0..1, or money (USD). */
export type Scale = 'share' | 'usd';

/** A horizontal line over one run (from index − ½ to index + ½): where that run's alarm sat. */
export interface Level {
  index: number;
  y: number;
}

export interface MetricChart {
  title: string;
  scale: Scale;
  /** The metric at each run (runs without it are left out). */
  values: { index: number; y: number }[];
  /** Below this line the run alarmed (shaded beneath). */
  alarm: Level[];
  /** A second, lower floor (the golden minimum), drawn as a dotted line. */
  floor: Level[];
  fit: Fit | null;
}

/** The y domain: every value, level and the fitted line's ends, padded; a share stays within 0..1. */
export function yDomain(chart: MetricChart): [number, number] {
  const ys = [
    ...chart.values.map((v) => v.y),
    ...chart.alarm.map((l) => l.y),
    ...chart.floor.map((l) => l.y),
    ...(chart.fit ? [fitAt(chart.fit, chart.fit.from), fitAt(chart.fit, chart.fit.to)] : []),
  ];
  if (ys.length === 0) return [0, 1];
  let [lo, hi] = [Math.min(...ys), Math.max(...ys)];
  // A flat metric still gets a readable axis: at least 5 points of a share, or 10 % of the money.
  const least = chart.scale === 'share' ? 0.05 : Math.abs(hi) * 0.1 || 0.0001;
  if (hi - lo < least) [lo, hi] = [(lo + hi - least) / 2, (lo + hi + least) / 2];
  const pad = (hi - lo) * 0.1;
  [lo, hi] = [lo - pad, hi + pad];
  const [min, max] = chart.scale === 'share' ? [0, 1] : [0, Number.POSITIVE_INFINITY];
  if (hi > max) [lo, hi] = [Math.max(min, lo - (hi - max)), max];
  if (lo < min) [lo, hi] = [min, Math.min(max, hi + (min - lo))];
  return [lo, hi];
}

const fitAt = (fit: Fit, x: number) => fit.intercept + fit.slope * x;

/** One metric over a job's runs: the values, the alarm band and line, the floor, the fitted slope. */
export async function metricChart(chart: MetricChart): Promise<string> {
  const xs = chart.values.map((v) => v.index);
  const [x0, x1] = [Math.min(...xs) - 0.5, Math.max(...xs) + 0.5];
  const [lo, hi] = yDomain(chart);
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: 'run of the job',
    scale: { domain: [x0, x1], nice: false, zero: false },
    axis: { tickMinStep: 1, format: 'd', grid: false },
  };
  const y = {
    field: 'y',
    type: 'quantitative' as const,
    title: null,
    scale: { domain: [lo, hi], nice: false, zero: false },
    axis: { format: chart.scale === 'share' ? '.1%' : '$.4f', tickCount: 5 },
  };
  const level = (levels: Level[]) => levels.map((l) => ({ x: l.index - 0.5, x2: l.index + 0.5, y: l.y }));
  const layers: unknown[] = [];
  if (chart.alarm.length > 0) {
    layers.push(
      {
        name: 'alarm_band',
        data: { values: level(chart.alarm) },
        mark: { type: 'rect', color: COLORS.alarm, opacity: 0.1 },
        encoding: { x, x2: { field: 'x2' }, y: { ...y, field: 'y' }, y2: { datum: lo } },
      },
      {
        name: 'alarm_line',
        data: { values: level(chart.alarm) },
        mark: { type: 'rule', color: COLORS.alarm, strokeDash: [5, 3], strokeWidth: 1.5 },
        encoding: { x, x2: { field: 'x2' }, y },
      },
    );
  }
  if (chart.floor.length > 0)
    layers.push({
      name: 'floor_line',
      data: { values: level(chart.floor) },
      mark: { type: 'rule', color: COLORS.floor, strokeDash: [2, 2], strokeWidth: 1.5 },
      encoding: { x, x2: { field: 'x2' }, y },
    });
  if (chart.fit)
    layers.push({
      name: 'fit',
      data: {
        values: [chart.fit.from, chart.fit.to].map((at) => ({ x: at, y: fitAt(chart.fit!, at) })),
      },
      mark: { type: 'line', color: COLORS.fit, strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: { x, y },
    });
  const values = { values: chart.values.map((v) => ({ x: v.index, y: v.y })) };
  layers.push(
    {
      name: 'metric',
      data: values,
      mark: { type: 'line', color: COLORS.metric, strokeWidth: 2 },
      encoding: { x, y },
    },
    {
      name: 'points',
      data: values,
      mark: { type: 'point', filled: true, size: 40, opacity: 1, color: COLORS.metric },
      encoding: { x, y },
    },
  );
  return renderSvg({ width: 300, height: 150, layer: layers } as TopLevelSpec);
}

/** A funnel stage: its label, rows and the disposition it belongs to (its colour). */
export interface Stage {
  stage: string;
  rows: number;
  group: keyof typeof COLORS;
}

/** The stages of a run's funnel, in the order shown: the source, then every disposition (by reason). */
export function funnelStages(f: Funnel): Stage[] {
  const byReason = (group: 'quarantined' | 'dead_lettered', label: string) =>
    f[group].length === 0
      ? [{ stage: label, rows: 0, group }]
      : f[group].map((r) => ({ stage: `${label}: ${oneLine(r.reason)}`, rows: r.rows, group }));
  return [
    { stage: 'source rows', rows: f.source, group: 'source' },
    { stage: 'promoted', rows: f.promoted, group: 'promoted' },
    ...byReason('quarantined', 'quarantined'),
    ...byReason('dead_lettered', 'dead-lettered'),
    { stage: 'held', rows: f.held, group: 'held' },
    ...(f.undisposed > 0
      ? [{ stage: 'no disposition', rows: f.undisposed, group: 'undisposed' as const }]
      : []),
  ];
}

/** The newest run's funnel as horizontal bars, one per stage, each labelled with its rows. */
export async function funnelChart(f: Funnel): Promise<string> {
  const stages = funnelStages(f);
  const groups = [...new Set(stages.map((s) => s.group))];
  const y = {
    field: 'stage',
    type: 'nominal' as const,
    sort: null,
    title: null,
    axis: { labelLimit: 260, ticks: false, domain: false },
  };
  return renderSvg({
    width: 360,
    height: { step: 22 },
    data: { values: stages },
    layer: [
      {
        name: 'bars',
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          y,
          x: { field: 'rows', type: 'quantitative', title: 'rows', axis: { format: 'd', tickMinStep: 1 } },
          color: {
            field: 'group',
            type: 'nominal',
            legend: null,
            scale: { domain: groups, range: groups.map((g) => COLORS[g]) },
          },
        },
      },
      {
        name: 'counts',
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#333' },
        encoding: { y, x: { field: 'rows', type: 'quantitative' }, text: { field: 'rows', format: ',d' } },
      },
    ],
  } as TopLevelSpec);
}

/** A cost part's label: its phase and model. */
export const partLabel = (p: Pick<CostPart, 'phase' | 'model'>) =>
  `${oneLine(p.phase)} · ${oneLine(p.model)}`;

/**
 * Cost per 1,000 good rows of each run, stacked by phase and model: each part's share of the
 * run's cost times the run's cost per good row.
 */
export async function costChart(
  parts: readonly CostPart[],
  runs: readonly { index: number; cost_usd: number; cost_per_good_row: number | null }[],
): Promise<string> {
  const byIndex = new Map(runs.map((r) => [r.index, r]));
  const values = parts.flatMap((p) => {
    const run = byIndex.get(p.index);
    if (!run || run.cost_per_good_row === null || run.cost_usd <= 0) return [];
    return [
      { run: p.index, part: partLabel(p), y: (1000 * p.cost_usd * run.cost_per_good_row) / run.cost_usd },
    ];
  });
  return renderSvg({
    width: 380,
    height: 150,
    data: { values },
    layer: [
      {
        name: 'cost_parts',
        mark: { type: 'bar' },
        encoding: {
          x: {
            field: 'run',
            type: 'ordinal',
            title: 'run of the job',
            axis: { labelAngle: 0 },
            scale: { paddingInner: 0.25, paddingOuter: 0.2 },
          },
          y: {
            field: 'y',
            type: 'quantitative',
            aggregate: 'sum',
            title: 'per 1,000 good rows',
            axis: { format: '$.4f', tickCount: 5 },
          },
          color: {
            field: 'part',
            type: 'nominal',
            title: null,
            scale: { scheme: 'tableau10' },
            legend: { orient: 'right', labelLimit: 400 },
          },
          order: { field: 'part' },
        },
      },
    ],
  } as TopLevelSpec);
}

const VERDICT_MARK = { pass: '✓', fail: '✗', not_applicable: '–' } as const;

/** Each scenario's verdict on each game day: a matrix of coloured cells, a mark in each. */
export async function gamedayChart(history: GamedayHistory): Promise<string> {
  const values = history.cells.map((c) => ({
    gameday: oneLine(c.gameday_id),
    scenario: oneLine(c.scenario),
    verdict: c.verdict,
    mark: VERDICT_MARK[c.verdict],
  }));
  const verdicts = ['pass', 'fail', 'not_applicable'] as const;
  const x = {
    field: 'gameday',
    type: 'ordinal' as const,
    title: 'game day',
    sort: history.gamedays.map((g) => oneLine(g.gameday_id)),
    axis: { labelAngle: -45, orient: 'top' as const, domain: false, ticks: false },
  };
  const y = {
    field: 'scenario',
    type: 'nominal' as const,
    title: null,
    sort: history.scenarios.map(oneLine),
    axis: { labelLimit: 240, domain: false, ticks: false },
  };
  return renderSvg({
    width: { step: 30 },
    height: { step: 22 },
    data: { values },
    layer: [
      {
        name: 'cells',
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          x,
          y,
          color: {
            field: 'verdict',
            type: 'nominal',
            legend: null,
            scale: { domain: [...verdicts], range: verdicts.map((v) => COLORS[v]) },
          },
        },
      },
      {
        name: 'verdicts',
        mark: { type: 'text', color: 'white', fontSize: 12, fontWeight: 'bold' },
        encoding: { x, y, text: { field: 'mark' } },
      },
    ],
  } as TopLevelSpec);
}
